/**
 * Paramètres › Organisation: the default stays the desk's own encrypted SQLite; "Organisation" needs a complete
 * server (CA imported by its bytes, password in the secret store, never in the settings file) and then gives the
 * PostgreSQL location with TLS verify-full.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentPaths } from '../environments/environment-store';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { createFileSecretStore, createKeyFileCipher } from '../secrets';
import { makeTempDir } from '../testing/temp-dir';
import { OrganisationSettingsStore, organisationSettingsFile, storeLocationFor } from './organisation-settings';

const PASSWORD = 'mot-de-passe-tres-visible-42';
const KEY = Buffer.alloc(32, 7);

let pki: TestPki;
let pkiDir: ReturnType<typeof makeTempDir>;
beforeAll(async () => {
  pkiDir = makeTempDir('referent-vt-org-pki-');
  pki = await ensureTestPki(pkiDir.dir, { legalEntities: [{ finessEj: '010000001', name: 'ASSOCIATION FICTIVE' }] });
});
afterAll(() => pkiDir.cleanup());

function fixture() {
  const tmp = makeTempDir('referent-vt-org-settings-');
  const folders = environmentPaths(tmp.dir, 'sandbox-local');
  const secrets = createFileSecretStore({
    filePath: folders.secretsFile,
    cipher: createKeyFileCipher(folders.secretsKeyFile),
  });
  const settings = new OrganisationSettingsStore(tmp.dir, 'sandbox-local', secrets);
  const keys = { databaseKey: () => KEY, secrets };
  return { tmp, folders, secrets, settings, keys };
}

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describe('organisation settings', () => {
  it('keeps the desk on its own encrypted SQLite by default', async () => {
    const { tmp, folders, settings, keys } = fixture();
    expect(settings.mode()).toBe('poste');
    expect(await settings.describe()).toEqual({ mode: 'poste', passwordSet: false });
    expect(await storeLocationFor(tmp.dir, 'sandbox-local', keys)).toEqual({
      kind: 'sqlite',
      file: folders.databaseFile,
      key: KEY,
    });
    tmp.cleanup();
  });

  it('switches to the organisation with TLS verify-full, the password kept only in the secret store', async () => {
    const { tmp, folders, settings, keys } = fixture();
    const summary = await settings.update({
      mode: 'organisation',
      host: 'pg.organisation.test',
      port: 5433,
      database: 'referent',
      user: 'referent_dupont',
      password: PASSWORD,
      caFileBase64: base64(pki.caBundlePem),
    });
    expect(summary).toMatchObject({
      mode: 'organisation',
      passwordSet: true,
      server: { host: 'pg.organisation.test', port: 5433, schema: 'referent_vt', tls: 'verify-full' },
    });
    expect(summary.server?.ca?.map((c) => c.subject)).toEqual([
      expect.stringContaining('TEST AC RACINE'),
      expect.stringContaining('TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS'),
    ]);
    expect(JSON.stringify(summary)).not.toContain(PASSWORD);

    const location = await storeLocationFor(tmp.dir, 'sandbox-local', keys);
    expect(location).toEqual({
      kind: 'postgres',
      connection: {
        host: 'pg.organisation.test',
        port: 5433,
        database: 'referent',
        user: 'referent_dupont',
        password: PASSWORD,
        tls: { mode: 'verify-full', caPem: expect.stringContaining('-----BEGIN CERTIFICATE-----') },
        schema: 'referent_vt',
      },
    });
    // Nothing on the workstation holds the password in clear.
    for (const f of readdirSync(folders.dataDir)) {
      expect(readFileSync(join(folders.dataDir, f), 'latin1'), f).not.toContain(PASSWORD);
    }
    expect(readFileSync(organisationSettingsFile(tmp.dir, 'sandbox-local'), 'utf8')).toContain('pg.organisation.test');

    // A later edit keeps what it does not change; back to "Poste seul" gives the SQLite again.
    await settings.update({ port: 5434 });
    expect((await settings.describe()).server).toMatchObject({ host: 'pg.organisation.test', port: 5434 });
    await settings.update({ mode: 'poste' });
    expect((await storeLocationFor(tmp.dir, 'sandbox-local', keys)).kind).toBe('sqlite');
    tmp.cleanup();
  });

  it('takes a DER CA file and refuses a server certificate, a broken file, a missing CA or password', async () => {
    const { tmp, settings } = fixture();
    const der = new X509Certificate(pki.rootCertPem).raw;
    await settings.update({
      host: 'pg.organisation.test',
      database: 'referent',
      user: 'r1',
      caFileBase64: base64(der),
    });
    expect((await settings.describe()).server?.ca).toHaveLength(1);

    await expect(settings.update({ caFileBase64: base64(pki.server.certPem) })).rejects.toMatchObject({
      code: 'ORG_SETTINGS_INVALID',
      message: expect.stringContaining('pas celui d’une autorité'),
    });
    await expect(settings.update({ caFileBase64: base64('pas un certificat') })).rejects.toMatchObject({
      code: 'ORG_SETTINGS_INVALID',
    });
    // Organisation mode without a password: refused, nothing written.
    await expect(settings.update({ mode: 'organisation' })).rejects.toMatchObject({ code: 'ORG_PASSWORD_MISSING' });
    expect(settings.mode()).toBe('poste');
    await settings.update({ clearCa: true, password: PASSWORD });
    await expect(settings.update({ mode: 'organisation' })).rejects.toMatchObject({
      code: 'ORG_SETTINGS_INVALID',
      message: expect.stringContaining('TLS verify-full'),
    });
    await expect(settings.update({ host: 'pg organisation; DROP', mode: 'poste' })).rejects.toMatchObject({
      code: 'ORG_SETTINGS_INVALID',
      detail: 'host',
    });
    expect(settings.mode()).toBe('poste');
    tmp.cleanup();
  });
});
