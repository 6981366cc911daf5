/**
 * Certificates, trust anchors and smart cards (issue 4). Requests may carry a .p12 password or a PIN into main;
 * responses only ever carry metadata (docs/architecture.md §2): no key, no password, no PIN.
 */
import { z } from 'zod';
import {
  MAX_IMPORTED_FILE_BYTES,
  type CertificateSummary,
  type SmartCardCertificate,
  type SmartCardToken,
  type TrustAnchorSummary,
} from '../../domain/certificates';
import { channel } from '../channel';

/** Files come in as their bytes, read in the renderer (File API), within MAX_IMPORTED_FILE_BYTES. */
const fileContentBase64 = z
  .string()
  .min(1, 'fichier vide')
  .max(Math.ceil(MAX_IMPORTED_FILE_BYTES / 3) * 4, 'fichier trop volumineux')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'contenu base64 attendu');
const fileName = z.string().max(255).optional();
const certificateId = z.string().regex(/^[0-9a-f-]{36}$/, 'identifiant de certificat attendu');
const password = z.string().max(512);
const pin = z.string().min(4).max(64);
/** An offered PKCS#11 module, by the id main gave it (never a path: loading a module runs its code). */
const moduleId = z.string().regex(/^[0-9a-f]{16}$/, 'module proposé attendu');

/** The .p12 to import: its bytes, read in the renderer. */
export const certificateImportRequest = z
  .object({
    fileName,
    contentBase64: fileContentBase64,
    password,
    rememberPassword: z.boolean().default(false),
    label: z.string().trim().max(120).optional(),
  })
  .strict();

export interface SmartCardModuleOption {
  /** What the renderer sends back to name this module. */
  readonly id: string;
  /** For display. */
  readonly path: string;
  /** A standard middleware location found on this computer, or a file the operator chose. */
  readonly origin: 'standard' | 'choisi';
  /** False when a chosen file no longer passes the checks. */
  readonly usable: boolean;
}

export interface SmartCardModuleConfig {
  readonly modules: readonly SmartCardModuleOption[];
  /** Electron: another module is chosen through main's file dialog; the browser host takes a typed path. */
  readonly choice: 'dialogue' | 'chemin';
}

export interface SmartCardUnlockResult {
  /** The PIN is kept in memory for this session only (never written, never sent back). */
  readonly unlocked: boolean;
}

export const certificateChannels = {
  'certificates:list': channel<CertificateSummary[]>()(z.object({}).strict()),
  'certificates:get': channel<CertificateSummary>()(z.object({ id: certificateId }).strict()),
  'certificates:import': channel<CertificateSummary>()(certificateImportRequest),
  /** Remember the password (it is checked against the file first) or forget it. */
  'certificates:remember-password': channel<CertificateSummary>()(
    z
      .object({ id: certificateId, remember: z.boolean(), password: password.optional() })
      .strict()
      .refine((r) => !r.remember || r.password !== undefined, { message: 'mot de passe requis', path: ['password'] }),
  ),
  'certificates:delete': channel<{ deleted: true }>()(z.object({ id: certificateId }).strict()),
  /** The certificate the current environment connects with. */
  'certificates:select': channel<{ certificateId: string }>()(z.object({ id: certificateId }).strict()),

  'trust-anchors:list': channel<TrustAnchorSummary[]>()(z.object({}).strict()),
  /** A CA file (PEM, one or more certificates, or DER), as its bytes. */
  'trust-anchors:import': channel<TrustAnchorSummary[]>()(
    z.object({ fileName, contentBase64: fileContentBase64 }).strict(),
  ),
  'trust-anchors:remove': channel<{ removed: true }>()(
    z.object({ sha256Fingerprint: z.string().regex(/^[0-9A-Fa-f:]{64,95}$/) }).strict(),
  ),

  'smartcards:config': channel<SmartCardModuleConfig>()(z.object({}).strict()),
  /** Electron: opens main's file dialog and adds the chosen module once checked (nothing when cancelled). */
  'smartcards:choose-module': channel<SmartCardModuleConfig>()(z.object({}).strict()),
  /** Browser host: the module path the operator typed, checked before it is offered. */
  'smartcards:add-module': channel<SmartCardModuleConfig>()(
    z.object({ path: z.string().trim().min(1).max(1024) }).strict(),
  ),
  'smartcards:remove-module': channel<SmartCardModuleConfig>()(z.object({ moduleId }).strict()),
  'smartcards:tokens': channel<SmartCardToken[]>()(z.object({ moduleId }).strict()),
  'smartcards:certificates': channel<SmartCardCertificate[]>()(
    z.object({ moduleId, tokenSerial: z.string().min(1).max(64) }).strict(),
  ),
  /** Registers a card certificate (metadata and key object id only) and selects it for the environment. */
  'smartcards:register': channel<CertificateSummary>()(
    z
      .object({
        moduleId,
        tokenSerial: z.string().min(1).max(64),
        objectIdHex: z
          .string()
          .regex(/^[0-9a-f]*$/i)
          .max(256),
        label: z.string().trim().max(120).optional(),
      })
      .strict(),
  ),
  /** Checks the PIN on the card and keeps it in memory for this session (needed to connect with the card). */
  'smartcards:unlock': channel<SmartCardUnlockResult>()(z.object({ id: certificateId, pin }).strict()),
  'smartcards:lock': channel<SmartCardUnlockResult>()(z.object({ id: certificateId }).strict()),
} as const;
