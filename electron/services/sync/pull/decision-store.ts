/**
 * Flux 1 writes: person, decision, links and one notification per targeted EG, idempotent by idNat_Decision
 * (a re-read after a crash changes nothing). Renewal and closure effects are applied once, when the notification
 * is created. Runs inside the page transaction of decision-pull.ts.
 */
import type { ParsedDecision } from '@shared/domain/decision';
import { UNIT_OPEN } from '@shared/domain/referent-actions';
import type { SqlExecutor } from '../../db/sql/sql-database';
import { notificationStore, sqlList } from '../../db/notification-store';

const OPEN_LIST = sqlList(UNIT_OPEN);

export type LinkKind = 'renouvellement' | 'revision' | 'cloture' | 'inconnu';

export function linkKindOf(parsed: ParsedDecision): LinkKind {
  if (parsed.decision.typeDeDecision.code === '5') return 'cloture';
  const nature = parsed.droitPrestation?.natureDroit?.code;
  if (nature === '2') return 'renouvellement';
  if (nature === '3') return 'revision';
  return 'inconnu';
}

/** Local work in progress on a notification: a status beyond "lue", an open unit line, or something to send. */
export async function hasLocalWork(db: SqlExecutor, notificationId: number): Promise<boolean> {
  const row = await db.get<{ status: string | null; open_lines: number; waiting: number }>(
    `SELECT (SELECT esms_status FROM notification WHERE id = @id) AS status,
            (SELECT count(*) FROM unit_line WHERE notification_id = @id AND status IN (${OPEN_LIST})) AS open_lines,
            (SELECT count(*) FROM outbox WHERE notification_id = @id AND state IN ('pending', 'in_flight')) AS waiting`,
    { id: notificationId },
  );
  if (!row) return false;
  return (row.status !== null && !['39', '40', '54'].includes(row.status)) || row.open_lines > 0 || row.waiting > 0;
}

function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

const UPSERT_PERSON = `INSERT INTO person (mdph_oid, mdph_individual_id, ins, ins_oid, family_name, used_family_name,
    given_names, gender, birth_date, birth_date_raw, search_text, updated_at)
  VALUES (@oid, @idv, @ins, @insOid, @family, @used, @given, @gender, @birth, @birthRaw, @search, @now)
  ON CONFLICT (mdph_oid, mdph_individual_id) DO UPDATE SET ins = excluded.ins, ins_oid = excluded.ins_oid,
    family_name = excluded.family_name, used_family_name = excluded.used_family_name,
    given_names = excluded.given_names, gender = excluded.gender, birth_date = excluded.birth_date,
    birth_date_raw = excluded.birth_date_raw, search_text = excluded.search_text, updated_at = excluded.updated_at
  RETURNING id`;

/** A new decision in one statement (the usual case of flux 1); nothing when it is already stored. */
const INSERT_DECISION = `INSERT INTO decision (id_nat_decision, id_decision, id_decision_root, person_id,
    document_reference_id, version_number, type_decision, nature_droit, decision_date, closure_effective_date,
    category_code, qualification, validity_start, validity_end, priority_level, raw_resource_json, raw_cda,
    server_last_updated, received_at)
  VALUES (@idNat, @idDecision, @root, @personId, @drId, @version, @type, @nature, @date, @closure, @category,
    @qualification, @start, @end, @priority, @rawResource, @rawCda, @lastUpdated, @now)
  ON CONFLICT (id_nat_decision) DO NOTHING
  RETURNING id`;

/** A stored decision read again: rewritten only when the server's version or the CDA changed. */
const UPDATE_CHANGED_DECISION = `UPDATE decision SET id_decision = @idDecision, id_decision_root = @root,
    person_id = @personId, document_reference_id = @drId, version_number = @version, type_decision = @type,
    nature_droit = @nature, decision_date = @date, closure_effective_date = @closure, category_code = @category,
    qualification = @qualification, validity_start = @start, validity_end = @end, priority_level = @priority,
    raw_resource_json = @rawResource, raw_cda = @rawCda, server_last_updated = @lastUpdated
  WHERE id_nat_decision = @idNat AND (server_last_updated IS DISTINCT FROM @lastUpdated OR raw_cda <> @rawCda)
  RETURNING id`;

/**
 * raw_resource_json keeps the DocumentReference without the base64 of its CDA when raw_cda holds that CDA decoded
 * and re-encoding it gives the same base64 (checked at write time): `content[0].attachment.data` then holds this
 * marker (not base64: it cannot be a real value), which halves the bytes encrypted and written per decision.
 */
export const CDA_DATA_MARKER = '@raw_cda';
const MARKED_DATA = `"data":${JSON.stringify(CDA_DATA_MARKER)}`;

/**
 * The DocumentReference JSON to store: the resource with its first content's data replaced by the marker when
 * decisionResourceJson rebuilds it byte for byte, else the whole JSON. Undefined when the resource itself holds
 * the marker as a data value (never valid base64Binary, so the validator has already refused it): stored, it
 * could not be told from a compacted one.
 */
export function compactDecisionResourceJson(resource: unknown, rawCda: string): string | undefined {
  const attachment = (resource as { content?: { attachment?: { data?: unknown } }[] } | null)?.content?.[0]?.attachment;
  const data = attachment?.data;
  if (!attachment || typeof data !== 'string' || Buffer.from(rawCda, 'utf8').toString('base64') !== data) {
    const whole = JSON.stringify(resource);
    return whole.includes(MARKED_DATA) ? undefined : whole;
  }
  attachment.data = CDA_DATA_MARKER;
  let compact: string;
  try {
    compact = JSON.stringify(resource);
  } finally {
    attachment.data = data;
  }
  const at = compact.indexOf(MARKED_DATA);
  return at >= 0 && compact.indexOf(MARKED_DATA, at + 1) < 0 ? compact : undefined;
}

/** The DocumentReference JSON exactly as received (JSON.stringify of the server's resource) from a decision row. */
export function decisionResourceJson(row: { raw_resource_json: string; raw_cda: string }): string {
  const at = row.raw_resource_json.indexOf(MARKED_DATA);
  if (at < 0) return row.raw_resource_json;
  const data = JSON.stringify(Buffer.from(row.raw_cda, 'utf8').toString('base64'));
  return `${row.raw_resource_json.slice(0, at)}"data":${data}${row.raw_resource_json.slice(at + MARKED_DATA.length)}`;
}

export interface StoreDecisionInput {
  readonly finessEg: string;
  readonly documentReferenceId: string;
  readonly idNatDecision: string;
  readonly serverLastUpdated: string | null;
  readonly parsed: ParsedDecision;
  /** JSON of the DocumentReference, possibly compacted by compactDecisionResourceJson. */
  readonly rawResourceJson: string;
  readonly rawCda: string;
  readonly nowIso: string;
  /**
   * The FINESS EG known locally, when the caller has read them once for many decisions (a flux 1 chunk); otherwise
   * the targeted ones are looked up.
   */
  readonly knownEgs?: ReadonlySet<string>;
}

export type StoreOutcome = 'created' | 'updated' | 'unchanged';

export async function storeDecision(db: SqlExecutor, input: StoreDecisionInput): Promise<StoreOutcome> {
  const p = input.parsed;
  const person = p.person;
  const mdphOid = person.idIndividuMdphOid ?? person.idMDPHResponsable.root ?? '';
  const family = person.familyNameBirth ?? person.familyNameUsed ?? '';
  const given = person.givenNames ?? person.givenNameUsed ?? person.firstGivenNameBirth ?? '';
  const search = normalise([family, person.familyNameUsed ?? '', given].join(' ').trim());
  const personId = await db.value<number>(UPSERT_PERSON, {
    oid: mdphOid,
    idv: person.idIndividu,
    ins: person.ins?.value ?? null,
    insOid: person.ins ? (person.ins.kind === 'NIR' ? '1.2.250.1.213.1.4.8' : '1.2.250.1.213.1.4.9') : null,
    family,
    used: person.familyNameUsed,
    given,
    gender: person.gender?.code ?? null,
    birth: person.birthDate?.iso ?? null,
    birthRaw: person.birthDate?.raw ?? null,
    search,
    now: input.nowIso,
  });
  if (personId === undefined) throw new Error('personne non enregistrée');

  const dp = p.droitPrestation;
  const values = {
    idNat: input.idNatDecision,
    idDecision: p.decision.idDecision,
    root: p.decision.identifiantDecision.root,
    personId,
    drId: input.documentReferenceId,
    version: p.document.versionNumber,
    type: p.decision.typeDeDecision.code,
    nature: dp?.natureDroit?.code ?? null,
    date: p.decision.dateDeDecision,
    closure: p.decision.dateEffetDeLaDecisionDeCloture,
    category: dp?.typeDroitOuPrestation.code ?? null,
    qualification: dp?.qualification?.code ?? null,
    start: dp?.dateOuvertureDuDroit ?? null,
    end: dp?.dateEcheanceDuDroit ?? null,
    // The MDPH's own wording of the level ("Priorité 4"): No_Caracterisation is not a published list we hold.
    priority: dp?.caracterisation?.niveau
      ? (dp.caracterisation.niveau.display ?? dp.caracterisation.niveau.code)
      : null,
    rawResource: input.rawResourceJson,
    rawCda: input.rawCda,
    lastUpdated: input.serverLastUpdated,
    now: input.nowIso,
  };
  let outcome: StoreOutcome = 'created';
  let decisionId = await db.value<number>(INSERT_DECISION, values);
  if (decisionId === undefined) {
    const { now: _receivedAt, ...changed } = values;
    outcome = 'updated';
    decisionId = await db.value<number>(UPDATE_CHANGED_DECISION, changed);
    if (decisionId === undefined) {
      outcome = 'unchanged';
      decisionId = await db.value<number>('SELECT id FROM decision WHERE id_nat_decision = ?', [input.idNatDecision]);
    }
  }
  if (decisionId === undefined) throw new Error('décision non enregistrée');

  const kind = linkKindOf(p);
  const links = p.decision.identifiantDesDecisionsReviseesRenouveleesCloturee;
  if (links.length > 0) {
    await db.run(
      `INSERT INTO decision_link (decision_id, linked_id_decision, linked_root, kind)
       VALUES ${links.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
      links.flatMap((link) => [decisionId, link.extension, link.root, link.unknown ? 'inconnu' : kind]),
    );
  }

  // One notification per targeted EG known locally, plus the EG that received it.
  const targeted = new Set<string>([input.finessEg]);
  for (const idNat of dp?.detail?.idNatEsmsCibles ?? []) if (idNat.startsWith('1')) targeted.add(idNat.slice(1));
  const known = input.knownEgs ?? (await knownEgsAmong(db, [...targeted]));
  const store = notificationStore(db);
  for (const eg of targeted) {
    if (!known.has(eg)) continue;
    const inserted = await store.insertIfAbsent({
      decisionId,
      finessEg: eg,
      terminated: kind === 'cloture',
      nowIso: input.nowIso,
    });
    if (inserted !== undefined) await applyLinkEffects(db, inserted, decisionId, eg, kind, input.nowIso);
  }
  return outcome;
}

/** The FINESS EG of the list that are known locally (one statement). */
export async function knownEgsAmong(db: SqlExecutor, finessEgs: readonly string[]): Promise<Set<string>> {
  if (finessEgs.length === 0) return new Set();
  const rows = await db.all<{ finess_eg: string }>(
    `SELECT finess_eg FROM geographic_entity WHERE finess_eg IN (${finessEgs.map(() => '?').join(', ')})`,
    finessEgs,
  );
  return new Set(rows.map((r) => r.finess_eg));
}

async function applyLinkEffects(
  db: SqlExecutor,
  notificationId: number,
  decisionId: number,
  finessEg: string,
  kind: LinkKind,
  nowIso: string,
): Promise<void> {
  if (kind !== 'cloture' && kind !== 'renouvellement') return;
  const store = notificationStore(db);
  for (const old of await store.linkedNotifications(decisionId, finessEg)) {
    const work = await hasLocalWork(db, old.id);
    if (kind === 'cloture') {
      // Clôture de droit: the linked notification is finished; open unit lines wait for the referent's confirmation.
      await store.markTerminated(old.id, nowIso);
      if (work) {
        await store.raiseATraiter(old.id, 'Clôture de droit : fermer les unités ouvertes (motif 88 ou 98)', nowIso);
      }
    } else if (work) {
      await store.raiseATraiter(notificationId, 'Renouvellement : reprendre l’unité et la position', nowIso);
    }
  }
}
