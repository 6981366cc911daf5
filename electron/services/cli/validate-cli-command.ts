/**
 * `npx referent-vt validate`: the options of the command line. The check itself is fhir/validate-command.ts.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SDO_VERSION_IDS, isSdoVersion } from '@shared/domain/sdo-versions';
import { EnvironmentStore } from '../environments/environment-store';
import { loadTerminologyCatalog, runValidateCommand, type ValidateOptions } from '../fhir';

const USAGE = `Usage : npx referent-vt validate <fichier.json> [--profile-version ${SDO_VERSION_IDS.join('|')}] [--terminologies x.y.z] [--data <dossier>]`;

/**
 * The command line: `--data` takes the guide and terminology releases of the data folder's current environment
 * (and its own terminology files); `--profile-version` and `--terminologies` override them.
 */
export async function validateCommand(args: string[], out: { log(line: string): void }): Promise<number> {
  let values: { 'profile-version'?: string; terminologies?: string; data?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'profile-version': { type: 'string' },
        terminologies: { type: 'string' },
        data: { type: 'string' },
      },
    }));
  } catch {
    out.log(USAGE);
    return 2;
  }
  const [file] = positionals;
  const version = values['profile-version'];
  if (!file || positionals.length > 1 || (version !== undefined && !isSdoVersion(version))) {
    out.log(USAGE);
    return 2;
  }
  let options: Omit<ValidateOptions, 'profileUrl'> = {};
  if (values.data) {
    try {
      const store = new EnvironmentStore(path.resolve(values.data));
      const id = store.activeId();
      const settings = store.get(id);
      options = {
        profileVersion: settings.igVersion,
        ...(settings.terminologyRelease ? { terminologyRelease: settings.terminologyRelease } : {}),
        terminology: loadTerminologyCatalog(store.paths(id).dataDir).catalog,
      };
    } catch (e) {
      out.log(`Erreur : ${e instanceof Error ? e.message : String(e)}`);
      return 2;
    }
  }
  if (version !== undefined && isSdoVersion(version)) options = { ...options, profileVersion: version };
  if (values.terminologies) options = { ...options, terminologyRelease: values.terminologies };
  return runValidateCommand(file, out, options);
}
