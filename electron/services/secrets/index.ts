export { writeFileAtomicSync, SerialQueue } from './atomic-file';
export {
  type SecretCipher,
  type SafeStorageLike,
  aesGcmEncrypt,
  aesGcmDecrypt,
  createKeyFileCipher,
  createSafeStorageCipher,
} from './secret-cipher';
export { type SecretStore, createFileSecretStore, createMemorySecretStore } from './file-secret-store';
export { type DatabaseKeyProvider, getOrCreateDatabaseKey, createDatabaseKeyProvider } from './database-key-provider';
