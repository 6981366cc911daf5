export {
  EnvironmentStore,
  DEFAULT_ENVIRONMENTS,
  CLIENT_SECRET_NAME,
  environmentPaths,
  describeEnvironment,
  redactProxyCredentials,
  type EnvironmentPaths,
  type EnvironmentPatch,
} from './environment-store';
