/** One numbered PostgreSQL migration: SQL run in the organisation's schema (given, already checked). */
export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  sql(schema: string): string;
}
