/** Sync engine DTOs shown by the renderer (progress, runs, outbox, quarantine). No personal data in any of them. */

export type SyncPhase = 'connexion' | 'envoi' | 'unités' | 'décisions' | 'statuts' | 'évaluations' | 'terminé';

export interface SyncProgress {
  readonly phase: SyncPhase;
  readonly done: number;
  readonly total: number;
  readonly finessEg?: string;
  readonly running: boolean;
}

export type SyncOutcome = 'succès' | 'partiel' | 'échec' | 'annulé';

export interface SyncSummary {
  readonly decisions: number;
  readonly statuses: number;
  readonly sent: number;
  readonly rejected: number;
  /** Outbox items still waiting (offline, server busy). */
  readonly waiting: number;
  readonly evaluations: number;
  readonly units: number;
  readonly quarantined: number;
  /** French messages of the errors met (no personal data). */
  readonly errors: readonly string[];
}

export interface SyncRunDto {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: SyncOutcome | null;
  readonly summary: SyncSummary | null;
}

export interface SyncStatusDto {
  readonly running: boolean;
  readonly progress: SyncProgress | null;
  readonly lastRuns: readonly SyncRunDto[];
  readonly nextScheduledAt: string | null;
  readonly pendingOutbox: number;
  readonly quarantined: number;
}

export type OutboxState = 'pending' | 'in_flight' | 'sent' | 'rejected' | 'abandoned';

export interface OutboxItemDto {
  readonly id: number;
  readonly kind: 'task.create' | 'consent.create';
  readonly notificationId: number | null;
  readonly finessEg: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  /** Status codes carried (Task), for the list. */
  readonly statutESMS: string | null;
  readonly statutUnite: string | null;
  /** Server refusal or last error: code, French message, OperationOutcome diagnostics. */
  readonly lastError: { readonly code: string; readonly message: string; readonly detail?: string } | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
}

export interface QuarantineItemDto {
  readonly id: number;
  readonly finessEg: string | null;
  readonly flow: string;
  readonly resourceId: string | null;
  readonly reason: string;
  readonly createdAt: string;
}
