import { AppError } from '@shared/errors/app-error';

/**
 * Failures raised while building a TLS context from the certificate material (wrong .p12 password, card PIN, removed
 * card, unusable key): the certificate store checks a .p12 with it, the transport maps its own TLS set-up with it.
 */
export function mapSecureContextError(error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (/mac verify failure|invalid password|bad decrypt/i.test(message)) {
    return new AppError('CERT_WRONG_PASSWORD', 'Le mot de passe du certificat est incorrect.');
  }
  if (/PIN incorrect/i.test(message)) return new AppError('PKCS11_PIN_INCORRECT', 'Code PIN incorrect.');
  if (/PIN locked|PIN_LOCKED/i.test(message)) {
    return new AppError(
      'PKCS11_PIN_LOCKED',
      'Le code PIN de la carte est bloqué. Débloquez-le avec le code de déblocage (PUK) avant de réessayer.',
    );
  }
  if (/token not present|device removed|no token/i.test(message)) {
    return new AppError('PKCS11_CARD_REMOVED', 'La carte a été retirée ou n’est plus lisible. Réinsérez-la.');
  }
  if (/engine|DSO|pkcs11/i.test(message)) {
    return new AppError(
      'PKCS11_MODULE_ERROR',
      'La clé de la carte ne peut pas être utilisée pour la connexion.',
      message,
    );
  }
  return new AppError(
    'CERT_UNREADABLE',
    'Le certificat ne peut pas être utilisé pour une connexion sécurisée.',
    message,
  );
}
