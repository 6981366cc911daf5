/**
 * The referent's actions, by id: ActionId and the IPC contract's zod enum both derive from this list (its own module,
 * so the contract does not pull the action table in). What each action does is in referent-actions.ts.
 */
export const ACTION_IDS = [
  'marquer-lue',
  'contact-effectue',
  'demande-admission',
  'declarer-admissible',
  'prononcer-admission',
  'modifier-proposition',
  'debut-periode-essai',
  'periode-essai-non-concluante',
  'entree-usager',
  'changement-unite',
  'sortie-usager',
  'retirer-liste-attente',
  'admission-impossible',
  'demande-reorientation',
] as const;

export type ActionId = (typeof ACTION_IDS)[number];
