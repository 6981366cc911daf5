/**
 * Flux 4 and flux 2 enqueueing (docs/architecture.md §4): the Task or Consent is built, validated and written to the
 * outbox in the caller's transaction, so a local change and what it sends are committed together or not at all.
 * Sending happens later, outside any transaction (outbox-sender.ts).
 */
import crypto from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import type { StatusReport } from '@shared/domain/status-report';
import type { ValidationIssue } from '@shared/domain/fhir-validation';
import {
  CLIENT_ID_SYSTEM,
  DEFAULT_SDO_CONTEXT,
  buildEsmsConsent,
  buildEsmsTask,
  validateResource,
  type SdoContext,
} from '../../fhir';
import type { SqlExecutor } from '../../db/sql/sql-database';

export interface EnqueueStatusReportArgs {
  readonly notificationId: number;
  readonly finessEg: string;
  readonly report: StatusReport;
  readonly now: Date;
  /** The environment's guide and terminology releases: the Task is written and checked for them. */
  readonly sdo: SdoContext;
}

export interface EnqueuedStatusReport {
  readonly statusEventId: number;
  readonly outboxId: number;
}

function invalid(what: string, issues: readonly ValidationIssue[]): AppError {
  const errors = issues.filter((i) => i.severity === 'error').map((i) => ({ path: i.path, message: i.message }));
  return new AppError(
    'RESOURCE_INVALID',
    `${what} n’est pas conforme au profil ViaTrajectoire : rien n’a été enregistré. Vérifiez les informations saisies.`,
    JSON.stringify(errors),
  );
}

/**
 * Records one local status event and queues its ESMSTask. Must run inside the caller's transaction: an invalid
 * Task throws RESOURCE_INVALID and the caller's whole transaction rolls back.
 */
export async function enqueueStatusReport(
  tx: SqlExecutor,
  args: EnqueueStatusReportArgs,
): Promise<EnqueuedStatusReport> {
  const clientIdentifier = crypto.randomUUID();
  const nowIso = args.now.toISOString();
  const task = buildEsmsTask(args.report, { ...args.sdo, clientIdentifier, lastUpdated: nowIso });
  const result = validateResource(task, args.sdo);
  if (!result.valid) throw invalid('Le statut à envoyer', result.issues);
  const r = args.report;
  const statusEventId = await tx.value<number>(
    `INSERT INTO status_event (notification_id, origin, client_identifier, emitter_id_nat, statut_esms, motif_esms,
       date_statut_esms, id_unite, statut_unite, motif_unite, date_statut_unite, description, created_at)
     VALUES (?, 'local', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING id`,
    [
      args.notificationId,
      clientIdentifier,
      r.idNatStruct,
      r.statutESMS ?? null,
      r.motifESMS ?? null,
      r.dateStatutESMS ?? null,
      r.unit?.idUnite ?? null,
      r.statutUnite ?? null,
      r.motifUnite ?? null,
      r.dateStatutUnite ?? null,
      r.description ?? null,
      nowIso,
    ],
  );
  if (statusEventId === undefined) throw new Error('événement de statut non enregistré');
  const outboxId = await tx.value<number>(
    `INSERT INTO outbox (kind, notification_id, status_event_id, finess_eg, client_identifier, payload_json, state,
       created_at) VALUES ('task.create', ?, ?, ?, ?, ?, 'pending', ?)
     RETURNING id`,
    [args.notificationId, statusEventId, args.finessEg, clientIdentifier, JSON.stringify(task), nowIso],
  );
  if (outboxId === undefined) throw new Error('envoi non enregistré');
  return { statusEventId, outboxId };
}

export interface EnqueueConsentArgs {
  readonly decisionId: number;
  readonly finessEg: string;
  /** Date the ESMS collected the person's consent, YYYY-MM-DD. */
  readonly collectedOn: string;
  readonly now: Date;
  /** The environment's guide release (default: the first of SDO_VERSIONS). */
  readonly sdo?: SdoContext;
}

export interface EnqueuedConsent {
  readonly consentId: number;
  readonly outboxId: number;
}

/**
 * Records the person's consent for one decision and EG and queues the ESMSConsent (flux 2). Must run inside the
 * caller's transaction. The evaluation (flux 3) is fetched by the sync once the Consent has been accepted.
 */
export async function enqueueConsent(tx: SqlExecutor, args: EnqueueConsentArgs): Promise<EnqueuedConsent> {
  const sdo = args.sdo ?? DEFAULT_SDO_CONTEXT;
  const decision = await tx.get<{ id_nat_decision: string; consented: number }>(
    `SELECT id_nat_decision, (SELECT count(*) FROM consent WHERE decision_id = @decisionId AND finess_eg = @finessEg)
       AS consented FROM decision WHERE id = @decisionId`,
    { decisionId: args.decisionId, finessEg: args.finessEg },
  );
  if (!decision) throw new AppError('ACTION_NOT_ALLOWED', 'Cette décision est introuvable dans la base locale.');
  if (decision.consented > 0)
    throw new AppError('ACTION_NOT_ALLOWED', 'L’accord de la personne est déjà enregistré pour cette décision.');
  const clientIdentifier = crypto.randomUUID();
  const nowIso = args.now.toISOString();
  const built = buildEsmsConsent({
    idNatStruct: `1${args.finessEg}`,
    idNatDecision: decision.id_nat_decision,
    collectedOn: args.collectedOn,
    profileVersion: sdo.profileVersion,
  });
  // Consent.identifier (0..* in R4, open profile) carries the client id for the conditional create, as for Tasks.
  const consent = { ...built, identifier: [{ system: CLIENT_ID_SYSTEM, value: clientIdentifier }] };
  const result = validateResource(consent, sdo);
  if (!result.valid) throw invalid('L’accord à envoyer', result.issues);
  const outboxId = await tx.value<number>(
    `INSERT INTO outbox (kind, notification_id, status_event_id, finess_eg, client_identifier, payload_json, state,
       created_at) VALUES ('consent.create', NULL, NULL, ?, ?, ?, 'pending', ?)
     RETURNING id`,
    [args.finessEg, clientIdentifier, JSON.stringify(consent), nowIso],
  );
  if (outboxId === undefined) throw new Error('envoi non enregistré');
  const consentId = await tx.value<number>(
    `INSERT INTO consent (decision_id, finess_eg, collected_on, outbox_id, created_at) VALUES (?, ?, ?, ?, ?)
     RETURNING id`,
    [args.decisionId, args.finessEg, args.collectedOn, outboxId, nowIso],
  );
  if (consentId === undefined) throw new Error('accord non enregistré');
  return { consentId, outboxId };
}
