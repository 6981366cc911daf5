import type { SmartCardReference } from '../certificate-registry';
import { Pkcs11Module } from './pkcs11-module';
import { buildPkcs11KeyUri } from './pkcs11-uri';

/**
 * The client-certificate material of a card for the Node transport. The PIN is checked through pkcs11js first:
 * libp11 prints the whole key URI, PIN included, to stderr when its own login fails, and maps errors less precisely
 * (PIN locked, card removed). The returned URI carries the PIN: keep it in memory for the transport only.
 */
export function prepareCardClientCertificate(
  reference: SmartCardReference,
  pin: string,
): { kind: 'pkcs11'; certPem: string; pkcs11Uri: string } {
  const module = Pkcs11Module.open(reference.modulePath);
  try {
    const token = { tokenLabel: reference.tokenLabel, tokenSerial: reference.tokenSerial };
    module.login(token, pin).logout();
  } finally {
    module.close();
  }
  return {
    kind: 'pkcs11',
    certPem: reference.certPem,
    pkcs11Uri: buildPkcs11KeyUri({
      tokenLabel: reference.tokenLabel,
      tokenSerial: reference.tokenSerial,
      objectIdHex: reference.objectIdHex,
      pin,
    }),
  };
}
