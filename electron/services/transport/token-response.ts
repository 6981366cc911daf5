import type { AccessToken } from './transport';
import { TransportError } from './transport-error';

const DEFAULT_LIFETIME_S = 300;
const FINESS_PATTERN = /^[0-9][0-9AB][0-9]{7}$/;

/**
 * Reads an OAuth2 token response. The IG leaves the format open (guide SDO 4.0.7, page Sécurité): the FINESS EG list is
 * taken from a `finess_eg` field of the response, else from the `finess_eg` claim of a JWT access token. Values in the
 * struct_idnat form ("1" + EG) are accepted too.
 */
export function parseTokenResponse(body: Buffer, now: number): AccessToken {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw malformed('json');
  }
  const accessToken = json.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw malformed('access_token');
  const tokenType = json.token_type;
  if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') throw malformed(`token_type ${tokenType}`);
  const claims = jwtClaims(accessToken);
  const egSource = json.finess_eg ?? claims?.finess_eg;
  const finessEgs = normaliseEgs(egSource);
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in);
  const expiresAt =
    Number.isFinite(expiresIn) && expiresIn > 0
      ? now + expiresIn * 1000
      : typeof claims?.exp === 'number'
        ? claims.exp * 1000
        : now + DEFAULT_LIFETIME_S * 1000;
  return { accessToken, expiresAt, finessEgs };
}

function normaliseEgs(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const out = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const v = item.trim();
    if (FINESS_PATTERN.test(v)) out.add(v);
    else if (v.length === 10 && v.startsWith('1') && FINESS_PATTERN.test(v.slice(1))) out.add(v.slice(1));
  }
  return [...out];
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function malformed(detail: string): TransportError {
  return new TransportError('MALFORMED_RESPONSE', 'La réponse du service de jetons est illisible.', detail);
}
