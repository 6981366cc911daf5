/**
 * `parse-cda <fichier>`: prints the JSON the sync would store for a CDA document, using the same parser.
 * Decision or evaluation is chosen from the document's templateId. Exit codes: 0 parsed, 1 invalid CDA, 2 unreadable.
 * The output is the document's content (personal data) on the caller's own terminal; nothing is logged elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { isAppError } from '@shared/errors/app-error';
import { isEvaluationCda, parseDecisionCda, parseEvaluationCda } from './decision-cda-parser';

export interface CommandOutput {
  log(line: string): void;
}

export async function runParseCdaCommand(filePath: string, out: CommandOutput): Promise<number> {
  let xml: string;
  try {
    xml = await readFile(filePath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    out.log(`Fichier illisible${code ? ` (${code})` : ''} : ${filePath}`);
    return 2;
  }
  try {
    const parsed = isEvaluationCda(xml) ? parseEvaluationCda(xml) : parseDecisionCda(xml);
    out.log(JSON.stringify(parsed, null, 2));
    return 0;
  } catch (e) {
    if (isAppError(e) && e.code === 'CDA_INVALID') {
      out.log(e.detail ? `${e.message} (${e.detail})` : e.message);
      return 1;
    }
    throw e;
  }
}
