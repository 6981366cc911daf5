import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSeededRandom, generateDecisionSpec, type SeededRandom } from '../cda/fake';
import { makeTempDir } from '../testing/temp-dir';
import { configureLogging, createLogger, isSensitiveKey, redact, RotatingFileSink } from './logger';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => {
  configureLogging({ write: () => undefined });
  tmp.cleanup();
});

it('masks names, identifiers, birth dates and tokens', () => {
  const out = JSON.stringify(
    redact({
      family: 'TESTFICTIF',
      nested: { birthTime: '19960531' },
      note: 'INS 276059205062865 né le 1996-05-31',
      h: 'Bearer abc.def',
    }),
  );
  expect(out).not.toMatch(/TESTFICTIF|276059205062865|1996|abc\.def/);
});

it('matches sensitive keys by their words, whatever their case and style', () => {
  for (const key of [
    'familyName',
    'givenNames',
    'FAMILY_NAME',
    'clientSecret',
    'client-secret',
    'accessToken',
    'refresh_token',
    'birthDate',
    'dateNaissance',
    'insNir',
    'NIA',
    'Authorization',
    'userPassword',
    'pinCode',
    'email',
    'telecoms',
    'idIndividu',
  ]) {
    expect(isSensitiveKey(key), key).toBe(true);
  }
  for (const key of ['notificationId', 'count', 'environment', 'status', 'finessEg', 'instance', 'phase']) {
    expect(isSensitiveKey(key), key).toBe(false);
  }
});

it('masks values wherever they sit in a string: NIR/NIA (2A/2B, spaced), dates, e-mails, phones, JWTs, PEM, forms', () => {
  const samples = [
    '1 85 05 2A 123 456 78',
    '2850599123456',
    '185052B12345678',
    '7 85 05 99 123 456',
    '17/03/2018',
    '17-03-2018',
    '2018-03-17',
    'prenom.nom@exemple.invalid',
    '01 00 00 00 42',
    '+33 6 12 34 56 78',
    '0612345678',
    'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl',
    'client_secret=s3cr3t-v4leur',
    'password=motdepasse-fictif',
  ];
  for (const sample of samples) {
    const out = JSON.stringify(redact(`avant ${sample} après`));
    expect(out, sample).not.toContain(sample.split('=').pop());
    expect(out).toContain('avant');
  }
  const pem = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\n-----END PRIVATE KEY-----`;
  expect(JSON.stringify(redact(`clé : ${pem}`))).not.toContain('MIIEvQIBADAN');
});

it('survives what a careless log call hands it: cycles, buffers, errors with causes', () => {
  const cyclic: Record<string, unknown> = { id: 1 };
  cyclic['self'] = cyclic;
  expect(() => JSON.stringify(redact(cyclic))).not.toThrow();
  expect(JSON.stringify(redact({ blob: Buffer.from('secret-en-clair') }))).not.toContain('secret');
  const error = new Error('échec pour 2850599123456');
  expect(JSON.stringify(redact(error))).not.toContain('2850599123456');
});

/** A NIR-shaped fake number (department 99 or Corsica), written the ways people write it. */
function fakeNir(rnd: SeededRandom): string {
  const groups = [
    String(rnd.int(1, 8)),
    String(rnd.int(0, 99)).padStart(2, '0'),
    String(rnd.int(1, 12)).padStart(2, '0'),
    rnd.pick(['99', '2A', '2B']),
    String(rnd.int(0, 999)).padStart(3, '0'),
    String(rnd.int(0, 999)).padStart(3, '0'),
    String(rnd.int(1, 97)).padStart(2, '0'),
  ];
  return groups.join(rnd.pick(['', ' ']));
}

function fakeJwt(rnd: SeededRandom): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: String(rnd.int(1, 9)) })}.${part({ sub: `client-${rnd.int(1, 1e6)}` })}.${crypto.randomBytes(32).toString('base64url')}`;
}

const KEY_STYLES: readonly ((words: string[]) => string)[] = [
  (w) => w.map((x, i) => (i === 0 ? x : x[0]!.toUpperCase() + x.slice(1))).join(''),
  (w) => w.join('_').toUpperCase(),
  (w) => w.join('-'),
  (w) => w.join('_'),
];

it('property: fake persons and secrets logged as objects and as strings never reach the log files', () => {
  const file = path.join(tmp.dir, 'logs', 'referent-vt.log');
  configureLogging(new RotatingFileSink(file, 64 * 1024, 3), 'debug');
  const log = createLogger('propriété');
  const rnd = createSeededRandom(20261202);
  const secretsLogged: string[] = [];

  for (let i = 0; i < 60; i++) {
    const person = generateDecisionSpec(1000 + i, { finessEgs: ['010000099'], today: '2026-12-02', index: i + 1 })
      .decision.person;
    const nir = fakeNir(rnd);
    const clientSecret = crypto.randomBytes(18).toString('base64url');
    const password = `mdp-${crypto.randomBytes(9).toString('hex')}`;
    const jwt = fakeJwt(rnd);
    const pemBody = crypto.randomBytes(120).toString('base64');
    const pem = `-----BEGIN CERTIFICATE-----\n${pemBody.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
    const iso = person.birthDate?.iso ?? '1990-04-12';
    const frDate = `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
    const phone = person.telecoms.find((t) => t.kind === 'tel')?.value ?? '0100000042';
    const spacedPhone = phone.replace(/(\d{2})(?=\d)/g, '$1 ');
    const email = `test.fictif.${i}@exemple.invalid`;

    const names = [person.familyNameBirth, person.familyNameUsed, person.givenNames].filter(
      (n): n is string => n !== null,
    );
    const style = rnd.pick(KEY_STYLES);
    // Objects: the person as a whole, or its fields under keys of any style.
    log.info('Décision reçue', { notificationId: i, person });
    log.warn('Champs', {
      [style(['family', 'name'])]: names[0],
      [style(['given', 'names'])]: person.givenNames,
      [style(['birth', 'date'])]: iso,
      [style(['ins', 'nir'])]: nir,
      [style(['client', 'secret'])]: clientSecret,
      [style(['access', 'token'])]: jwt,
      [style(['p12', 'password'])]: password,
      nested: { deeper: { [style(['date', 'naissance'])]: frDate, [style(['email'])]: email } },
    });
    // Strings: values only a detector can recognise, in free text and in errors.
    log.info(
      `Relance : NIR ${nir}, né(e) le ${rnd.pick([frDate, iso, iso.replace(/-/g, '')])}, ` +
        `tél. ${rnd.pick([phone, spacedPhone])}, ${email}`,
    );
    log.error('Échec', new Error(`grant_type=client_credentials&client_secret=${clientSecret}&password=${password}`));
    log.debug('Réponse', { body: `{"access_token":"x"} ${jwt}`, certificate: pem, detail: `Bearer ${jwt}` });

    const values = [...names, nir, nir.replace(/ /g, ''), iso, frDate, phone, spacedPhone, email];
    values.push(...(person.ins ? [person.ins.value] : []));
    values.push(clientSecret, password, jwt, pemBody.slice(0, 40));
    secretsLogged.push(...values);
  }

  const written = fs
    .readdirSync(path.dirname(file))
    .map((f) => fs.readFileSync(path.join(path.dirname(file), f), 'utf8'))
    .join('\n');
  expect(written).toContain('Décision reçue');
  for (const value of new Set(secretsLogged)) {
    expect(written.includes(value), `« ${value} » dans le journal technique`).toBe(false);
  }
});

it('rotates files at the size limit and keeps a bounded number', () => {
  const file = path.join(tmp.dir, 'logs', 'app.log');
  configureLogging(new RotatingFileSink(file, 400, 2), 'debug');
  const log = createLogger('test');
  for (let i = 0; i < 40; i++) log.info(`événement ${i}`);
  const files = fs.readdirSync(path.dirname(file)).sort();
  expect(files).toEqual(['app.1.log', 'app.2.log', 'app.log']);
  expect(fs.statSync(file).size).toBeLessThanOrEqual(400);
});

it('creates log files readable by their owner only, and tightens an older world-readable one', () => {
  const file = path.join(tmp.dir, 'logs', 'app.log');
  configureLogging(new RotatingFileSink(file), 'debug');
  createLogger('test').info('premier');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  fs.chmodSync(file, 0o644);
  configureLogging(new RotatingFileSink(file), 'debug');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
});
