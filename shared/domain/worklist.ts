/**
 * What the referent's screens read: the work list, a notification's detail, waiting lists per ROR unit, units and
 * geographic entities. Plain JSON-compatible DTOs (docs/architecture.md §2).
 */
import type { ParsedDecision } from './decision';
import type { ActionId, MotifRule, Scope, ValidityState } from './referent-actions';
import type { StatusReport } from './status-report';

export interface UnitLineSummary {
  readonly unitId: number;
  readonly unitName: string;
  readonly status: string;
  readonly statusLabel: string;
  readonly statusDate: string;
}

export interface WorklistRow {
  readonly id: number;
  readonly finessEg: string;
  readonly egName: string;
  readonly familyName: string;
  readonly givenNames: string;
  readonly birthDate: string | null;
  readonly mdphIndividualId: string;
  readonly mdphLabel: string | null;
  readonly idDecision: string;
  readonly idNatDecision: string;
  readonly category: string | null;
  readonly categoryLabel: string;
  readonly decisionDate: string | null;
  readonly validityStart: string | null;
  readonly validityEnd: string | null;
  readonly validity: ValidityState;
  readonly esmsStatus: string;
  readonly esmsStatusLabel: string;
  readonly esmsStatusDate: string | null;
  readonly units: readonly UnitLineSummary[];
  readonly aTraiter: boolean;
  readonly aTraiterReason: string | null;
  /** Never read by the referent (ESMS status 39 "Notification envoyée"): never masked, whatever its state. */
  readonly unread: boolean;
  readonly terminated: boolean;
}

export type WorklistSortField = 'nom' | 'naissance' | 'decision' | 'validite' | 'statut' | 'categorie' | 'recu';

export interface WorklistResult {
  /** The rows of the window asked for (all of them when no window was asked), from `offset` in the ordered list. */
  readonly rows: readonly WorklistRow[];
  readonly offset: number;
  /** Rows of the whole list (filtered and masked), of which `rows` is a window. */
  readonly total: number;
  /** Rows matching the filters before masking the terminated ones (those read and with nothing left to do). */
  readonly totalMatching: number;
  readonly hiddenTerminated: number;
  /**
   * False while the list is still being read (the first read after opening, newest first): the rows are those of the
   * finished list, the totals only count the rows read so far. Asked again, the finished list answers.
   */
  readonly complete: boolean;
  /** Server-side time to build the list, for the bench and the status line. */
  readonly elapsedMs: number;
}

export interface WorklistFacets {
  readonly geographicEntities: readonly { readonly finessEg: string; readonly name: string }[];
  readonly units: readonly { readonly id: number; readonly name: string; readonly finessEg: string }[];
  readonly categories: readonly { readonly code: string; readonly label: string }[];
}

export interface TimelineEntry {
  readonly id: number;
  readonly origin: 'local' | 'vt';
  readonly createdAt: string;
  readonly emitter: string | null;
  readonly statutESMS: string | null;
  readonly statutESMSLabel: string | null;
  readonly motifESMS: string | null;
  readonly motifESMSLabel: string | null;
  readonly dateStatutESMS: string | null;
  readonly idUnite: string | null;
  readonly unitName: string | null;
  readonly statutUnite: string | null;
  readonly statutUniteLabel: string | null;
  readonly motifUnite: string | null;
  readonly motifUniteLabel: string | null;
  readonly dateStatutUnite: string | null;
  readonly description: string | null;
  /** Local events only: state of their Task in the outbox. */
  readonly transmission: 'en attente' | 'envoyé' | 'rejeté' | 'abandonné' | null;
  readonly rejectionReason: string | null;
}

export interface LinkedDecisionSummary {
  readonly idDecision: string;
  readonly kind: string;
  readonly direction: 'cette décision remplace' | 'remplacée par';
  /** Local notification id when the linked decision is known here. */
  readonly notificationId: number | null;
  readonly typeDecision: string | null;
  readonly validityEnd: string | null;
}

export interface ActionOption {
  readonly id: ActionId;
  readonly label: string;
  readonly scope: Scope;
  readonly sourceUnits: readonly { readonly id: number; readonly name: string }[];
  readonly targetUnits: readonly { readonly id: number; readonly name: string }[];
  readonly motif: (MotifRule & { readonly options: readonly { code: string; label: string }[] }) | null;
  readonly dateLabel: string;
}

export interface NotificationDetail {
  readonly row: WorklistRow;
  readonly decision: ParsedDecision | null;
  readonly linkedDecisions: readonly LinkedDecisionSummary[];
  readonly timeline: readonly TimelineEntry[];
  readonly actions: readonly ActionOption[];
  readonly consent: { readonly collectedOn: string; readonly transmission: string | null } | null;
  readonly evaluationAvailable: boolean;
  /**
   * The notification's row version when read: actions send it back (`seenVersion`) and are refused with
   * NOTIFICATION_CHANGED when a colleague or the sync changed the notification meanwhile.
   */
  readonly version: number;
}

/** A status in the referent's words, and its codes (for support, shown folded in a "détail technique"). */
export interface StatusWords {
  /** E.g. "Envoi 1 (28/06/2026) : Unité « Atelier » : « Liste d'attente. Admis dans l'unité »". */
  readonly text: string;
  /** E.g. "Envoi 1 : unité ROR-1 : statut 184". */
  readonly technical: string;
}

/** Another open line of the notification the action proposes to close (the referent may keep it open). */
export interface ClosableLinePreview {
  readonly unitId: number;
  readonly unitName: string;
  /** Its status now, in words. */
  readonly statusLabel: string;
  /** How it would be closed, e.g. "« Retiré de la liste d'attente… », motif « Volonté de l'usager »". */
  readonly closing: StatusWords;
  readonly kept: boolean;
}

export interface StatusPreview {
  readonly label: string;
  /** Other open lines proposed for closing with this action (empty for most actions). */
  readonly closable: readonly ClosableLinePreview[];
  readonly reports: readonly StatusReport[];
  /** The Tasks to send, in words (codes apart). */
  readonly lines: readonly StatusWords[];
  readonly esmsStatusAfter: string;
  readonly esmsStatusAfterLabel: string;
}

export interface WaitingEntry {
  readonly notificationId: number;
  readonly familyName: string;
  readonly givenNames: string;
  readonly birthDate: string | null;
  readonly mdphIndividualId: string;
  readonly idDecision: string;
  readonly status: string;
  readonly statusLabel: string;
  readonly requestDate: string;
  readonly waitingDays: number;
  readonly priority: string | null;
  readonly category: string | null;
  readonly categoryLabel: string;
  readonly validityEnd: string | null;
}

export interface WaitingListUnit {
  readonly unitId: number;
  readonly unitName: string;
  readonly idRor: string;
  readonly finessEg: string;
  readonly egName: string;
  readonly entries: readonly WaitingEntry[];
  readonly meanWaitingDays: number | null;
}

export interface RorUnit {
  readonly id: number;
  readonly finessEg: string;
  readonly egName: string;
  readonly idRor: string;
  readonly name: string;
  readonly categorieOrganisation: string | null;
  readonly categorieOrganisationLabel: string | null;
  readonly temporaliteAccueil: string | null;
  readonly temporaliteAccueilLabel: string | null;
  readonly accueilSequentiel: boolean | null;
  readonly modePriseCharge: string | null;
  readonly modePriseChargeLabel: string | null;
  readonly origin: 'vt' | 'local';
  readonly locallyEdited: boolean;
  readonly updatedAt: string;
  /** What is missing for a unit status to be sent. */
  readonly missing: readonly string[];
}

/** An establishment as the screens name it. */
export interface GeographicEntityName {
  readonly finessEg: string;
  readonly name: string;
}

export interface GeographicEntitySummary {
  readonly finessEg: string;
  readonly finessEj: string;
  readonly name: string;
  readonly vtActivated: boolean;
  readonly localActivated: boolean;
  readonly vtSeenAt: string | null;
  readonly lastSync: { readonly flux1: string | null; readonly flux5: string | null; readonly ror: string | null };
  readonly counts: {
    readonly notifications: number;
    readonly active: number;
    readonly aTraiter: number;
    readonly units: number;
    readonly quarantined: number;
    readonly rejected: number;
  };
  /** What the referent has to do next, when the EG cannot be synchronised yet. */
  readonly nextSteps: readonly string[];
}
