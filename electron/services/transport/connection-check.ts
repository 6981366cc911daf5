import { performance } from 'node:perf_hooks';
import type { CertificateSummary } from '@shared/domain/certificates';
import type {
  ConnectionCheckReport,
  ConnectionCheckStep,
  ConnectionCheckStepKind,
  EnvironmentId,
} from '@shared/domain/environments';
import { AppError, type AppErrorData } from '@shared/errors/app-error';
import { assertCurrentlyValid } from '../certs/certificate-metadata';
import { decisionSearchPath } from './fhir-query';
import type { TlsProbe } from './node-transport';
import type { AccessToken, Transport } from './transport';

const DAY_MS = 86_400_000;

export interface ConnectionCheckDeps {
  now: () => number;
  environmentId?: EnvironmentId;
  /** The environment's chosen certificate (throws CERT_NOT_FOUND / CERT_PASSWORD_REQUIRED…). */
  loadCertificate: () => Promise<CertificateSummary> | CertificateSummary;
  /** Builds the transport (throws on a wrong password / PIN, missing client secret or URL). */
  createTransport: () =>
    | Promise<Transport & Partial<{ probeTls(): Promise<TlsProbe> }>>
    | (Transport & Partial<{ probeTls(): Promise<TlsProbe> }>);
}

/** The labels the "Tester la connexion" panel and the check-connection CLI show. */
const LABELS: Record<ConnectionCheckStepKind, string> = {
  certificate: 'Certificat de l’entité juridique',
  tls: 'Connexion sécurisée (TLS) au serveur',
  token: 'Jeton d’accès (OAuth2)',
  search: 'Recherche de décisions par entité géographique',
};

/**
 * certificate → TLS → token → one harmless search per activated EG (flux 1.1 over the last day), each step timed
 * with its error code and French message. Stops at the first failing step (later ones are 'skipped').
 */
export async function checkConnection(deps: ConnectionCheckDeps): Promise<ConnectionCheckReport> {
  const startedAt = deps.now();
  const t0 = performance.now();
  const steps: ConnectionCheckStep[] = [];
  let failed = false;
  let transport: (Transport & Partial<{ probeTls(): Promise<TlsProbe> }>) | undefined;
  let token: AccessToken | undefined;

  const run = async <T>(
    kind: ConnectionCheckStepKind,
    label: string,
    action: () => Promise<T>,
    note: (value: T) => string | undefined,
    extra: { finessEg?: string } = {},
  ): Promise<T | undefined> => {
    if (failed) {
      steps.push({ kind, label, status: 'skipped', durationMs: 0, ...extra });
      return undefined;
    }
    const start = performance.now();
    try {
      const value = await action();
      const text = note(value);
      steps.push({ kind, label, status: 'ok', durationMs: elapsed(start), ...extra, ...(text ? { note: text } : {}) });
      return value;
    } catch (e) {
      failed = true;
      steps.push({ kind, label, status: 'error', durationMs: elapsed(start), ...extra, error: errorData(e) });
      return undefined;
    }
  };

  try {
    await run(
      'certificate',
      LABELS.certificate,
      async () => {
        const cert = await deps.loadCertificate();
        assertCurrentlyValid(cert, deps.now());
        transport = await deps.createTransport();
        return cert;
      },
      (cert) =>
        cert.expiry.level === 'expires-soon'
          ? `${cert.label} — expire dans ${cert.expiry.daysLeft} jour(s) : pensez à le renouveler`
          : `${cert.label} — valable jusqu’au ${new Date(cert.notAfter).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' })}`,
    );
    await run(
      'tls',
      LABELS.tls,
      async () => (transport?.probeTls ? transport.probeTls() : undefined),
      (probe) => (probe ? 'Certificat accepté par le serveur' : undefined),
    );
    token = await run(
      'token',
      LABELS.token,
      async () => {
        const t = await (transport as Transport).getToken();
        if (t.finessEgs.length === 0) {
          throw new AppError(
            'EG_NOT_ACTIVATED',
            'Le jeton ne contient aucun établissement (FINESS EG) : aucun établissement n’est activé pour ce logiciel dans ViaTrajectoire.',
          );
        }
        return t;
      },
      (t) => `${t.finessEgs.length} établissement(s) activé(s) : ${t.finessEgs.join(', ')}`,
    );
    const egs = token?.finessEgs ?? [];
    for (const eg of egs) {
      await run(
        'search',
        `Recherche de décisions pour l’EG ${eg}`,
        () =>
          (transport as Transport).request({
            method: 'GET',
            path: decisionSearchPath(deps.now() - DAY_MS),
            finessEg: eg,
          }),
        (res) => {
          const total = (res.body as { total?: unknown } | undefined)?.total;
          return typeof total === 'number'
            ? `Recherche acceptée (${total} résultat(s) sur 24 h)`
            : 'Recherche acceptée';
        },
        { finessEg: eg },
      );
    }
    if (!token) {
      steps.push({ kind: 'search', label: LABELS.search, status: 'skipped', durationMs: 0 });
    }
  } finally {
    transport?.close();
  }

  return {
    ...(deps.environmentId ? { environmentId: deps.environmentId } : {}),
    startedAt: new Date(startedAt).toISOString(),
    ok: steps.every((s) => s.status === 'ok'),
    steps,
    finessEgs: token?.finessEgs ?? [],
    totalDurationMs: elapsed(t0),
  };
}

function elapsed(start: number): number {
  return Math.round(performance.now() - start);
}

function errorData(e: unknown): AppErrorData {
  if (e instanceof AppError) return e.toData();
  return { code: 'INTERNAL', message: 'Erreur inattendue pendant la vérification.' };
}
