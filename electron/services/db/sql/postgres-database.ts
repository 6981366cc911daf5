/**
 * SqlDatabase over a node-postgres pool: the organisation's PostgreSQL (organisation mode). Statements in the common
 * dialect are rewritten to `$n` parameters (postgres-placeholders.ts); results come back as SQLite's would (bigint,
 * numeric → number; boolean → 0/1), with type parsers of this pool only, never node-postgres' global ones. A
 * transaction holds one pooled connection; a statement sent to the database itself from inside its own
 * transaction's flow is refused, like the SQLite adapter does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { AppError } from '@shared/errors/app-error';
import {
  RootStatementInTransactionError,
  type SqlDatabase,
  type SqlExecutor,
  type SqlParams,
  type SqlRunResult,
  type TransactionOptions,
} from './sql-database';
import { placeholderValues, rewritePlaceholders, type RewrittenSql } from './postgres-placeholders';
import { cachedIn } from './bounded-cache';

const openTransactions = new AsyncLocalStorage<ReadonlySet<PostgresDatabase>>();

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const BOOL_OID = 16;

/** Per-pool type parsers: counts and ids as numbers, flags as SQLite gives them. */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: (typeId, format) => {
    const oid: number = typeId;
    if (format !== 'binary') {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (text: string) => Number(text);
      if (oid === BOOL_OID) return (text: string) => (text === 't' ? 1 : 0);
    }
    const parser: unknown = pg.types.getTypeParser(oid, format);
    return parser;
  },
};

/** A validated schema name, safe to write unquoted in SQL. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AppError('INVALID_INPUT', `Nom de schéma PostgreSQL invalide : « ${schema} ».`);
  }
  return schema;
}

export interface PostgresPoolSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password?: string;
  readonly ssl: false | { readonly ca: string };
  readonly schema: string;
  readonly maxConnections?: number;
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly schema: string;
  private readonly rewrites = new Map<string, RewrittenSql>();

  constructor(
    /** The pool itself, for what only PostgreSQL has (roles, migrations). */
    readonly pool: pg.Pool,
    schema: string,
    /** Where the server is, for error messages (never the password). */
    private readonly serverLabel: string,
  ) {
    this.schema = checkSchemaName(schema);
    // An idle pooled connection the server drops (restart, failover) must not crash the process.
    pool.on('error', () => undefined);
  }

  static fromSettings(settings: PostgresPoolSettings): PostgresDatabase {
    const schema = checkSchemaName(settings.schema);
    const pool = new pg.Pool({
      host: settings.host,
      port: settings.port,
      database: settings.database,
      user: settings.user,
      password: settings.password,
      // rejectUnauthorized with the organisation's CA, and Node checks the host name: verify-full.
      ssl: settings.ssl === false ? false : { ca: settings.ssl.ca, rejectUnauthorized: true },
      // Every connection works in the schema; "public" is not searched, so a stray object there is never used.
      options: `-c search_path=${schema}`,
      types: typeParsers,
      max: settings.maxConnections ?? 10,
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 10_000,
      application_name: 'referent-vt',
    });
    const label = settings.host.startsWith('/') ? `socket ${settings.host}` : `${settings.host}:${settings.port}`;
    return new PostgresDatabase(pool, schema, label);
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.root(async () => (await this.query(this.pool, sql, params)).rows as T[]);
  }

  tuples<T extends readonly unknown[]>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.root(async () => (await this.query(this.pool, sql, params, 'array')).rows as T[]);
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.root(async () => (await this.query(this.pool, sql, params)).rows[0] as T | undefined);
  }

  value<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.root(() => this.valueOn<T>(this.pool, sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    return this.root(async () => ({ changes: (await this.query(this.pool, sql, params)).rowCount ?? 0 }));
  }

  exec(sql: string): Promise<void> {
    return this.root(async () => {
      await this.pool.query(sql).catch((e: unknown) => this.fail(e));
    });
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (openTransactions.getStore()?.has(this)) throw new RootStatementInTransactionError();
    const client = await this.pool.connect().catch((e: unknown) => this.fail(e));
    const handle = new PostgresTransaction(this, client);
    let broken: Error | undefined;
    try {
      await client.query(options?.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const outer = openTransactions.getStore() ?? new Set<PostgresDatabase>();
      const result = await openTransactions.run(new Set([...outer, this]), () => fn(handle));
      const committed = await client.query('COMMIT');
      // PostgreSQL answers COMMIT with ROLLBACK, without an error, when a statement failed inside the transaction
      // and fn caught it: never report that as committed.
      if (committed.command === 'ROLLBACK') throw new AbortedTransactionError();
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // The connection is unusable (server gone): drop it rather than return it to the pool.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      return this.fail(e);
    } finally {
      handle.closed = true;
      client.release(broken);
    }
  }

  /**
   * Why a committed change counter rather than a sequence or the WAL position: the counter row
   * (`change_counter`) is bumped by deferred triggers at the commit of every writing transaction, so a new value
   * becomes visible exactly when the change does. A sequence moves before commit (a cache would store the old
   * state under the new token, forever stale); the WAL position moves with every database of the cluster and with
   * vacuum. The row lock serialises commits only at their very end, after every other lock is taken, so it cannot
   * deadlock with row locks. Read in one statement, before the cached data is read: a change committed in between
   * only costs one more recomputation.
   */
  async changeToken(): Promise<string> {
    const value = await this.value<number>('SELECT value FROM change_counter WHERE id = 1');
    return String(value ?? 0);
  }

  async close(): Promise<void> {
    this.rewrites.clear();
    await this.pool.end();
  }

  async query(
    on: pg.Pool | pg.PoolClient,
    sql: string,
    params?: SqlParams,
    rowMode?: 'array',
  ): Promise<pg.QueryResult> {
    const rewritten = this.rewritten(sql);
    const values = placeholderValues(rewritten, params);
    try {
      return await (rowMode ? on.query({ text: rewritten.text, values, rowMode }) : on.query(rewritten.text, values));
    } catch (e) {
      return this.fail(e);
    }
  }

  async valueOn<T>(on: pg.Pool | pg.PoolClient, sql: string, params?: SqlParams): Promise<T | undefined> {
    const rewritten = this.rewritten(sql);
    const values = placeholderValues(rewritten, params);
    try {
      const result = await on.query<unknown[]>({ text: rewritten.text, values, rowMode: 'array' });
      const row = result.rows[0];
      return row === undefined ? undefined : (row[0] as T);
    } catch (e) {
      return this.fail(e);
    }
  }

  /** Connection failures and refused rights become French AppErrors; other SQL errors pass through (codes kept). */
  fail(e: unknown): never {
    throw storeError(e, this.serverLabel) ?? e;
  }

  private root<T>(fn: () => Promise<T>): Promise<T> {
    if (openTransactions.getStore()?.has(this)) return Promise.reject(new RootStatementInTransactionError());
    return fn();
  }

  private rewritten(sql: string): RewrittenSql {
    return cachedIn(this.rewrites, sql, () => rewritePlaceholders(sql));
  }
}

class PostgresTransaction implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  closed = false;
  private savepoints = 0;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly client: pg.PoolClient,
  ) {}

  async all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    this.assertOpen();
    return (await this.db.query(this.client, sql, params)).rows as T[];
  }

  async tuples<T extends readonly unknown[]>(sql: string, params?: SqlParams): Promise<T[]> {
    this.assertOpen();
    return (await this.db.query(this.client, sql, params, 'array')).rows as T[];
  }

  async get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    this.assertOpen();
    return (await this.db.query(this.client, sql, params)).rows[0] as T | undefined;
  }

  async value<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    this.assertOpen();
    return this.db.valueOn<T>(this.client, sql, params);
  }

  async run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    this.assertOpen();
    return { changes: (await this.db.query(this.client, sql, params)).rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    this.assertOpen();
    await this.client.query(sql).catch((e: unknown) => this.db.fail(e));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.assertOpen();
    const name = `sp${++this.savepoints}`;
    try {
      await this.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(this);
        await this.client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (e) {
        await this.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.client.query(`RELEASE SAVEPOINT ${name}`);
        throw e;
      }
    } finally {
      this.savepoints--;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Transaction déjà terminée.');
  }
}

/** A transaction that went on after one of its statements failed: PostgreSQL rolled all of it back. */
export class AbortedTransactionError extends Error {
  constructor() {
    super(
      'Transaction annulée par PostgreSQL : une de ses instructions a échoué. Une instruction dont l’échec est ' +
        'rattrapé doit s’exécuter dans un point de sauvegarde (tx.transaction).',
    );
    this.name = 'AbortedTransactionError';
  }
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOENT']);

/**
 * The French message for a failure to reach or log into the server or a refused right, or undefined for any other
 * error. Built from codes only: node-postgres messages may quote the connection settings.
 */
export function storeError(e: unknown, server: string): AppError | undefined {
  if (e instanceof AppError) return undefined;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';
  if (code === '42501') {
    // Row-level security or a missing grant: the connected account may not touch this row or table.
    return new AppError(
      'DB_PERMISSION_DENIED',
      'Action refusée par le serveur de l’organisation : elle porte sur un établissement qui ne vous est pas ' +
        'attribué, ou votre compte n’a pas ce droit.',
      code,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new AppError(
      'DB_AUTH_REFUSED',
      `Le serveur PostgreSQL de l’organisation (${server}) a refusé l’identifiant ou le mot de passe.`,
      code,
    );
  }
  if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/.test(code) ||
    /does not support SSL|SSL connection|certificate/i.test(message)
  ) {
    return new AppError(
      'DB_TLS_REFUSED',
      `La connexion chiffrée (TLS) au serveur PostgreSQL de l’organisation (${server}) a été refusée : ` +
        'le certificat du serveur ne correspond pas à l’autorité ou au nom configurés, ou le serveur ' +
        'n’accepte pas TLS.',
      code || 'TLS',
    );
  }
  if (
    UNREACHABLE_CODES.has(code) ||
    code === '3D000' ||
    code === '57P01' ||
    /timeout expired|Connection terminated/i.test(message)
  ) {
    return new AppError(
      'DB_SERVER_UNREACHABLE',
      code === '3D000'
        ? `La base de données configurée n’existe pas sur le serveur PostgreSQL de l’organisation (${server}).`
        : `Le serveur PostgreSQL de l’organisation (${server}) est injoignable. Vérifiez le réseau et ` +
            'l’adresse dans Paramètres.',
      code || 'connexion',
    );
  }
  return undefined;
}
