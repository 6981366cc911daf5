/** Certificate store and smart cards (owned by electron/services/certs). */
export type CertificateErrorCode =
  | 'CERT_WRONG_PASSWORD'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_UNKNOWN_CA'
  | 'CERT_WRONG_KEY_USAGE'
  | 'CERT_UNREADABLE'
  | 'CERT_NOT_FOUND'
  | 'CERT_NO_FINESS'
  | 'PKCS11_MODULE_ERROR'
  | 'PKCS11_NO_TOKEN'
  | 'PKCS11_PIN_INCORRECT'
  | 'PKCS11_PIN_LOCKED'
  | 'PKCS11_CARD_REMOVED';
