/**
 * Certificates, trust anchors and smart cards (issue 4). Requests may carry a .p12 password or a PIN into main;
 * responses only ever carry metadata (anchors.md §9.2 rule 7): no key, no password, no PIN.
 */
import { z } from 'zod';
import type {
  CertificateSummary,
  SmartCardCertificate,
  SmartCardToken,
  TrustAnchorSummary,
} from '../../domain/certificates';
import { channel } from '../channel';

/** A .p12 is a few kilobytes; 600 000 base64 characters (~450 kB) leaves room without risking the IPC limit. */
const MAX_P12_BASE64 = 600_000;
const certificateId = z.string().regex(/^[0-9a-f-]{36}$/, 'identifiant de certificat attendu');
const password = z.string().max(512);
const pin = z.string().min(4).max(64);
const modulePath = z.string().trim().min(1).max(1024);

/** The .p12 to import: its bytes read in the renderer (file input), or a path on this computer (Electron dialog). */
export const certificateImportRequest = z
  .object({
    fileName: z.string().max(255).optional(),
    contentBase64: z
      .string()
      .max(MAX_P12_BASE64)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'contenu base64 attendu')
      .optional(),
    filePath: z.string().min(1).max(4096).optional(),
    password,
    rememberPassword: z.boolean().default(false),
    label: z.string().trim().max(120).optional(),
  })
  .strict()
  .refine((r) => (r.contentBase64 === undefined) !== (r.filePath === undefined), {
    message: 'un fichier (contenu ou chemin) attendu',
    path: ['contentBase64'],
  });

export interface SmartCardModuleConfig {
  /** Paths tried for this environment, in order (CPS middleware by default, editable). */
  readonly modulePaths: readonly string[];
  /** Those that exist on this computer. */
  readonly availablePaths: readonly string[];
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
  'trust-anchors:import': channel<TrustAnchorSummary[]>()(
    z.object({ fileName: z.string().max(255).optional(), pemText: z.string().min(1).max(400_000) }).strict(),
  ),
  'trust-anchors:remove': channel<{ removed: true }>()(
    z.object({ sha256Fingerprint: z.string().regex(/^[0-9A-Fa-f:]{64,95}$/) }).strict(),
  ),

  'smartcards:config': channel<SmartCardModuleConfig>()(z.object({}).strict()),
  'smartcards:set-modules': channel<SmartCardModuleConfig>()(
    z.object({ modulePaths: z.array(modulePath).max(10) }).strict(),
  ),
  'smartcards:tokens': channel<SmartCardToken[]>()(z.object({ modulePath }).strict()),
  'smartcards:certificates': channel<SmartCardCertificate[]>()(
    z.object({ modulePath, tokenSerial: z.string().min(1).max(64) }).strict(),
  ),
  /** Registers a card certificate (metadata and key object id only) and selects it for the environment. */
  'smartcards:register': channel<CertificateSummary>()(
    z
      .object({
        modulePath,
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
