/**
 * The guide and terminology releases of the session's environment, and the codes in force there (what the forms
 * offer). Changing them goes through environments:update (igVersion, terminologyRelease).
 */
import { z } from 'zod';
import type { SdoVersion } from '../../domain/sdo-versions';
import type { Concept } from '../../terminology/code-lists';
import { channel } from '../channel';

export interface TerminologyInForce {
  readonly igVersion: SdoVersion;
  /** The release resources are checked against: the guide's, or the one ViaTrajectoire expects when set. */
  readonly terminologyRelease: string;
  /** The release the guide pins. */
  readonly pinnedTerminologyRelease: string;
  /** Every release known on this environment (built-in and its own files), oldest first. */
  readonly knownTerminologyReleases: readonly string[];
  /** JDV_J264 modes a unit (and its Tasks) may carry. */
  readonly modesPriseCharge: readonly Concept[];
}

export const terminologyChannels = {
  'terminology:in-force': channel<TerminologyInForce>()(z.object({}).strict()),
} as const;
