import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BirthDateUncertainty } from '@shared/domain/decision';
import { parseDecisionCda, parseEvaluationCda } from '../decision-cda-parser';
import {
  bucketOf,
  generateDecisionBatch,
  generateDecisionSpec,
  generateEvaluationFor,
  orientationCategoriesFor,
  renderDecisionCda,
  renderEvaluationCda,
  type GeneratedDecision,
} from './index';

const FINESS_EGS = ['990000011', '990000029', '990000037', '990000045'];
const TODAY = '2025-06-15';
const SEEDS = Array.from({ length: 30 }, (_, i) => 1000 + i * 7919);
const batches = new Map<number, GeneratedDecision[]>(
  SEEDS.map((seed) => [seed, generateDecisionBatch({ seed, count: 25, finessEgs: FINESS_EGS, today: TODAY })]),
);
const all = [...batches.values()].flat();

describe('generated decisions parse back to exactly the values they were generated from', () => {
  it.each(SEEDS)('batch seed %i: decisions and evaluations', (seed) => {
    const items = batches.get(seed) ?? [];
    expect(items).toHaveLength(25);
    for (const item of items) {
      // Strict deep equality is fast; toEqual only runs to print the difference.
      const parsed = parseDecisionCda(item.cdaXml);
      if (!isDeepStrictEqual(parsed, item.spec.decision)) expect(parsed).toEqual(item.spec.decision);
      const evaluation = generateEvaluationFor(item.spec);
      const parsedEvaluation = parseEvaluationCda(renderEvaluationCda(evaluation));
      if (!isDeepStrictEqual(parsedEvaluation, evaluation.evaluation))
        expect(parsedEvaluation).toEqual(evaluation.evaluation);
    }
  });

  it('a standalone spec with a MDPH and a forced closure round-trips too', () => {
    const spec = generateDecisionSpec(5, {
      finessEgs: FINESS_EGS,
      today: TODAY,
      mdphOid: '1.2.250.1.213.7.6',
      scenario: 'cloture',
    });
    const parsed = parseDecisionCda(renderDecisionCda(spec));
    expect(parsed).toEqual(spec.decision);
    expect(parsed.person.idMDPHResponsable).toEqual({ root: '1.2.250.1.213.7.6', extension: '06-ALPES MARITIMES' });
    expect(parsed.decision.identifiantDesDecisionsReviseesRenouveleesCloturee).toEqual([
      { root: '1.2.250.1.213.7.6', extension: 'A définir', unknown: true },
    ]);
  });
});

describe('the batches cover the cases the app must handle', () => {
  const specs = all.map((item) => item.spec);
  const decisions = specs.map((s) => s.decision);

  it('decision types: attribution, renewal (nature 2), revision (nature 3), closure (type 5 with effect date)', () => {
    const scenarios = new Set(specs.map((s) => s.scenario));
    expect([...scenarios].sort()).toEqual(['attribution', 'cloture', 'renouvellement', 'revision']);
    for (const s of specs) {
      const d = s.decision;
      const links = d.decision.identifiantDesDecisionsReviseesRenouveleesCloturee;
      if (s.scenario === 'attribution') {
        expect(d.decision.typeDeDecision.code).toBe('1');
        expect(d.droitPrestation?.natureDroit?.code).toBe('1');
        expect(links).toEqual([]);
      } else if (s.scenario === 'cloture') {
        expect(d.decision.typeDeDecision.code).toBe('5');
        expect(d.decision.dateEffetDeLaDecisionDeCloture).not.toBeNull();
        expect(links).toHaveLength(1);
      } else {
        expect(d.droitPrestation?.natureDroit?.code).toBe(s.scenario === 'renouvellement' ? '2' : '3');
        expect(links).toHaveLength(1);
      }
    }
    expect(decisions.some((d) => d.droitPrestation === null)).toBe(true);
  });

  it('follow-ups reference an earlier decision of the same batch and the same person, or "A définir"', () => {
    let linkedInBatch = 0;
    let unknownLinks = 0;
    for (const batch of batches.values()) {
      batch.forEach((item, position) => {
        for (const link of item.spec.decision.decision.identifiantDesDecisionsReviseesRenouveleesCloturee) {
          if (link.unknown) {
            unknownLinks++;
            expect(link.extension).toBe('A définir');
            continue;
          }
          const earlier = batch.slice(0, position).find((e) => e.idDecision === link.extension);
          expect(earlier).toBeDefined();
          expect(earlier?.spec.decision.person.idIndividu).toBe(item.spec.decision.person.idIndividu);
          expect(link.root).toBe(item.spec.decision.person.idMDPHResponsable.root);
          linkedInBatch++;
        }
      });
    }
    expect(linkedInBatch).toBeGreaterThan(50);
    expect(unknownLinks).toBeGreaterThan(5);
  });

  it('targets one or several FINESS EG as idNat 1+FINESS', () => {
    for (const item of all) {
      expect(item.targetedEgs.length).toBeGreaterThan(0);
      for (const eg of item.targetedEgs) expect(FINESS_EGS).toContain(eg);
      const cibles = item.spec.decision.droitPrestation?.detail?.idNatEsmsCibles;
      if (item.spec.scenario !== 'cloture') expect(cibles).toEqual(item.targetedEgs.map((eg) => '1' + eg));
    }
    expect(all.some((item) => item.targetedEgs.length > 1)).toBe(true);
    expect(new Set(all.flatMap((item) => item.targetedEgs)).size).toBe(FINESS_EGS.length);
  });

  it('orientation categories for children (7.x), adults (13.x), ESAT 11.5, ESRP 11.1 with their mandatory fields', () => {
    const categories = new Set(decisions.map((d) => d.droitPrestation?.typeDroitOuPrestation.code));
    for (const code of ['7.1', '7.7', '7.8', '11.1', '11.5', '13.2', '13.3']) expect(categories).toContain(code);
    for (const d of decisions) {
      const droit = d.droitPrestation;
      if (!droit) continue;
      const code = droit.typeDroitOuPrestation.code;
      if (code.startsWith('7.')) expect(droit.amendementCreton).not.toBeNull();
      if (code.startsWith('7.') || code.startsWith('13.')) expect(droit.detail?.temporaliteAccueil).not.toBeNull();
      if (code === '7.7') expect(droit.detail?.modeEntreeDITEP).not.toBeNull();
      if (code === '11.1') expect(droit.detail?.formations.length).toBeGreaterThan(0);
    }
  });

  it('validity relative to today: expired, ending within 3 months, valid', () => {
    const buckets = new Set(specs.map((s) => s.validity));
    for (const bucket of ['expired', 'endingSoon', 'valid']) expect(buckets).toContain(bucket);
    for (const s of specs) {
      const droit = s.decision.droitPrestation;
      if (droit) expect(bucketOf(droit.dateEcheanceDuDroit, TODAY)).toBe(s.validity);
      if (droit) expect(droit.dateOuvertureDuDroit < droit.dateEcheanceDuDroit).toBe(true);
    }
  });

  it('identity variants: no INS, NIR and NIA, every birth-date convention, guardians, parents, priorities', () => {
    const persons = decisions.map((d) => d.person);
    expect(persons.some((p) => p.ins === null)).toBe(true);
    expect(persons.some((p) => p.ins?.kind === 'NIR')).toBe(true);
    expect(persons.some((p) => p.ins?.kind === 'NIA')).toBe(true);
    const uncertainties = new Set(persons.map((p) => p.birthDate?.uncertainty));
    for (const u of ['none', 'day', 'month', 'dayOrMonth', 'dayAndMonth'] satisfies BirthDateUncertainty[]) {
      expect(uncertainties).toContain(u);
    }
    expect(persons.some((p) => p.guardians.some((g) => g.person !== null))).toBe(true);
    expect(persons.some((p) => p.guardians.some((g) => g.organisationName !== null))).toBe(true);
    expect(decisions.some((d) => d.parents.length === 2)).toBe(true);
    expect(decisions.some((d) => d.document.replacedDocumentId !== null)).toBe(true);
    const niveaux = new Set(decisions.map((d) => d.droitPrestation?.caracterisation?.niveau?.code));
    for (const n of ['1', '2', '3', '4']) expect(niveaux).toContain(n);
    expect(new Set(specs.map((s) => s.render.derogationSpelling))).toEqual(new Set(['IG', 'example']));
    expect(specs.some((s) => s.render.cnsaPrefix !== 'cnsaSDO')).toBe(true);
  });

  it('identities are obviously fake', () => {
    for (const d of decisions) {
      const p = d.person;
      for (const name of [p.familyNameBirth, p.familyNameUsed]) expect(name).toMatch(/TESTFICTIF|EXEMPLE|FICTIF|ESSAI/);
      if (p.ins) expect(p.ins.value).toMatch(/^99\d{13}$/);
      for (const t of [...p.telecoms, ...d.parents.flatMap((i) => i.telecoms)]) {
        expect(t.value).toMatch(t.kind === 'tel' ? /^01000000\d\d$/ : /@exemple\.invalid$/);
      }
      for (const a of p.addresses) expect(a.city).toMatch(/^VILLE-FICTIVE/);
    }
  });
});

describe('realism: what a referent would see from a real MDPH', () => {
  it('every decision, evaluation and right opening is dated in the past; the right lasts one to five years', () => {
    for (const item of all) {
      const d = item.spec.decision;
      expect(d.decision.dateDeDecision <= TODAY, d.decision.dateDeDecision).toBe(true);
      expect((d.document.effectiveTime ?? '') <= TODAY).toBe(true);
      const evaluation = generateEvaluationFor(item.spec).evaluation;
      expect((evaluation.document.effectiveTime ?? '') <= TODAY).toBe(true);
      const droit = d.droitPrestation;
      if (!droit || item.spec.scenario === 'cloture') continue;
      expect(d.decision.dateDeDecision <= droit.dateOuvertureDuDroit).toBe(true);
      expect(droit.dateOuvertureDuDroit < TODAY).toBe(true);
      const years = (Date.parse(droit.dateEcheanceDuDroit) - Date.parse(droit.dateOuvertureDuDroit)) / 31_557_600_000;
      expect(years).toBeGreaterThanOrEqual(0.99);
      expect(years).toBeLessThanOrEqual(5.01);
    }
  });

  it('a closure is never dated before the decision it closes', () => {
    for (const batch of batches.values()) {
      for (const item of batch) {
        if (item.spec.scenario !== 'cloture') continue;
        const link = item.spec.decision.decision.identifiantDesDecisionsReviseesRenouveleesCloturee[0];
        const closed = batch.find((e) => e.idDecision === link?.extension);
        if (closed)
          expect(closed.spec.decision.decision.dateDeDecision <= item.spec.decision.decision.dateDeDecision).toBe(true);
      }
    }
  });

  it('no evaluation item twice', () => {
    for (const item of all) {
      const keys = generateEvaluationFor(item.spec).evaluation.observations.map((o) => `${o.templateId}|${o.code}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('a decision only targets establishments whose units accept its category (no FAM decision to an ESAT)', () => {
    const categoriesByEg = {
      '990000011': orientationCategoriesFor(['43']),
      '990000029': orientationCategoriesFor(['48']),
      '990000037': orientationCategoriesFor(['39', '40']),
    };
    expect(categoriesByEg['990000011']).toEqual(['11.5']);
    expect(categoriesByEg['990000037']).toEqual(['13.2', '13.3']);
    const egs = Object.keys(categoriesByEg);
    const items = SEEDS.slice(0, 10).flatMap((seed) =>
      generateDecisionBatch({ seed, count: 25, finessEgs: egs, today: TODAY, categoriesByEg }),
    );
    const seen = new Set<string>();
    for (const item of items) {
      const category = item.spec.decision.droitPrestation?.typeDroitOuPrestation.code;
      if (!category) continue;
      seen.add(category);
      for (const eg of item.targetedEgs) expect(categoriesByEg[eg as keyof typeof categoriesByEg]).toContain(category);
    }
    expect([...seen].sort()).toEqual(['11.5', '13.2', '13.3', '7.1']);
    // Only one EG for the ESAT category: never addressed to the IME or the FAM-MAS as well.
    expect(items.filter((i) => i.targetedEgs.includes('990000011')).every((i) => i.targetedEgs.length === 1)).toBe(
      true,
    );
  });
});

describe('determinism and identifiers', () => {
  it('same seed → same documents; another seed → other ids', () => {
    const again = generateDecisionBatch({ seed: SEEDS[0] ?? 0, count: 25, finessEgs: FINESS_EGS, today: TODAY });
    expect(again.map((i) => i.cdaXml)).toEqual(batches.get(SEEDS[0] ?? 0)?.map((i) => i.cdaXml));
    const ids = all.map((i) => i.idNatDecision);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(all.map((i) => i.idDecision)).size).toBe(all.length);
    for (const item of all) {
      expect(item.idNatDecision).toMatch(/^VT-\d{6}-[0-9A-Z]{7}$/);
      expect(item.spec.decision.document.setId.extension).toBe(item.idNatDecision);
    }
  });

  it('the evaluation shares the idNat_Decision and the person ids of its decision', () => {
    const item = all[3];
    if (!item) throw new Error('batch vide');
    const evaluation = generateEvaluationFor(item.spec).evaluation;
    expect(evaluation.document.idNatDecision).toBe(item.idNatDecision);
    expect(evaluation.idIndividu).toBe(item.spec.decision.person.idIndividu);
    expect(evaluation.observations.length).toBeGreaterThan(0);
  });
});
