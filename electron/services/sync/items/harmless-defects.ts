/**
 * The one list of defects that cannot change the meaning of a decision: an item whose only defects are in this
 * list can be taken in by the referent ("Importer quand même", journaled with their confirmation). Everything else
 * (identity, resource type, CDA content, size, profile structure, codes) can never be imported anyway.
 */
export const HARMLESS_DEFECTS: Readonly<Record<string, string>> = {
  // The attachment's media type is a label for display; the product reads `data` as the CDA XML it parses and
  // checks itself, so a missing contentType changes nothing of what is stored or shown.
  'att-1': 'Type de contenu (contentType) de la pièce jointe absent : le CDA est lu et contrôlé tel quel.',
  // The narrative is a human-readable summary; the product never reads it, everything comes from the CDA. (dom-6 is
  // a warning in FHIR R4: listed so that a stricter validation setting never blocks a decision for it.)
  'dom-6': 'Résumé lisible (narratif) absent : le logiciel ne le lit pas, tout vient du CDA.',
};

export function onlyHarmlessDefects(rules: readonly string[]): boolean {
  return rules.length > 0 && rules.every((rule) => Object.hasOwn(HARMLESS_DEFECTS, rule));
}
