import type { RequestOf } from '@shared/ipc/contract';

type Filter = RequestOf<'notifications:list'>;

/** The work list's filters a link can carry (a dashboard tile opens the list it counts), in French words. */
export interface WorklistLink {
  readonly aTraiter?: boolean;
  readonly esmsStatus?: string;
  readonly unitStatus?: string;
  readonly validity?: Filter['validity'];
}

const VALIDITIES: readonly NonNullable<Filter['validity']>[] = ['valide', 'bientot', 'expiree', 'inconnue'];

export function worklistHref(link: WorklistLink): string {
  const params = new URLSearchParams();
  if (link.aTraiter) params.set('a-traiter', '1');
  if (link.esmsStatus) params.set('statut', link.esmsStatus);
  if (link.unitStatus) params.set('statut-unite', link.unitStatus);
  if (link.validity) params.set('validite', link.validity);
  const query = params.toString();
  return `#/notifications${query ? `?${query}` : ''}`;
}

/** The filter a link asks for; unknown or malformed parameters are ignored. */
export function filterFromQuery(query: string | undefined): Partial<Filter> {
  const params = new URLSearchParams(query ?? '');
  const code = (name: string) => {
    const v = params.get(name);
    return v && /^\d{1,4}$/.test(v) ? v : undefined;
  };
  const validity = VALIDITIES.find((v) => v === params.get('validite'));
  return {
    ...(params.get('a-traiter') === '1' ? { aTraiter: true } : {}),
    ...(code('statut') ? { esmsStatus: code('statut') } : {}),
    ...(code('statut-unite') ? { unitStatus: code('statut-unite') } : {}),
    ...(validity ? { validity } : {}),
  };
}
