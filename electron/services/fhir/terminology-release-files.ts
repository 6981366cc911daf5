/**
 * Terminology releases an environment adds without a new build: JSON files in `<environment folder>/terminologies/`,
 * one release each (shape: terminologyReleaseSchema). A file that cannot be read or does not fit is set aside with
 * a French reason; the others and the built-in releases stay usable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SDO_SETTINGS, type SdoSettings } from '@shared/domain/sdo-versions';
import {
  BUILTIN_TERMINOLOGY,
  terminologyReleaseSchema,
  type TerminologyCatalog,
  type TerminologyReleaseFile,
} from '@shared/terminology/terminology-catalog';

/** What a resource is built and checked against on an environment: the guide's release and the code lists. */
export interface SdoContext extends SdoSettings {
  readonly terminology: TerminologyCatalog;
}

export const TERMINOLOGY_FOLDER = 'terminologies';

/** A release file of more than this is not a release of the few lists the product uses. */
const MAX_RELEASE_FILE_BYTES = 2 * 1024 * 1024;

export interface RejectedReleaseFile {
  readonly file: string;
  readonly reason: string;
}

export interface LoadedTerminology {
  readonly catalog: TerminologyCatalog;
  readonly rejected: readonly RejectedReleaseFile[];
}

export function loadTerminologyCatalog(environmentDir: string): LoadedTerminology {
  const dir = path.join(environmentDir, TERMINOLOGY_FOLDER);
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return { catalog: BUILTIN_TERMINOLOGY, rejected: [] };
  }
  const accepted: TerminologyReleaseFile[] = [];
  const rejected: RejectedReleaseFile[] = [];
  for (const file of names) {
    const reason = readRelease(path.join(dir, file), accepted);
    if (reason) rejected.push({ file, reason });
  }
  return { catalog: BUILTIN_TERMINOLOGY.with(accepted), rejected };
}

/** Adds the file's release to `accepted`, or says why not. */
function readRelease(file: string, accepted: TerminologyReleaseFile[]): string | undefined {
  let raw: unknown;
  try {
    if (fs.statSync(file).size > MAX_RELEASE_FILE_BYTES) return 'fichier trop volumineux';
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return 'fichier illisible (JSON attendu)';
  }
  const parsed = terminologyReleaseSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `format inattendu (${issue?.path.join('.') || 'racine'} : ${issue?.message ?? 'valeur refusée'})`;
  }
  try {
    BUILTIN_TERMINOLOGY.with([...accepted, parsed.data]);
  } catch (e) {
    return e instanceof Error ? e.message : 'version incohérente';
  }
  accepted.push(parsed.data);
  return undefined;
}

/** The default release and the built-in code lists (tests, tools without an environment). */
export const DEFAULT_SDO_CONTEXT: SdoContext = { ...DEFAULT_SDO_SETTINGS, terminology: BUILTIN_TERMINOLOGY };

/** The context a sync thread works in, from the releases its starter read in the environment's settings. */
export function sdoContextOf(settings: (SdoSettings & { readonly environmentDir: string }) | undefined): SdoContext {
  if (!settings) return DEFAULT_SDO_CONTEXT;
  return {
    profileVersion: settings.profileVersion,
    terminologyRelease: settings.terminologyRelease,
    terminology: loadTerminologyCatalog(settings.environmentDir).catalog,
  };
}
