/**
 * RFC 7512 PKCS#11 URIs for the libp11 OpenSSL engine. The PIN goes in the URI because libp11 would otherwise prompt
 * on the terminal: such a URI is a secret, kept in memory only and never logged.
 */
export function buildPkcs11KeyUri(input: {
  tokenLabel: string;
  objectIdHex?: string;
  objectLabel?: string;
  tokenSerial?: string;
  pin?: string;
}): string {
  const parts = [`token=${encodeAttribute(input.tokenLabel)}`];
  if (input.tokenSerial) parts.push(`serial=${encodeAttribute(input.tokenSerial)}`);
  if (input.objectLabel) parts.push(`object=${encodeAttribute(input.objectLabel)}`);
  if (input.objectIdHex) parts.push(`id=${input.objectIdHex.replace(/(..)/g, '%$1')}`);
  parts.push('type=private');
  if (input.pin !== undefined) parts.push(`pin-value=${encodeAttribute(input.pin)}`);
  return `pkcs11:${parts.join(';')}`;
}

function encodeAttribute(value: string): string {
  // Unreserved characters stay readable; everything else (including ';', '?', '%', spaces) is percent-encoded.
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** Removes the PIN from a URI before it appears in an error detail. */
export function redactPkcs11Uri(uri: string): string {
  return uri.replace(/pin-value=[^;?&]*/g, 'pin-value=***');
}
