import { describe, expect, it } from 'vitest';
import { filterFromQuery, worklistHref } from './worklist-route';

describe('work list links', () => {
  it('round-trips the filters a dashboard tile carries', () => {
    const href = worklistHref({ aTraiter: true, validity: 'bientot', unitStatus: '186', esmsStatus: '39' });
    expect(href).toBe('#/notifications?a-traiter=1&statut=39&statut-unite=186&validite=bientot');
    expect(filterFromQuery(href.split('?')[1])).toEqual({
      aTraiter: true,
      esmsStatus: '39',
      unitStatus: '186',
      validity: 'bientot',
    });
    expect(worklistHref({})).toBe('#/notifications');
  });

  it('ignores what is not a known filter value', () => {
    expect(filterFromQuery('statut=DROP&validite=demain&a-traiter=oui')).toEqual({});
    expect(filterFromQuery(undefined)).toEqual({});
  });
});
