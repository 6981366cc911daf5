/**
 * A throwaway PostgreSQL server for the tests: its own data directory in a temporary folder, run by an
 * unprivileged user when we are root (CI), listening on a Unix socket in that folder and on 127.0.0.1/127.0.0.2 at
 * a free port with TLS only (a test CA and server certificate made here, so verify-full is exercised for real).
 * The superuser `postgres` logs in without password on the socket only; every other role needs its SCRAM password.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { PostgresConnectionOptions } from '../db/postgres/postgres-connection';

const run = promisify(execFile);

export const CLUSTER_SUPERUSER = 'postgres';

export interface PostgresClusterInfo {
  readonly socketDir: string;
  readonly port: number;
  /** The CA that signed the server certificate (for 127.0.0.1 and localhost only). */
  readonly caPem: string;
  /** Another CA, which did not sign the server's certificate. */
  readonly otherCaPem: string;
}

export interface PostgresCluster extends PostgresClusterInfo {
  /** The superuser over the socket (no TLS on a socket), for `database` (default "postgres"). */
  admin(database?: string): PostgresConnectionOptions;
  /** Runs SQL as the superuser on `database` (default "postgres"). */
  adminQuery(sql: string, database?: string): Promise<pg.QueryResult>;
  /** A fresh database, copied from template when given. */
  createDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
  /**
   * Stops the server (fast shutdown: sessions are cut as by a restart) and starts it again on the same port with
   * the same data, running `whileDown` in between. Only a cluster started here (startPostgresCluster) can do it.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

/** Where the PostgreSQL server programs are (Debian puts them under /usr/lib/postgresql/<version>/bin). */
export function findPostgresBin(): string | undefined {
  // An explicit folder (a non-standard install) is the only one searched.
  const explicit = process.env.REFERENT_VT_POSTGRES_BIN;
  const candidates = explicit ? [explicit] : ['/usr/local/bin'];
  if (explicit) return hasServerPrograms(explicit) ? explicit : undefined;
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v) && Number(v) >= 15)
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no Debian PostgreSQL package
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(dir);
  return candidates.find(hasServerPrograms);
}

function hasServerPrograms(dir: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((p) => isExecutable(path.join(dir, p)));
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL introuvable (initdb, pg_ctl, postgres ≥ 15).');
  const asRoot = process.getuid?.() === 0;
  // The unprivileged user the server runs as when we are root (numeric ids: group names differ between systems).
  const owner = asRoot ? await idsOf('nobody') : undefined;
  const dropPrivileges = owner
    ? ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--']
    : [];
  // As root, /tmp: the unprivileged server user must reach the folder, which a root-only TMPDIR would forbid.
  const dir = fs.mkdtempSync(path.join(asRoot ? '/tmp' : os.tmpdir(), 'referent-vt-pg-'));
  // Runs a server program as the unprivileged owner of the folder (PostgreSQL refuses to run as root).
  const runAsOwner = async (program: string, args: string[]): Promise<void> => {
    const file = path.join(bin, program);
    if (owner) {
      await run(dropPrivileges[0]!, [...dropPrivileges.slice(1), file, ...args], {
        cwd: dir,
        env: { ...process.env, HOME: dir },
      });
    } else {
      await run(file, args, { cwd: dir });
    }
  };
  const dataDir = path.join(dir, 'data');
  let started = false;
  const watchdog = startWatchdog(dir, dataDir, [...dropPrivileges, path.join(bin, 'pg_ctl')]);
  const stopWatchdog = (): void => {
    if (watchdog.pid === undefined) return;
    try {
      process.kill(watchdog.pid);
    } catch {
      // already gone
    }
  };
  try {
    const certs = await makeCertificates(dir);
    if (owner) chownTree(dir, owner.uid, owner.gid);
    fs.chmodSync(dir, 0o700);
    await runAsOwner('initdb', [
      '-D',
      dataDir,
      '-U',
      CLUSTER_SUPERUSER,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    fs.writeFileSync(
      path.join(dataDir, 'pg_hba.conf'),
      [
        `local all ${CLUSTER_SUPERUSER} trust`,
        'local all all scram-sha-256',
        'hostssl all all 127.0.0.0/8 scram-sha-256',
        '',
      ].join('\n'),
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      fs.writeFileSync(
        path.join(dataDir, 'postgresql.auto.conf'),
        [
          "listen_addresses = '127.0.0.1,127.0.0.2'",
          `port = ${port}`,
          `unix_socket_directories = '${dir}'`,
          'ssl = on',
          `ssl_cert_file = '${certs.serverCert}'`,
          `ssl_key_file = '${certs.serverKey}'`,
          "password_encryption = 'scram-sha-256'",
          'max_connections = 300',
          // A test server: durability is not what is tested, speed on a busy machine is.
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          "log_min_messages = 'warning'",
          '',
        ].join('\n'),
      );
      try {
        await runAsOwner('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', 'start']);
        started = true;
        break;
      } catch (e) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 3) {
          throw new Error(`PostgreSQL n’a pas démarré : ${serverLog(dir) || (e as Error).message}`, { cause: e });
        }
      }
    }
    const info: PostgresClusterInfo = {
      socketDir: dir,
      port,
      caPem: fs.readFileSync(certs.caCert, 'utf8'),
      otherCaPem: fs.readFileSync(certs.otherCaCert, 'utf8'),
    };
    const restart = async (whileDown?: () => Promise<void>): Promise<void> => {
      if (!started) throw new Error('Serveur PostgreSQL de test arrêté : rien à redémarrer.');
      await runAsOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      try {
        await whileDown?.();
      } finally {
        await runAsOwner('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', 'start']);
      }
    };
    return clusterHandle(
      info,
      async () => {
        if (started) {
          started = false;
          await runAsOwner('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        }
        fs.rmSync(dir, { recursive: true, force: true });
        // Last: killed during this teardown, the watchdog still finishes it.
        stopWatchdog();
      },
      restart,
    );
  } catch (e) {
    stopWatchdog();
    if (started) await runAsOwner('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A handle on a cluster already running (a test worker, given what the global setup started). */
export function clusterHandle(
  info: PostgresClusterInfo,
  stop: () => Promise<void> = async () => {},
  restart: (whileDown?: () => Promise<void>) => Promise<void> = () =>
    Promise.reject(new Error('Seul le processus qui a démarré ce serveur PostgreSQL peut le redémarrer.')),
): PostgresCluster {
  const admin = (database = 'postgres'): PostgresConnectionOptions => ({
    host: info.socketDir,
    port: info.port,
    database,
    user: CLUSTER_SUPERUSER,
    tls: { mode: 'disable' },
  });
  const adminQuery = async (sql: string, database?: string): Promise<pg.QueryResult> => {
    const client = new pg.Client({ host: info.socketDir, port: info.port, database, user: CLUSTER_SUPERUSER });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    ...info,
    admin,
    adminQuery,
    async createDatabase(name, template) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`nom de base invalide : ${name}`);
      // FILE_COPY: copying a small template file by file is quicker than writing it all through the WAL.
      await adminQuery(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template} STRATEGY FILE_COPY` : ''}`);
    },
    stop,
    restart,
  };
}

/**
 * A test run killed before its teardown must not leave a server running on a shared machine: a detached shell
 * waits for this process to end, then (once a server start it may have left running has finished) stops the
 * server and removes its folder.
 */
function startWatchdog(dir: string, dataDir: string, pgCtl: readonly string[]) {
  const stop = `${pgCtl.map((a) => `"${a}"`).join(' ')} -D "${dataDir}" -m immediate stop`;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; sleep 3; ${stop} >/dev/null 2>&1; rm -rf "${dir}"`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

interface CertificateFiles {
  readonly caCert: string;
  readonly otherCaCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

async function makeCertificates(dir: string): Promise<CertificateFiles> {
  const tls = path.join(dir, 'tls');
  fs.mkdirSync(tls);
  const f = (name: string): string => path.join(tls, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      f(`${ca}.key`),
      '-out',
      f(`${ca}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=Referent VT test ${ca}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  await run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  fs.writeFileSync(
    f('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  ]);
  fs.chmodSync(f('server.key'), 0o600);
  return {
    caCert: f('ca.crt'),
    otherCaCert: f('other-ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function chownTree(target: string, uid: number, gid: number): void {
  fs.chownSync(target, uid, gid);
  if (!fs.statSync(target).isDirectory()) return;
  for (const entry of fs.readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function serverLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}
