/**
 * `parse-cda <fichier>`: prints the JSON the sync would store for a CDA document, using the same parser.
 * Decision or evaluation is chosen from the document's templateId. Exit codes: 0 parsed, 1 invalid CDA (too large
 * included, refused before reading), 2 unreadable.
 * The output is the document's content (personal data) on the caller's own terminal; nothing is logged elsewhere.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAppError, type AppError } from '@shared/errors/app-error';
import { cdaSizeRefusal, isEvaluationCda, parseDecisionCda, parseEvaluationCda } from './decision-cda-parser';

export interface CommandOutput {
  log(line: string): void;
}

export async function runParseCdaCommand(filePath: string, out: CommandOutput): Promise<number> {
  let xml: string;
  try {
    // A file over the limit is refused before it is read into memory.
    const tooLarge = cdaSizeRefusal((await stat(filePath)).size);
    if (tooLarge) return refused(tooLarge, out);
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
    if (isAppError(e) && e.code === 'CDA_INVALID') return refused(e, out);
    throw e;
  }
}

function refused(e: AppError, out: CommandOutput): number {
  out.log(e.detail ? `${e.message} (${e.detail})` : e.message);
  return 1;
}
