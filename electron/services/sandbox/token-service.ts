/**
 * Access tokens of the sandbox's OAuth2 endpoint: compact JWS (HS256, node:crypto HMAC) carrying the FINESS EJ of the
 * mTLS certificate, the FINESS EG the EJ may act for, and the certificate's SHA-256 thumbprint (`cnf.x5t#S256`, RFC
 * 8705 certificate-bound token). The IG leaves the token format open (guide SDO 4.0.7, page Sécurité): this is an
 * imitation, the client must treat the token as opaque.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  iss: string;
  sub: string;
  /** FINESS EJ of the certificate the token was issued to. */
  finess_ej: string;
  /** FINESS EG (activated) the bearer may name in struct_idnat. */
  finess_eg: string[];
  cnf: { 'x5t#S256': string };
  iat: number;
  exp: number;
  jti: string;
  /** Sandbox generation: bumped by the fault "token expiry now", which voids every earlier token. */
  gen: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'revoked' | 'other-certificate' };

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export class TokenService {
  private readonly key: Buffer = randomBytes(32);
  private generation = 0;

  constructor(
    private readonly clock: () => number,
    private readonly issuer: string,
  ) {}

  issue(input: {
    clientId: string;
    finessEj: string;
    finessEgs: string[];
    certThumbprint: string;
    lifetimeSeconds: number;
  }): {
    token: string;
    claims: TokenClaims;
  } {
    const iat = Math.floor(this.clock() / 1000);
    const claims: TokenClaims = {
      iss: this.issuer,
      sub: input.clientId,
      finess_ej: input.finessEj,
      finess_eg: input.finessEgs,
      cnf: { 'x5t#S256': input.certThumbprint },
      iat,
      exp: iat + input.lifetimeSeconds,
      jti: randomBytes(12).toString('hex'),
      gen: this.generation,
    };
    const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' }));
    const body = base64url(JSON.stringify(claims));
    const signature = createHmac('sha256', this.key).update(`${head}.${body}`).digest('base64url');
    return { token: `${head}.${body}.${signature}`, claims };
  }

  /** Makes every token issued so far invalid (they answer 401 as if expired). */
  expireAllNow(): void {
    this.generation += 1;
  }

  verify(token: string, certThumbprint: string | undefined): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    const [head, body, signature] = parts as [string, string, string];
    const expected = createHmac('sha256', this.key).update(`${head}.${body}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'signature' };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const now = Math.floor(this.clock() / 1000);
    if (claims.exp <= now) return { ok: false, reason: 'expired' };
    if (claims.gen !== this.generation) return { ok: false, reason: 'revoked' };
    if (!certThumbprint || claims.cnf['x5t#S256'] !== certThumbprint) return { ok: false, reason: 'other-certificate' };
    return { ok: true, claims };
  }
}
