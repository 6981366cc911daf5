import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from './action-ids';
import { motifsForStatut } from '../terminology/code-lists';
import {
  ActionNotAllowedError,
  REFERENT_ACTIONS,
  isFinished,
  offeredActions,
  planAction,
  rollUpEsmsStatus,
  trialPeriodAllowed,
  validityState,
  type ActionId,
  type NotificationState,
  type PlanContext,
  type UnitLineState,
} from './referent-actions';
import type { UnitIdentity } from './status-report';

const ESAT_UNIT = 1;
const ESAT_UNIT_2 = 2;
const ESRP_UNIT = 3;

const units = [
  { unitId: ESAT_UNIT, categorieOrganisation: '43' },
  { unitId: ESAT_UNIT_2, categorieOrganisation: '43' },
  { unitId: ESRP_UNIT, categorieOrganisation: '44' },
];

const identity = (id: number, cat: string): UnitIdentity => ({
  idUnite: `ROR-${id}`,
  nomUnite: `Unité ${id}`,
  categorieOrganisation: cat,
  modePriseCharge: '47',
});

const ctx: PlanContext = {
  idNatStruct: '1010000011',
  nomESMS: 'ESAT FICTIF',
  idDecision: 'DEC-1',
  idNatDecision: 'VT-1',
  unitIdentities: new Map([
    [ESAT_UNIT, identity(ESAT_UNIT, '43')],
    [ESAT_UNIT_2, identity(ESAT_UNIT_2, '43')],
    [ESRP_UNIT, identity(ESRP_UNIT, '44')],
  ]),
};

function state(
  esmsStatus: string,
  lines: UnitLineState[] = [],
  decisionCategory: string | null = '11.5',
): NotificationState {
  return { esmsStatus, unitLines: lines, decisionCategory, units };
}

const offeredIds = (s: NotificationState) => offeredActions(s).map((a) => a.id);
const only = (id: ActionId, s: NotificationState, input: Parameters<typeof planAction>[3]) =>
  planAction(s, ctx, id, input);
const D = '2026-03-02';

describe('the table', () => {
  it('holds the fourteen rows of docs/referent-actions.md, each motif list allowed by ASS_A32 for its status', () => {
    // One row per action id of the contract, in its order.
    expect(REFERENT_ACTIONS.map((a) => a.id)).toEqual([...ACTION_IDS]);
    for (const a of REFERENT_ACTIONS) {
      if (!a.motif) continue;
      const allowed = motifsForStatut(a.motif.statut).map((m) => m.code);
      expect(a.motif.codes.length, a.id).toBeGreaterThan(0);
      for (const code of a.motif.codes) expect(allowed, `${a.id} motif ${code}`).toContain(code);
    }
  });
});

describe('planAction, row by row', () => {
  it('Marquer comme lue sends 40 alone, only from 39', () => {
    const plan = only('marquer-lue', state('39'), { date: D });
    expect(plan.reports).toEqual([
      {
        idNatStruct: '1010000011',
        nomESMS: 'ESAT FICTIF',
        idDecision: 'DEC-1',
        idNatDecision: 'VT-1',
        statutESMS: '40',
        dateStatutESMS: D,
      },
    ]);
    expect(offeredIds(state('40'))).not.toContain('marquer-lue');
  });

  it('Contact effectué sends 41 with an ESMS motif, from 39 and 40 only', () => {
    const plan = only('contact-effectue', state('40'), { date: D, motif: '151' });
    expect(plan.reports[0]).toMatchObject({ statutESMS: '41', motifESMS: '151', dateStatutESMS: D });
    expect(() => only('contact-effectue', state('40'), { date: D })).toThrow(ActionNotAllowedError);
    expect(() => only('contact-effectue', state('40'), { date: D, motif: '86' })).toThrow(ActionNotAllowedError);
    expect(offeredIds(state('41'))).not.toContain('contact-effectue');
  });

  it("Demande d'admission reçue sends 42 + 182 with the unit block", () => {
    const plan = only('demande-admission', state('41'), { date: D, unitId: ESAT_UNIT });
    expect(plan.reports).toHaveLength(1);
    expect(plan.reports[0]).toMatchObject({
      statutESMS: '42',
      dateStatutESMS: D,
      statutUnite: '182',
      dateStatutUnite: D,
      unit: ctx.unitIdentities.get(ESAT_UNIT),
    });
    expect(plan.esmsStatus).toBe('42');
  });

  it('a second unit request keeps the rolled-up ESMS status and sends the unit status only', () => {
    const plan = only('demande-admission', state('71', [{ unitId: ESAT_UNIT, status: '184' }]), {
      date: D,
      unitId: ESAT_UNIT_2,
    });
    expect(plan.reports[0]?.statutESMS).toBeUndefined();
    expect(plan.reports[0]?.statutUnite).toBe('182');
    const offer = offeredActions(state('71', [{ unitId: ESAT_UNIT, status: '184' }])).find(
      (a) => a.id === 'demande-admission',
    );
    expect(offer?.sourceUnits).toEqual([ESAT_UNIT_2, ESRP_UNIT]);
  });

  it('Déclarer admissible sends 72 + 183, only where the unit is 182', () => {
    const s = state('42', [{ unitId: ESAT_UNIT, status: '182' }]);
    expect(only('declarer-admissible', s, { date: D, unitId: ESAT_UNIT }).reports[0]).toMatchObject({
      statutESMS: '72',
      statutUnite: '183',
    });
    expect(() => only('declarer-admissible', s, { date: D, unitId: ESAT_UNIT_2 })).toThrow(ActionNotAllowedError);
  });

  it("Prononcer l'admission sends 71 + 184 from 182 or 183", () => {
    for (const from of ['182', '183']) {
      const plan = only('prononcer-admission', state('72', [{ unitId: ESAT_UNIT, status: from }]), {
        date: D,
        unitId: ESAT_UNIT,
      });
      expect(plan.reports[0]).toMatchObject({ statutESMS: '71', statutUnite: '184' });
    }
  });

  it('Modifier une proposition U → V sends two Tasks: 180 (motif 100/112) in U, then 184 in V, ESMS unchanged', () => {
    const s = state('71', [{ unitId: ESAT_UNIT, status: '184' }]);
    const plan = only('modifier-proposition', s, {
      date: D,
      unitId: ESAT_UNIT,
      targetUnitId: ESAT_UNIT_2,
      motif: '100',
    });
    expect(plan.reports).toHaveLength(2);
    expect(plan.reports[0]).toMatchObject({ statutUnite: '180', motifUnite: '100', unit: { idUnite: 'ROR-1' } });
    expect(plan.reports[1]).toMatchObject({ statutUnite: '184', unit: { idUnite: 'ROR-2' } });
    expect(plan.reports[1]?.motifUnite).toBeUndefined();
    expect(plan.reports.every((r) => r.statutESMS === undefined)).toBe(true);
    expect(plan.esmsStatus).toBe('71');
    expect(() =>
      only('modifier-proposition', s, { date: D, unitId: ESAT_UNIT, targetUnitId: ESAT_UNIT_2, motif: '95' }),
    ).toThrow(ActionNotAllowedError);
  });

  it("Début de période d'essai sends 43 + 185 for an ESAT", () => {
    const plan = only('debut-periode-essai', state('71', [{ unitId: ESAT_UNIT, status: '184' }]), {
      date: D,
      unitId: ESAT_UNIT,
    });
    expect(plan.reports[0]).toMatchObject({ statutESMS: '43', statutUnite: '185' });
  });

  it("Période d'essai non concluante sends 44 + 181 with motif 84/85", () => {
    const plan = only('periode-essai-non-concluante', state('43', [{ unitId: ESAT_UNIT, status: '185' }]), {
      date: D,
      unitId: ESAT_UNIT,
      motif: '85',
    });
    expect(plan.reports[0]).toMatchObject({ statutESMS: '44', statutUnite: '181', motifUnite: '85' });
  });

  it("Entrée de l'usager sends 47 + 186 from 184 or 185", () => {
    for (const from of ['184', '185']) {
      const plan = only('entree-usager', state('71', [{ unitId: ESAT_UNIT, status: from }]), {
        date: D,
        unitId: ESAT_UNIT,
      });
      expect(plan.reports[0]).toMatchObject({ statutESMS: '47', statutUnite: '186' });
    }
  });

  it("Entrée de l'usager closes the other open lines (180 motif 100, a trial 181 motif 85) unless the referent keeps one", () => {
    const s = state('71', [
      { unitId: ESAT_UNIT, status: '184' },
      { unitId: ESAT_UNIT_2, status: '184' },
      { unitId: ESRP_UNIT, status: '185' },
    ]);
    const plan = only('entree-usager', s, { date: D, unitId: ESAT_UNIT });
    expect(
      plan.reports.map((r) => [r.statutESMS, r.statutUnite, r.motifUnite, r.unit?.idUnite, r.dateStatutUnite]),
    ).toEqual([
      ['47', '186', undefined, 'ROR-1', D],
      [undefined, '180', '100', 'ROR-2', D],
      [undefined, '181', '85', 'ROR-3', D],
    ]);
    expect(plan.closable.map((c) => [c.unitId, c.statut, c.motif, c.kept])).toEqual([
      [ESAT_UNIT_2, '180', '100', false],
      [ESRP_UNIT, '181', '85', false],
    ]);
    expect([...plan.unitLines].sort((a, b) => a.unitId - b.unitId)).toEqual([
      { unitId: ESAT_UNIT, status: '186' },
      { unitId: ESAT_UNIT_2, status: '180' },
      { unitId: ESRP_UNIT, status: '181' },
    ]);
    expect(plan.esmsStatus).toBe('47');

    // Unticked: the line stays open, still listed as proposed.
    const kept = only('entree-usager', s, { date: D, unitId: ESAT_UNIT, keepOpenUnitIds: [ESAT_UNIT_2] });
    expect(kept.reports.map((r) => r.unit?.idUnite)).toEqual(['ROR-1', 'ROR-3']);
    expect(kept.closable.find((c) => c.unitId === ESAT_UNIT_2)?.kept).toBe(true);
    expect(kept.unitLines).toContainEqual({ unitId: ESAT_UNIT_2, status: '184' });
  });

  it('a refusal because admitted elsewhere (45 motif 119) closes the open lines; another motif leaves them', () => {
    const s = state('71', [
      { unitId: ESAT_UNIT, status: '184' },
      { unitId: ESAT_UNIT_2, status: '182' },
    ]);
    const plan = only('admission-impossible', s, { date: D, motif: '119' });
    expect(plan.reports.map((r) => [r.statutESMS, r.motifESMS, r.statutUnite, r.motifUnite])).toEqual([
      ['45', '119', undefined, undefined],
      [undefined, undefined, '180', '100'],
      [undefined, undefined, '180', '100'],
    ]);
    expect(plan.esmsStatus).toBe('45');
    expect(only('admission-impossible', s, { date: D, motif: '118' }).closable).toEqual([]);
  });

  it("Changement d'unité sends 188 motif 253 in U then 186 in V, ESMS stays 47", () => {
    const plan = only('changement-unite', state('47', [{ unitId: ESAT_UNIT, status: '186' }]), {
      date: D,
      unitId: ESAT_UNIT,
      targetUnitId: ESAT_UNIT_2,
    });
    expect(plan.reports.map((r) => [r.statutESMS, r.statutUnite, r.motifUnite, r.unit?.idUnite])).toEqual([
      [undefined, '188', '253', 'ROR-1'],
      [undefined, '186', undefined, 'ROR-2'],
    ]);
    expect(plan.esmsStatus).toBe('47');
  });

  it("Sortie de l'usager sends 48 + 188 with an ASS_A32 motif", () => {
    const plan = only('sortie-usager', state('47', [{ unitId: ESAT_UNIT, status: '186' }]), {
      date: D,
      unitId: ESAT_UNIT,
      motif: '89',
    });
    expect(plan.reports[0]).toMatchObject({ statutESMS: '48', statutUnite: '188', motifUnite: '89' });
    expect(plan.reports[0]?.motifESMS).toBeUndefined();
  });

  it("Retirer de la liste d'attente sends 180 with its motif and no automatic ESMS status when no unit is left", () => {
    const plan = only('retirer-liste-attente', state('42', [{ unitId: ESAT_UNIT, status: '182' }]), {
      date: D,
      unitId: ESAT_UNIT,
      motif: '100',
    });
    expect(plan.reports[0]).toMatchObject({ statutUnite: '180', motifUnite: '100' });
    expect(plan.reports[0]?.statutESMS).toBeUndefined();
  });

  it('Admission impossible sends 45 with an ESMS motif and leaves unit lines as they are', () => {
    const s = state('42', [{ unitId: ESAT_UNIT, status: '182' }]);
    const plan = only('admission-impossible', s, { date: D, motif: '118' });
    expect(plan.reports).toEqual([expect.objectContaining({ statutESMS: '45', motifESMS: '118' })]);
    expect(plan.reports[0]?.statutUnite).toBeUndefined();
    expect(plan.unitLines).toEqual(s.unitLines);
    expect(offeredIds(state('47', [{ unitId: ESAT_UNIT, status: '186' }]))).not.toContain('admission-impossible');
  });

  it('Demande de réorientation sends 51 + 187 without unit motif, or 51 alone when no unit line exists', () => {
    const plan = only('demande-reorientation', state('47', [{ unitId: ESAT_UNIT, status: '186' }]), {
      date: D,
      unitId: ESAT_UNIT,
      motif: '93',
    });
    expect(plan.reports[0]).toMatchObject({ statutESMS: '51', motifESMS: '93', statutUnite: '187' });
    expect(plan.reports[0]?.motifUnite).toBeUndefined();
    const esmsOnly = only('demande-reorientation', state('47'), { date: D, motif: '92' });
    expect(esmsOnly.reports[0]?.statutUnite).toBeUndefined();
  });
});

describe('rules', () => {
  it('rolls the ESMS status up from the unit lines', () => {
    const r = (...s: string[]) => rollUpEsmsStatus(s.map((status) => ({ status })));
    expect(r('182', '186')).toBe('47');
    expect(r('182', '185')).toBe('43');
    expect(r('182', '184', '180')).toBe('71');
    expect(r('183', '182')).toBe('72');
    expect(r('182')).toBe('42');
    expect(r('180', '181')).toBeNull();
  });

  it('never offers a trial period for an ESRP/ESPO decision or unit', () => {
    expect(trialPeriodAllowed('11.1', '43')).toBe(false);
    expect(trialPeriodAllowed('11.2', null)).toBe(false);
    expect(trialPeriodAllowed('11.5', '44')).toBe(false);
    expect(trialPeriodAllowed('11.5', '46')).toBe(false);
    expect(trialPeriodAllowed('11.5', '43')).toBe(true);
    expect(trialPeriodAllowed('13.3', '40')).toBe(false);
    expect(trialPeriodAllowed('13.3', '40', { decisionCategories: ['13.3'], unitCategories: [] })).toBe(true);
    expect(trialPeriodAllowed('11.1', '44', { decisionCategories: ['11.1'], unitCategories: ['44'] })).toBe(false);

    const esrp = state('71', [{ unitId: ESRP_UNIT, status: '184' }], '11.1');
    expect(offeredIds(esrp)).not.toContain('debut-periode-essai');
    expect(() => only('debut-periode-essai', esrp, { date: D, unitId: ESRP_UNIT })).toThrow(ActionNotAllowedError);
    const esatDecisionInEsrpUnit = state('71', [{ unitId: ESRP_UNIT, status: '184' }], '11.5');
    expect(offeredIds(esatDecisionInEsrpUnit)).not.toContain('debut-periode-essai');
  });

  it('offers nothing on a finished notification or while an admission impossible awaits the MDPH', () => {
    for (const st of ['46', '48', '49', '37', '45']) {
      expect(offeredIds(state(st, [{ unitId: ESAT_UNIT, status: '182' }])), st).toEqual([]);
    }
  });

  it('does not offer impossible transitions', () => {
    expect(offeredIds(state('39'))).toEqual([
      'marquer-lue',
      'contact-effectue',
      'demande-admission',
      'admission-impossible',
    ]);
    const inCare = offeredIds(state('47', [{ unitId: ESAT_UNIT, status: '186' }]));
    expect(inCare).toEqual(['demande-admission', 'changement-unite', 'sortie-usager', 'demande-reorientation']);
    expect(() =>
      only('entree-usager', state('42', [{ unitId: ESAT_UNIT, status: '182' }]), { date: D, unitId: ESAT_UNIT }),
    ).toThrow(ActionNotAllowedError);
    expect(() => only('marquer-lue', state('39'), { date: '02/03/2026' })).toThrow(ActionNotAllowedError);
  });

  it('masks terminated notifications: final ESMS statuses, all lines closed without entry, expired without entry', () => {
    const today = '2026-06-01';
    expect(isFinished({ esmsStatus: '49', unitLines: [] }, '2030-01-01', today)).toBe(true);
    expect(isFinished({ esmsStatus: '42', unitLines: [{ unitId: 1, status: '180' }] }, '2030-01-01', today)).toBe(true);
    expect(isFinished({ esmsStatus: '42', unitLines: [{ unitId: 1, status: '182' }] }, '2030-01-01', today)).toBe(
      false,
    );
    expect(isFinished({ esmsStatus: '40', unitLines: [] }, '2026-05-31', today)).toBe(true);
    expect(isFinished({ esmsStatus: '47', unitLines: [{ unitId: 1, status: '186' }] }, '2026-05-31', today)).toBe(
      false,
    );
  });

  it('gives the validity colour code', () => {
    expect(validityState('2026-09-02', '2026-06-01')).toBe('valide');
    expect(validityState('2026-08-31', '2026-06-01')).toBe('bientot');
    expect(validityState('2026-05-31', '2026-06-01')).toBe('expiree');
    expect(validityState(null, '2026-06-01')).toBe('inconnue');
  });
});
