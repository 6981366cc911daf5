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

/** A SQL text as sent: `$n` placeholders and the name it is prepared under on each connection. */
interface PreparedSql extends RewrittenSql {
  readonly name: string;
}

/** SQLSTATE of "cached plan must not change result type": a prepared statement whose table changed meanwhile. */
const STALE_PLAN = '0A000';

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
  private readonly statements = new Map<string, PreparedSql>();
  private statementCount = 0;

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
      // Every connection works in the schema; "public" is not searched, so a stray object there is never used. No
      // JIT: the app's statements read a few rows each, and the row-security subqueries inflate their estimated cost
      // past jit_above_cost: compiling took 49 of the 50 ms of a chunk of the work list's unit lines.
      options: `-c search_path=${schema} -c jit=off`,
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
    this.statements.clear();
    await this.pool.end();
  }

  /**
   * Runs one statement with parameters as a named prepared statement: each connection parses and plans a SQL text
   * once, then reuses its plan (PostgreSQL keeps a generic plan once it costs no more than a fresh one). Planning is
   * most of a statement's time here: the row-level security policies add their subqueries to every plan (2 ms of
   * planning for 0.4 ms of work on the person upsert of flux 1), which halved the sync's rate on PostgreSQL.
   */
  async query(
    on: pg.Pool | pg.PoolClient,
    sql: string,
    params?: SqlParams,
    rowMode?: 'array',
    resendIfStale = on === this.pool,
  ): Promise<pg.QueryResult> {
    const statement = this.statement(sql);
    const values = placeholderValues(statement, params);
    try {
      // Without parameters, the simple protocol as before: a text may then hold several commands.
      const name = values.length > 0 ? statement.name : undefined;
      return await on.query({ name, text: statement.text, values, ...(rowMode && { rowMode }) });
    } catch (e) {
      // A table changed under a prepared statement (another workstation migrated the schema): PostgreSQL refuses
      // the old plan, nothing done, and may go on refusing it on that connection, so the text is prepared again
      // under a new name. Outside a transaction it is sent again at once; inside one, the transaction has failed.
      if ((e as { code?: unknown }).code === STALE_PLAN) {
        this.statements.delete(sql);
        if (resendIfStale) return this.query(on, sql, params, rowMode, false);
      }
      return this.fail(e);
    }
  }

  async valueOn<T>(on: pg.Pool | pg.PoolClient, sql: string, params?: SqlParams): Promise<T | undefined> {
    const row = (await this.query(on, sql, params, 'array')).rows[0] as unknown[] | undefined;
    return row === undefined ? undefined : (row[0] as T);
  }

  /** Connection failures and refused rights become French AppErrors; other SQL errors pass through (codes kept). */
  fail(e: unknown): never {
    throw storeError(e, this.serverLabel) ?? e;
  }

  private root<T>(fn: () => Promise<T>): Promise<T> {
    if (openTransactions.getStore()?.has(this)) return Promise.reject(new RootStatementInTransactionError());
    return fn();
  }

  /**
   * The text rewritten to `$n` and its statement name; names are never given twice (a connection keeps each until it
   * closes, 10 s idle): a workstation sends a few hundred texts at most, IN lists of varying length included.
   */
  private statement(sql: string): PreparedSql {
    return cachedIn(this.statements, sql, () => ({ ...rewritePlaceholders(sql), name: `rvt${++this.statementCount}` }));
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
