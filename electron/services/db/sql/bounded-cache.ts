/** Per-SQL-text caches of the adapters (prepared statements, rewritten placeholders): bounded, oldest out first. */
export const SQL_CACHE_SIZE = 500;

/** The value kept for key, made on first use; once the map holds `limit` entries the oldest goes. */
export function cachedIn<K, V>(map: Map<K, V>, key: K, make: () => V, limit = SQL_CACHE_SIZE): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    if (map.size >= limit) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, value);
  }
  return value;
}
