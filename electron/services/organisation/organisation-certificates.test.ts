/**
 * The organisation's certificate store on the real PostgreSQL test cluster, with a certificate of the test PKI
 * (fake IGC-Santé chain): the admin imports, every member lists, the sync role unlocks with the organisation key,
 * another key or no key is refused in French, a referent cannot read the sealed columns, rotation rewraps.
 */
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/errors/app-error';
import { addMember } from '../db/postgres/organisation-admin';
import type { PostgresConnectionOptions } from '../db/postgres/postgres-connection';
import { openPostgresDatabase } from '../db/postgres/postgres-database';
import type { PostgresDatabase } from '../db/sql/postgres-database';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { testCluster } from '../testing/postgres-test-cluster';
import { makeTempDir } from '../testing/temp-dir';
import {
  createOrganisationKeyFile,
  importOrganisationCertificate,
  listOrganisationCertificates,
  organisationCertificateEligibility,
  organisationKeyId,
  organisationTransportCertificate,
  readOrganisationKeyFile,
  rewrapOrganisationCertificates,
  unlockOrganisationCertificate,
  type OrganisationKey,
} from './organisation-certificates';
import { runOrganisationCertificateCommand } from './organisation-certificate-command';

const cluster = testCluster();
const EJ = '010000001';

function newKey(): OrganisationKey {
  const bytes = crypto.randomBytes(32);
  return { bytes, id: organisationKeyId(bytes) };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return { code: (error as AppError).code, message: (error as AppError).message };
}

describe.skipIf(!cluster)('organisation certificate store (real server)', () => {
  const c = cluster!;
  const tmp = makeTempDir('referent-vt-org-cert-');
  const suffix = crypto.randomBytes(3).toString('hex');
  const database = `orgcert_${suffix}`;
  const roles = { referent: `referent_cert_${suffix}`, sync: `sync_cert_${suffix}` };
  const password = crypto.randomBytes(12).toString('base64url');
  const key = newKey();
  const now = Date.now();
  let pki: TestPki;
  let admin: PostgresDatabase;
  let referent: PostgresDatabase;
  let sync: PostgresDatabase;

  const asMember = (user: string): PostgresConnectionOptions => ({
    host: c.socketDir,
    port: c.port,
    database,
    user,
    password,
    tls: { mode: 'disable' },
  });

  beforeAll(async () => {
    pki = await ensureTestPki(path.join(tmp.dir, 'pki'), {
      legalEntities: [{ finessEj: EJ, name: 'ASSOCIATION FICTIVE' }],
    });
    await c.createDatabase(database, c.template);
    admin = await openPostgresDatabase(c.admin(database));
    await addMember(admin, roles.referent, password, 'referent');
    await addMember(admin, roles.sync, password, 'sync');
    referent = await openPostgresDatabase(asMember(roles.referent));
    sync = await openPostgresDatabase(asMember(roles.sync));
  });

  afterAll(async () => {
    for (const db of [referent, sync, admin]) await db?.close();
    await c.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const role of Object.values(roles)) await c.adminQuery(`DROP ROLE IF EXISTS ${role}`);
    tmp.cleanup();
  });

  const importClient = (db: PostgresDatabase, withKey: OrganisationKey) =>
    importOrganisationCertificate(db, {
      bytes: fs.readFileSync(pki.clients[EJ]!.p12Path),
      password: pki.clients[EJ]!.password,
      key: withKey,
      trustAnchorsPem: [pki.caBundlePem],
      now,
    });

  it('imports (admin), lists the public description to every member, unlocks for the sync role with the key', async () => {
    const imported = await importClient(admin, key);
    expect(imported).toMatchObject({ finessEj: EJ, keyId: key.id, expiry: { level: 'valid' } });
    expect(imported.subject).toContain('ASSOCIATION FICTIVE');

    const seenByReferent = await listOrganisationCertificates(referent, now);
    expect(seenByReferent).toEqual([imported]);

    const unlocked = await unlockOrganisationCertificate(sync, key, { now, finessEj: EJ });
    const expected = new X509Certificate(pki.clients[EJ]!.certPem).fingerprint256;
    expect(unlocked.certificate.sha256Fingerprint).toBe(expected);
    expect(unlocked.password).toBe(pki.clients[EJ]!.password);
    expect(unlocked.p12.length).toBeGreaterThan(1000);
    expect(await organisationCertificateEligibility(sync, key, { now, finessEj: EJ })).toEqual({
      usable: true,
      certificate: imported,
    });

    // A second import of the same certificate replaces the row (same id), it does not add one.
    expect((await importClient(admin, key)).id).toBe(imported.id);
    expect(await sync.value('SELECT count(*) FROM organisation_certificate')).toBe(1);
    // Journaled as the administrator's, with nothing secret in it.
    const journaled = await admin.all<{ action: string; detail: string | null }>(
      "SELECT action, detail FROM journal WHERE record_type = 'certificat' AND record_id = ?",
      [imported.id],
    );
    expect(journaled).toHaveLength(2);
    expect(journaled[0]).toEqual({ action: 'Import du certificat de l’organisation', detail: null });
  });

  it('keeps the database alone useless: no password, no key, no certificate bytes in clear', async () => {
    const row = await admin.get<Record<string, string>>('SELECT * FROM organisation_certificate');
    const everything = JSON.stringify(row);
    expect(everything).not.toContain(pki.clients[EJ]!.password);
    expect(everything).not.toContain(key.bytes.toString('base64'));
    const sealed = Buffer.from(row!.sealed_p12!, 'base64');
    const leafDer = new X509Certificate(pki.clients[EJ]!.certPem).raw;
    expect(sealed.includes(leafDer.subarray(0, 64))).toBe(false);
  });

  it('refuses another organisation key, or none, with a French message; the workstation is then not eligible', async () => {
    const wrong = await codeOf(unlockOrganisationCertificate(sync, newKey(), { now }));
    expect(wrong.code).toBe('ORG_CERT_WRONG_KEY');
    expect(wrong.message).toMatch(/ne correspond pas à celle qui protège le certificat/);
    const none = await codeOf(unlockOrganisationCertificate(sync, undefined, { now }));
    expect(none.code).toBe('ORG_CERT_KEY_MISSING');
    expect(none.message).toMatch(/n’a pas la clé de l’organisation/);
    expect(await organisationCertificateEligibility(sync, newKey(), { now })).toMatchObject({
      usable: false,
      reason: 'wrong-key',
    });
    expect(await organisationCertificateEligibility(sync, undefined, { now })).toMatchObject({
      usable: false,
      reason: 'no-key',
    });
    const later = Date.parse('2099-01-01T00:00:00Z');
    expect(await organisationCertificateEligibility(sync, key, { now: later })).toMatchObject({
      usable: false,
      reason: 'expired',
    });
    expect(await organisationCertificateEligibility(sync, key, { now, finessEj: '020000002' })).toMatchObject({
      usable: false,
      reason: 'no-certificate',
    });
  });

  it('never lets a referent read the sealed certificate, even with the key and hand-written SQL', async () => {
    const denied = await codeOf(referent.all('SELECT sealed_p12 FROM organisation_certificate'));
    expect(denied.code).toBe('DB_PERMISSION_DENIED');
    expect((await codeOf(referent.all('SELECT * FROM organisation_certificate'))).code).toBe('DB_PERMISSION_DENIED');
    const forbidden = await codeOf(unlockOrganisationCertificate(referent, key, { now }));
    expect(forbidden.code).toBe('ORG_CERT_FORBIDDEN');
    expect(forbidden.message).toMatch(/réservé aux comptes de synchronisation/);
    expect(await organisationCertificateEligibility(referent, key, { now })).toMatchObject({
      usable: false,
      reason: 'forbidden',
    });
    // Neither may the sync role replace it: importing is the administrator's.
    expect((await codeOf(importClient(sync, key))).code).toBe('ORG_CERT_FORBIDDEN');
  });

  it('detects a sealed certificate altered in the database instead of handing garbage to TLS', async () => {
    const original = await admin.value<string>('SELECT sealed_p12 FROM organisation_certificate');
    const altered = Buffer.from(original!, 'base64');
    altered.writeUInt8(altered.readUInt8(altered.length - 1) ^ 0xff, altered.length - 1);
    await admin.run('UPDATE organisation_certificate SET sealed_p12 = ?', [altered.toString('base64')]);
    try {
      expect((await codeOf(unlockOrganisationCertificate(sync, key, { now }))).code).toBe('CERT_UNREADABLE');
    } finally {
      await admin.run('UPDATE organisation_certificate SET sealed_p12 = ?', [original]);
    }
  });

  it('rotates the organisation key by rewrapping the data keys: the old key no longer opens it, the new one does', async () => {
    const next = newKey();
    expect(await admin.transaction((tx) => rewrapOrganisationCertificates(tx, key, next))).toBe(1);
    expect((await codeOf(unlockOrganisationCertificate(sync, key, { now }))).code).toBe('ORG_CERT_WRONG_KEY');
    const unlocked = await unlockOrganisationCertificate(sync, next, { now });
    expect(unlocked.certificate.keyId).toBe(next.id);
    await admin.transaction((tx) => rewrapOrganisationCertificates(tx, next, key));
  });

  it('hands the sync transport the certificate and its EJ when the key file is in the data folder', async () => {
    const dataRoot = path.join(tmp.dir, 'poste-synchro');
    fs.mkdirSync(dataRoot);
    const absent = await codeOf(organisationTransportCertificate(sync, dataRoot, now));
    expect(absent.code).toBe('ORG_CERT_KEY_MISSING');
    fs.writeFileSync(path.join(dataRoot, 'organisation.key'), key.bytes.toString('base64') + '\n', { mode: 0o600 });
    const { clientCertificate, legalEntity } = await organisationTransportCertificate(sync, dataRoot, now);
    expect(legalEntity).toEqual({ finessEj: EJ, name: 'ASSOCIATION FICTIVE' });
    expect(clientCertificate).toMatchObject({ kind: 'p12', password: pki.clients[EJ]!.password });
    expect(key.bytes.length).toBe(32); // the caller's key is not the one zero-filled
  });

  it('creates the key file once (0600) and reads it back; never overwrites it', () => {
    const file = path.join(tmp.dir, 'keys', 'organisation.key');
    const created = createOrganisationKeyFile(file);
    expect(readOrganisationKeyFile(file)).toEqual(created);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(() => createOrganisationKeyFile(file)).toThrow(/existe déjà/);
    expect(readOrganisationKeyFile(path.join(tmp.dir, 'absent.key'))).toBeUndefined();
    fs.writeFileSync(path.join(tmp.dir, 'bad.key'), 'abc');
    expect(() => readOrganisationKeyFile(path.join(tmp.dir, 'bad.key'))).toThrow(/endommagé/);
  });

  it('does the same from the command line: create-key, import-certificate, certificates, rewrap-certificates', async () => {
    const lines: string[] = [];
    const out = { log: (line: string) => lines.push(line) };
    const keyFile = path.join(tmp.dir, 'cli', 'organisation.key');
    const nextFile = path.join(tmp.dir, 'cli', 'next.key');
    const anchors = path.join(tmp.dir, 'cli-anchors.pem');
    fs.writeFileSync(anchors, pki.caBundlePem);
    const connection = ['--host', c.socketDir, '--port', String(c.port), '--database', database, '--user', 'postgres'];
    expect(await runOrganisationCertificateCommand(['create-key', keyFile], out)).toBe(0);
    expect(await runOrganisationCertificateCommand(['create-key', nextFile], out)).toBe(0);
    const p12 = pki.clients[EJ]!;
    expect(
      await runOrganisationCertificateCommand(
        ['import-certificate', p12.p12Path, '--key', keyFile, '--anchors', anchors, ...connection],
        out,
        {},
      ),
    ).toBe(1);
    expect(lines.at(-1)).toMatch(/REFERENT_VT_P12_PASSWORD/);
    const env = { REFERENT_VT_P12_PASSWORD: p12.password };
    expect(
      await runOrganisationCertificateCommand(
        ['import-certificate', p12.p12Path, '--key', keyFile, '--anchors', anchors, ...connection],
        out,
        env,
      ),
    ).toBe(0);
    const fileKey = readOrganisationKeyFile(keyFile)!;
    expect((await unlockOrganisationCertificate(sync, fileKey, { now })).certificate.finessEj).toBe(EJ);
    expect(await runOrganisationCertificateCommand(['certificates', ...connection], out, {})).toBe(0);
    expect(lines.at(-1)).toContain(`FINESS EJ ${EJ}`);
    expect(
      await runOrganisationCertificateCommand(
        ['rewrap-certificates', '--key', keyFile, '--new-key', nextFile, ...connection],
        out,
        {},
      ),
    ).toBe(0);
    expect(lines.at(-1)).toMatch(/^1 certificat/);
    const nextKey = readOrganisationKeyFile(nextFile)!;
    expect((await unlockOrganisationCertificate(sync, nextKey, { now })).certificate.keyId).toBe(nextKey.id);
    expect(await runOrganisationCertificateCommand(['import-certificate'], out)).toBe(2);
  });
});
