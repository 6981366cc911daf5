/**
 * The raccordement checklist (docs/functional-rules.md §8), computed from real state only: the environment's
 * certificate and client credentials, what the token said (legal_entity / geographic_entity written by the sync), the
 * ROR units, the notifications of flux 1 and the outbox. Each step says what it looked at and where to fix it.
 */
import type { CertificateSummary } from '@shared/domain/certificates';
import type { EnvironmentSummary } from '@shared/domain/environments';
import type {
  OnboardingCheck,
  OnboardingChecklist,
  OnboardingEstablishment,
  OnboardingFix,
} from '@shared/domain/onboarding';
import { UNIT_WAITING } from '@shared/domain/referent-actions';
import { sqlList } from '../db/notification-store';
import type { SqlExecutor } from '../db/sql/sql-database';
import type { RorUnitRecord } from '../worklist/ror-unit-record';
import type { GeographicEntityRecord } from '../worklist/units-and-entities';
import { markRepriseDecisions } from './reprise-marking';
import {
  CATEGORIE_ORGANISATION,
  displayOf,
  orientationLabel,
  STATUT_ESMS,
  STATUT_UNITE,
} from '@shared/terminology/code-lists';

/** What the checklist needs from the environment's configuration (no secret values). */
export interface ConnectionFacts {
  readonly certificate: CertificateSummary | undefined;
  readonly clientId: string;
  readonly clientSecretSet: boolean;
}

/** What the checklist reads of the environment's stores (app/ passes its ConnectionServices). */
export interface ConnectionFactsSource {
  describe(): Promise<EnvironmentSummary>;
  readonly registry: { get(certificateId: string): CertificateSummary };
}

export async function readConnectionFacts(services: ConnectionFactsSource): Promise<ConnectionFacts> {
  const summary = await services.describe();
  let certificate: CertificateSummary | undefined;
  if (summary.certificateId) {
    try {
      certificate = services.registry.get(summary.certificateId);
    } catch {
      certificate = undefined;
    }
  }
  return { certificate, clientId: summary.clientId, clientSecretSet: summary.clientSecretSet };
}

export interface ChecklistInput {
  readonly db: SqlExecutor;
  readonly facts: ConnectionFacts;
  readonly environment: { readonly id: string; readonly label: string };
  readonly now: Date;
}

/**
 * ESAT: a ROR unit of category 43 (JDV_J34). Decisions of type 11.5 count only while the EG has no ROR unit yet:
 * any EG may receive an ESAT orientation (a person oriented to several ESMS), so they prove nothing once units are known.
 */
export const ESAT_UNIT_CATEGORY = '43';
export const ESAT_DECISION_CATEGORY = '11.5';

const FIX = {
  certificat: { label: 'Importer le certificat IGC-Santé de l’entité juridique', section: 'certificats' },
  identifiants: { label: 'Saisir le client_id et le secret', section: 'parametres' },
  activation: { label: 'Tester la connexion puis synchroniser', section: 'parametres' },
  eg: { label: 'Activer les entités géographiques', section: 'entites-geographiques' },
  unites: { label: 'Compléter les unités ROR', section: 'unites-ror' },
  synchro: { label: 'Synchroniser avec ViaTrajectoire', section: 'synchronisation' },
  statut: { label: "Enregistrer une demande d'admission puis synchroniser", section: 'notifications' },
} satisfies Record<string, OnboardingFix>;

const frDate = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : `${d.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' })} ${d.toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris' })}`;
};
const frDay = (iso: string) => iso.slice(0, 10).split('-').reverse().join('/');
/** An establishment as the referent knows it: its name, the FINESS beside it. */
const establishmentWords = (name: string, finess: string) => (name ? `${name} (FINESS ${finess})` : `FINESS ${finess}`);
const ESAT_UNIT_LABEL = displayOf(CATEGORIE_ORGANISATION, ESAT_UNIT_CATEGORY) ?? 'ESAT';
const ESAT_DECISION_LABEL = orientationLabel(ESAT_DECISION_CATEGORY);

function check(
  id: OnboardingCheck['id'],
  label: string,
  ok: boolean,
  evidence: string[],
  fix: OnboardingFix,
): OnboardingCheck {
  return { id, label, status: ok ? 'ok' : 'a-faire', evidence, fix: ok ? null : fix };
}

/** Listed in the token by ViaTrajectoire and activated by the referent. */
const isActiveEg = (g: EgRow): boolean => g.vt_activated === 1 && g.local_activated === 1;

const isEsat = (g: EgRow): boolean => g.esat_units > 0 || (g.units === 0 && g.esat_decisions > 0);

interface EgRow extends GeographicEntityRecord {
  units: number;
  esat_units: number;
  esat_decisions: number;
}

interface ChecklistRows {
  ej: { finess_ej: string; name: string; vt_activated: number; token_checked_at: string | null } | undefined;
  egs: EgRow[];
  units: (RorUnitRecord & { finess_eg: string })[];
  notif: { total: number; first: string | null; at39: number | null; reprise: number | null };
  sent:
    | {
        id: number;
        server_id: string | null;
        sent_at: string | null;
        statut_esms: string | null;
        statut_unite: string | null;
      }
    | undefined;
  counts: { sent: number | null; rejected: number | null; waiting: number | null };
}

/** Everything the checklist reads of the store, in one consistent state. */
async function readChecklistRows(db: SqlExecutor): Promise<ChecklistRows> {
  return db.transaction(
    async (tx) => {
      // Token activation first (a NULL check date last on both engines), then the EJ number for a stable order.
      const ej = await tx.get<ChecklistRows['ej']>(
        `SELECT finess_ej, name, vt_activated, token_checked_at FROM legal_entity
         ORDER BY CASE WHEN token_checked_at IS NULL THEN 1 ELSE 0 END, token_checked_at DESC, finess_ej`,
      );
      const egs = await tx.all<EgRow>(
        `SELECT g.finess_eg, g.finess_ej, g.name, g.vt_activated, g.local_activated, g.vt_seen_at,
           (SELECT count(*) FROM ror_unit u WHERE u.finess_eg = g.finess_eg) AS units,
           (SELECT count(*) FROM ror_unit u WHERE u.finess_eg = g.finess_eg AND u.categorie_organisation = @unitCat)
             AS esat_units,
           (SELECT count(*) FROM notification n JOIN decision d ON d.id = n.decision_id
             WHERE n.finess_eg = g.finess_eg AND d.category_code = @decisionCat) AS esat_decisions
         FROM geographic_entity g ORDER BY g.finess_eg`,
        { unitCat: ESAT_UNIT_CATEGORY, decisionCat: ESAT_DECISION_CATEGORY },
      );
      const activeIds = egs.filter(isActiveEg).map((g) => g.finess_eg);
      const inActive = activeIds.map(() => '?').join(',');
      const units =
        activeIds.length === 0
          ? []
          : await tx.all<RorUnitRecord & { finess_eg: string }>(
              `SELECT finess_eg, id_ror, name, categorie_organisation, temporalite_accueil, accueil_sequentiel,
                 mode_prise_charge FROM ror_unit WHERE finess_eg IN (${inActive})
               ORDER BY finess_eg, name, id`,
              activeIds,
            );
      const notif =
        activeIds.length === 0
          ? undefined
          : await tx.get<ChecklistRows['notif']>(
              `SELECT count(*) AS total, min(n.created_at) AS first,
                 sum(CASE WHEN n.esms_status = '39' THEN 1 ELSE 0 END) AS at39, sum(d.reprise) AS reprise
               FROM notification n JOIN decision d ON d.id = n.decision_id
               WHERE n.finess_eg IN (${inActive})`,
              activeIds,
            );
      // A waiting-list status first; then a status without waiting unit, then one without unit status.
      const sent = await tx.get<ChecklistRows['sent']>(
        `SELECT o.id, o.server_id, o.sent_at, e.statut_esms, e.statut_unite
         FROM outbox o LEFT JOIN status_event e ON e.id = o.status_event_id
         WHERE o.kind = 'task.create' AND o.state = 'sent'
         ORDER BY CASE WHEN e.statut_unite IN (${sqlList(UNIT_WAITING)}) THEN 1
                       WHEN e.statut_unite IS NOT NULL THEN 0 ELSE -1 END DESC,
           coalesce(o.sent_at, ''), o.id
         LIMIT 1`,
      );
      const counts = await tx.get<ChecklistRows['counts']>(
        `SELECT sum(CASE WHEN state = 'sent' THEN 1 ELSE 0 END) AS sent,
           sum(CASE WHEN state = 'rejected' THEN 1 ELSE 0 END) AS rejected,
           sum(CASE WHEN state IN ('pending', 'in_flight') THEN 1 ELSE 0 END) AS waiting
         FROM outbox WHERE kind = 'task.create'`,
      );
      return {
        ej,
        egs,
        units,
        notif: notif ?? { total: 0, first: null, at39: 0, reprise: 0 },
        sent,
        counts: counts ?? { sent: null, rejected: null, waiting: null },
      };
    },
    { readOnly: true },
  );
}

export async function computeChecklist(input: ChecklistInput): Promise<OnboardingChecklist> {
  const { db, facts } = input;
  await markRepriseDecisions(db);
  const { ej, egs, units, notif, sent, counts } = await readChecklistRows(db);
  const checks: OnboardingCheck[] = [];

  // 1. Certificate of the legal entity.
  const cert = facts.certificate;
  const certOk = cert !== undefined && (cert.expiry.level === 'valid' || cert.expiry.level === 'expires-soon');
  checks.push(
    check(
      'certificat',
      'Certificat IGC-Santé valide de l’entité juridique',
      certOk,
      cert
        ? [
            `Certificat « ${cert.subjectCommonName ?? cert.subject} », FINESS EJ ${cert.finessEj ?? 'non lu'}`,
            `Émis par ${cert.issuerCommonName ?? cert.issuer}`,
            `Valable du ${frDay(cert.notBefore)} au ${frDay(cert.notAfter)} (${
              cert.expiry.level === 'expired'
                ? 'expiré'
                : cert.expiry.level === 'not-yet-valid'
                  ? 'pas encore valable'
                  : `${cert.expiry.daysLeft} jours restants`
            })`,
            `Empreinte SHA-256 ${cert.sha256Fingerprint.slice(0, 23)}…`,
          ]
        : ['Aucun certificat choisi pour cet environnement'],
      FIX.certificat,
    ),
  );

  // 2. client_id / secret.
  checks.push(
    check(
      'identifiants-client',
      'client_id et secret renseignés',
      facts.clientId.trim() !== '' && facts.clientSecretSet,
      [
        facts.clientId.trim() !== '' ? `client_id : ${facts.clientId}` : 'client_id absent',
        facts.clientSecretSet ? 'Secret client enregistré (non affiché)' : 'Secret client absent',
      ],
      FIX.identifiants,
    ),
  );

  // 3. Activation of the EJ by ViaTrajectoire: a token was obtained (recorded by the sync).
  const tokenAt =
    (ej?.vt_activated === 1 ? ej.token_checked_at : null) ??
    egs.map((g) => g.vt_seen_at).reduce<string | null>((a, b) => (b && (!a || b > a) ? b : a), null);
  const inToken = egs.filter((g) => g.vt_activated === 1);
  const ejOk = tokenAt !== null && inToken.length > 0;
  checks.push(
    check(
      'activation-ej',
      'Entité juridique activée par ViaTrajectoire (jeton obtenu)',
      ejOk,
      ejOk
        ? [
            `Jeton obtenu le ${frDate(tokenAt)}`,
            `EJ ${ej ? establishmentWords(ej.name, ej.finess_ej) : (cert?.finessEj ?? 'inconnue')} ; ${inToken.length} EG listée(s) dans le jeton : ${inToken
              .map((g) => establishmentWords(g.name, g.finess_eg))
              .join(', ')}`,
          ]
        : ['Aucun jeton obtenu de ViaTrajectoire pour cet environnement (aucune synchronisation réussie)'],
      FIX.activation,
    ),
  );

  // 4. Each EG of the token activated by the referent.
  const notLocal = inToken.filter((g) => g.local_activated !== 1);
  checks.push(
    check(
      'activation-eg',
      'Chaque entité géographique activée par le référent',
      inToken.length > 0 && notLocal.length === 0,
      inToken.length === 0
        ? ['Aucune EG connue de ViaTrajectoire']
        : inToken.map(
            (g) =>
              `EG ${establishmentWords(g.name, g.finess_eg)} : ${g.local_activated === 1 ? 'activée' : 'non activée'}`,
          ),
      FIX.eg,
    ),
  );

  // 5. Pilot profile: at least two EGs (activated on both sides), one of them an ESAT.
  const active = egs.filter(isActiveEg);
  const esat = active.filter(isEsat);
  checks.push(
    check(
      'profil-pilote',
      'Profil pilote : au moins deux EG dont un ESAT',
      active.length >= 2 && esat.length >= 1,
      [
        `${active.length} EG active(s) des deux côtés`,
        esat.length > 0
          ? `ESAT : ${esat
              .map(
                (g) =>
                  `${establishmentWords(g.name, g.finess_eg)} : ${g.esat_units > 0 ? `${g.esat_units} unité(s) ROR « ${ESAT_UNIT_LABEL} »` : `${g.esat_decisions} orientation(s) « ${ESAT_DECISION_LABEL} »`}`,
              )
              .join(', ')}`
          : `Aucun ESAT reconnu (unité ROR « ${ESAT_UNIT_LABEL} » ou orientation « ${ESAT_DECISION_LABEL} »)`,
      ],
      FIX.eg,
    ),
  );

  // 6. ROR units with their five fields.
  const incomplete = units
    .map((u) => {
      const missing = [
        !u.id_ror && 'idROR',
        !u.categorie_organisation && 'catégorie d’organisation',
        !u.temporalite_accueil && 'temporalité',
        u.accueil_sequentiel === null && 'accueil séquentiel',
        !u.mode_prise_charge && 'mode de prise en charge',
      ].filter((m): m is string => typeof m === 'string');
      return { u, missing };
    })
    .filter((x) => x.missing.length > 0);
  const withoutUnits = active.filter((g) => !units.some((u) => u.finess_eg === g.finess_eg));
  checks.push(
    check(
      'unites-ror',
      'Unités ROR reprises avec leurs cinq champs',
      active.length > 0 && withoutUnits.length === 0 && incomplete.length === 0,
      [
        ...active.map(
          (g) =>
            `EG ${establishmentWords(g.name, g.finess_eg)} : ${units.filter((u) => u.finess_eg === g.finess_eg).length} unité(s) ROR`,
        ),
        ...incomplete.map((x) => `Unité ${x.u.id_ror} « ${x.u.name} » : manque ${x.missing.join(', ')}`),
        ...(active.length > 0 && incomplete.length === 0 && withoutUnits.length === 0
          ? [
              'Tous les champs présents : idROR, catégorie d’organisation, temporalité, accueil séquentiel, mode de prise en charge',
            ]
          : []),
      ],
      FIX.unites,
    ),
  );

  // 7. A first notification retrieved (flux 1) and in the work list as "Notification envoyée".
  checks.push(
    check(
      'premiere-notification',
      'Première notification reçue et dans la liste de travail (« Notification envoyée »)',
      notif.total > 0,
      notif.total > 0
        ? [
            `${notif.total} notification(s) reçue(s) par le flux 1, la première le ${frDate(notif.first ?? '')}`,
            `${notif.at39 ?? 0} encore non lue(s) (« Notification envoyée »)`,
            `${notif.reprise ?? 0} reprise(s) de dossiers déjà connus, ${notif.total - (notif.reprise ?? 0)} reçue(s) normalement`,
          ]
        : ['Aucune notification reçue pour les EG actives'],
      FIX.synchro,
    ),
  );

  // 8. Waiting-list statuses work: one Task sent and accepted (outbox 'sent'), ideally a waiting-list status.
  checks.push(
    check(
      'statut-liste-attente',
      "Statuts de liste d'attente : un statut envoyé et accepté",
      sent !== undefined,
      [
        ...(sent
          ? [
              `Statut accepté par ViaTrajectoire le ${frDate(sent.sent_at ?? '')} (référence ${sent.server_id ?? 'non communiquée'}) : ${[
                displayOf(STATUT_ESMS, sent.statut_esms),
                displayOf(STATUT_UNITE, sent.statut_unite),
              ]
                .filter(Boolean)
                .map((l) => `« ${l} »`)
                .join(', ')}`,
            ]
          : ['Aucun statut accepté par ViaTrajectoire']),
        `Statuts envoyés : ${counts.sent ?? 0}, refusés : ${counts.rejected ?? 0}, en attente : ${counts.waiting ?? 0}`,
      ],
      FIX.statut,
    ),
  );

  const establishments: OnboardingEstablishment[] = egs.map((g) => ({
    finessEg: g.finess_eg,
    name: g.name,
    vtActivated: g.vt_activated === 1,
    localActivated: g.local_activated === 1,
    esat: isEsat(g),
    unitCount: g.units,
  }));
  const legalEntity = ej
    ? { finessEj: ej.finess_ej, name: ej.name }
    : cert?.finessEj
      ? { finessEj: cert.finessEj, name: cert.subjectOrganization ?? '' }
      : null;
  return {
    computedAt: input.now.toISOString(),
    environmentId: input.environment.id,
    environmentLabel: input.environment.label,
    legalEntity,
    establishments,
    checks,
    allGreen: checks.every((c) => c.status === 'ok'),
  };
}
