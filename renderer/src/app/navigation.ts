/**
 * The sections of the application, in ViaTrajectoire's wording: the one list of them. screens.ts maps each path to
 * its screen through SectionPath, so a section without a screen (or the reverse) does not typecheck.
 */
export interface Section {
  readonly path: string;
  readonly label: string;
  /** Alt+key shortcut */
  readonly key: string;
  /** Shown only in this environment (the sandbox screen: local sandbox only). */
  readonly onlyIn?: string;
}

const SECTION_LIST = [
  { path: 'tableau-de-bord', label: 'Tableau de bord', key: '1' },
  { path: 'notifications', label: 'Notifications', key: '2' },
  { path: 'listes-attente', label: "Listes d'attente", key: '3' },
  { path: 'unites-ror', label: 'Unités ROR', key: '4' },
  { path: 'entites-geographiques', label: 'Entités géographiques', key: '5' },
  { path: 'certificats', label: 'Certificats', key: '6' },
  { path: 'synchronisation', label: 'Synchronisation', key: '7' },
  { path: 'journal', label: 'Journal', key: '8' },
  { path: 'parametres', label: 'Paramètres', key: '9' },
  { path: 'organisation', label: 'Organisation', key: 'o' },
  { path: 'raccordement', label: 'Raccordement', key: '0' },
  { path: 'nettoyage', label: 'Assistant de nettoyage', key: 'n' },
  { path: 'bac-a-sable', label: 'Bac à sable', key: 'b', onlyIn: 'sandbox-local' },
] as const satisfies readonly Section[];

export type SectionPath = (typeof SECTION_LIST)[number]['path'];

export const SECTIONS: readonly (Section & { readonly path: SectionPath })[] = SECTION_LIST;

export const DEFAULT_SECTION: SectionPath = 'tableau-de-bord';

/**
 * Route = "#/<section>[/<detail>][?<filters>]"; a hash router keeps app:// and the browser host alike. The query
 * carries a list's filters (a dashboard tile opens the list it counts).
 */
export function parseRoute(hash: string): { section: SectionPath; detail: string | undefined; query: string } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [section, detail] = path.split('/');
  const known = SECTIONS.find((s) => s.path === section);
  return {
    section: known ? known.path : DEFAULT_SECTION,
    detail: known ? detail : undefined,
    query: known ? query : '',
  };
}
