/** Typed client of the sandbox admin API (tests, the app's "Bac à sable local" environment, the CLI). */
import type { SandboxBrokenAnswerId } from '@shared/domain/sandbox';
import { AppError } from '@shared/errors/app-error';
import type { SandboxErrorCode } from '@shared/errors/sandbox-errors';
import { ADMIN_TOKEN_HEADER, type SandboxSettings, type TaskSummary } from './admin-api';
import type {
  FaultSettings,
  RawAnswer,
  RawAnswerSummary,
  SandboxDecisionView,
  SandboxEstablishmentView,
} from './sandbox-operations';

export interface ImportedDecision {
  id: string;
  idNatDecision: string;
  idDecision: string;
  targetedEgs: string[];
}

export interface EventRequest {
  finessEg?: string;
  description?: string;
  date?: string;
}

export interface ReceivedConsent {
  id: string;
  finessEg: string;
  idNatDecision: string;
  lastUpdated: string;
  resource: Record<string, unknown>;
}

export class SandboxAdmin {
  constructor(
    readonly adminUrl: string,
    private readonly adminToken: string,
  ) {}

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.adminUrl}${path}`, {
        method,
        headers: {
          [ADMIN_TOKEN_HEADER]: this.adminToken,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new AppError('SANDBOX_NOT_RUNNING', 'Le bac à sable ne répond pas : est-il démarré ?', this.adminUrl);
    }
    const payload = await response.json();
    if (!response.ok) {
      const error = payload as { code?: SandboxErrorCode; message?: string };
      throw new AppError(
        error.code ?? 'SANDBOX_ADMIN_FAILED',
        error.message ?? 'Le bac à sable a refusé l’opération.',
        `HTTP ${response.status}`,
      );
    }
    return payload as T;
  }

  status(): Promise<Record<string, unknown>> {
    return this.call('GET', '/status');
  }

  importDecision(input: { cdaXml: string; finessEgs: string[]; evaluationCdaXml?: string }): Promise<ImportedDecision> {
    return this.call('POST', '/decisions/import', input);
  }

  generate(
    count: number,
    options: { finessEgs?: string[]; seed?: number } = {},
  ): Promise<{ created: number; idNatDecisions: string[] }> {
    return this.call('POST', '/decisions/generate', { count, ...options });
  }

  establishments(): Promise<SandboxEstablishmentView[]> {
    return this.call('GET', '/establishments');
  }

  recentDecisions(): Promise<SandboxDecisionView[]> {
    return this.call('GET', '/decisions/recent');
  }

  /** A closure decision (type 5) for the same person and EGs, linked to this one. */
  closeRight(idNatDecision: string): Promise<ImportedDecision> {
    return this.call('POST', '/decisions/close-right', { idNatDecision });
  }

  /** 49 — notification annulée. */
  cancelNotification(idNatDecision: string, request: EventRequest = {}): Promise<TaskSummary[]> {
    return this.call('POST', '/events/cancel-notification', { idNatDecision, ...request });
  }

  /** 54 — notification réactivée. */
  reactivateNotification(idNatDecision: string, request: EventRequest = {}): Promise<TaskSummary[]> {
    return this.call('POST', '/events/reactivate-notification', { idNatDecision, ...request });
  }

  /** 46 — admission impossible entérinée. */
  ratifyAdmissionImpossible(idNatDecision: string, request: EventRequest = {}): Promise<TaskSummary[]> {
    return this.call('POST', '/events/ratify-admission-impossible', { idNatDecision, ...request });
  }

  /** 37 — décision d'orientation annulée. */
  cancelDecision(idNatDecision: string, request: EventRequest = {}): Promise<TaskSummary[]> {
    return this.call('POST', '/events/cancel-decision', { idNatDecision, ...request });
  }

  /** 47 — usager entré dans un autre ESMS. */
  entryElsewhere(
    idNatDecision: string,
    request: EventRequest & { otherFinessEg?: string; otherName?: string } = {},
  ): Promise<TaskSummary[]> {
    return this.call('POST', '/events/entry-elsewhere', { idNatDecision, ...request });
  }

  setActive(finess: string, active: boolean): Promise<{ finess: string; active: boolean }> {
    return this.call('POST', '/activation', { finess, active });
  }

  faults(): Promise<FaultSettings> {
    return this.call('GET', '/faults');
  }

  setFaults(patch: Partial<FaultSettings>): Promise<FaultSettings> {
    return this.call('POST', '/faults', patch);
  }

  /** The next answers to a chosen read or search are this raw body, status and content type. */
  setRawAnswer(answer: RawAnswer): Promise<RawAnswerSummary[]> {
    return this.call('POST', '/raw-answers', answer);
  }

  /** The read of this decision answers a broken body of this kind (shared/domain/sandbox.ts), until cleared or once. */
  breakDecisionRead(idNatDecision: string, kind: SandboxBrokenAnswerId, once = false): Promise<RawAnswerSummary[]> {
    return this.call('POST', '/raw-answers/decision', { idNatDecision, kind, once });
  }

  rawAnswers(): Promise<RawAnswerSummary[]> {
    return this.call('GET', '/raw-answers');
  }

  clearRawAnswers(): Promise<RawAnswerSummary[]> {
    return this.call('DELETE', '/raw-answers');
  }

  /** Every token issued so far answers 401 from now on. */
  expireTokensNow(): Promise<{ expired: boolean }> {
    return this.call('POST', '/tokens/expire-now', {});
  }

  receivedTasks(): Promise<TaskSummary[]> {
    return this.call('GET', '/received/tasks');
  }

  receivedConsents(): Promise<ReceivedConsent[]> {
    return this.call('GET', '/received/consents');
  }

  settings(): Promise<SandboxSettings> {
    return this.call('GET', '/settings');
  }

  updateSettings(patch: Partial<SandboxSettings>): Promise<SandboxSettings> {
    return this.call('POST', '/settings', patch);
  }

  reset(): Promise<{ reset: boolean }> {
    return this.call('POST', '/reset', {});
  }
}
