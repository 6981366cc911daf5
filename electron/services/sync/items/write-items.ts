/**
 * Writes the items of one page in the caller's transaction so that a failing write is that item's alone. The page
 * is first written whole in one savepoint: a savepoint per item would cost two more round trips each on
 * PostgreSQL, and a failing write is rare. Should any write fail, that savepoint is undone and the items are
 * written again, each in its own savepoint.
 */
import type { SqlExecutor } from '../../db/sql/sql-database';

export type ItemWrite<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export async function writeEachItem<T, R>(
  tx: SqlExecutor,
  items: readonly T[],
  write: (exec: SqlExecutor, item: T) => Promise<R>,
): Promise<ItemWrite<R>[]> {
  if (items.length === 0) return [];
  try {
    return await tx.transaction(async (whole) => {
      const results: ItemWrite<R>[] = [];
      for (const item of items) results.push({ ok: true, value: await write(whole, item) });
      return results;
    });
  } catch {
    // Written again below, one item per savepoint: the failing one is reported, the others kept.
  }
  const results: ItemWrite<R>[] = [];
  for (const item of items) {
    try {
      results.push({ ok: true, value: await tx.transaction((one) => write(one, item)) });
    } catch (error) {
      results.push({ ok: false, error });
    }
  }
  return results;
}
