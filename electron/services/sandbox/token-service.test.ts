import { describe, expect, it } from 'vitest';
import { TokenService } from './token-service';

describe('TokenService', () => {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const service = new TokenService(() => now, 'test');
  const issue = () =>
    service.issue({
      clientId: 'c',
      finessEj: '010000001',
      finessEgs: ['010000019'],
      certThumbprint: 'T1',
      lifetimeSeconds: 600,
    }).token;

  it('accepts its token over the same certificate and carries the EGs', () => {
    const check = service.verify(issue(), 'T1');
    expect(check.ok && check.claims.finess_eg).toEqual(['010000019']);
  });

  it('refuses it after its lifetime, over another certificate, or tampered', () => {
    const token = issue();
    expect(service.verify(token, 'T2')).toEqual({ ok: false, reason: 'other-certificate' });
    const [head, body, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), finess_eg: ['999999999'] }),
    ).toString('base64url');
    expect(service.verify(`${head}.${forged}.${signature}`, 'T1')).toEqual({ ok: false, reason: 'signature' });
    now += 600_000;
    expect(service.verify(token, 'T1')).toEqual({ ok: false, reason: 'expired' });
  });

  it('voids every earlier token on expireAllNow, not the next ones', () => {
    const before = issue();
    service.expireAllNow();
    expect(service.verify(before, 'T1')).toEqual({ ok: false, reason: 'revoked' });
    expect(service.verify(issue(), 'T1').ok).toBe(true);
  });
});
