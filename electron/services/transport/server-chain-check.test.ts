/** The server chain check Chromium's verify procedure relies on, on the sandbox's real test PKI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { makeTempDir } from '../testing/temp-dir';
import { mapChromiumNetError } from './chromium-net-errors';
import { pemCertificates, verifyServerChain } from './server-chain-check';

let tmp: ReturnType<typeof makeTempDir>;
let pki: TestPki;
beforeAll(async () => {
  tmp = makeTempDir('chain-check-');
  pki = await ensureTestPki(tmp.dir, { legalEntities: [{ finessEj: '010000001', name: 'ASSOCIATION FICTIVE' }] });
});
afterAll(() => tmp.cleanup());

const now = new Date();
const serverChain = () => pemCertificates(pki.server.chainPem);

describe('verifyServerChain', () => {
  it('accepts the sandbox server for localhost and 127.0.0.1 under the test root, with or without the root sent', () => {
    expect(serverChain()).toHaveLength(2);
    const anchors = [pki.caBundlePem];
    expect(
      verifyServerChain({ hostname: 'localhost', chainPem: serverChain(), trustAnchorsPem: anchors, now }),
    ).toEqual({ ok: true });
    expect(
      verifyServerChain({ hostname: '127.0.0.1', chainPem: serverChain(), trustAnchorsPem: anchors, now }),
    ).toEqual({ ok: true });
    // Only the root as anchor: the intermediate sent by the server links the leaf to it.
    expect(
      verifyServerChain({ hostname: 'localhost', chainPem: serverChain(), trustAnchorsPem: [pki.rootCertPem], now }),
    ).toEqual({ ok: true });
  });

  it('refuses another host, a chain under another CA, a missing intermediate, an expired leaf, no anchors', () => {
    const anchors = [pki.caBundlePem];
    const leafOnly = serverChain().slice(0, 1);
    expect(
      verifyServerChain({ hostname: 'vt.example', chainPem: serverChain(), trustAnchorsPem: anchors, now }),
    ).toEqual({ ok: false, reason: 'le certificat ne nomme pas ce serveur' });
    const otherCa = pemCertificates(pki.bad.otherCa.certPem);
    expect(
      verifyServerChain({ hostname: 'localhost', chainPem: serverChain(), trustAnchorsPem: otherCa, now }).ok,
    ).toBe(false);
    expect(
      verifyServerChain({ hostname: 'localhost', chainPem: leafOnly, trustAnchorsPem: [pki.rootCertPem], now }).ok,
    ).toBe(false);
    const later = new Date(now.getTime() + 50 * 365 * 86_400_000);
    expect(
      verifyServerChain({ hostname: 'localhost', chainPem: serverChain(), trustAnchorsPem: anchors, now: later }),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/validité/) });
    expect(verifyServerChain({ hostname: 'localhost', chainPem: serverChain(), trustAnchorsPem: [], now })).toEqual({
      ok: false,
      reason: 'aucune autorité de confiance configurée',
    });
  });
});

describe('mapChromiumNetError', () => {
  it.each([
    ['net::ERR_CONNECTION_REFUSED', 'NET_UNREACHABLE'],
    ['net::ERR_NAME_NOT_RESOLVED', 'NET_UNREACHABLE'],
    ['net::ERR_TIMED_OUT', 'NET_TIMEOUT'],
    ['net::ERR_CONNECTION_RESET', 'NET_RESET'],
    ['net::ERR_CERT_AUTHORITY_INVALID', 'TLS_SERVER_UNTRUSTED'],
    ['net::ERR_CERT_DATE_INVALID', 'TLS_SERVER_UNTRUSTED'],
    ['net::ERR_CERT_COMMON_NAME_INVALID', 'TLS_SERVER_NAME_MISMATCH'],
    ['net::ERR_BAD_SSL_CLIENT_AUTH_CERT', 'TLS_CLIENT_REFUSED'],
    ['net::ERR_SSL_CLIENT_AUTH_CERT_NEEDED', 'TLS_CLIENT_REFUSED'],
    ['net::ERR_SSL_CLIENT_AUTH_PRIVATE_KEY_ACCESS_DENIED', 'PKCS11_MODULE_ERROR'],
    ['net::ERR_TUNNEL_CONNECTION_FAILED', 'PROXY_REFUSED'],
    ['net::ERR_SOMETHING_NEW', 'NET_UNREACHABLE'],
  ])('%s → %s, in French', (message, code) => {
    const error = mapChromiumNetError(message);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/[éèàù]|serveur|proxy|carte/);
    expect(error.detail).toBe(message);
  });
});
