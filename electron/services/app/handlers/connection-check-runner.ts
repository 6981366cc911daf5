/**
 * "Tester la connexion" for the session's environment: certificate → TLS → token → one harmless search per EG of
 * the token, each step timed, stopping at the first failure (later steps are reported as skipped). Shared by the
 * connection:check channel and `npx referent-vt check-connection`.
 */
import type { ConnectionCheckReport, ConnectionCheckStep, ConnectionCheckStepKind } from '@shared/domain/environments';
import { AppError, isAppError, type AppErrorData } from '@shared/errors/app-error';
import { createNodeTransport } from '../../transport/node-transport';
import type { NodeTransportConfig } from '../../transport/transport';
import { transportConfigFor, type ConnectionServices } from './connection-services';

const DECISION_LOINC = 'http://loinc.org|57830-2';
/** A check must answer quickly: a hung server is itself the finding. */
const CHECK_TIMEOUT_MS = 15_000;

export async function runConnectionCheck(
  services: ConnectionServices,
  options: { password?: string; now?: () => Date } = {},
): Promise<ConnectionCheckReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const t0 = performance.now();
  const steps: ConnectionCheckStep[] = [];
  const finessEgs: string[] = [];

  const step = async <T>(
    kind: ConnectionCheckStepKind,
    label: string,
    run: () => Promise<{ value: T; note?: string }>,
    extra: { finessEg?: string } = {},
  ): Promise<T | undefined> => {
    const start = performance.now();
    try {
      const { value, note } = await run();
      steps.push({ kind, label, status: 'ok', durationMs: elapsed(start), ...extra, ...(note ? { note } : {}) });
      return value;
    } catch (e) {
      steps.push({ kind, label, status: 'error', durationMs: elapsed(start), ...extra, error: errorData(e) });
      return undefined;
    }
  };

  let config: NodeTransportConfig | undefined;
  const certificateOk = await step('certificate', 'Certificat de l’entité juridique', async () => {
    const settings = services.environments.get(services.environmentId);
    const summary = settings.certificateId ? services.registry.get(settings.certificateId) : undefined;
    if (summary?.expiry.level === 'expired') {
      throw new AppError(
        'CERT_EXPIRED',
        `Le certificat a expiré le ${frenchDate(summary.notAfter)} : importez son successeur.`,
      );
    }
    if (summary?.expiry.level === 'not-yet-valid') {
      throw new AppError(
        'CERT_NOT_YET_VALID',
        `Le certificat n’est valable qu’à partir du ${frenchDate(summary.notBefore)}.`,
      );
    }
    config = await transportConfigFor(services, options.password === undefined ? {} : { password: options.password });
    const days = summary?.expiry.daysLeft;
    return {
      value: true,
      note: `${summary?.subjectCommonName ?? summary?.label ?? ''}${days !== undefined ? ` · valable encore ${days} jour(s)` : ''}`,
    };
  });

  let transport: ReturnType<typeof createNodeTransport> | undefined;
  try {
    if (certificateOk && config) {
      const tlsOk = await step('tls', 'Connexion sécurisée (TLS) au serveur', async () => {
        transport = createNodeTransport({ ...config!, timeoutMs: CHECK_TIMEOUT_MS });
        const probe = await transport.probeTls();
        return { value: true, note: `${new URL(config!.fhirBaseUrl).host} · HTTP ${probe.httpStatus}` };
      });
      const token =
        tlsOk && transport
          ? await step('token', 'Jeton d’accès (OAuth2)', async () => {
              const t = await transport!.getToken();
              return { value: t, note: `${t.finessEgs.length} entité(s) géographique(s) dans le jeton` };
            })
          : undefined;
      if (token && transport) {
        finessEgs.push(...token.finessEgs);
        if (token.finessEgs.length === 0) {
          await step('search', 'Recherche de décisions par entité géographique', async () => {
            throw new AppError(
              'EG_NOT_ACTIVATED',
              'Aucune entité géographique n’est activée pour ce logiciel dans ViaTrajectoire : demandez leur activation.',
            );
          });
        }
        const since = encodeURIComponent(`gt${new Date(now().getTime() - 60_000).toISOString()}`);
        for (const finessEg of token.finessEgs) {
          await step(
            'search',
            `Recherche de décisions pour l’EG ${finessEg}`,
            async () => {
              const res = await transport!.request({
                method: 'GET',
                path: `DocumentReference?type=${encodeURIComponent(DECISION_LOINC)}&_lastUpdated=${since}&_elements=id&_count=1`,
                finessEg,
              });
              return { value: true, note: `HTTP ${res.status}` };
            },
            { finessEg },
          );
        }
      }
    }
  } finally {
    transport?.close();
    if (config?.clientCertificate.kind === 'p12') config.clientCertificate.p12.fill(0);
  }

  for (const [kind, label] of [
    ['certificate', 'Certificat de l’entité juridique'],
    ['tls', 'Connexion sécurisée (TLS) au serveur'],
    ['token', 'Jeton d’accès (OAuth2)'],
    ['search', 'Recherche de décisions par entité géographique'],
  ] as const) {
    if (!steps.some((s) => s.kind === kind)) steps.push({ kind, label, status: 'skipped', durationMs: 0 });
  }

  return {
    environmentId: services.environmentId,
    startedAt,
    ok: steps.every((s) => s.status === 'ok'),
    steps,
    finessEgs,
    totalDurationMs: elapsed(t0),
  };
}

function elapsed(start: number): number {
  return Math.max(0, Math.round(performance.now() - start));
}

function errorData(e: unknown): AppErrorData {
  if (isAppError(e)) return e.toData();
  return { code: 'INTERNAL', message: 'Une erreur inattendue est survenue pendant le test.' };
}

function frenchDate(iso: string): string {
  return new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' }).format(new Date(iso));
}
