/**
 * The "Bac à sable" channels through the one dispatch (zod at the boundary), on the sandbox the app embeds: what a
 * trainer does from the screen reaches the sandbox, and what it refuses comes back in French.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_BROKEN_ANSWERS, type SandboxBrokenAnswerId, type SandboxOverview } from '@shared/domain/sandbox';
import type { QuarantineItemDto } from '@shared/domain/sync';
import { makeTempDir } from '../../testing/temp-dir';
import type { RunningApplication } from '../bootstrap';
import { dispatch } from '../dispatch';
import { invokeChannel, startTestApplication } from '../testing/test-application';

const ESAT = '010000019';
const FAM = '010000035';
const EXAMPLE_CDA = path.join(__dirname, '..', '..', 'fhir', 'examples', 'cda', 'CDA_SI-ESMS_Decision.xml');

let tmp: ReturnType<typeof makeTempDir>;
let app: RunningApplication;

beforeAll(async () => {
  tmp = makeTempDir('referent-vt-sandbox-screen-');
  app = await startTestApplication(tmp.dir, { sandboxInitialDecisions: 2 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  tmp?.cleanup();
});

const call = <T>(channel: string, request: unknown): Promise<T> => invokeChannel<T>(app, channel, request);

async function refusal(channel: string, request: unknown): Promise<{ code: string; message: string }> {
  const result = await dispatch(app.handlers, channel, request);
  if (result.ok) throw new Error(`${channel} aurait dû être refusé`);
  return result.error;
}

describe('Bac à sable channels', () => {
  it('overview: the admin access a trainer needs, each EG with the categories its units accept', async () => {
    const overview = await call<SandboxOverview>('sandbox:overview', {});
    expect(overview.available).toBe(true);
    expect(overview.adminToken).toBe(app.sandbox?.adminToken);
    expect(overview.stateFile && fs.existsSync(overview.stateFile)).toBe(true);
    expect(overview.decisionCount).toBe(2);
    const esat = overview.establishments.find((eg) => eg.finessEg === ESAT);
    expect(esat?.categories.map((c) => c.code)).toEqual(['11.5']);
    expect(esat?.categories[0]?.label).toMatch(/ESAT|travail/i);
    expect(overview.faults).toMatchObject({ latencyMs: 0, rate5xx: 0 });
  });

  it('generates decisions for an EG, of a category it accepts', async () => {
    const result = await call<{ idNatDecisions: string[]; message: string }>('sandbox:generate', {
      finessEg: FAM,
      count: 4,
    });
    expect(result.idNatDecisions).toHaveLength(4);
    expect(result.message).toMatch(/^4 décision\(s\) ajoutée\(s\)/);
    const overview = await call<SandboxOverview>('sandbox:overview', {});
    for (const id of result.idNatDecisions) {
      const d = overview.recentDecisions.find((r) => r.idNatDecision === id);
      expect(d?.targetedEgs).toEqual([FAM]);
      if (d?.categoryLabel) expect(d.categoryLabel).toMatch(/FAM|MAS|accueil médicalisé|maison d'accueil/i);
    }
    expect((await refusal('sandbox:generate', { finessEg: FAM, count: 0 })).code).toBe('INVALID_INPUT');
  });

  it('imports a CDA from its bytes; non-UTF-8 bytes and a non-CDA are refused in French', async () => {
    const bytes = fs.readFileSync(EXAMPLE_CDA);
    const imported = await call<{ idNatDecisions: string[] }>('sandbox:import-cda', {
      fileName: 'decision.xml',
      cdaBase64: bytes.toString('base64'),
      finessEgs: [ESAT],
    });
    const [idNat] = imported.idNatDecisions;
    expect(idNat).toMatch(/^\d{16}$/);
    const latin1 = await refusal('sandbox:import-cda', {
      fileName: 'x.xml',
      cdaBase64: Buffer.from([0x3c, 0xe9, 0xff, 0x3e]).toString('base64'),
      finessEgs: [ESAT],
    });
    expect(latin1.message).toBe('Le fichier n’est pas un document XML en UTF-8.');
    const notCda = await refusal('sandbox:import-cda', {
      fileName: 'x.xml',
      cdaBase64: Buffer.from('<note/>').toString('base64'),
      finessEgs: [ESAT],
    });
    expect(notCda.message).toMatch(/n’est pas un CDA de décision/);
    // A path is not a CDA: only bytes are accepted.
    expect((await refusal('sandbox:import-cda', { path: EXAMPLE_CDA, finessEgs: [ESAT] })).code).toBe('INVALID_INPUT');
  });

  it('flux 5 events and the closure of a right reach the sandbox', async () => {
    const overview = await call<SandboxOverview>('sandbox:overview', {});
    const target = overview.recentDecisions.find((d) => d.targetedEgs.includes(FAM));
    if (!target) throw new Error('aucune décision pour le FAM');
    const before = (await app.sandbox!.admin.status())['decisions'] as number;
    const cancelled = await call<{ message: string }>('sandbox:event', {
      event: 'cancel-notification',
      idNatDecision: target.idNatDecision,
    });
    expect(cancelled.message).toMatch(/Annuler la notification \(49\)/);
    const closure = await call<{ closure: { typeLabel: string; person: string; targetedEgs: string[] } }>(
      'sandbox:close-right',
      { idNatDecision: target.idNatDecision },
    );
    expect(closure.closure).toMatchObject({
      typeLabel: 'Clôture de droit',
      person: target.person,
      targetedEgs: target.targetedEgs,
    });
    expect((await app.sandbox!.admin.status())['decisions']).toBe(before + 1);
    const unknown = await refusal('sandbox:event', { event: 'cancel-decision', idNatDecision: 'inconnue' });
    expect(unknown.message).toMatch(/Décision inconnue du bac à sable/);
  });

  it('faults: set, refused when unknown, cleared; tokens expired; every action journaled', async () => {
    const faults = await call<Record<string, number>>('sandbox:set-faults', {
      faults: { latencyMs: 50, rate5xx: 0.5 },
    });
    expect(faults).toMatchObject({ latencyMs: 50, rate5xx: 0.5 });
    expect((await refusal('sandbox:set-faults', { faults: { inconnue: 1 } })).message).toBe(
      'Panne inconnue : inconnue',
    );
    await call('sandbox:set-faults', { faults: { latencyMs: 0, rate5xx: 0 } });
    expect(await app.sandbox!.admin.faults()).toMatchObject({ latencyMs: 0, rate5xx: 0 });
    await call('sandbox:expire-tokens', {});
    // The journal says the faults in the trainer's words, never « rate5xx=0.5 ».
    const faultDetails = (await app.ctx.journal.list({ limit: 50 }))
      .filter((e) => e.action === 'Bac à sable : pannes simulées modifiées')
      .map((e) => e.detail);
    expect(faultDetails).toEqual(
      expect.arrayContaining([
        'Latence ajoutée à chaque réponse : 50 ms ; Réponses « service indisponible » (503) : 50 %',
        'aucune panne',
      ]),
    );
    const actions = (await app.ctx.journal.list({ limit: 50 })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'Bac à sable : décisions générées',
        'Bac à sable : CDA importé',
        'Bac à sable : droit clôturé',
        'Bac à sable : pannes simulées modifiées',
        'Bac à sable : jetons expirés',
      ]),
    );
  });

  it('broken answers: each kind chosen on the screen breaks that decision’s read, and the sync keeps it à relire or in quarantine by its rule; removed, none is served any more', async () => {
    const expected: Readonly<Record<SandboxBrokenAnswerId, { kind: string; rule: string }>> = {
      'reponse-tronquee': { kind: 'à relire', rule: 'reponse-illisible' },
      'operationoutcome-200': { kind: 'à relire', rule: 'reponse-operationoutcome' },
      'page-html': { kind: 'à relire', rule: 'reponse-illisible' },
      'reponse-vide': { kind: 'à relire', rule: 'reponse-illisible' },
      'autre-identifiant': { kind: 'quarantaine', rule: 'identite-ressource' },
      'imbrication-profonde': { kind: 'quarantaine', rule: 'limite-profondeur' },
    };
    // Everything the sandbox holds so far is read by a first sync: the broken reads are of new decisions only.
    await call('sync:run-now', {});
    const generated = await call<{ idNatDecisions: string[] }>('sandbox:generate', {
      finessEg: ESAT,
      count: SANDBOX_BROKEN_ANSWERS.length,
    });
    const chosen = SANDBOX_BROKEN_ANSWERS.map((b, i) => ({ kind: b.id, idNat: generated.idNatDecisions[i] ?? '' }));
    for (const { kind, idNat } of chosen) {
      const result = await call<{ message: string }>('sandbox:break-answer', {
        idNatDecision: idNat,
        kind,
        once: false,
      });
      expect(result.message).toContain(SANDBOX_BROKEN_ANSWERS.find((b) => b.id === kind)?.label);
    }
    const overview = await call<SandboxOverview>('sandbox:overview', {});
    expect(overview.brokenAnswers.map((b) => b.label).sort()).toEqual(
      SANDBOX_BROKEN_ANSWERS.map((b) => b.label).sort(),
    );
    expect(overview.brokenAnswers.every((b) => b.decision?.includes('DEC-') && !b.once)).toBe(true);
    expect(
      (await refusal('sandbox:break-answer', { idNatDecision: chosen[0]?.idNat, kind: 'inconnue', once: false })).code,
    ).toBe('INVALID_INPUT');

    await call('sync:run-now', {});
    const refused = await call<QuarantineItemDto[]>('sync:quarantine-list', { limit: 500 });
    const recent = await app.sandbox!.admin.recentDecisions();
    for (const { kind, idNat } of chosen) {
      const documentId = recent.find((d) => d.idNatDecision === idNat)?.documentReferenceId;
      const item = refused.find((q) => q.flow === 'flux1' && q.resourceId === documentId);
      expect(item, kind).toMatchObject(expected[kind]);
    }

    await call('sandbox:clear-broken-answers', {});
    expect((await call<SandboxOverview>('sandbox:overview', {})).brokenAnswers).toEqual([]);
    const actions = (await app.ctx.journal.list({ limit: 100 })).map((e) => e.action);
    expect(actions).toContain('Bac à sable : réponses cassées retirées');
    expect(actions.some((a) => a.startsWith('Bac à sable : réponse cassée (Réponse coupée en plein milieu'))).toBe(
      true,
    );
  }, 120_000);
});
