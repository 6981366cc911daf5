/**
 * Messages written by the sync and the journal name establishments by their FINESS and carry rule names for
 * support. Shown to the referent, the establishment goes by its name (resolved when read: names change, and none is
 * stored in a message) and the rule goes to the "détail technique".
 */

/** A FINESS number standing alone (9 characters; Corsica's départements 2A and 2B). */
const FINESS = /(?<![\w-])(?:\d{2}|2A|2B)\d{7}(?![\w-])/g;
/** "(règle entree-sans-id)" or ", règle entree-sans-id)" as the sync writes them. */
const RULE = /(\s*\(|,\s*)règle ([\w-]+)\)/g;

export type EstablishmentNames = (finess: string) => string | undefined;

/** The text with each known establishment's FINESS replaced by its name. */
export function withEstablishmentNames(text: string, nameOf: EstablishmentNames): string {
  return text.replace(FINESS, (finess) => nameOf(finess) ?? finess);
}

/** A sync or journal message in the referent's words, and what goes to the "détail technique" (null if nothing). */
export function inReferentWords(
  message: string,
  nameOf: EstablishmentNames,
): { readonly text: string; readonly technical: string | null } {
  const rules: string[] = [];
  const withoutRules = message.replace(RULE, (_match, opening: string, rule: string) => {
    rules.push(`règle ${rule}`);
    // "(EG x, règle y)" keeps its "(EG x)"; "(règle y)" goes entirely.
    return opening.trim() === '(' ? '' : ')';
  });
  return {
    text: withEstablishmentNames(withoutRules, nameOf),
    technical: rules.length > 0 ? rules.join(' ; ') : null,
  };
}
