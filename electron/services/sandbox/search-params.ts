/**
 * Strict parsing of the search URLs of flux 1.1, 3.1 and 5.1, as the ANS URL validators check them (guide SDO 4.0.7):
 * the raw query string is read before any decoding, so a `+` sent unencoded (which a form decoder turns into a space)
 * is caught.
 */

export class SearchParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchParamError';
  }
}

/** Raw query parameters, each value percent-decoded, with the raw form kept for the `+` check. */
export interface QueryParam {
  name: string;
  raw: string;
  value: string;
}

export function parseRawQuery(rawQuery: string): QueryParam[] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      return { name: decodeURIComponent(rawName), raw, value: decodeURIComponent(raw) };
    } catch {
      throw new SearchParamError(`Paramètre mal encodé : ${rawName}`);
    }
  });
}

/** FHIR instant: full date-time with seconds and a mandatory time zone. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `_lastUpdated=gt<instant>` → epoch milliseconds. Refuses: a raw `+` (decoded as a space), a missing
 * `gt`, anything that is not a FHIR instant.
 */
export function parseLastUpdatedGt(param: QueryParam): number {
  if (param.raw.includes('+') || param.value.includes(' ')) {
    throw new SearchParamError(
      "_lastUpdated : le signe « + » du fuseau horaire doit être encodé %2B dans l'URL (reçu décodé comme un espace)",
    );
  }
  if (!param.value.startsWith('gt')) {
    throw new SearchParamError(
      '_lastUpdated : le préfixe « gt » est obligatoire (ex. gt2025-01-31T10:00:00.000%2B01:00)',
    );
  }
  const instant = param.value.slice(2);
  const match = INSTANT.exec(instant);
  if (!match)
    throw new SearchParamError(`_lastUpdated : « ${instant} » n'est pas un instant FHIR (date, heure et fuseau)`);
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new SearchParamError(`_lastUpdated : « ${instant} » n'est pas une date valide`);
  return ms;
}

export function single(params: QueryParam[], name: string): QueryParam | undefined {
  const found = params.filter((p) => p.name === name);
  if (found.length > 1) throw new SearchParamError(`Le paramètre ${name} est répété`);
  return found[0];
}

export function required(params: QueryParam[], name: string): QueryParam {
  const found = single(params, name);
  if (!found) throw new SearchParamError(`Le paramètre ${name} est obligatoire`);
  return found;
}

export function refuseUnknown(params: QueryParam[], allowed: readonly string[]): void {
  for (const p of params) {
    if (!allowed.includes(p.name)) throw new SearchParamError(`Paramètre de recherche non pris en charge : ${p.name}`);
  }
}

/** Token value: `code` or `system|code`; returns the code when the system (if any) is the expected one. */
export function tokenCode(param: QueryParam, expectedSystem: string): string {
  const bar = param.value.indexOf('|');
  if (bar < 0) return param.value;
  const system = param.value.slice(0, bar);
  if (system !== '' && system !== expectedSystem)
    throw new SearchParamError(`${param.name} : système inattendu ${system}`);
  return param.value.slice(bar + 1);
}

export function parseCount(param: QueryParam | undefined, fallback: number, max: number): number {
  if (!param) return fallback;
  if (!/^\d+$/.test(param.value)) throw new SearchParamError('_count doit être un entier positif');
  const n = Number(param.value);
  if (n < 1) throw new SearchParamError('_count doit être au moins 1');
  return Math.min(n, max);
}

/** Opaque paging token of the `next` links: the snapshot instant and the position reached. */
export interface PageToken {
  snapshot: number;
  lastUpdated: number;
  seq: number;
}

export function encodePageToken(token: PageToken): string {
  return Buffer.from(`${token.snapshot}.${token.lastUpdated}.${token.seq}`).toString('base64url');
}

export function decodePageToken(value: string): PageToken {
  const parts = Buffer.from(value, 'base64url').toString('utf8').split('.').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isSafeInteger(n))) throw new SearchParamError('_page invalide');
  const [snapshot, lastUpdated, seq] = parts as [number, number, number];
  return { snapshot, lastUpdated, seq };
}
