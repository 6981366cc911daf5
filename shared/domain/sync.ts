/** Sync engine DTOs shown by the renderer (progress, runs, outbox, quarantine). No personal data in any of them. */

export type SyncPhase = 'connexion' | 'envoi' | 'unités' | 'décisions' | 'statuts' | 'évaluations' | 'terminé';

export interface SyncProgress {
  readonly phase: SyncPhase;
  readonly done: number;
  readonly total: number;
  readonly finessEg?: string;
  readonly running: boolean;
}

/**
 * 'anomalies' = "succès avec anomalies": every step ran, but items were refused this run (put in quarantine or kept
 * "à relire") or entries were skipped with a warning.
 */
export type SyncOutcome = 'succès' | 'anomalies' | 'partiel' | 'échec' | 'annulé';

/** The referent's wording of a run outcome, with the counts of an 'anomalies' run. */
export function syncOutcomeLabel(
  outcome: SyncOutcome,
  summary?: Pick<SyncSummary, 'quarantined' | 'toReread'>,
): string {
  switch (outcome) {
    case 'succès':
      return 'succès';
    case 'anomalies':
      return `succès avec anomalies (${summary?.quarantined ?? 0} en quarantaine, ${summary?.toReread ?? 0} à relire)`;
    case 'partiel':
      return 'partielle';
    case 'échec':
      return 'échec';
    case 'annulé':
      return 'annulée';
  }
}

export interface SyncSummary {
  readonly decisions: number;
  readonly statuses: number;
  readonly sent: number;
  readonly rejected: number;
  /** Outbox items still waiting (offline, server busy). */
  readonly waiting: number;
  readonly evaluations: number;
  readonly units: number;
  /** Items put in quarantine (permanent refusal) by this run. */
  readonly quarantined: number;
  /** Items this run could not read for a transient reason: kept "à relire", read again by the next runs. */
  readonly toReread?: number;
  /** French messages of the errors met (no personal data). */
  readonly errors: readonly string[];
  /** Entries skipped with a named warning (e.g. a resource of the wrong type in a search), ids only. */
  readonly warnings?: readonly string[];
  /** Why the run did nothing at all (refused before starting, or nothing to synchronise), in French. */
  readonly notice?: SyncNotice;
}

/**
 * A run that did not exchange anything still belongs in the history, with its reason: refused before it started
 * (no certificate, no client secret, no address…) or with no EG activated on both sides (nothing to ask for).
 */
export interface SyncNotice {
  readonly kind: 'refusée' | 'aucune-eg-activée';
  readonly message: string;
}

export const NO_ACTIVE_EG_MESSAGE =
  'Aucune entité géographique activée : rien n’a été demandé à ViaTrajectoire. Activez vos établissements dans ' +
  '« Entités géographiques ».';

export interface SyncRunDto {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: SyncOutcome | null;
  readonly summary: SyncSummary | null;
}

/** The workstation that syncs the organisation (organisation mode: one at a time, elected by a lease). */
export interface SyncHolderDto {
  /** Host name and session user of the workstation, or the organisation's service (`referent-vt serve`). */
  readonly label: string;
  /** Since when it syncs, ISO. */
  readonly since: string;
  readonly thisWorkstation: boolean;
}

export interface SyncLeaseDto {
  /** Several workstations share the organisation's database; false on a desk (always its own syncer). */
  readonly shared: boolean;
  /** This workstation may take over the sync (a usable certificate). */
  readonly eligible: boolean;
  /** Null: no workstation syncs right now (handing over, or none eligible is open). */
  readonly holder: SyncHolderDto | null;
}

export interface SyncStatusDto {
  readonly running: boolean;
  /** Who syncs. */
  readonly lease: SyncLeaseDto;
  readonly progress: SyncProgress | null;
  readonly lastRuns: readonly SyncRunDto[];
  readonly nextScheduledAt: string | null;
  readonly pendingOutbox: number;
  /** Unresolved items, "à relire" ones included. */
  readonly quarantined: number;
  /** Of which kept "à relire". */
  readonly toReread?: number;
  /** Periods possibly missing, not yet dismissed by the referent. */
  readonly gaps?: readonly SyncGapDto[];
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

/** "quarantaine": refused for good (until the referent acts); "à relire": read again by every following run. */
export type QuarantineKind = 'quarantaine' | 'à relire';

export interface QuarantineItemDto {
  readonly id: number;
  readonly kind: QuarantineKind;
  readonly finessEg: string | null;
  readonly flow: string;
  readonly resourceId: string | null;
  /** Code of the rule that refused the item (e.g. `att-1`, `taille-piece-jointe`, `reponse-operationoutcome`). */
  readonly rule: string;
  /** French explanation. */
  readonly reason: string;
  /** The server's OperationOutcome diagnostics, when it sent one. */
  readonly diagnostics: string | null;
  /** First seen. */
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  /** "Importer quand même" is offered: the item's only defects cannot change the decision's meaning. */
  readonly importable: boolean;
}

/** A period whose decisions or statuses may be missing (workstation offline beyond the J-30 window). */
export interface SyncGapDto {
  readonly id: number;
  readonly finessEg: string;
  readonly flow: 'flux1' | 'flux5';
  readonly missingFrom: string;
  readonly missingTo: string;
  readonly detectedAt: string;
}
