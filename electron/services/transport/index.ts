export type {
  SdoRequest,
  SdoResponse,
  Transport,
  AccessToken,
  ClientCertificateMaterial,
  NodeTransportConfig,
} from './transport';
export { createNodeTransport, type TlsProbe } from './node-transport';
export { TransportError, mapNetworkError } from './transport-error';
export { parseTokenResponse } from './token-response';
export { resolveProxy } from './proxy-config';
export { checkConnection, type ConnectionCheckDeps } from './connection-check';
export { formatInstantForQuery, decisionSearchPath } from './fhir-query';
