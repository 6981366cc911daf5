/**
 * Embedded SI-SdO sandbox: a local imitation of ViaTrajectoire PH over real mTLS (docs/architecture.md §1).
 *
 * HTTPS port (127.0.0.1): `POST /oauth/token` and the FHIR base `/fhir`. The client certificate must chain
 * to the test root (electron/services/pki/test-pki.ts); its subject gives the FINESS EJ. Admin API on a separate
 * loopback HTTP port (admin-api.ts).
 */
import { DEFAULT_SDO_VERSION, isSdoVersion } from '@shared/domain/sdo-versions';
import { AppError } from '@shared/errors/app-error';
import { BUILTIN_TERMINOLOGY, type TerminologyCatalog } from '@shared/terminology/terminology-catalog';
import { createHash, randomBytes, type X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensureTestPki, type TestPki } from '../pki/test-pki';
import { startAdminServer, type SandboxSettings } from './admin-api';
import { FhirEndpoints, type FhirEndpointsConfig } from './fhir-endpoints';
import { HttpProblem, readBody, sendJson, sendProblem, sendRaw } from './http-io';
import { SandboxAdmin } from './sandbox-admin';
import { DEFAULT_LEGAL_ENTITIES, SandboxOperations, type SandboxLegalEntitySeed } from './sandbox-operations';
import { SandboxStore } from './sandbox-store';
import { removeSandboxState, sandboxStatePath, writeSandboxState } from './sandbox-state-file';
import { TokenService } from './token-service';

export const DEFAULT_CLIENT_ID = 'referent-vt-editeur';
export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 5000;

export interface StartSandboxOptions {
  /** Holds sandbox.sqlite, pki/ and sandbox.json (written while it runs, see sandbox-state-file.ts). */
  dataDir: string;
  /** 0 (default) = chosen by the OS. */
  httpsPort?: number;
  adminPort?: number;
  legalEntities?: SandboxLegalEntitySeed[];
  /** Seed of the generated decisions (default 1). */
  seed?: number;
  /** Decisions generated when the database is empty (default 20). */
  initialDecisions?: number;
  clientId?: string;
  /** Default: generated once and kept in the database. */
  clientSecret?: string;
  settings?: Partial<SandboxSettings>;
  /** The terminology releases known, read at each check (the embedded sandbox: its environment's). */
  terminology?: () => TerminologyCatalog;
  /** Server clock (ms); injectable for tests. */
  now?: () => number;
  /**
   * Gives up the start (the app is closing): checked between its steps, what was opened is closed and the start
   * rejects with the signal's reason. A step under way (keys being generated) ends first.
   */
  signal?: AbortSignal;
}

export interface RunningSandbox {
  fhirBaseUrl: string;
  tokenUrl: string;
  adminUrl: string;
  adminToken: string;
  /** `<dataDir>/sandbox.json`: where the admin URL and token are written for the other tools. */
  stateFile: string;
  clientId: string;
  clientSecret: string;
  pki: TestPki;
  caBundlePem: string;
  admin: SandboxAdmin;
  /** Direct access for in-process callers (tests, benchmarks); the admin API uses the same object. */
  operations: SandboxOperations;
  close(): Promise<void>;
}

/** FINESS EJ of an IGC-Santé organisation certificate: organizationIdentifier FINFR-<EJ>, else OU. */
export function finessEjOfCertificate(cert: X509Certificate): string | undefined {
  const lines = cert.subject.split('\n');
  for (const line of lines) {
    const match =
      /^organizationIdentifier=FINFR-([0-9][0-9AB]\d{7})$/.exec(line) ??
      /^2\.5\.4\.97=FINFR-([0-9][0-9AB]\d{7})$/.exec(line);
    if (match?.[1]) return match[1];
  }
  for (const line of lines) {
    const match = /^OU=([0-9][0-9AB]\d{7})$/.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function thumbprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url');
}

function chance(rate: number): boolean {
  return rate > 0 && Math.random() < rate;
}

function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}) {
  return { status, contentType: 'application/json', headers, body: { error, error_description: description } };
}

export async function startSandbox(options: StartSandboxOptions): Promise<RunningSandbox> {
  const clock = options.now ?? Date.now;
  const entities = options.legalEntities ?? DEFAULT_LEGAL_ENTITIES;
  const seed = options.seed ?? 1;
  const initialDecisions = options.initialDecisions ?? 20;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });

  let pki: TestPki;
  let store: SandboxStore;
  try {
    pki = await ensureTestPki(join(options.dataDir, 'pki'), {
      legalEntities: entities.map((e) => ({ finessEj: e.finessEj, name: e.name })),
      now: new Date(clock()),
      signal: options.signal,
    });
    options.signal?.throwIfAborted();
    store = new SandboxStore(join(options.dataDir, 'sandbox.sqlite'), clock);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new AppError(
      'SANDBOX_START_FAILED',
      'Le bac à sable n’a pas pu démarrer.',
      error instanceof Error ? error.message : undefined,
    );
  }

  const settings: SandboxSettings = {
    pageSize: DEFAULT_PAGE_SIZE,
    ownTasksInFlux5: false,
    evaluationWithoutConsent: 'empty',
    profileVersion: DEFAULT_SDO_VERSION,
    terminologyRelease: null,
    tokenLifetimeSeconds: 600,
    rorUnits: true,
    ...options.settings,
  };
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret =
    options.clientSecret ?? store.getSetting<string>('clientSecret') ?? randomBytes(24).toString('base64url');
  store.putSetting('clientSecret', clientSecret);

  let publicBase = '';
  const tokens = new TokenService(clock, 'sandbox-si-sdo');
  const today = (): string => new Date(clock()).toISOString().slice(0, 10);
  const operations = new SandboxOperations(store, {
    profileVersion: () => settings.profileVersion,
    today,
    expireTokensNow: () => tokens.expireAllNow(),
  });
  if (options.signal?.aborted) {
    store.close();
    options.signal.throwIfAborted();
  }
  operations.seedOrganisation(entities);
  if (store.decisionCount() === 0 && initialDecisions > 0) {
    store.putSetting('nextBatchSeed', seed);
    operations.generateDecisions(initialDecisions);
  }

  const endpointConfig = (): FhirEndpointsConfig => ({
    pageSize: settings.pageSize,
    maxPageSize: MAX_PAGE_SIZE,
    ownTasksInFlux5: settings.ownTasksInFlux5,
    evaluationWithoutConsent: settings.evaluationWithoutConsent,
    profileVersion: settings.profileVersion,
    ...(settings.terminologyRelease ? { terminologyRelease: settings.terminologyRelease } : {}),
    ...(options.terminology ? { terminology: options.terminology() } : {}),
    rorUnits: settings.rorUnits,
  });
  const fhir = new FhirEndpoints(store, endpointConfig, () => `${publicBase}/fhir`);

  async function tokenEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    finessEj: string,
    certThumbprint: string,
    truncate: boolean,
  ) {
    if (req.method !== 'POST')
      throw new HttpProblem(405, 'not-supported', 'Le point de jeton n’accepte que POST', { Allow: 'POST' });
    const form = new URLSearchParams(await readBody(req));
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (form.get('grant_type') !== 'client_credentials') {
      sendJson(res, oauthError(400, 'unsupported_grant_type', 'Seul grant_type=client_credentials est accepté'));
      return;
    }
    if (id !== clientId || secret !== clientSecret) {
      sendJson(
        res,
        oauthError(401, 'invalid_client', 'client_id ou client_secret incorrect', {
          'WWW-Authenticate': 'Basic realm="SI-SdO"',
        }),
      );
      return;
    }
    const entity = store.legalEntity(finessEj);
    if (!entity)
      throw new HttpProblem(
        403,
        'forbidden',
        'Le certificat ne correspond à aucune entité juridique connue de ViaTrajectoire',
      );
    if (!entity.active)
      throw new HttpProblem(403, 'forbidden', `L’entité juridique ${finessEj} n’est pas activée sur ViaTrajectoire`);
    const egs = store
      .establishmentsOf(finessEj)
      .filter((eg) => eg.active)
      .map((eg) => eg.finessEg);
    if (egs.length === 0)
      throw new HttpProblem(403, 'forbidden', `Aucun établissement de l’entité juridique ${finessEj} n’est activé`);
    const { token } = tokens.issue({
      clientId,
      finessEj,
      finessEgs: egs,
      certThumbprint,
      lifetimeSeconds: settings.tokenLifetimeSeconds,
    });
    sendJson(res, {
      status: 200,
      contentType: 'application/json',
      truncate,
      body: { access_token: token, token_type: 'Bearer', expires_in: settings.tokenLifetimeSeconds, finess_eg: egs },
    });
  }

  async function fhirEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    rawQuery: string,
    finessEj: string,
    certThumbprint: string,
    truncate: boolean,
  ) {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!bearer?.[1]) {
      throw new HttpProblem(401, 'login', 'Jeton d’accès absent (Authorization: Bearer)', {
        'WWW-Authenticate': 'Bearer realm="SI-SdO"',
      });
    }
    const check = tokens.verify(bearer[1], certThumbprint);
    if (!check.ok) {
      const reason = {
        malformed: 'Jeton d’accès illisible',
        signature: 'Jeton d’accès invalide',
        expired: 'Jeton d’accès expiré',
        revoked: 'Jeton d’accès expiré',
        'other-certificate': 'Jeton d’accès émis pour un autre certificat',
      }[check.reason];
      throw new HttpProblem(401, 'login', reason, {
        'WWW-Authenticate': `Bearer realm="SI-SdO", error="invalid_token", error_description="${check.reason}"`,
      });
    }
    const structIdnat = req.headers['struct_idnat'];
    if (typeof structIdnat !== 'string' || structIdnat === '')
      throw new HttpProblem(400, 'required', 'En-tête struct_idnat absent (« 1 » + FINESS EG)');
    if (!/^1[0-9][0-9AB]\d{7}$/.test(structIdnat))
      throw new HttpProblem(400, 'invalid', 'struct_idnat doit valoir « 1 » suivi du FINESS EG (9 caractères)');
    const finessEg = structIdnat.slice(1);
    const establishment = store.establishment(finessEg);
    if (!check.claims.finess_eg.includes(finessEg) || !establishment || establishment.finessEj !== finessEj) {
      throw new HttpProblem(403, 'forbidden', `L’établissement ${finessEg} ne fait pas partie de ceux du jeton`);
    }
    if (!establishment.active || !store.legalEntity(finessEj)?.active) {
      throw new HttpProblem(403, 'forbidden', `L’établissement ${finessEg} n’est plus activé sur ViaTrajectoire`);
    }
    const segments = path
      .replace(/^\/fhir\/?/, '')
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    const raw = operations.takeRawAnswer(req.method ?? 'GET', segments);
    if (raw) return sendRaw(res, raw);
    const body = req.method === 'POST' ? await readBody(req) : '';
    const answer = await fhir.handle(
      { method: req.method ?? 'GET', segments, rawQuery, headers: req.headers, body },
      { finessEj, finessEg },
    );
    sendJson(res, {
      status: answer.status,
      body: answer.body,
      ...(answer.headers ? { headers: answer.headers } : {}),
      truncate: truncate && answer.status < 300,
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const faults = operations.faults();
      if (chance(faults.resetRate)) {
        req.socket.destroy();
        return;
      }
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      if (chance(faults.rate429)) {
        throw new HttpProblem(429, 'throttled', 'Trop de requêtes : réessayez plus tard', {
          'Retry-After': String(faults.retryAfterSeconds),
        });
      }
      if (chance(faults.rate5xx))
        throw new HttpProblem(503, 'transient', 'Service momentanément indisponible (panne simulée)');
      const truncate = chance(faults.malformedRate);

      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      const finessEj = peer ? finessEjOfCertificate(peer) : undefined;
      if (!peer || !finessEj) throw new HttpProblem(403, 'security', 'Certificat client sans FINESS EJ reconnaissable');
      const certThumbprint = thumbprint(peer);

      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? '' : url.slice(q + 1);
      if (path === '/oauth/token') return await tokenEndpoint(req, res, finessEj, certThumbprint, truncate);
      if (path === '/fhir' || path.startsWith('/fhir/'))
        return await fhirEndpoint(req, res, path, rawQuery, finessEj, certThumbprint, truncate);
      throw new HttpProblem(404, 'not-found', 'Adresse inconnue du SI-SdO');
    } catch (error) {
      if (res.headersSent) return;
      if (error instanceof HttpProblem) sendProblem(res, error);
      else sendProblem(res, new HttpProblem(500, 'exception', 'Erreur interne du bac à sable'));
    }
  }

  const server = https.createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.chainPem,
      ca: [pki.rootCertPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (req, res) => void onRequest(req, res),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.httpsPort ?? 0, '127.0.0.1', () => resolve());
  });
  const httpsPort = (server.address() as AddressInfo).port;
  publicBase = `https://127.0.0.1:${httpsPort}`;

  const adminToken = randomBytes(24).toString('base64url');
  const resetToInitial = () => operations.reset(entities, initialDecisions, seed);
  const admin = await startAdminServer(
    {
      operations,
      settings: () => ({ ...settings }),
      updateSettings: (patch) => {
        for (const [key, value] of Object.entries(patch)) {
          if (!(key in settings)) throw new AppError('SANDBOX_INVALID_REQUEST', `Réglage inconnu : ${key}`);
          if (key === 'profileVersion' && !isSdoVersion(String(value))) {
            throw new AppError('SANDBOX_INVALID_REQUEST', `Version de l’IG SDO non prise en charge : ${String(value)}`);
          }
          const catalog = options.terminology?.() ?? BUILTIN_TERMINOLOGY;
          if (key === 'terminologyRelease' && value !== null && !catalog.has(String(value))) {
            throw new AppError('SANDBOX_INVALID_REQUEST', `Version des terminologies inconnue : ${String(value)}`);
          }
          (settings as unknown as Record<string, unknown>)[key] = value;
        }
        return { ...settings };
      },
      reset: resetToInitial,
      status: () => ({
        fhirBaseUrl: `${publicBase}/fhir`,
        tokenUrl: `${publicBase}/oauth/token`,
        decisions: store.decisionCount(),
        legalEntities: store.legalEntities().map((e) => ({ ...e, establishments: store.establishmentsOf(e.finessEj) })),
        faults: operations.faults(),
        settings,
      }),
    },
    { port: options.adminPort ?? 0, token: adminToken },
  );

  // How `npm run sandbox -- …` and check-connection find this sandbox (its admin token included).
  writeSandboxState(options.dataDir, {
    adminUrl: admin.url,
    adminToken,
    fhirBaseUrl: `${publicBase}/fhir`,
    tokenUrl: `${publicBase}/oauth/token`,
    pid: process.pid,
  });

  return {
    fhirBaseUrl: `${publicBase}/fhir`,
    tokenUrl: `${publicBase}/oauth/token`,
    adminUrl: admin.url,
    stateFile: sandboxStatePath(options.dataDir),
    adminToken,
    clientId,
    clientSecret,
    pki,
    caBundlePem: pki.caBundlePem,
    admin: new SandboxAdmin(admin.url, adminToken),
    operations,
    async close() {
      removeSandboxState(options.dataDir, admin.url);
      await admin.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      store.close();
    },
  };
}
