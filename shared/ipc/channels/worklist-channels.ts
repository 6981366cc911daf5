import { z } from 'zod';
import type {
  GeographicEntityName,
  GeographicEntitySummary,
  NotificationDetail,
  RorUnit,
  StatusPreview,
  WaitingListUnit,
  WorklistFacets,
  WorklistResult,
} from '../../domain/worklist';
import type { ParsedEvaluation } from '../../domain/decision';
import { ACTION_IDS } from '../../domain/action-ids';
import { UNIT_WAITING } from '../../domain/referent-actions';
import { channel } from '../channel';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const finess = z.string().regex(/^\d{9}$/);
const id = z.number().int().positive();
/**
 * The notification's version the referent saw (NotificationDetail.version): the action is refused
 * (NOTIFICATION_CHANGED, saying what changed) when the notification changed since. Optional for callers that saw
 * nothing (scripts, older renderers); the screens always send it.
 */
const seenVersion = z.number().int().positive().optional();

/** The most rows one work-list answer carries: an answer stays small whatever the list's length. */
export const WORKLIST_MAX_WINDOW = 1_000;

export const worklistFilter = z
  .object({
    finessEg: finess.optional(),
    unitId: id.optional(),
    esmsStatus: z.string().max(4).optional(),
    unitStatus: z.string().max(4).optional(),
    category: z.string().max(10).optional(),
    validity: z.enum(['valide', 'bientot', 'expiree', 'inconnue']).optional(),
    aTraiter: z.boolean().optional(),
    search: z.string().max(100).optional(),
    showTerminated: z.boolean().default(false),
    sort: z.enum(['nom', 'naissance', 'decision', 'validite', 'statut', 'categorie', 'recu']).default('recu'),
    direction: z.enum(['asc', 'desc']).default('desc'),
    /** The window of the ordered list to send (the screen is virtualised: it asks for what its viewport shows). */
    offset: z.number().int().min(0).max(10_000_000).default(0),
    limit: z.number().int().min(1).max(WORKLIST_MAX_WINDOW).default(WORKLIST_MAX_WINDOW),
  })
  .strict();

const actionIds = z.enum(ACTION_IDS);

export const actionRequest = z
  .object({
    notificationId: id,
    action: actionIds,
    date: isoDate,
    motif: z.string().max(6).optional(),
    unitId: id.optional(),
    targetUnitId: id.optional(),
    description: z.string().max(1000).optional(),
    keepOpenUnitIds: z.array(id).max(200).optional(),
    seenVersion,
  })
  .strict();

const waitingFilter = z
  .object({
    finessEg: finess.optional(),
    unitId: id.optional(),
    status: z
      .string()
      .refine((s) => UNIT_WAITING.includes(s))
      .optional(),
    category: z.string().max(10).optional(),
  })
  .strict();

/** The five fields of a unit status (MS.CDM/VT.46), as the referent enters them; values checked against the lists. */
const unitFields = {
  name: z.string().trim().min(1).max(200),
  categorieOrganisation: z.string().max(6),
  temporaliteAccueil: z.string().max(4).nullable(),
  accueilSequentiel: z.boolean().nullable(),
  modePriseCharge: z.string().max(6),
};

export const worklistChannels = {
  'notifications:list': channel<WorklistResult>()(worklistFilter),
  'notifications:facets': channel<WorklistFacets>()(z.object({}).strict()),
  'notifications:detail': channel<NotificationDetail>()(z.object({ id }).strict()),
  /** What an action will send, without sending it. */
  'notifications:preview-action': channel<StatusPreview>()(actionRequest),
  'notifications:perform-action': channel<StatusPreview & { readonly outboxIds: readonly number[] }>()(actionRequest),
  /** The referent has dealt with an "à traiter" mark (nothing is sent to ViaTrajectoire). */
  'notifications:acknowledge': channel<{ readonly id: number }>()(z.object({ id }).strict()),
  /** Flux 2: the person's consent, with the date it was collected; the Consent leaves with the next sync. */
  'notifications:record-consent': channel<{ readonly consentId: number; readonly outboxId: number }>()(
    z.object({ notificationId: id, collectedOn: isoDate, seenVersion }).strict(),
  ),
  /** Flux 3: the MDPH evaluation, only once the consent has been sent and the evaluation fetched. */
  'notifications:evaluation': channel<ParsedEvaluation | null>()(z.object({ notificationId: id }).strict()),
  /** Renewal: the open unit lines of the previous decision carried over to this one, in one action. */
  'notifications:carry-over-renewal': channel<{ readonly carried: number; readonly outboxIds: readonly number[] }>()(
    z.object({ notificationId: id, seenVersion }).strict(),
  ),
  'waiting-lists:list': channel<WaitingListUnit[]>()(waitingFilter),
  'waiting-lists:export-csv': channel<{ readonly fileName: string; readonly content: string; readonly rows: number }>()(
    waitingFilter,
  ),
  'units:list': channel<RorUnit[]>()(z.object({ finessEg: finess.optional() }).strict()),
  'units:update': channel<RorUnit>()(z.object({ id, ...unitFields }).strict()),
  'units:create': channel<RorUnit>()(
    z
      .object({
        finessEg: finess,
        // The ROR's identifier of the organisation interne; its national format is not published: no spaces.
        idRor: z
          .string()
          .trim()
          .min(1)
          .max(64)
          .regex(/^[\w./:-]+$/, "L'identifiant ROR ne contient ni espace ni caractère spécial."),
        ...unitFields,
      })
      .strict(),
  ),
  'geographic-entities:list': channel<GeographicEntitySummary[]>()(z.object({}).strict()),
  /** The establishments' names alone, for the screens that name them: no counts (those read every notification). */
  'geographic-entities:names': channel<GeographicEntityName[]>()(z.object({}).strict()),
  'geographic-entities:set-local-activation': channel<GeographicEntitySummary>()(
    z.object({ finessEg: finess, active: z.boolean() }).strict(),
  ),
} as const;
