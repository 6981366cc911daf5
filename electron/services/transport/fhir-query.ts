/**
 * An instant for a `_lastUpdated=gt…` search parameter: ISO 8601 with an explicit offset and the '+' sent as
 * '%2B' (guide SDO 4.0.7, flux 1.1: a raw '+' is decoded as a space by the server).
 */
export function formatInstantForQuery(epochMs: number, offsetMinutes = 0): string {
  const shifted = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes >= 0 ? '%2B' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${shifted}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Flux 1.1 search over the last day (the harmless search of the connection check). */
export function decisionSearchPath(sinceEpochMs: number): string {
  return `DocumentReference?type=57830-2&_lastUpdated=gt${formatInstantForQuery(sinceEpochMs)}&_elements=id`;
}
