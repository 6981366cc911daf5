/**
 * Admin API of the sandbox: plain HTTP on a separate loopback port, JSON, protected by a per-launch token
 * (header `x-sandbox-admin-token`). It plays the MDPH and the ViaTrajectoire administrator.
 */
import type { SandboxBrokenAnswerId } from '@shared/domain/sandbox';
import type { SdoVersion } from '@shared/domain/sdo-versions';
import { isAppError } from '@shared/errors/app-error';
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson } from './http-io';
import type { RawAnswer, SandboxOperations } from './sandbox-operations';
import type { ConsentRecord, TaskRecord } from './sandbox-store';

export const ADMIN_TOKEN_HEADER = 'x-sandbox-admin-token';

/** Settings of the FHIR side that the admin API may change at run time. */
export interface SandboxSettings {
  pageSize: number;
  ownTasksInFlux5: boolean;
  evaluationWithoutConsent: 'empty' | 'forbidden';
  profileVersion: SdoVersion;
  /** Terminology release the posted resources are checked against; null: the one profileVersion pins. */
  terminologyRelease: string | null;
  tokenLifetimeSeconds: number;
  /**
   * The ROR units search (our imitation, not in the IG). false answers 404 as a ViaTrajectoire without it would:
   * the referent then enters the units in Référent VT.
   */
  rorUnits: boolean;
}

export interface AdminApiContext {
  operations: SandboxOperations;
  status: () => Record<string, unknown>;
  settings: () => SandboxSettings;
  updateSettings: (patch: Partial<SandboxSettings>) => SandboxSettings;
  reset: () => void;
}

export interface TaskSummary {
  id: string;
  idNatDecision: string;
  lastUpdated: string;
  origin: string;
  authorEg: string | null;
  clientIdentifier: string | null;
  resource: Record<string, unknown>;
}

export function summariseTask(task: TaskRecord): TaskSummary {
  return {
    id: task.id,
    idNatDecision: task.idNatDecision,
    lastUpdated: new Date(task.lastUpdated).toISOString(),
    origin: task.origin,
    authorEg: task.authorEg,
    clientIdentifier: task.clientIdentifier,
    resource: task.resource,
  };
}

function summariseConsent(consent: ConsentRecord) {
  return { ...consent, lastUpdated: new Date(consent.lastUpdated).toISOString() };
}

type Json = Record<string, unknown>;

function str(body: Json, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requireStr(body: Json, key: string): string {
  const value = str(body, key);
  if (value === undefined) throw Object.assign(new Error(`Champ obligatoire : ${key}`), { status: 400 });
  return value;
}

function eventOptions(body: Json) {
  return {
    ...(str(body, 'finessEg') ? { finessEg: str(body, 'finessEg') } : {}),
    ...(str(body, 'description') ? { description: str(body, 'description') } : {}),
    ...(str(body, 'date') ? { date: str(body, 'date') } : {}),
  };
}

function route(context: AdminApiContext, method: string, path: string, body: Json): unknown {
  const ops = context.operations;
  const key = `${method} ${path}`;
  switch (key) {
    case 'GET /status':
      return context.status();
    case 'POST /decisions/import': {
      const finessEgs = Array.isArray(body['finessEgs'])
        ? (body['finessEgs'] as string[])
        : [requireStr(body, 'finessEg')];
      const evaluation = str(body, 'evaluationCdaXml');
      const decision = ops.importDecision({
        cdaXml: requireStr(body, 'cdaXml'),
        finessEgs,
        ...(evaluation ? { evaluationCdaXml: evaluation } : {}),
      });
      return {
        id: decision.id,
        idNatDecision: decision.idNatDecision,
        idDecision: decision.idDecision,
        targetedEgs: decision.targetedEgs,
      };
    }
    case 'POST /decisions/generate': {
      const count = body['count'];
      const finessEgs = Array.isArray(body['finessEgs'])
        ? (body['finessEgs'] as string[])
        : str(body, 'finessEg')
          ? [str(body, 'finessEg') as string]
          : undefined;
      return ops.generateDecisions(
        typeof count === 'number' ? count : Number.NaN,
        finessEgs,
        typeof body['seed'] === 'number' ? body['seed'] : undefined,
      );
    }
    case 'GET /establishments':
      return ops.establishments();
    case 'GET /decisions/recent':
      return ops.recentDecisions();
    case 'POST /decisions/close-right': {
      const decision = ops.closeRight(requireStr(body, 'idNatDecision'));
      return {
        id: decision.id,
        idNatDecision: decision.idNatDecision,
        idDecision: decision.idDecision,
        targetedEgs: decision.targetedEgs,
      };
    }
    case 'POST /events/cancel-notification':
      return ops.cancelNotification(requireStr(body, 'idNatDecision'), eventOptions(body)).map(summariseTask);
    case 'POST /events/reactivate-notification':
      return ops.reactivateNotification(requireStr(body, 'idNatDecision'), eventOptions(body)).map(summariseTask);
    case 'POST /events/ratify-admission-impossible':
      return ops.ratifyAdmissionImpossible(requireStr(body, 'idNatDecision'), eventOptions(body)).map(summariseTask);
    case 'POST /events/cancel-decision':
      return ops.cancelDecision(requireStr(body, 'idNatDecision'), eventOptions(body)).map(summariseTask);
    case 'POST /events/entry-elsewhere':
      return [
        summariseTask(
          ops.entryElsewhere(requireStr(body, 'idNatDecision'), {
            ...eventOptions(body),
            ...(str(body, 'otherFinessEg') ? { otherFinessEg: str(body, 'otherFinessEg') } : {}),
            ...(str(body, 'otherName') ? { otherName: str(body, 'otherName') } : {}),
          }),
        ),
      ];
    case 'POST /activation':
      ops.setActive(requireStr(body, 'finess'), body['active'] !== false);
      return { finess: body['finess'], active: body['active'] !== false };
    case 'GET /faults':
      return ops.faults();
    case 'POST /faults':
      return ops.setFaults(body);
    case 'GET /raw-answers':
      return ops.rawAnswers();
    case 'POST /raw-answers':
      return ops.setRawAnswer(body as unknown as RawAnswer);
    case 'DELETE /raw-answers':
      return ops.clearRawAnswers();
    case 'POST /raw-answers/decision':
      return ops.breakDecisionRead(
        requireStr(body, 'idNatDecision'),
        requireStr(body, 'kind') as SandboxBrokenAnswerId,
        body['once'] === true,
      );
    case 'POST /tokens/expire-now':
      ops.expireTokensNow();
      return { expired: true };
    case 'GET /received/tasks':
      return ops.receivedTasks().map(summariseTask);
    case 'GET /received/consents':
      return ops.receivedConsents().map(summariseConsent);
    case 'GET /settings':
      return context.settings();
    case 'POST /settings':
      return context.updateSettings(body);
    case 'POST /reset':
      context.reset();
      return { reset: true };
    default:
      throw Object.assign(new Error(`Route d’administration inconnue : ${key}`), { status: 404 });
  }
}

export interface AdminServer {
  url: string;
  close(): Promise<void>;
}

export async function startAdminServer(
  context: AdminApiContext,
  options: { port: number; token: string },
): Promise<AdminServer> {
  const expected = Buffer.from(options.token);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const given = Buffer.from(String(req.headers[ADMIN_TOKEN_HEADER] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      sendJson(res, {
        status: 401,
        contentType: 'application/json',
        body: { code: 'SANDBOX_ADMIN_FAILED', message: 'Jeton d’administration invalide' },
      });
      return;
    }
    try {
      const text = req.method === 'POST' ? await readBody(req) : '';
      const body = text === '' ? {} : (JSON.parse(text) as Json);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const result = route(context, req.method ?? 'GET', path, body);
      sendJson(res, { status: 200, contentType: 'application/json', body: result ?? {} });
    } catch (error) {
      const status = isAppError(error)
        ? error.code === 'SANDBOX_NOT_FOUND'
          ? 404
          : 400
        : error instanceof SyntaxError
          ? 400
          : ((error as { status?: number }).status ?? 500);
      const code = isAppError(error) ? error.code : 'SANDBOX_ADMIN_FAILED';
      const message = error instanceof Error ? error.message : 'Erreur inconnue';
      sendJson(res, { status, contentType: 'application/json', body: { code, message } });
    }
  };
  // A failure while answering (the client gone) ends that exchange, never the sandbox's process.
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
