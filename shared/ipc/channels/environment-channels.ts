/**
 * Environments (Paramètres) and the connection check. The client secret goes in only (write-only): responses say
 * whether it is set, never what it is; a proxy URL comes back with its credentials masked.
 */
import { z } from 'zod';
import { ENVIRONMENT_IDS, type ConnectionCheckReport, type EnvironmentSummary } from '../../domain/environments';
import { SDO_VERSION_IDS, TERMINOLOGY_RELEASE_PATTERN } from '../../domain/sdo-versions';
import { channel } from '../channel';

const environmentId = z.enum(ENVIRONMENT_IDS);
const url = z.string().trim().max(2048);

export interface EnvironmentSwitchResult {
  readonly activeId: (typeof ENVIRONMENT_IDS)[number];
  /** The running session keeps its database and connection until Référent VT restarts. */
  readonly restartRequired: boolean;
  /** French sentence for the user. */
  readonly message: string;
}

export const environmentChannels = {
  'environments:list': channel<EnvironmentSummary[]>()(z.object({}).strict()),
  /** Without id: the environment of this session. */
  'environments:get': channel<EnvironmentSummary>()(z.object({ id: environmentId.optional() }).strict()),
  'environments:update': channel<EnvironmentSummary>()(
    z
      .object({
        id: environmentId,
        fhirBaseUrl: url.optional(),
        tokenUrl: url.optional(),
        clientId: z.string().trim().max(200).optional(),
        /** Write-only. A non-empty value replaces the stored secret; use clearClientSecret to remove it. */
        clientSecret: z.string().min(1).max(1024).optional(),
        clearClientSecret: z.boolean().optional(),
        igVersion: z.enum(SDO_VERSION_IDS).optional(),
        /** The terminology release ViaTrajectoire expects when ahead of the guide's; null: the guide's. */
        terminologyRelease: z.string().regex(TERMINOLOGY_RELEASE_PATTERN).nullable().optional(),
        proxy: z
          .object({ mode: z.enum(['system', 'manual', 'none']), url: url.optional() })
          .strict()
          .optional(),
      })
      .strict(),
  ),
  /** Makes another environment the active one; it takes effect at the next start (see EnvironmentSwitchResult). */
  'environments:switch': channel<EnvironmentSwitchResult>()(z.object({ id: environmentId }).strict()),
  /**
   * Certificate → TLS → token → one harmless search per EG of the token, for this session's environment.
   * `password` is used once when the certificate's password is not remembered; a card needs smartcards:unlock first.
   */
  'connection:check': channel<ConnectionCheckReport>()(z.object({ password: z.string().max(512).optional() }).strict()),
} as const;
