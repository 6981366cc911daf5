import { verify, X509Certificate } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import type { SmartCardCertificate, SmartCardToken } from '@shared/domain/certificates';
import { AppError } from '@shared/errors/app-error';
import { parseCertificate } from '../certificate-metadata';
import { assertLoadablePkcs11Module } from './module-locations';

export { SOFTHSM2_MODULE_PATH } from './module-locations';

export interface SmartCardCertificateWithPem extends SmartCardCertificate {
  readonly certPem: string;
}

const CKR = {
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  DEVICE_ERROR: 0x30,
  DEVICE_REMOVED: 0x32,
  SESSION_CLOSED: 0xb0,
  SESSION_HANDLE_INVALID: 0xb3,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  USER_ALREADY_LOGGED_IN: 0x100,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

/** Maps a PKCS#11 failure to our codes (French message, no PIN or card content in it). */
export function mapPkcs11Error(e: unknown, context: string): AppError {
  if (e instanceof AppError) return e;
  const code = e instanceof pkcs11js.Pkcs11Error ? e.code : undefined;
  const raw = e instanceof Error ? e.message : String(e);
  switch (code) {
    case CKR.PIN_INCORRECT:
    case CKR.PIN_INVALID:
    case CKR.PIN_LEN_RANGE:
      return new AppError('PKCS11_PIN_INCORRECT', 'Code PIN incorrect.', raw);
    case CKR.PIN_LOCKED:
    case CKR.PIN_EXPIRED:
      return new AppError(
        'PKCS11_PIN_LOCKED',
        'Le code PIN de la carte est bloqué. Débloquez-le avec le code de déblocage (PUK) avant de réessayer.',
        raw,
      );
    case CKR.DEVICE_REMOVED:
    case CKR.TOKEN_NOT_PRESENT:
    case CKR.TOKEN_NOT_RECOGNIZED:
    case CKR.SESSION_CLOSED:
    case CKR.SESSION_HANDLE_INVALID:
    case CKR.DEVICE_ERROR:
      return new AppError('PKCS11_CARD_REMOVED', 'La carte a été retirée ou n’est plus lisible. Réinsérez-la.', raw);
    default:
      return new AppError('PKCS11_MODULE_ERROR', `Erreur du lecteur de carte (${context}).`, raw);
  }
}

// One loaded + initialised instance per module path: C_Initialize/C_Finalize are per process and per library.
const loadedModules = new Map<string, { lib: pkcs11js.PKCS11; refs: number; ownsInitialization: boolean }>();

/**
 * A PKCS#11 module (CPS middleware, SoftHSM…). Lists tokens and certificates without a PIN; logs in with a PIN
 * that is passed through and never kept.
 */
export class Pkcs11Module {
  private closed = false;

  private constructor(
    readonly modulePath: string,
    private readonly lib: pkcs11js.PKCS11,
  ) {}

  static open(modulePath: string): Pkcs11Module {
    const cached = loadedModules.get(modulePath);
    if (cached) {
      cached.refs++;
      return new Pkcs11Module(modulePath, cached.lib);
    }
    // Loading runs the library's code in this process: only a file that passes the checks, right now.
    assertLoadablePkcs11Module(modulePath);
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(modulePath);
    } catch (e) {
      throw new AppError(
        'PKCS11_MODULE_ERROR',
        'Le module du lecteur de carte ne peut pas être chargé.',
        e instanceof Error ? e.message : String(e),
      );
    }
    let ownsInitialization = true;
    try {
      lib.C_Initialize();
    } catch (e) {
      // Someone else in the process (libp11's OpenSSL engine) already initialised this library: share it.
      if (!(e instanceof pkcs11js.Pkcs11Error && e.code === CKR.CRYPTOKI_ALREADY_INITIALIZED)) {
        throw mapPkcs11Error(e, 'initialisation');
      }
      ownsInitialization = false;
    }
    loadedModules.set(modulePath, { lib, refs: 1, ownsInitialization });
    return new Pkcs11Module(modulePath, lib);
  }

  /** Initialised tokens present in a slot (SoftHSM's empty "uninitialized" slot is skipped). */
  listTokens(): SmartCardToken[] {
    this.assertOpen();
    try {
      return this.lib.C_GetSlotList(true).flatMap((slot) => {
        const info = this.lib.C_GetTokenInfo(slot);
        if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) return [];
        const slotInfo = this.lib.C_GetSlotInfo(slot);
        return [
          {
            modulePath: this.modulePath,
            slotDescription: slotInfo.slotDescription.trim(),
            tokenLabel: info.label.trim(),
            tokenSerial: info.serialNumber.trim(),
            manufacturer: info.manufacturerID.trim(),
            model: info.model.trim(),
            loginRequired: (info.flags & pkcs11js.CKF_LOGIN_REQUIRED) !== 0,
            pinLocked: (info.flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0,
            pinFinalTry: (info.flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
            pinCountLow: (info.flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
          },
        ];
      });
    } catch (e) {
      throw mapPkcs11Error(e, 'liste des cartes');
    }
  }

  /** X.509 certificates of a token (public objects: no PIN needed), with their metadata. */
  readCertificates(token: { tokenLabel?: string; tokenSerial?: string }): SmartCardCertificateWithPem[] {
    const { slot, info } = this.findSlot(token);
    return this.withSession(
      slot,
      (session) => {
        const handles = this.findObjects(session, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
          { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        ]);
        return handles.flatMap((h) => {
          const [value, id, label] = this.lib.C_GetAttributeValue(session, h, [
            { type: pkcs11js.CKA_VALUE },
            { type: pkcs11js.CKA_ID },
            { type: pkcs11js.CKA_LABEL },
          ]);
          if (!Buffer.isBuffer(value?.value)) return [];
          let parsed;
          try {
            parsed = parseCertificate(value.value);
          } catch {
            return []; // a non-X.509 blob on the card is not ours to show
          }
          return [
            {
              ...parsed.metadata,
              tokenLabel: info.label.trim(),
              tokenSerial: info.serialNumber.trim(),
              objectIdHex: Buffer.isBuffer(id?.value) ? id.value.toString('hex') : '',
              objectLabel: Buffer.isBuffer(label?.value) ? label.value.toString('utf8') : '',
              certPem: parsed.pem,
            },
          ];
        });
      },
      'lecture des certificats',
    );
  }

  /** Opens a session and logs in; the PIN is used once and not kept. */
  login(token: { tokenLabel?: string; tokenSerial?: string }, pin: string): Pkcs11LoggedInSession {
    const { slot } = this.findSlot(token);
    let session: Buffer;
    try {
      session = this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    } catch (e) {
      throw mapPkcs11Error(e, 'ouverture de session');
    }
    try {
      this.lib.C_Login(session, pkcs11js.CKU_USER, pin);
    } catch (e) {
      if (!(e instanceof pkcs11js.Pkcs11Error && e.code === CKR.USER_ALREADY_LOGGED_IN)) {
        this.safeClose(session);
        throw mapPkcs11Error(e, 'saisie du code PIN');
      }
    }
    return new Pkcs11LoggedInSession(this.lib, session);
  }

  /** Releases this handle; the library is finalised when the last handle on it closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const cached = loadedModules.get(this.modulePath);
    if (!cached || --cached.refs > 0) return;
    loadedModules.delete(this.modulePath);
    // Finalising a library libp11 also uses would close its sessions under its feet.
    if (!cached.ownsInitialization) return;
    try {
      this.lib.C_Finalize();
      this.lib.close();
    } catch {
      // Finalising a module whose card was pulled may fail: nothing left to release.
    }
  }

  private findSlot(token: { tokenLabel?: string; tokenSerial?: string }): { slot: Buffer; info: pkcs11js.TokenInfo } {
    this.assertOpen();
    try {
      for (const slot of this.lib.C_GetSlotList(true)) {
        const info = this.lib.C_GetTokenInfo(slot);
        if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
        if (token.tokenSerial !== undefined && info.serialNumber.trim() !== token.tokenSerial) continue;
        if (token.tokenLabel !== undefined && info.label.trim() !== token.tokenLabel) continue;
        return { slot, info };
      }
    } catch (e) {
      throw mapPkcs11Error(e, 'recherche de la carte');
    }
    throw new AppError('PKCS11_NO_TOKEN', 'Aucune carte correspondante n’est insérée dans le lecteur.');
  }

  private withSession<T>(slot: Buffer, use: (session: Buffer) => T, context: string): T {
    let session: Buffer | undefined;
    try {
      session = this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      return use(session);
    } catch (e) {
      throw mapPkcs11Error(e, context);
    } finally {
      if (session) this.safeClose(session);
    }
  }

  private findObjects(session: Buffer, template: pkcs11js.Template): Buffer[] {
    this.lib.C_FindObjectsInit(session, template);
    try {
      const found: Buffer[] = [];
      for (;;) {
        const batch = this.lib.C_FindObjects(session, 32);
        found.push(...batch);
        if (batch.length < 32) return found;
      }
    } finally {
      this.lib.C_FindObjectsFinal(session);
    }
  }

  private safeClose(session: Buffer): void {
    try {
      this.lib.C_CloseSession(session);
    } catch {
      // already gone (card removed)
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('PKCS11_MODULE_ERROR', 'Le module du lecteur de carte a été fermé.');
  }
}

/** A logged-in session on a token: signs with the private key of a given CKA_ID. */
export class Pkcs11LoggedInSession {
  constructor(
    private readonly lib: pkcs11js.PKCS11,
    private readonly session: Buffer,
  ) {}

  /** RSA PKCS#1 v1.5 with SHA-256 (CKM_SHA256_RSA_PKCS) over `data`. */
  signSha256RsaPkcs1(objectIdHex: string, data: Buffer): Buffer {
    try {
      const key = this.privateKey(objectIdHex);
      this.lib.C_SignInit(this.session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
      return Buffer.from(this.lib.C_Sign(this.session, data, Buffer.alloc(1024)));
    } catch (e) {
      throw mapPkcs11Error(e, 'signature');
    }
  }

  logout(): void {
    try {
      this.lib.C_Logout(this.session);
    } catch {
      // not logged in any more (card removed)
    }
    try {
      this.lib.C_CloseSession(this.session);
    } catch {
      // already closed
    }
  }

  private privateKey(objectIdHex: string): Buffer {
    this.lib.C_FindObjectsInit(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(objectIdHex, 'hex') },
    ]);
    try {
      const [key] = this.lib.C_FindObjects(this.session, 1);
      if (!key) {
        throw new AppError('PKCS11_KEY_NOT_FOUND', 'La clé privée de ce certificat est introuvable sur la carte.');
      }
      return key;
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
  }
}

/** Checks a card signature against the certificate's public key (used to prove the key and certificate pair up). */
export function verifySha256RsaSignature(certPem: string, data: Buffer, signature: Buffer): boolean {
  return verify('sha256', data, new X509Certificate(certPem).publicKey, signature);
}
