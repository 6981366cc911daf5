/**
 * The README's backup procedure, run for real: pg_dump by the organisation's administrator (not a superuser, over
 * TLS verify-full) with row security enabled, pg_restore into a new database, every row and every policy back.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testCluster } from '../../testing/postgres-test-cluster';
import { makeTempDir } from '../../testing/temp-dir';
import { addMember, createOrganisationSchema, setAssignments } from './organisation-admin';
import { openPostgresDatabase } from './postgres-database';

const run = promisify(execFile);
const cluster = testCluster();

function findClientBin(): string | undefined {
  const dirs = ['/usr/local/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  try {
    for (const v of fs.readdirSync('/usr/lib/postgresql').sort().reverse()) dirs.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // no Debian PostgreSQL package
  }
  return dirs.find((d) => d && fs.existsSync(path.join(d, 'pg_dump')) && fs.existsSync(path.join(d, 'pg_restore')));
}

const bin = findClientBin();

describe.skipIf(!cluster || !bin)('backup and restore (real server, README procedure)', () => {
  const c = cluster!;
  const suffix = crypto.randomBytes(3).toString('hex');
  const source = `backup_src_${suffix}`;
  const target = `backup_dst_${suffix}`;
  const adminRole = `admin_backup_${suffix}`;
  const member = `referent_backup_${suffix}`;
  const password = crypto.randomBytes(12).toString('base64url');
  const tmp = makeTempDir('referent-vt-backup-');

  afterAll(async () => {
    for (const db of [source, target]) await c.adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await c.adminQuery(`DROP ROLE IF EXISTS ${member}`);
    await c.adminQuery(`DROP ROLE IF EXISTS ${adminRole}`);
    tmp.cleanup();
  });

  it('restores every row, the rights and the row security', async () => {
    await c.adminQuery(`CREATE ROLE ${adminRole} LOGIN CREATEROLE PASSWORD '${password}'`);
    await c.adminQuery(`CREATE DATABASE ${source} OWNER ${adminRole}`);
    const tls = (database: string) => ({
      host: '127.0.0.1',
      port: c.port,
      database,
      user: adminRole,
      password,
      tls: { mode: 'verify-full' as const, caPem: c.caPem },
    });
    const admin = await openPostgresDatabase(tls(source), { migrate: true });
    await createOrganisationSchema(admin);
    await admin.run("INSERT INTO legal_entity (finess_ej, name) VALUES ('010000001', 'EJ fictive')");
    for (const eg of ['010000002', '010000003']) {
      await admin.run("INSERT INTO geographic_entity (finess_eg, finess_ej, name) VALUES (?, '010000001', 'EG')", [eg]);
    }
    await addMember(admin, member, password, 'référent');
    await setAssignments(admin, member, ['010000002']);
    const counts = async (db: typeof admin) =>
      db.get('SELECT (SELECT count(*) FROM geographic_entity) AS "egs", (SELECT count(*) FROM journal) AS "journal"');
    const before = await counts(admin);
    await admin.close();

    const caFile = path.join(tmp.dir, 'ca.pem');
    fs.writeFileSync(caFile, c.caPem);
    const dump = path.join(tmp.dir, 'referent_vt.dump');
    const env = { ...process.env, PGPASSWORD: password };
    const conn = (db: string) =>
      `host=127.0.0.1 port=${c.port} dbname=${db} user=${adminRole} sslmode=verify-full sslrootcert=${caFile}`;
    await run(
      path.join(bin!, 'pg_dump'),
      [conn(source), '--enable-row-security', '--format=custom', `--file=${dump}`],
      {
        env,
      },
    );
    await c.adminQuery(`CREATE DATABASE ${target} OWNER ${adminRole}`);
    await run(path.join(bin!, 'pg_restore'), [`--dbname=${conn(target)}`, '--exit-on-error', dump], { env });

    const restored = await openPostgresDatabase(tls(target));
    expect(await counts(restored)).toEqual(before);
    await restored.close();
    const asMember = await openPostgresDatabase({ ...tls(target), user: member });
    expect(await asMember.value('SELECT count(*) FROM geographic_entity')).toBe(1);
    await asMember.close();
  });
});
