/**
 * The one way domain code talks to its store, whichever engine holds it (docs/architecture.md §3): the encrypted
 * SQLite of one desk or the organisation's PostgreSQL. Asynchronous because PostgreSQL is; the SQLite adapter
 * answers at once. SQL is written once, in the subset both engines share (docs/sql-dialect.md); the rare statement
 * that must differ asks `dialect`.
 */

/** Positional (`?`) or named (`@name`) parameters. Booleans are stored as 0/1, undefined as NULL. */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlRunResult {
  /** Rows inserted, updated or deleted by the statement. */
  readonly changes: number;
}

export interface TransactionOptions {
  /**
   * A read-only transaction sees one consistent state of the database for all its reads (SQLite: deferred;
   * PostgreSQL: REPEATABLE READ READ ONLY). Default: a write transaction, taken at once.
   */
  readonly readOnly?: boolean;
}

/** What runs statements: the database itself, or a transaction on it. */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** All rows. Rows are not checked: parse them (zod) where their shape matters. */
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * All rows, each as the array of its columns in SELECT order: no object per row, for the reads of many rows
   * (the work list's snapshot) where building and collecting those objects is most of the cost.
   */
  tuples<T extends readonly unknown[]>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** The first column of the first row, or undefined (`SELECT count(*) …`). */
  value<T = unknown>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** A statement returning no rows. For an inserted id, use `INSERT … RETURNING id` with `value`. */
  run(sql: string, params?: SqlParams): Promise<SqlRunResult>;
  /** Several statements without parameters (schema scripts). */
  exec(sql: string): Promise<void>;
  /**
   * Runs fn in one transaction: committed when fn resolves, rolled back when it throws. Statements inside must go
   * through `tx`, never through the database itself (that is refused: it would wait on its own transaction). A
   * transaction inside a transaction is a savepoint.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

export interface SqlDatabase extends SqlExecutor {
  /**
   * Changes when any connection has committed a change since the last call returned another value; read-through
   * caches (the work-list snapshot) are keyed on it.
   */
  changeToken(): Promise<string>;
  close(): Promise<void>;
}

/** Thrown when a statement is sent to the database while one of its own transactions is open in the same flow. */
export class RootStatementInTransactionError extends Error {
  constructor() {
    super('Instruction envoyée à la base au lieu de la transaction ouverte (utiliser « tx »).');
    this.name = 'RootStatementInTransactionError';
  }
}

/** Normalises one parameter value the same way on both engines. */
export function sqlValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
