/**
 * Storage of the SI-SdO sandbox: a plain SQLite file (fake data only, so no encryption), WAL, prepared
 * statements. Searches read index ranges page by page, so 50,000 decisions keep memory bounded.
 *
 * Time: every write gets a strictly increasing millisecond stamp, and a search "reserves" the instant it
 * reports as Bundle.meta.lastUpdated, so a write that happens after a search is always stamped later than
 * that cursor (a client polling with `gt<cursor>` never misses it).
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { randomBytes } from 'node:crypto';

export interface LegalEntityRecord {
  finessEj: string;
  name: string;
  active: boolean;
}

export interface EstablishmentRecord {
  finessEg: string;
  finessEj: string;
  name: string;
  active: boolean;
}

export interface DecisionRecord {
  seq: number;
  id: string;
  idNatDecision: string;
  idDecision: string;
  lastUpdated: number;
  cdaXml: string;
  evaluationId: string | null;
  evaluationCdaXml: string | null;
  targetedEgs: string[];
}

export interface TaskRecord {
  seq: number;
  id: string;
  idNatDecision: string;
  lastUpdated: number;
  origin: TaskOrigin;
  authorEg: string | null;
  clientIdentifier: string | null;
  resource: Record<string, unknown>;
}

/** esms = posted through flux 4; mdph = an MDPH event; other-esms = scripted entry elsewhere. */
export type TaskOrigin = 'esms' | 'mdph' | 'other-esms';

export interface ConsentRecord {
  id: string;
  finessEg: string;
  idNatDecision: string;
  lastUpdated: number;
  resource: Record<string, unknown>;
}

export interface RorUnitRecord {
  idRor: string;
  finessEg: string;
  name: string;
  categorieOrganisation: string;
  temporaliteAccueil: string;
  accueilSequentiel: boolean;
  modePriseCharge: string;
}

export interface PageCursor {
  lastUpdated: number;
  seq: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS legal_entity (finess_ej TEXT PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS establishment (
  finess_eg TEXT PRIMARY KEY, finess_ej TEXT NOT NULL REFERENCES legal_entity(finess_ej),
  name TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS decision (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, id_nat_decision TEXT NOT NULL UNIQUE,
  id_decision TEXT NOT NULL, last_updated INTEGER NOT NULL, cda TEXT NOT NULL,
  evaluation_id TEXT UNIQUE, evaluation_cda TEXT);
-- One row per (decision, targeted EG); last_updated is copied here so the flux 1.1 search is one index range.
CREATE TABLE IF NOT EXISTS decision_target (
  finess_eg TEXT NOT NULL, last_updated INTEGER NOT NULL, decision_seq INTEGER NOT NULL REFERENCES decision(seq),
  PRIMARY KEY (finess_eg, last_updated, decision_seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS decision_target_by_decision ON decision_target (decision_seq);
CREATE TABLE IF NOT EXISTS task (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, id_nat_decision TEXT NOT NULL,
  last_updated INTEGER NOT NULL, origin TEXT NOT NULL, author_eg TEXT, client_identifier TEXT, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS task_client_identifier ON task (author_eg, client_identifier) WHERE client_identifier IS NOT NULL;
-- One row per EG that sees the Task in flux 5 (the EGs targeted by its decision).
CREATE TABLE IF NOT EXISTS task_visibility (
  finess_eg TEXT NOT NULL, last_updated INTEGER NOT NULL, task_seq INTEGER NOT NULL REFERENCES task(seq),
  PRIMARY KEY (finess_eg, last_updated, task_seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consent (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, finess_eg TEXT NOT NULL,
  id_nat_decision TEXT NOT NULL, last_updated INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS consent_by_eg_decision ON consent (finess_eg, id_nat_decision);
CREATE TABLE IF NOT EXISTS ror_unit (
  id_ror TEXT PRIMARY KEY, finess_eg TEXT NOT NULL, name TEXT NOT NULL, categorie TEXT NOT NULL,
  temporalite TEXT NOT NULL, accueil_sequentiel INTEGER NOT NULL, mode_prise_charge TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ror_unit_by_eg ON ror_unit (finess_eg);
`;

interface DecisionRow {
  seq: number;
  id: string;
  id_nat_decision: string;
  id_decision: string;
  last_updated: number;
  cda: string;
  evaluation_id: string | null;
  evaluation_cda: string | null;
}

interface TaskRow {
  seq: number;
  id: string;
  id_nat_decision: string;
  last_updated: number;
  origin: TaskOrigin;
  author_eg: string | null;
  client_identifier: string | null;
  json: string;
}

export function newTechnicalId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

export class SandboxStore {
  private readonly db: Database.Database;
  private lastStamp = 0;
  private readonly statements;

  constructor(
    path: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.statements = {
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM setting WHERE key = ?'),
      putSetting: db.prepare(
        'INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      maxStamp: db.prepare<[], { m: number | null }>(
        'SELECT MAX(m) AS m FROM (SELECT MAX(last_updated) AS m FROM decision UNION ALL SELECT MAX(last_updated) FROM task UNION ALL SELECT MAX(last_updated) FROM consent)',
      ),
      upsertEntity: db.prepare(
        'INSERT INTO legal_entity (finess_ej, name, active) VALUES (?, ?, ?) ON CONFLICT(finess_ej) DO UPDATE SET name = excluded.name',
      ),
      upsertEstablishment: db.prepare(
        'INSERT INTO establishment (finess_eg, finess_ej, name, active) VALUES (?, ?, ?, ?) ON CONFLICT(finess_eg) DO UPDATE SET name = excluded.name, finess_ej = excluded.finess_ej',
      ),
      entity: db.prepare<[string], { finess_ej: string; name: string; active: number }>(
        'SELECT * FROM legal_entity WHERE finess_ej = ?',
      ),
      entities: db.prepare<[], { finess_ej: string; name: string; active: number }>(
        'SELECT * FROM legal_entity ORDER BY finess_ej',
      ),
      establishment: db.prepare<[string], { finess_eg: string; finess_ej: string; name: string; active: number }>(
        'SELECT * FROM establishment WHERE finess_eg = ?',
      ),
      establishmentsOf: db.prepare<[string], { finess_eg: string; finess_ej: string; name: string; active: number }>(
        'SELECT * FROM establishment WHERE finess_ej = ? ORDER BY finess_eg',
      ),
      setEntityActive: db.prepare('UPDATE legal_entity SET active = ? WHERE finess_ej = ?'),
      setEstablishmentActive: db.prepare('UPDATE establishment SET active = ? WHERE finess_eg = ?'),
      insertDecision: db.prepare(
        'INSERT INTO decision (id, id_nat_decision, id_decision, last_updated, cda, evaluation_id, evaluation_cda) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertTarget: db.prepare('INSERT INTO decision_target (finess_eg, last_updated, decision_seq) VALUES (?, ?, ?)'),
      touchDecision: db.prepare('UPDATE decision SET last_updated = ? WHERE seq = ?'),
      touchTargets: db.prepare('UPDATE decision_target SET last_updated = ? WHERE decision_seq = ?'),
      decisionById: db.prepare<[string], DecisionRow>('SELECT * FROM decision WHERE id = ?'),
      decisionByEvaluationId: db.prepare<[string], DecisionRow>('SELECT * FROM decision WHERE evaluation_id = ?'),
      decisionByIdNat: db.prepare<[string], DecisionRow>('SELECT * FROM decision WHERE id_nat_decision = ?'),
      targetsOf: db.prepare<[number], { finess_eg: string }>(
        'SELECT finess_eg FROM decision_target WHERE decision_seq = ? ORDER BY finess_eg',
      ),
      decisionPage: db.prepare<
        [string, number, number, number, number, number, number],
        { id: string; last_updated: number; seq: number }
      >(
        `SELECT d.id, t.last_updated, t.decision_seq AS seq FROM decision_target t JOIN decision d ON d.seq = t.decision_seq
         WHERE t.finess_eg = ? AND t.last_updated > ? AND t.last_updated <= ?
           AND (t.last_updated > ? OR (t.last_updated = ? AND t.decision_seq > ?))
         ORDER BY t.last_updated, t.decision_seq LIMIT ?`,
      ),
      decisionCount: db.prepare<[string, number, number], { n: number }>(
        'SELECT COUNT(*) AS n FROM decision_target WHERE finess_eg = ? AND last_updated > ? AND last_updated <= ?',
      ),
      decisionCountAll: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM decision'),
      insertTask: db.prepare(
        'INSERT INTO task (id, id_nat_decision, last_updated, origin, author_eg, client_identifier, json) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertTaskVisibility: db.prepare(
        'INSERT INTO task_visibility (finess_eg, last_updated, task_seq) VALUES (?, ?, ?)',
      ),
      taskById: db.prepare<[string], TaskRow>('SELECT * FROM task WHERE id = ?'),
      taskByClientIdentifier: db.prepare<[string, string], TaskRow>(
        'SELECT * FROM task WHERE author_eg = ? AND client_identifier = ? ORDER BY seq LIMIT 1',
      ),
      taskVisibleTo: db.prepare<[string, number], { n: number }>(
        'SELECT COUNT(*) AS n FROM task_visibility WHERE finess_eg = ? AND task_seq = ?',
      ),
      taskPage: db.prepare<[string, number, number, number, number, number, number, string, number], TaskRow>(
        `SELECT t.* FROM task_visibility v JOIN task t ON t.seq = v.task_seq
         WHERE v.finess_eg = ? AND v.last_updated > ? AND v.last_updated <= ?
           AND (v.last_updated > ? OR (v.last_updated = ? AND v.task_seq > ?))
           AND (? = 1 OR t.author_eg IS NULL OR t.author_eg <> ?)
         ORDER BY v.last_updated, v.task_seq LIMIT ?`,
      ),
      tasksReceived: db.prepare<[], TaskRow>("SELECT * FROM task WHERE origin = 'esms' ORDER BY seq"),
      insertConsent: db.prepare(
        'INSERT INTO consent (id, finess_eg, id_nat_decision, last_updated, json) VALUES (?, ?, ?, ?, ?)',
      ),
      consentExists: db.prepare<[string, string], { n: number }>(
        'SELECT COUNT(*) AS n FROM consent WHERE finess_eg = ? AND id_nat_decision = ?',
      ),
      consents: db.prepare<
        [],
        { id: string; finess_eg: string; id_nat_decision: string; last_updated: number; json: string }
      >('SELECT * FROM consent ORDER BY seq'),
      upsertRorUnit: db.prepare(
        `INSERT INTO ror_unit (id_ror, finess_eg, name, categorie, temporalite, accueil_sequentiel, mode_prise_charge) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id_ror) DO UPDATE SET finess_eg = excluded.finess_eg, name = excluded.name, categorie = excluded.categorie,
           temporalite = excluded.temporalite, accueil_sequentiel = excluded.accueil_sequentiel, mode_prise_charge = excluded.mode_prise_charge`,
      ),
      rorUnitsOf: db.prepare<
        [string],
        {
          id_ror: string;
          finess_eg: string;
          name: string;
          categorie: string;
          temporalite: string;
          accueil_sequentiel: number;
          mode_prise_charge: string;
        }
      >('SELECT * FROM ror_unit WHERE finess_eg = ? ORDER BY id_ror'),
    };
    this.lastStamp = this.statements.maxStamp.get()?.m ?? 0;
  }

  close(): void {
    this.db.close();
  }

  /** A strictly increasing server instant (ms). */
  stamp(): number {
    const now = this.clock();
    this.lastStamp = now > this.lastStamp ? now : this.lastStamp + 1;
    return this.lastStamp;
  }

  /**
   * The instant a search reports as its cursor: `now`, and every later write is stamped after it.
   * Never earlier than the latest write (a write stamped in the "future" by the monotonic rule stays visible).
   */
  searchInstant(): number {
    return this.stamp();
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.statements.getSetting.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  putSetting(key: string, value: unknown): void {
    this.statements.putSetting.run(key, JSON.stringify(value));
  }

  // --- Legal entities and establishments.

  upsertLegalEntity(finessEj: string, name: string, active = true): void {
    this.statements.upsertEntity.run(finessEj, name, active ? 1 : 0);
  }

  upsertEstablishment(finessEg: string, finessEj: string, name: string, active = true): void {
    this.statements.upsertEstablishment.run(finessEg, finessEj, name, active ? 1 : 0);
  }

  legalEntity(finessEj: string): LegalEntityRecord | undefined {
    const row = this.statements.entity.get(finessEj);
    return row ? { finessEj: row.finess_ej, name: row.name, active: row.active === 1 } : undefined;
  }

  legalEntities(): LegalEntityRecord[] {
    return this.statements.entities
      .all()
      .map((row) => ({ finessEj: row.finess_ej, name: row.name, active: row.active === 1 }));
  }

  establishment(finessEg: string): EstablishmentRecord | undefined {
    const row = this.statements.establishment.get(finessEg);
    return row
      ? { finessEg: row.finess_eg, finessEj: row.finess_ej, name: row.name, active: row.active === 1 }
      : undefined;
  }

  establishmentsOf(finessEj: string): EstablishmentRecord[] {
    return this.statements.establishmentsOf
      .all(finessEj)
      .map((row) => ({ finessEg: row.finess_eg, finessEj: row.finess_ej, name: row.name, active: row.active === 1 }));
  }

  /** Switches an EJ or an EG (whichever the FINESS names). Returns false when the FINESS is unknown. */
  setActive(finess: string, active: boolean): boolean {
    if (this.statements.setEntityActive.run(active ? 1 : 0, finess).changes > 0) return true;
    return this.statements.setEstablishmentActive.run(active ? 1 : 0, finess).changes > 0;
  }

  // --- Decisions.

  insertDecision(input: {
    idNatDecision: string;
    idDecision: string;
    cdaXml: string;
    evaluationCdaXml?: string | null;
    targetedEgs: string[];
  }): DecisionRecord {
    return this.transaction(() => {
      const stamp = this.stamp();
      const id = newTechnicalId('dec');
      const evaluationId = input.evaluationCdaXml ? newTechnicalId('eva') : null;
      const result = this.statements.insertDecision.run(
        id,
        input.idNatDecision,
        input.idDecision,
        stamp,
        input.cdaXml,
        evaluationId,
        input.evaluationCdaXml ?? null,
      );
      const seq = Number(result.lastInsertRowid);
      for (const eg of new Set(input.targetedEgs)) this.statements.insertTarget.run(eg, stamp, seq);
      return this.decisionByIdNat(input.idNatDecision) as DecisionRecord;
    });
  }

  /** Marks a decision as updated now (it comes back in flux 1.1 searches). */
  touchDecision(seq: number): number {
    const stamp = this.stamp();
    this.statements.touchDecision.run(stamp, seq);
    this.statements.touchTargets.run(stamp, seq);
    return stamp;
  }

  private decisionFromRow(row: DecisionRow | undefined): DecisionRecord | undefined {
    if (!row) return undefined;
    return {
      seq: row.seq,
      id: row.id,
      idNatDecision: row.id_nat_decision,
      idDecision: row.id_decision,
      lastUpdated: row.last_updated,
      cdaXml: row.cda,
      evaluationId: row.evaluation_id,
      evaluationCdaXml: row.evaluation_cda,
      targetedEgs: this.statements.targetsOf.all(row.seq).map((t) => t.finess_eg),
    };
  }

  decisionById(id: string): DecisionRecord | undefined {
    return this.decisionFromRow(this.statements.decisionById.get(id));
  }

  decisionByIdNat(idNatDecision: string): DecisionRecord | undefined {
    return this.decisionFromRow(this.statements.decisionByIdNat.get(idNatDecision));
  }

  decisionByEvaluationId(evaluationId: string): DecisionRecord | undefined {
    return this.decisionFromRow(this.statements.decisionByEvaluationId.get(evaluationId));
  }

  /** The latest decisions (imported, generated or updated last first), for the trainer's screen. */
  recentDecisions(limit: number): DecisionRecord[] {
    return this.db
      .prepare<[number], DecisionRow>('SELECT * FROM decision ORDER BY last_updated DESC, seq DESC LIMIT ?')
      .all(limit)
      .map((row) => this.decisionFromRow(row))
      .filter((d): d is DecisionRecord => d !== undefined);
  }

  decisionCount(): number {
    return this.statements.decisionCountAll.get()?.n ?? 0;
  }

  /** One page of decision ids for an EG, updated in ]after, until], ordered, after the cursor. */
  decisionIdPage(
    finessEg: string,
    after: number,
    until: number,
    cursor: PageCursor | undefined,
    limit: number,
  ): { id: string; cursor: PageCursor }[] {
    const c = cursor ?? { lastUpdated: after, seq: 0 };
    return this.statements.decisionPage
      .all(finessEg, after, until, c.lastUpdated, c.lastUpdated, c.seq, limit)
      .map((r) => ({ id: r.id, cursor: { lastUpdated: r.last_updated, seq: r.seq } }));
  }

  decisionMatchCount(finessEg: string, after: number, until: number): number {
    return this.statements.decisionCount.get(finessEg, after, until)?.n ?? 0;
  }

  // --- Tasks.

  /** Inserts a Task (id and meta.lastUpdated set here, server time), visible in flux 5 to the EGs listed. */
  insertTask(input: {
    resource: Record<string, unknown>;
    idNatDecision: string;
    origin: TaskOrigin;
    authorEg: string | null;
    clientIdentifier: string | null;
    visibleTo: string[];
  }): TaskRecord {
    return this.transaction(() => {
      const stamp = this.stamp();
      const id = newTechnicalId('task');
      const meta = {
        ...((input.resource['meta'] as Record<string, unknown> | undefined) ?? {}),
        lastUpdated: new Date(stamp).toISOString(),
      };
      // resourceType, id and meta first, as FHIR servers print them.
      const ordered = Object.assign({ resourceType: 'Task', id, meta }, input.resource, { id, meta });
      const result = this.statements.insertTask.run(
        id,
        input.idNatDecision,
        stamp,
        input.origin,
        input.authorEg,
        input.clientIdentifier,
        JSON.stringify(ordered),
      );
      const seq = Number(result.lastInsertRowid);
      for (const eg of new Set(input.visibleTo)) this.statements.insertTaskVisibility.run(eg, stamp, seq);
      return this.taskById(id) as TaskRecord;
    });
  }

  private taskFromRow(row: TaskRow | undefined): TaskRecord | undefined {
    if (!row) return undefined;
    return {
      seq: row.seq,
      id: row.id,
      idNatDecision: row.id_nat_decision,
      lastUpdated: row.last_updated,
      origin: row.origin,
      authorEg: row.author_eg,
      clientIdentifier: row.client_identifier,
      resource: JSON.parse(row.json) as Record<string, unknown>,
    };
  }

  taskById(id: string): TaskRecord | undefined {
    return this.taskFromRow(this.statements.taskById.get(id));
  }

  taskByClientIdentifier(authorEg: string, clientIdentifier: string): TaskRecord | undefined {
    return this.taskFromRow(this.statements.taskByClientIdentifier.get(authorEg, clientIdentifier));
  }

  taskPage(
    finessEg: string,
    after: number,
    until: number,
    cursor: PageCursor | undefined,
    limit: number,
    includeOwn: boolean,
  ): TaskRecord[] {
    const c = cursor ?? { lastUpdated: after, seq: 0 };
    const rows = this.statements.taskPage.all(
      finessEg,
      after,
      until,
      c.lastUpdated,
      c.lastUpdated,
      c.seq,
      includeOwn ? 1 : 0,
      finessEg,
      limit,
    );
    return rows.map((r) => this.taskFromRow(r) as TaskRecord);
  }

  isTaskVisibleTo(finessEg: string, task: TaskRecord): boolean {
    return task.authorEg === finessEg || (this.statements.taskVisibleTo.get(finessEg, task.seq)?.n ?? 0) > 0;
  }

  tasksReceived(): TaskRecord[] {
    return this.statements.tasksReceived.all().map((r) => this.taskFromRow(r) as TaskRecord);
  }

  // --- Consents.

  insertConsent(finessEg: string, idNatDecision: string, resource: Record<string, unknown>): ConsentRecord {
    const stamp = this.stamp();
    const id = newTechnicalId('consent');
    const meta = {
      ...((resource['meta'] as Record<string, unknown> | undefined) ?? {}),
      lastUpdated: new Date(stamp).toISOString(),
    };
    const stored = Object.assign({ resourceType: 'Consent', id, meta }, resource, { id, meta });
    this.statements.insertConsent.run(id, finessEg, idNatDecision, stamp, JSON.stringify(stored));
    return { id, finessEg, idNatDecision, lastUpdated: stamp, resource: stored };
  }

  hasConsent(finessEg: string, idNatDecision: string): boolean {
    return (this.statements.consentExists.get(finessEg, idNatDecision)?.n ?? 0) > 0;
  }

  consents(): ConsentRecord[] {
    return this.statements.consents.all().map((row) => ({
      id: row.id,
      finessEg: row.finess_eg,
      idNatDecision: row.id_nat_decision,
      lastUpdated: row.last_updated,
      resource: JSON.parse(row.json) as Record<string, unknown>,
    }));
  }

  // --- ROR units.

  upsertRorUnit(unit: RorUnitRecord): void {
    this.statements.upsertRorUnit.run(
      unit.idRor,
      unit.finessEg,
      unit.name,
      unit.categorieOrganisation,
      unit.temporaliteAccueil,
      unit.accueilSequentiel ? 1 : 0,
      unit.modePriseCharge,
    );
  }

  rorUnitsOf(finessEg: string): RorUnitRecord[] {
    return this.statements.rorUnitsOf.all(finessEg).map((row) => ({
      idRor: row.id_ror,
      finessEg: row.finess_eg,
      name: row.name,
      categorieOrganisation: row.categorie,
      temporaliteAccueil: row.temporalite,
      accueilSequentiel: row.accueil_sequentiel === 1,
      modePriseCharge: row.mode_prise_charge,
    }));
  }

  /** Empties every business table (the settings stay: client secret, faults are reset by the caller). */
  clearAll(): void {
    this.transaction(() => {
      for (const table of [
        'task_visibility',
        'task',
        'consent',
        'decision_target',
        'decision',
        'ror_unit',
        'establishment',
        'legal_entity',
      ]) {
        this.db.exec(`DELETE FROM ${table}`);
      }
    });
  }
}
