/**
 * `referent-vt validate <file>`: checks an SDO resource file (DocumentReference, Task, Consent, the two search
 * Bundles) as EVSClient would. Prints one line per issue, `severity path message (rule)`, then a summary.
 * Exit code: 0 valid, 1 not valid, 2 unreadable file.
 */
import { readFile } from 'node:fs/promises';
import { validateResource, type ValidateOptions } from './validation/resource-validator';

export interface CommandOutput {
  log(line: string): void;
}

export async function runValidateCommand(
  filePath: string,
  out: CommandOutput,
  options: Omit<ValidateOptions, 'profileUrl'> = {},
): Promise<number> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch {
    out.log(`Fichier illisible : ${filePath} (absent ou accès refusé).`);
    return 2;
  }
  let resource: unknown;
  try {
    resource = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    out.log(`Fichier illisible : ${filePath} n’est pas un JSON valide.`);
    return 2;
  }
  let result;
  try {
    result = validateResource(resource, options);
  } catch (e) {
    out.log(`Erreur : ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  for (const issue of result.issues) out.log(`${issue.severity} ${issue.path} ${issue.message} (${issue.rule})`);
  const errors = result.issues.filter((i) => i.severity === 'error').length;
  const profile = result.profile || 'aucun profil';
  out.log(
    result.valid
      ? `Ressource valide (profil ${profile}).`
      : `Ressource non valide : ${errors} erreur${errors > 1 ? 's' : ''} (profil ${profile}).`,
  );
  return result.valid ? 0 : 1;
}
