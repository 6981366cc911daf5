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
  defaultPkcs11ModulePaths,
  availablePkcs11Modules,
  verifySha256RsaSignature,
  SOFTHSM2_MODULE_PATH,
  type SmartCardCertificateWithPem,
} from './pkcs11/pkcs11-module';
export { buildPkcs11KeyUri, redactPkcs11Uri } from './pkcs11/pkcs11-uri';
export { configurePkcs11Engine, DEFAULT_OPENSSL_ENGINES_DIR } from './pkcs11/pkcs11-engine';
export { prepareCardClientCertificate } from './pkcs11/card-key';
export { selectClientCertificate, type ClientCertificateSelection } from './client-certificate-selection';
