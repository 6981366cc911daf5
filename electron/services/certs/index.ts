export {
  parseCertificate,
  type ParsedCertificate,
  expiryWarning,
  EXPIRY_WARNING_DAYS,
  assertCurrentlyValid,
  assertClientAuthUsage,
  assertChainsToAnchors,
} from './certificate-metadata';
export { readPkcs12, validateClientCertificate, splitPemCertificates, type Pkcs12Contents } from './pkcs12-file';
export { CertificateRegistry, type CertificateRegistryOptions, type SmartCardReference } from './certificate-registry';
export { TrustAnchorStore } from './trust-anchor-store';
export {
  Pkcs11Module,
  Pkcs11LoggedInSession,
  mapPkcs11Error,
  verifySha256RsaSignature,
  SOFTHSM2_MODULE_PATH,
  type SmartCardCertificateWithPem,
} from './pkcs11/pkcs11-module';
export {
  standardPkcs11ModulePaths,
  offeredPkcs11Modules,
  resolveOfferedPkcs11Module,
  pkcs11ModuleProblem,
  assertLoadablePkcs11Module,
  pkcs11ModuleId,
  MODULE_REFUSED,
  type OfferedPkcs11Module,
} from './pkcs11/module-locations';
export { buildPkcs11KeyUri, redactPkcs11Uri } from './pkcs11/pkcs11-uri';
export { configurePkcs11Engine, DEFAULT_OPENSSL_ENGINES_DIR } from './pkcs11/pkcs11-engine';
export { prepareCardClientCertificate } from './pkcs11/card-key';
export { selectClientCertificate, type ClientCertificateSelection } from './client-certificate-selection';
