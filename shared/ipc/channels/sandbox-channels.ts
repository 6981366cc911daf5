/**
 * The "Bac à sable" screen (local sandbox environment only): the trainer plays the MDPH on the embedded sandbox.
 * A CDA comes as its bytes (base64), never as a path.
 */
import { z } from 'zod';
import {
  SANDBOX_BROKEN_ANSWER_IDS,
  SANDBOX_EVENT_IDS,
  SANDBOX_MAX_CDA_BYTES,
  type SandboxDecision,
  type SandboxOverview,
} from '../../domain/sandbox';
import { channel } from '../channel';

const finessEg = z.string().regex(/^[0-9][0-9AB]\d{7}$/, 'FINESS EG : 9 caractères');
const idNatDecision = z.string().min(1).max(64);

export interface SandboxActionResult {
  /** French sentence for the trainer. */
  readonly message: string;
  readonly idNatDecisions: readonly string[];
}

export const sandboxChannels = {
  'sandbox:overview': channel<SandboxOverview>()(z.object({}).strict()),
  'sandbox:generate': channel<SandboxActionResult>()(
    z.object({ finessEg, count: z.number().int().min(1).max(100) }).strict(),
  ),
  'sandbox:import-cda': channel<SandboxActionResult>()(
    z
      .object({
        fileName: z.string().max(255),
        cdaBase64: z
          .string()
          .max(Math.ceil(SANDBOX_MAX_CDA_BYTES / 3) * 4)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/),
        finessEgs: z.array(finessEg).min(1).max(10),
      })
      .strict(),
  ),
  'sandbox:event': channel<SandboxActionResult>()(
    z
      .object({
        event: z.enum(SANDBOX_EVENT_IDS),
        idNatDecision,
        finessEg: finessEg.optional(),
        description: z.string().trim().max(500).optional(),
      })
      .strict(),
  ),
  'sandbox:close-right': channel<SandboxActionResult & { readonly closure: SandboxDecision | null }>()(
    z.object({ idNatDecision }).strict(),
  ),
  'sandbox:set-faults': channel<Readonly<Record<string, number | string | boolean>>>()(
    z
      .object({
        faults: z.record(
          z.string().regex(/^[A-Za-z0-9]{1,40}$/),
          z.union([z.number().min(0).max(600_000), z.string().max(100_000), z.boolean()]),
        ),
      })
      .strict(),
  ),
  'sandbox:expire-tokens': channel<SandboxActionResult>()(z.object({}).strict()),
  /** The chosen decision's read answers a broken body of this kind, until removed (or once). */
  'sandbox:break-answer': channel<SandboxActionResult>()(
    z.object({ idNatDecision, kind: z.enum(SANDBOX_BROKEN_ANSWER_IDS), once: z.boolean() }).strict(),
  ),
  'sandbox:clear-broken-answers': channel<SandboxActionResult>()(z.object({}).strict()),
} as const;
