import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../../testing/postgres-test-cluster';
import { makeTempDir } from '../../testing/temp-dir';
import { runOrganisationAdminCommand } from './organisation-admin-command';
import { openPostgresDatabase } from './postgres-database';
import { POSTGRES_SCHEMA_VERSION } from './migrations';

const cluster = testCluster();

describe.skipIf(!cluster)('organisation admin command (real server, administrator without superuser rights)', () => {
  const c = cluster!;
  const suffix = crypto.randomBytes(3).toString('hex');
  const database = `cli_${suffix}`;
  const adminRole = `admin_org_${suffix}`;
  const member = `referent_cli_${suffix}`;
  const adminPassword = crypto.randomBytes(12).toString('base64url');
  const memberPassword = crypto.randomBytes(12).toString('base64url');
  const tmp = makeTempDir('referent-vt-cli-');
  const caFile = path.join(tmp.dir, 'ca.pem');
  let connection: string[];

  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; lines: string[] }> => {
    const lines: string[] = [];
    const code = await runOrganisationAdminCommand(
      [...args, ...connection],
      { log: (l) => lines.push(l) },
      { REFERENT_VT_PG_PASSWORD: adminPassword, ...env },
    );
    return { code, lines };
  };

  beforeAll(async () => {
    fs.writeFileSync(caFile, c.caPem);
    connection = ['--host', '127.0.0.1', '--port', String(c.port), '--database', database, '--user', adminRole];
    connection.push('--ca', caFile);
    await c.adminQuery(`CREATE ROLE ${adminRole} LOGIN CREATEROLE PASSWORD '${adminPassword}'`);
    await c.adminQuery(`CREATE DATABASE ${database} OWNER ${adminRole}`);
  });

  afterAll(async () => {
    await c.adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.adminQuery(`DROP ROLE IF EXISTS ${member}`);
    await c.adminQuery(`DROP ROLE IF EXISTS ${adminRole}`);
    tmp.cleanup();
  });

  it('creates the schema, adds and assigns a referent who can then log in, lists, and revokes', async () => {
    expect((await run(['create-schema'])).lines.join('\n')).toMatch(new RegExp(`version ${POSTGRES_SCHEMA_VERSION}`));
    expect((await run(['add-referent', member], { REFERENT_VT_MEMBER_PASSWORD: memberPassword })).code).toBe(0);
    expect((await run(['assign', member, '010000002'])).code).toBe(0);
    expect((await run(['list'])).lines).toContain(`${member} — référent — EG : 010000002`);
    const asMember = await openPostgresDatabase({
      host: '127.0.0.1',
      port: c.port,
      database,
      user: member,
      password: memberPassword,
      tls: { mode: 'verify-full', caPem: c.caPem },
    });
    expect(await asMember.value('SELECT count(*) FROM eg_assignment')).toBe(1);
    await asMember.close();
    expect((await run(['revoke', member])).code).toBe(0);
    expect((await run(['list'])).lines).toContain(`${member} — référent (révoqué) — EG : aucune`);
  });

  it('answers usage errors with 2 and a refused login with a French message without the password', async () => {
    expect((await run(['assign', member])).code).toBe(2);
    const unknown = await run(['list', '--inconnue']);
    expect(unknown.code).toBe(2);
    expect(unknown.lines.join('\n')).toMatch(/inconnue[\s\S]*create-schema/);
    const refused = await run(['list'], { REFERENT_VT_PG_PASSWORD: 'pas-le-bon-mot-de-passe' });
    expect(refused.code).toBe(1);
    expect(refused.lines.join('\n')).toMatch(/refusé l’identifiant ou le mot de passe/);
    expect(refused.lines.join('\n')).not.toContain('pas-le-bon-mot-de-passe');
  });
});
