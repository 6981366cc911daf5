/**
 * SqlDatabase over one better-sqlite3 connection. Statements run synchronously and are prepared once per SQL text;
 * a transaction may span awaits, so while it is open every other statement on the connection waits for it (they
 * would otherwise run inside it). A statement sent to the database itself from inside its own transaction's flow is
 * refused rather than left waiting forever.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3-multiple-ciphers';
import { cachedIn } from './bounded-cache';
import {
  RootStatementInTransactionError,
  sqlValue,
  type SqlDatabase,
  type SqlExecutor,
  type SqlParams,
  type SqlRunResult,
  type TransactionOptions,
} from './sql-database';

type Statement = Database.Statement<unknown[], unknown>;

/** The SQLite databases whose transaction the current async flow is inside. */
const openTransactions = new AsyncLocalStorage<ReadonlySet<SqliteDatabase>>();

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  /** Settles when the open transaction ends; null when none is open. */
  private current: Promise<void> | null = null;
  private savepoints = 0;

  constructor(
    /** The connection itself, for what only SQLite has (pragmas, migrations, backups). */
    readonly connection: Database.Database,
  ) {}

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.whenIdle(() => this.allNow<T>(sql, params));
  }

  tuples<T extends readonly unknown[]>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.whenIdle(() => this.tuplesNow<T>(sql, params));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.whenIdle(() => this.getNow<T>(sql, params));
  }

  value<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.whenIdle(() => this.valueNow<T>(sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    return this.whenIdle(() => this.runNow(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.whenIdle(() => this.connection.exec(sql)).then(() => undefined);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (openTransactions.getStore()?.has(this)) throw new RootStatementInTransactionError();
    while (this.current) await this.current;
    // Taken in the same turn as the wait ended, so two flows can never both begin.
    let release!: () => void;
    this.current = new Promise<void>((resolve) => (release = resolve));
    const handle = new SqliteTransaction(this);
    try {
      this.connection.exec(options?.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
      const outer = openTransactions.getStore() ?? new Set<SqliteDatabase>();
      const result = await openTransactions.run(new Set([...outer, this]), () => fn(handle));
      this.connection.exec('COMMIT');
      return result;
    } catch (e) {
      if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
      throw e;
    } finally {
      handle.closed = true;
      this.current = null;
      release();
    }
  }

  /** A savepoint inside the open transaction (only through its handle). */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++this.savepoints}`;
    this.connection.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.connection.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      this.connection.exec(`ROLLBACK TO ${name}`);
      this.connection.exec(`RELEASE ${name}`);
      throw e;
    } finally {
      this.savepoints--;
    }
  }

  changeToken(): Promise<string> {
    // total_changes() moves on this connection's commits, data_version on the others'.
    const changes = this.prepared('SELECT total_changes()').pluck().get() as number;
    return Promise.resolve(`${this.othersCommitVersion()}|${changes}`);
  }

  /**
   * A number that moves when another connection (the sync worker, another process) has committed since it was last
   * read on this one (`PRAGMA data_version`): it says nothing of this connection's own commits.
   */
  othersCommitVersion(): number {
    return this.connection.pragma('data_version', { simple: true }) as number;
  }

  close(): Promise<void> {
    this.statements.clear();
    if (this.connection.open) this.connection.close();
    return Promise.resolve();
  }

  allNow<T>(sql: string, params?: SqlParams): T[] {
    const statement = this.prepared(sql);
    if (!statement.reader) {
      bind(params, (args) => statement.run(...args));
      return [];
    }
    return bind(params, (args) => statement.all(...args)) as T[];
  }

  tuplesNow<T extends readonly unknown[]>(sql: string, params?: SqlParams): T[] {
    const statement = this.prepared(sql);
    // The statement is shared (prepared once per SQL text): raw mode only for this synchronous call.
    statement.raw(true);
    try {
      return bind(params, (args) => statement.all(...args)) as T[];
    } finally {
      statement.raw(false);
    }
  }

  getNow<T>(sql: string, params?: SqlParams): T | undefined {
    const statement = this.prepared(sql);
    return bind(params, (args) => statement.get(...args)) as T | undefined;
  }

  valueNow<T>(sql: string, params?: SqlParams): T | undefined {
    const row = this.getNow<Record<string, unknown>>(sql, params);
    if (row === undefined) return undefined;
    return Object.values(row)[0] as T;
  }

  runNow(sql: string, params?: SqlParams): SqlRunResult {
    const statement = this.prepared(sql);
    const result = bind(params, (args) => statement.run(...args));
    return { changes: result.changes };
  }

  /**
   * Runs fn once no transaction of another flow is open (in the same turn as the wait ends); refuses a statement
   * from inside this database's own transaction.
   */
  private async whenIdle<T>(fn: () => T): Promise<T> {
    if (openTransactions.getStore()?.has(this)) throw new RootStatementInTransactionError();
    while (this.current) await this.current;
    return fn();
  }

  private prepared(sql: string): Statement {
    return cachedIn(this.statements, sql, () => this.connection.prepare(sql));
  }
}

class SqliteTransaction implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  closed = false;

  constructor(private readonly db: SqliteDatabase) {}

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.now(() => this.db.allNow<T>(sql, params));
  }

  tuples<T extends readonly unknown[]>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.now(() => this.db.tuplesNow<T>(sql, params));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.now(() => this.db.getNow<T>(sql, params));
  }

  value<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.now(() => this.db.valueNow<T>(sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<SqlRunResult> {
    return this.now(() => this.db.runNow(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.now(() => {
      this.db.connection.exec(sql);
    });
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.db.savepoint(() => fn(this));
  }

  private now<T>(fn: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Transaction déjà terminée.');
  }
}

function bind<R>(params: SqlParams | undefined, call: (args: unknown[]) => R): R {
  if (params === undefined) return call([]);
  if (Array.isArray(params)) return call(params.map(sqlValue));
  const named: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) named[key] = sqlValue(value);
  return call([named]);
}
