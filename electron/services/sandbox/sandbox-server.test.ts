/**
 * The sandbox driven over real mTLS on 127.0.0.1: every flow of the IG and every refusal (issue 3).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDecisionCda } from '../cda/decision-cda-parser';
import { validateResource } from '../fhir/validation/resource-validator';
import type { PkiFile } from '../pki/test-pki';
import { SandboxAdmin } from './sandbox-admin';
import { DEFAULT_LEGAL_ENTITIES } from './sandbox-operations';
import { startSandbox, type RunningSandbox } from './sandbox-server';
import { fetchToken, mtlsRequest, type TestResponse } from './sandbox-test-client';

const EJ = '010000001';
const ESAT = '010000019';
const IME = '010000027';
const FAM = '010000035';
const OTHER_EJ = '020000002';
const OTHER_EG = '020000010';
const EXAMPLES = join(__dirname, '..', 'fhir', 'examples');

type Json = Record<string, unknown>;
type Bundle = {
  meta: { lastUpdated: string };
  total?: number;
  link: { relation: string; url: string }[];
  entry?: { resource: Json }[];
};

let dir: string;
let sandbox: RunningSandbox;
let cert: PkiFile;
let token: string;

async function tokenFor(file: PkiFile): Promise<string> {
  const response = await fetchToken({
    tokenUrl: sandbox.tokenUrl,
    cert: file,
    caPem: sandbox.caBundlePem,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
  });
  expect(response.status).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

function call(
  path: string,
  options: {
    method?: string;
    eg?: string | null;
    bearer?: string | null;
    body?: unknown;
    headers?: Record<string, string>;
    file?: PkiFile;
  } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  const bearer = options.bearer === undefined ? token : options.bearer;
  if (bearer !== null) headers['Authorization'] = `Bearer ${bearer}`;
  const eg = options.eg === undefined ? ESAT : options.eg;
  if (eg !== null) headers['struct_idnat'] = `1${eg}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/fhir+json';
  return mtlsRequest({
    method: options.method ?? 'GET',
    url: path.startsWith('https://') ? path : `${sandbox.fhirBaseUrl}${path}`,
    cert: options.file ?? cert,
    caPem: sandbox.caBundlePem,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
}

function decisionSearch(instant: string, extra = ''): Promise<TestResponse> {
  return call(`/DocumentReference?type=57830-2&_lastUpdated=gt${encodeURIComponent(instant)}&_elements=id${extra}`);
}

function expectOutcome(response: TestResponse, status: number): Json[] {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/fhir+json');
  const body = response.json<{ resourceType: string; issue: Json[] }>();
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.length).toBeGreaterThan(0);
  return body.issue;
}

function officialCda(name: string): string {
  return readFileSync(join(EXAMPLES, 'cda', name), 'utf8');
}

function taskFor(idNatDecision: string, idDecision: string, eg: string): Json {
  const task = JSON.parse(readFileSync(join(EXAMPLES, 'Task-exemple-esms-task.json'), 'utf8')) as Json;
  delete task['id'];
  delete task['text'];
  const values: Record<string, string> = { idNat_Struct: `1${eg}`, idDecision, idNat_Decision: idNatDecision };
  for (const input of task['input'] as {
    type: { coding: { code: string }[] };
    valueIdentifier?: { value: string };
  }[]) {
    const code = input.type.coding[0]?.code ?? '';
    if (values[code] !== undefined && input.valueIdentifier) input.valueIdentifier.value = values[code];
  }
  return task;
}

function consentFor(idNatDecision: string, eg: string): Json {
  const consent = JSON.parse(readFileSync(join(EXAMPLES, 'Consent-exemple-consent.json'), 'utf8')) as Json;
  delete consent['id'];
  delete consent['text'];
  (consent['meta'] as Json)['source'] = `1${eg}`;
  (
    (((consent['provision'] as Json)['data'] as Json[])[0] as Json)['reference'] as { identifier: { value: string } }
  ).identifier.value = idNatDecision;
  return consent;
}

let imported: { id: string; idNatDecision: string; idDecision: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  sandbox = await startSandbox({
    dataDir: dir,
    initialDecisions: 12,
    legalEntities: [
      ...DEFAULT_LEGAL_ENTITIES,
      {
        finessEj: OTHER_EJ,
        name: 'FONDATION FICTIVE AUTRE',
        establishments: [{ finessEg: OTHER_EG, name: 'IME FICTIF AUTRE', kind: 'ime' }],
      },
    ],
  });
  cert = sandbox.pki.clients[EJ] as PkiFile;
  token = await tokenFor(cert);
  imported = await sandbox.admin.importDecision({
    cdaXml: officialCda('CDA_SI-ESMS_Decision.xml'),
    evaluationCdaXml: officialCda('CDA_SI-ESMS_Evaluation.xml'),
    finessEgs: [ESAT, IME],
  });
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await sandbox.admin.setFaults({ latencyMs: 0, rate5xx: 0, rate429: 0, resetRate: 0, malformedRate: 0 });
});

describe('OAuth2 token endpoint (mTLS-bound client credentials)', () => {
  it('issues a bearer token listing the activated EGs of the certificate’s EJ', async () => {
    const response = await fetchToken({
      tokenUrl: sandbox.tokenUrl,
      cert,
      caPem: sandbox.caBundlePem,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
    });
    const body = response.json<{ token_type: string; expires_in: number; finess_eg: string[] }>();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(600);
    expect(body.finess_eg.sort()).toEqual([ESAT, IME, FAM]);
  });

  it('refuses a wrong client secret', async () => {
    const response = await fetchToken({
      tokenUrl: sandbox.tokenUrl,
      cert,
      caPem: sandbox.caBundlePem,
      clientId: sandbox.clientId,
      clientSecret: 'faux',
    });
    expect(response.status).toBe(401);
    expect(response.json()['error']).toBe('invalid_client');
  });

  it('answers 403 + OperationOutcome to an EJ that is not activated, and drops a deactivated EG', async () => {
    await sandbox.admin.setActive(EJ, false);
    const refused = await fetchToken({
      tokenUrl: sandbox.tokenUrl,
      cert,
      caPem: sandbox.caBundlePem,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
    });
    expectOutcome(refused, 403);
    await sandbox.admin.setActive(EJ, true);

    await sandbox.admin.setActive(FAM, false);
    const partial = await fetchToken({
      tokenUrl: sandbox.tokenUrl,
      cert,
      caPem: sandbox.caBundlePem,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
    });
    expect(partial.json<{ finess_eg: string[] }>().finess_eg.sort()).toEqual([ESAT, IME]);
    // A token issued before the switch no longer opens the deactivated EG.
    expectOutcome(
      await decisionSearch('2020-01-01T00:00:00Z', '').then(() =>
        call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { eg: FAM }),
      ),
      403,
    );
    await sandbox.admin.setActive(FAM, true);
  });
});

describe('transport refusals', () => {
  const badCall = (file: PkiFile | undefined) =>
    mtlsRequest({
      url: `${sandbox.fhirBaseUrl}/Task?_lastUpdated=gt2020-01-01T00:00:00Z`,
      caPem: sandbox.caBundlePem,
      ...(file ? { cert: file } : {}),
    });

  it('refuses a connection without a client certificate', async () => {
    await expect(badCall(undefined)).rejects.toThrow();
  });

  it.each(['expired', 'notYetValid', 'otherCa', 'wrongKeyUsage'] as const)(
    'refuses the %s client certificate at the TLS handshake',
    async (name) => {
      await expect(badCall(sandbox.pki.bad[name])).rejects.toThrow();
    },
  );
});

describe('bearer token and struct_idnat on every FHIR call', () => {
  it('401 without a token, with a garbage token, and with an expired token', async () => {
    expectOutcome(
      await decisionSearch('2020-01-01T00:00:00Z').then(() =>
        call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { bearer: null }),
      ),
      401,
    );
    expectOutcome(await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { bearer: 'abc.def.ghi' }), 401);
    await sandbox.admin.expireTokensNow();
    const expired = await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z');
    expectOutcome(expired, 401);
    expect(expired.headers['www-authenticate']).toContain('invalid_token');
    token = await tokenFor(cert);
    expect((await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z')).status).toBe(200);
  });

  it('401 for a token presented over another certificate', async () => {
    const otherToken = await tokenFor(sandbox.pki.clients[OTHER_EJ] as PkiFile);
    expectOutcome(
      await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { bearer: otherToken, eg: OTHER_EG }),
      401,
    );
  });

  it('400 without struct_idnat, 403 for an EG that is not in the token', async () => {
    expectOutcome(await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { eg: null }), 400);
    expectOutcome(await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { eg: OTHER_EG }), 403);
  });
});

describe('flux 1 — decisions', () => {
  it('lists the ids of the EG’s decisions updated after the instant, with the server time as cursor', async () => {
    const response = await decisionSearch('2020-01-01T00:00:00.000+01:00');
    expect(response.status).toBe(200);
    const bundle = response.json<Bundle>();
    const ids = (bundle.entry ?? []).map((e) => e.resource['id']);
    expect(ids).toContain(imported.id);
    expect(bundle.total).toBe(ids.length);
    expect(Object.keys(bundle.entry?.[0]?.resource ?? {}).sort()).toEqual(['id', 'resourceType']);

    const again = await decisionSearch(bundle.meta.lastUpdated);
    expect(again.json<Bundle>().entry ?? []).toEqual([]);
    expect(again.headers['date']).toBeDefined();

    const later = await sandbox.admin.importDecision({
      cdaXml: officialCda('CDA_SI-ESMS_Decision.xml'),
      finessEgs: [ESAT],
    });
    const next = await decisionSearch(bundle.meta.lastUpdated);
    expect((next.json<Bundle>().entry ?? []).map((e) => e.resource['id'])).toEqual([later.id]);
  });

  it('pages with _count and next links, every id once', async () => {
    const all = (await decisionSearch('2020-01-01T00:00:00Z')).json<Bundle>();
    const seen: unknown[] = [];
    let url: string | undefined =
      `/DocumentReference?type=57830-2&_lastUpdated=gt2020-01-01T00%3A00%3A00Z&_elements=id&_count=2`;
    let pages = 0;
    while (url) {
      const page: Bundle = (await call(url)).json<Bundle>();
      expect(page.meta.lastUpdated).toBe(pages === 0 ? page.meta.lastUpdated : page.meta.lastUpdated);
      seen.push(...(page.entry ?? []).map((e) => e.resource['id']));
      url = page.link.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual((all.entry ?? []).map((e) => e.resource['id']).sort());
  });

  it.each([
    ['a raw + (decoded as a space)', 'type=57830-2&_lastUpdated=gt2020-01-01T00:00:00.000+01:00&_elements=id'],
    ['no gt prefix', 'type=57830-2&_lastUpdated=2020-01-01T00:00:00Z&_elements=id'],
    ['a date instead of an instant', 'type=57830-2&_lastUpdated=gt2020-01-01&_elements=id'],
    ['no _elements', 'type=57830-2&_lastUpdated=gt2020-01-01T00:00:00Z'],
    ['no type', '_lastUpdated=gt2020-01-01T00:00:00Z&_elements=id'],
    ['no _lastUpdated', 'type=57830-2&_elements=id'],
  ])('400 + OperationOutcome for %s', async (_label, query) => {
    expectOutcome(await call(`/DocumentReference?${query}`), 400);
  });

  it('reads a decision: ESMSDocumentReference with the CDA whose setId is the idNat_Decision', async () => {
    const response = await call(`/DocumentReference/${imported.id}`);
    expect(response.status).toBe(200);
    const doc = response.json<{
      identifier: { use: string; value: string }[];
      content: { attachment: { data: string; title: string } }[];
    }>();
    expect(doc.identifier).toEqual([
      { use: 'usual', value: 'idDossierDecision' },
      { use: 'official', value: imported.idNatDecision },
    ]);
    expect(validateResource(doc).valid).toBe(true);
    const attachment = doc.content[0]?.attachment;
    expect(attachment?.title).toBe('Document Individu et décision');
    expect(Buffer.from(attachment?.data ?? '', 'base64').toString('utf8')).toContain(
      `extension="${imported.idNatDecision}"`,
    );
  });

  it('404 for an unknown id, 403 for a decision not addressed to the EG', async () => {
    expectOutcome(await call('/DocumentReference/dec-inconnu'), 404);
    expectOutcome(await call(`/DocumentReference/${imported.id}`, { eg: FAM }), 403);
  });
});

describe('flux 2 and 3 — consent opens the evaluation', () => {
  const evaluationSearch = (eg: string) =>
    call(`/DocumentReference?identifier=${imported.idNatDecision}&type=51848-0`, { eg });

  it('returns an empty searchset without consent, the evaluation after POST Consent', async () => {
    const before = await evaluationSearch(IME);
    expect(before.status).toBe(200);
    expect(before.json<Bundle>().entry ?? []).toEqual([]);

    const created = await call('/Consent', { method: 'POST', eg: IME, body: consentFor(imported.idNatDecision, IME) });
    expect(created.status).toBe(201);
    expect(created.headers['location']).toMatch(/\/fhir\/Consent\/consent-[0-9a-f]+\/_history\/1$/);
    expect(created.json()['id']).toBeDefined();

    const after = (await evaluationSearch(IME)).json<Bundle>();
    expect(after.entry).toHaveLength(1);
    expect(validateResource(after).issues.filter((i) => i.severity === 'error')).toEqual([]);
    const evaluation = after.entry?.[0]?.resource as { content: { attachment: { title: string } }[] };
    expect(evaluation.content[0]?.attachment.title).toBe('Document évaluation');
    // The consent is per structure: the ESAT still sees nothing.
    expect((await evaluationSearch(ESAT)).json<Bundle>().entry ?? []).toEqual([]);

    const received = await sandbox.admin.receivedConsents();
    expect(received.map((c) => [c.finessEg, c.idNatDecision])).toContainEqual([IME, imported.idNatDecision]);
  });

  it('answers 403 without consent when configured so', async () => {
    await sandbox.admin.updateSettings({ evaluationWithoutConsent: 'forbidden' });
    expectOutcome(await evaluationSearch(ESAT), 403);
    await sandbox.admin.updateSettings({ evaluationWithoutConsent: 'empty' });
  });

  it('422 for a Consent that breaks the profile', async () => {
    const consent = consentFor(imported.idNatDecision, ESAT);
    consent['status'] = 'draft';
    expectOutcome(await call('/Consent', { method: 'POST', body: consent }), 422);
  });
});

describe('flux 4 and 5 — Tasks', () => {
  it('creates a Task (201 + Location, server id and lastUpdated) and honours If-None-Exist', async () => {
    const task = {
      ...taskFor(imported.idNatDecision, imported.idDecision, ESAT),
      identifier: [{ system: 'urn:referent-vt:client-id', value: 'outbox-1' }],
    };
    const headers = { 'If-None-Exist': 'identifier=urn:referent-vt:client-id|outbox-1' };
    const first = await call('/Task', { method: 'POST', body: task, headers });
    expect(first.status).toBe(201);
    const created = first.json<{ id: string; meta: { lastUpdated: string } }>();
    expect(first.headers['location']).toBe(`${sandbox.fhirBaseUrl}/Task/${created.id}/_history/1`);
    expect(created.meta.lastUpdated).not.toBe('2017-01-01T00:00:00.000Z');

    const second = await call('/Task', { method: 'POST', body: task, headers });
    expect(second.status).toBe(200);
    expect(second.json()['id']).toBe(created.id);
    const received = (await sandbox.admin.receivedTasks()).filter(
      (t) => t.clientIdentifier === 'urn:referent-vt:client-id|outbox-1',
    );
    expect(received).toHaveLength(1);

    expect((await call(`/Task/${created.id}`)).json()['id']).toBe(created.id);
  });

  it('422 + OperationOutcome listing the issues of an invalid Task; 400 for a body that is not JSON', async () => {
    const task = taskFor(imported.idNatDecision, imported.idDecision, ESAT);
    task['status'] = 'draft';
    const issues = expectOutcome(await call('/Task', { method: 'POST', body: task }), 422);
    expect(issues.some((i) => JSON.stringify(i).includes('status'))).toBe(true);
    expectOutcome(await call('/Task', { method: 'POST', body: '{pas du json' }), 400);
    expectOutcome(await call('/Task', { method: 'POST', body: { resourceType: 'Patient' } }), 400);
  });

  it('refuses PUT, PATCH and DELETE with 405', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      // Node's client sends no length for a DELETE body: send none.
      expectOutcome(await call('/Task/abc', { method, ...(method === 'DELETE' ? {} : { body: {} }) }), 405);
    }
  });

  it('returns MDPH events and other ESMS’s entries in flux 5, not the caller’s own Tasks', async () => {
    const cursor = (await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z')).json<Bundle>().meta.lastUpdated;
    await sandbox.admin.cancelNotification(imported.idNatDecision, {
      finessEg: ESAT,
      description: 'Erreur de saisie (fictif)',
    });
    await sandbox.admin.entryElsewhere(imported.idNatDecision);
    await sandbox.admin.ratifyAdmissionImpossible(imported.idNatDecision, { finessEg: IME });
    await call('/Task', { method: 'POST', body: taskFor(imported.idNatDecision, imported.idDecision, IME), eg: IME });

    const esat = (await call(`/Task?_lastUpdated=gt${encodeURIComponent(cursor)}`)).json<Bundle>();
    const statuses = (esat.entry ?? []).map((e) => {
      const inputs = e.resource['input'] as {
        type: { coding: { code: string }[] };
        valueCodeableConcept?: { coding: { code: string }[] };
      }[];
      return inputs.find((i) => i.type.coding[0]?.code === 'statutESMS')?.valueCodeableConcept?.coding[0]?.code;
    });
    // 49 for the ESAT, 47 elsewhere, and the IME's own status (48); the 46 concerns the IME only.
    expect(statuses).toEqual(['49', '47', '48']);
    expect(esat.entry?.[0]?.resource['description']).toBe('Erreur de saisie (fictif)');

    // What the sandbox emits is what the IG's validator accepts.
    expect(validateResource(esat).issues.filter((i) => i.severity === 'error')).toEqual([]);

    const ime = (await call(`/Task?_lastUpdated=gt${encodeURIComponent(cursor)}`, { eg: IME })).json<Bundle>();
    expect((ime.entry ?? []).map((e) => e.resource['id']).length).toBe(2); // 47 and 46, not its own Task
  });

  it('validates against the 4.0.5 SDOTask profile when the sandbox is switched to 4.0.5', async () => {
    await sandbox.admin.updateSettings({ profileVersion: '4.0.5' });
    try {
      const task = taskFor(imported.idNatDecision, imported.idDecision, ESAT);
      (task['meta'] as Json)['profile'] = ['https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-task'];
      const created = await call('/Task', { method: 'POST', body: task });
      expect(created.status).toBe(201);
      const cursor = new Date(
        Date.parse(created.json<{ meta: { lastUpdated: string } }>().meta.lastUpdated) - 1,
      ).toISOString();
      await sandbox.admin.reactivateNotification(imported.idNatDecision, { finessEg: ESAT });
      const bundle = (await call(`/Task?_lastUpdated=gt${encodeURIComponent(cursor)}`)).json<{
        meta: { profile?: string[] };
      }>();
      expect(bundle.meta.profile).toEqual([
        'https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-bundle-resultat-recherche-notification-esms',
      ]);
    } finally {
      await sandbox.admin.updateSettings({ profileVersion: '4.0.7' });
    }
  });

  it('400 for a flux 5 search with a raw +', async () => {
    expectOutcome(await call('/Task?_lastUpdated=gt2020-01-01T00:00:00.000+01:00'), 400);
  });
});

describe('ROR units (imitation)', () => {
  it('lists the EG’s units with ROR id, J34 category, J30 temporality and J264 mode', async () => {
    const bundle = (await call(`/HealthcareService?organization.identifier=${ESAT}`)).json<Bundle>();
    const unit = bundle.entry?.[0]?.resource as {
      identifier: { system: string }[];
      category: { coding: { code: string }[] }[];
      characteristic: unknown[];
    };
    expect(bundle.entry?.length).toBeGreaterThanOrEqual(2);
    expect(unit.identifier[0]?.system).toBe('https://oi.esante.gouv.fr');
    expect(unit.category[0]?.coding[0]?.code).toBe('43');
    expect(unit.characteristic).toHaveLength(2);
    expectOutcome(await call(`/HealthcareService?organization.identifier=${IME}`), 403);
  });
});

describe('faults', () => {
  const probe = () => call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z');

  it('429 with Retry-After', async () => {
    await sandbox.admin.setFaults({ rate429: 1, retryAfterSeconds: 7 });
    const response = await probe();
    expectOutcome(response, 429);
    expect(response.headers['retry-after']).toBe('7');
  });

  it('503, connection reset and malformed payload', async () => {
    await sandbox.admin.setFaults({ rate5xx: 1 });
    expectOutcome(await probe(), 503);
    await sandbox.admin.setFaults({ rate5xx: 0, resetRate: 1 });
    await expect(probe()).rejects.toThrow();
    await sandbox.admin.setFaults({ resetRate: 0, malformedRate: 1 });
    const malformed = await probe();
    expect(malformed.status).toBe(200);
    expect(() => malformed.json()).toThrow();
  });
});

describe('raw answers (fault injection with a raw body)', () => {
  it('answers a chosen read and a search with the body, status and content type given, as many times as asked', async () => {
    const decisions = (await decisionSearch('2020-01-01T00:00:00Z')).json<Bundle>().entry ?? [];
    const [first, second] = decisions.map((e) => e.resource.id);
    await sandbox.admin.setRawAnswer({
      target: 'read',
      resourceType: 'DocumentReference',
      id: first as string,
      status: 200,
      contentType: 'text/html',
      body: '{"resourceType":"DocumentRef',
      times: 1,
    });
    await sandbox.admin.setRawAnswer({
      target: 'search',
      resourceType: 'Task',
      status: 502,
      contentType: 'application/fhir+json',
      body: '{"resourceType":"OperationOutcome","issue":[]}',
    });
    expect(await sandbox.admin.rawAnswers()).toMatchObject([
      { target: 'read', id: first, bodyBytes: 28, served: 0 },
      { target: 'search', resourceType: 'Task', status: 502 },
    ]);
    const raw = await call(`/DocumentReference/${String(first)}`);
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('text/html');
    expect(raw.text).toBe('{"resourceType":"DocumentRef');
    // Used once: the next read is the real resource; another id was never affected.
    expect((await call(`/DocumentReference/${String(first)}`)).json()).toMatchObject({
      resourceType: 'DocumentReference',
    });
    expect((await call(`/DocumentReference/${String(second)}`)).status).toBe(200);
    expect((await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z')).status).toBe(502);
    // Still behind the access checks: no token, no raw answer.
    expect((await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z', { bearer: null })).status).toBe(401);
    await sandbox.admin.clearRawAnswers();
    expect((await call('/Task?_lastUpdated=gt2020-01-01T00%3A00%3A00Z')).status).toBe(200);
    await expect(
      sandbox.admin.setRawAnswer({ target: 'read', resourceType: 'Task', status: 200, contentType: 'x', body: '' }),
    ).rejects.toMatchObject({ code: 'SANDBOX_INVALID_REQUEST' });
  });
});

describe('admin operations', () => {
  it('generates decisions for one EG, refuses unknown names, and a cancelled decision comes back in flux 1', async () => {
    const cursor = (await decisionSearch('2020-01-01T00:00:00Z')).json<Bundle>().meta.lastUpdated;
    const generated = await sandbox.admin.generate(3, { finessEgs: [FAM] });
    expect(generated.created).toBe(3);
    expect((await decisionSearch(cursor)).json<Bundle>().entry ?? []).toEqual([]);

    await expect(sandbox.admin.generate(1, { finessEgs: ['999999999'] })).rejects.toMatchObject({
      code: 'SANDBOX_NOT_FOUND',
    });
    await expect(sandbox.admin.cancelNotification('inconnu')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await expect(new SandboxAdmin(sandbox.adminUrl, 'mauvais').status()).rejects.toMatchObject({
      code: 'SANDBOX_ADMIN_FAILED',
    });

    await sandbox.admin.cancelDecision(imported.idNatDecision);
    const ids = ((await decisionSearch(cursor)).json<Bundle>().entry ?? []).map((e) => e.resource['id']);
    expect(ids).toEqual([imported.id]);
  });

  it('generated decisions carry a category the units of each targeted EG accept, and are dated in the past', async () => {
    const { idNatDecisions } = await sandbox.admin.generate(40);
    const accepted: Record<string, string[]> = {
      [ESAT]: ['11.5'],
      [IME]: ['7.1'],
      [OTHER_EG]: ['7.1'],
      [FAM]: ['13.2', '13.3'],
    };
    const today = new Date().toISOString().slice(0, 10);
    for (const idNat of idNatDecisions) {
      const record = sandbox.operations.decision(idNat);
      if (!record) throw new Error(`décision ${idNat} absente`);
      const parsed = parseDecisionCda(record.cdaXml);
      expect(parsed.decision.dateDeDecision <= today).toBe(true);
      const category = parsed.droitPrestation?.typeDroitOuPrestation.code;
      if (!category) continue;
      for (const eg of record.targetedEgs) expect(accepted[eg], `${category} → ${eg}`).toContain(category);
    }
  });

  it('resets to the initial state', async () => {
    await sandbox.admin.reset();
    const status = await sandbox.admin.status();
    expect(status['decisions']).toBe(12);
    expect(await sandbox.admin.receivedTasks()).toEqual([]);
    expectOutcome(await call(`/DocumentReference/${imported.id}`), 404);
  });
});
