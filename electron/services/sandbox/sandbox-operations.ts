/**
 * MDPH-side and administration operations of the sandbox (what the real "bac à sable" lets an editor do as an
 * MDPH): import or generate decisions, emit flux 5 events, switch activation, faults, reset. Used by the admin
 * HTTP API and directly in-process.
 */
import { AppError } from '@shared/errors/app-error';
import { SANDBOX_BROKEN_ANSWER_IDS, type SandboxBrokenAnswerId } from '@shared/domain/sandbox';
import type { SdoVersion } from '@shared/domain/sdo-versions';
import { randomInt } from 'node:crypto';
import { parseDecisionCda } from '../cda/decision-cda-parser';
import {
  generateDecisionBatch,
  generateDecisionSpec,
  generateEvaluationFor,
  orientationCategoriesFor,
  renderDecisionCda,
  renderEvaluationCda,
  type DecisionSpec,
} from '../cda/fake';
import { brokenDecisionAnswer } from './broken-answers';
import { buildEventTask, type SandboxEventCode } from './event-tasks';
import { seedUnits, type EstablishmentKind } from './ror-units';
import type { ConsentRecord, DecisionRecord, SandboxStore, TaskRecord } from './sandbox-store';

export interface SandboxEstablishmentSeed {
  finessEg: string;
  name: string;
  kind: EstablishmentKind;
}

export interface SandboxLegalEntitySeed {
  finessEj: string;
  name: string;
  establishments: SandboxEstablishmentSeed[];
}

/** Fictive organisation: FINESS numbers starting with 01 (Ain) that are not real establishments. */
export const DEFAULT_LEGAL_ENTITIES: SandboxLegalEntitySeed[] = [
  {
    finessEj: '010000001',
    name: 'ASSOCIATION FICTIVE LES TILLEULS',
    establishments: [
      { finessEg: '010000019', name: 'ESAT FICTIF LES TILLEULS', kind: 'esat' },
      { finessEg: '010000027', name: 'IME FICTIF LES PEUPLIERS', kind: 'ime' },
      { finessEg: '010000035', name: 'FAM-MAS FICTIF LES CHENES', kind: 'fam-mas' },
    ],
  },
];

/** Another ESMS (not a client of the sandbox) whose entries come back in flux 5 (event 47). */
export const OTHER_ESMS = { finessEg: '019999995', name: 'ESMS FICTIF AILLEURS' };

export interface SandboxEstablishmentView {
  finessEg: string;
  finessEj: string;
  name: string;
  active: boolean;
  /** Orientation categories its ROR units accept (what generation sends it). */
  categories: string[];
}

export interface SandboxDecisionView {
  idNatDecision: string;
  idDecision: string;
  /** Its DocumentReference's id (what flux 1 reads). */
  documentReferenceId: string;
  targetedEgs: string[];
  /** Fake person's name, as in the CDA. */
  person: string;
  category: string | null;
  typeDeDecision: string | null;
  dateDeDecision: string | null;
}

export interface FaultSettings {
  /** Added before every answer of the HTTPS port. */
  latencyMs: number;
  /** Share (0..1) of requests answered 503. */
  rate5xx: number;
  /** Share (0..1) of requests answered 429 with Retry-After. */
  rate429: number;
  retryAfterSeconds: number;
  /** Share (0..1) of connections reset without an answer. */
  resetRate: number;
  /** Share (0..1) of successful answers whose JSON body is cut in half. */
  malformedRate: number;
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  rate5xx: 0,
  rate429: 0,
  retryAfterSeconds: 2,
  resetRate: 0,
  malformedRate: 0,
};

/**
 * Fault injection with a raw body (issue 10): the next answers to a chosen read (`DocumentReference/{id}`,
 * `Task/{id}`) or to a search of a resource type are this body, status and content type, exactly as given — a
 * truncated JSON, an OperationOutcome with 200, a resource nested 5,000 levels deep, a 5 MiB CDA, a Task inside a
 * DocumentReference searchset. Kept in memory (bodies can be large), cleared by reset.
 */
export interface RawAnswer {
  readonly target: 'read' | 'search';
  readonly resourceType: 'DocumentReference' | 'Task';
  /** The id read (target 'read' only). */
  readonly id?: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** How many answers before it is dropped; absent: until cleared. */
  readonly times?: number;
  /** What is broken, in French, for the Bac à sable screen's list. */
  readonly label?: string;
}

/** A raw answer as listed (the body's size, not the body). */
export interface RawAnswerSummary extends Omit<RawAnswer, 'body'> {
  readonly bodyBytes: number;
  readonly served: number;
}

export interface EventOptions {
  /** EG the event is about (default: every EG the decision targets; for 46 the first one). */
  finessEg?: string;
  /** Task.description: MDPH comment. */
  description?: string;
  /** dateStatutESMS (YYYY-MM-DD); default today. */
  date?: string;
}

export interface ImportDecisionInput {
  cdaXml: string;
  finessEgs: string[];
  evaluationCdaXml?: string;
}

export interface OperationsHooks {
  profileVersion: () => SdoVersion;
  today: () => string;
  expireTokensNow: () => void;
}

function notFound(message: string): AppError {
  return new AppError('SANDBOX_NOT_FOUND', message);
}

/** idNat_Decision as the SI-SdO would generate it (format not published: 16 digits here). */
export function newIdNatDecision(): string {
  return `${randomInt(10_000_000, 99_999_999)}${randomInt(10_000_000, 99_999_999)}`;
}

function attribute(element: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(element)?.[1];
}

/** The CDA's setId extension carries idNat_Decision (guide SDO 4.0.7, CDA header): rewrite it to the SI-SdO's value. */
function withSetId(cdaXml: string, idNatDecision: string): string {
  return cdaXml.replace(/<setId\b[^>]*>/, (element) =>
    /\bextension="/.test(element)
      ? element.replace(/\bextension="[^"]*"/, `extension="${idNatDecision}"`)
      : element.replace(/<setId\b/, `<setId extension="${idNatDecision}"`),
  );
}

export class SandboxOperations {
  constructor(
    private readonly store: SandboxStore,
    private readonly hooks: OperationsHooks,
  ) {}

  // --- Organisation

  seedOrganisation(entities: SandboxLegalEntitySeed[]): void {
    this.store.transaction(() => {
      for (const entity of entities) {
        this.store.upsertLegalEntity(entity.finessEj, entity.name, true);
        for (const eg of entity.establishments) {
          this.store.upsertEstablishment(eg.finessEg, entity.finessEj, eg.name, true);
          for (const unit of seedUnits(eg.finessEg, eg.kind)) this.store.upsertRorUnit(unit);
        }
      }
    });
  }

  setActive(finess: string, active: boolean): void {
    if (!this.store.setActive(finess, active)) throw notFound(`FINESS inconnu du bac à sable : ${finess}`);
  }

  private requireEstablishments(finessEgs: string[]): void {
    if (finessEgs.length === 0)
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Indiquez au moins un établissement (FINESS EG).');
    for (const eg of finessEgs) {
      if (!this.store.establishment(eg)) throw notFound(`Établissement inconnu du bac à sable : ${eg}`);
    }
  }

  allEstablishments(): string[] {
    return this.store.legalEntities().flatMap((e) => this.store.establishmentsOf(e.finessEj).map((eg) => eg.finessEg));
  }

  // --- Decisions

  /** Imports a decision CDA as the MDPH would: the SI-SdO assigns idNat_Decision and writes it in setId. */
  importDecision(input: ImportDecisionInput): DecisionRecord {
    this.requireEstablishments(input.finessEgs);
    const element = /<(?:\w+:)?identifiantDecision\b[^>]*>/.exec(input.cdaXml)?.[0];
    const idDecision = element ? attribute(element, 'extension') : undefined;
    if (!idDecision || !/<ClinicalDocument\b/.test(input.cdaXml)) {
      throw new AppError(
        'SANDBOX_INVALID_REQUEST',
        'Le document n’est pas un CDA de décision (identifiantDecision introuvable).',
      );
    }
    const idNatDecision = newIdNatDecision();
    return this.store.insertDecision({
      idNatDecision,
      idDecision,
      cdaXml: withSetId(input.cdaXml, idNatDecision),
      evaluationCdaXml: input.evaluationCdaXml ? withSetId(input.evaluationCdaXml, idNatDecision) : null,
      targetedEgs: input.finessEgs,
    });
  }

  /** Generates `count` fake decisions (with their evaluation) targeting the given EGs (default: all). */
  generateDecisions(count: number, finessEgs?: string[], seed?: number): { created: number; idNatDecisions: string[] } {
    const targets = finessEgs && finessEgs.length > 0 ? finessEgs : this.allEstablishments();
    this.requireEstablishments(targets);
    if (!Number.isInteger(count) || count < 1)
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Le nombre de décisions doit être un entier positif.');
    // Each EG only receives decisions of a category its ROR units accept (no FAM decision for an ESAT).
    const categoriesByEg = Object.fromEntries(
      targets.map((eg) => [
        eg,
        orientationCategoriesFor(this.store.rorUnitsOf(eg).map((u) => u.categorieOrganisation)),
      ]),
    );
    // Successive batches must not reuse ids: the batch seed advances each time.
    const batchSeed = seed ?? this.store.getSetting<number>('nextBatchSeed') ?? 1;
    this.store.putSetting('nextBatchSeed', batchSeed + 1);
    const idNatDecisions: string[] = [];
    let created = 0;
    const chunk = 2000;
    for (let offset = 0; offset < count; offset += chunk) {
      // Chunks keep memory bounded for 50,000 decisions; each chunk is its own deterministic batch.
      const batch = generateDecisionBatch({
        seed: batchSeed * 1000 + offset / chunk,
        count: Math.min(chunk, count - offset),
        finessEgs: targets,
        categoriesByEg,
        today: this.hooks.today(),
      });
      this.store.transaction(() => {
        for (const item of batch) {
          if (this.store.decisionByIdNat(item.idNatDecision)) continue;
          this.store.insertDecision({
            idNatDecision: item.idNatDecision,
            idDecision: item.idDecision,
            cdaXml: item.cdaXml,
            evaluationCdaXml: renderEvaluationCda(generateEvaluationFor(item.spec)),
            targetedEgs: [...item.targetedEgs],
          });
          created++;
          if (idNatDecisions.length < 1000) idNatDecisions.push(item.idNatDecision);
        }
      });
    }
    return { created, idNatDecisions };
  }

  /** Orientation categories (TRE_R204) an EG's ROR units accept. */
  acceptedCategories(finessEg: string): string[] {
    return orientationCategoriesFor(this.store.rorUnitsOf(finessEg).map((u) => u.categorieOrganisation));
  }

  /** Every EG with what the trainer needs to pick one: its name, activation and accepted categories. */
  establishments(): SandboxEstablishmentView[] {
    return this.store.legalEntities().flatMap((entity) =>
      this.store.establishmentsOf(entity.finessEj).map((eg) => ({
        finessEg: eg.finessEg,
        finessEj: eg.finessEj,
        name: eg.name,
        active: eg.active && entity.active,
        categories: this.acceptedCategories(eg.finessEg),
      })),
    );
  }

  /** The latest decisions, read back from their CDA (fake persons only), for the trainer to pick one. */
  recentDecisions(limit = 30): SandboxDecisionView[] {
    return this.store.recentDecisions(limit).map((record) => {
      try {
        const parsed = parseDecisionCda(record.cdaXml);
        const person = parsed.person;
        return {
          idNatDecision: record.idNatDecision,
          idDecision: record.idDecision,
          documentReferenceId: record.id,
          targetedEgs: record.targetedEgs,
          person:
            `${person.familyNameUsed ?? person.familyNameBirth ?? ''} ${person.givenNameUsed ?? person.givenNames ?? ''}`.trim(),
          category: parsed.droitPrestation?.typeDroitOuPrestation.code ?? null,
          typeDeDecision: parsed.decision.typeDeDecision.code,
          dateDeDecision: parsed.decision.dateDeDecision,
        };
      } catch {
        return {
          idNatDecision: record.idNatDecision,
          idDecision: record.idDecision,
          documentReferenceId: record.id,
          targetedEgs: record.targetedEgs,
          person: '',
          category: null,
          typeDeDecision: null,
          dateDeDecision: null,
        };
      }
    });
  }

  /**
   * The MDPH closes the right of a decision: a new closure decision (type 5 "Clôture de droit") for the same person
   * and the same EGs, linked to the closed one, as the SI-SdO would send it through flux 1.
   */
  closeRight(idNatDecision: string): DecisionRecord {
    const closed = this.requireDecision(idNatDecision);
    let parsed;
    try {
      parsed = parseDecisionCda(closed.cdaXml);
    } catch {
      throw new AppError(
        'SANDBOX_INVALID_REQUEST',
        'Le CDA de cette décision est illisible : impossible de la clôturer.',
      );
    }
    const previous: DecisionSpec = {
      seed: closed.seq,
      index: closed.seq,
      scenario: 'attribution',
      validity: null,
      targetedEgs: closed.targetedEgs,
      render: { cnsaPrefix: 'cnsaSDO', derogationSpelling: 'IG' },
      decision: parsed,
    };
    const batchSeed = this.store.getSetting<number>('nextBatchSeed') ?? 1;
    this.store.putSetting('nextBatchSeed', batchSeed + 1);
    const spec = generateDecisionSpec(batchSeed * 7919 + closed.seq, {
      finessEgs: closed.targetedEgs,
      today: this.hooks.today(),
      index: closed.seq,
      batchSeed: batchSeed * 1000 + 999,
      previous,
      scenario: 'cloture',
    });
    return this.importDecision({ cdaXml: renderDecisionCda(spec), finessEgs: closed.targetedEgs });
  }

  private requireDecision(idNatDecision: string): DecisionRecord {
    const decision = this.store.decisionByIdNat(idNatDecision);
    if (!decision) throw notFound(`Décision inconnue du bac à sable : ${idNatDecision}`);
    return decision;
  }

  // --- Flux 5 events

  private emit(
    code: SandboxEventCode,
    decision: DecisionRecord,
    about: { finessEg: string; name: string },
    options: EventOptions,
    visibleTo: string[],
  ) {
    const task = buildEventTask(
      {
        idNatStruct: `1${about.finessEg}`,
        nomESMS: about.name,
        idDecision: decision.idDecision,
        idNatDecision: decision.idNatDecision,
        statutESMS: code,
        dateStatutESMS: options.date ?? this.hooks.today(),
        ...(options.description ? { description: options.description } : {}),
      },
      this.hooks.profileVersion(),
      // Overwritten with the server stamp when stored.
      new Date().toISOString(),
    );
    return this.store.insertTask({
      resource: task,
      idNatDecision: decision.idNatDecision,
      origin: code === '47' ? 'other-esms' : 'mdph',
      authorEg: null,
      clientIdentifier: null,
      visibleTo,
    });
  }

  private targetsFor(decision: DecisionRecord, finessEg: string | undefined): string[] {
    if (finessEg === undefined) return decision.targetedEgs;
    if (!decision.targetedEgs.includes(finessEg)) throw notFound(`La décision n’est pas adressée à ${finessEg}`);
    return [finessEg];
  }

  private perEstablishment(
    code: SandboxEventCode,
    idNatDecision: string,
    options: EventOptions,
    egs?: string[],
  ): TaskRecord[] {
    const decision = this.requireDecision(idNatDecision);
    return (egs ?? this.targetsFor(decision, options.finessEg)).map((eg) =>
      this.emit(code, decision, { finessEg: eg, name: this.store.establishment(eg)?.name ?? eg }, options, [eg]),
    );
  }

  /** 49 — the MDPH cancels the notification (per targeted EG). */
  cancelNotification(idNatDecision: string, options: EventOptions = {}): TaskRecord[] {
    return this.perEstablishment('49', idNatDecision, {
      description: 'Notification annulée par la MDPH (bac à sable)',
      ...options,
    });
  }

  /** 54 — the MDPH reactivates the notification. */
  reactivateNotification(idNatDecision: string, options: EventOptions = {}): TaskRecord[] {
    return this.perEstablishment('54', idNatDecision, {
      description: 'Notification réactivée par la MDPH (bac à sable)',
      ...options,
    });
  }

  /** 46 — the MDPH ratifies the "admission impossible" an ESMS reported (default: the first targeted EG). */
  ratifyAdmissionImpossible(idNatDecision: string, options: EventOptions = {}): TaskRecord[] {
    const decision = this.requireDecision(idNatDecision);
    const eg = options.finessEg ?? decision.targetedEgs[0];
    if (!eg) throw notFound('La décision ne vise aucun établissement');
    return this.perEstablishment(
      '46',
      idNatDecision,
      { description: 'Admission impossible entérinée par la MDPH (bac à sable)', ...options },
      this.targetsFor(decision, eg),
    );
  }

  /** 37 — the MDPH cancels the decision itself: every targeted EG is told, and the decision is marked updated. */
  cancelDecision(idNatDecision: string, options: EventOptions = {}): TaskRecord[] {
    const decision = this.requireDecision(idNatDecision);
    const tasks = this.perEstablishment('37', idNatDecision, {
      description: 'Décision annulée par la MDPH (bac à sable)',
      ...options,
    });
    this.store.touchDecision(decision.seq);
    return tasks;
  }

  /** 47 — the person entered another ESMS: every targeted EG sees it. */
  entryElsewhere(
    idNatDecision: string,
    options: EventOptions & { otherFinessEg?: string; otherName?: string } = {},
  ): TaskRecord {
    const decision = this.requireDecision(idNatDecision);
    const other = {
      finessEg: options.otherFinessEg ?? OTHER_ESMS.finessEg,
      name: options.otherName ?? OTHER_ESMS.name,
    };
    return this.emit(
      '47',
      decision,
      other,
      options,
      decision.targetedEgs.filter((eg) => eg !== other.finessEg),
    );
  }

  // --- Raw answers

  private rawAnswerList: { answer: RawAnswer; served: number }[] = [];

  setRawAnswer(answer: RawAnswer): RawAnswerSummary[] {
    if (answer.target !== 'read' && answer.target !== 'search') {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Cible inconnue : « read » (lecture) ou « search » (recherche)');
    }
    if (answer.resourceType !== 'DocumentReference' && answer.resourceType !== 'Task') {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Type de ressource : DocumentReference ou Task');
    }
    if (answer.target === 'read' && (typeof answer.id !== 'string' || answer.id === '')) {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Une lecture visée doit donner l’id de la ressource');
    }
    if (!Number.isInteger(answer.status) || answer.status < 100 || answer.status > 599) {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Statut HTTP entre 100 et 599');
    }
    if (typeof answer.body !== 'string' || typeof answer.contentType !== 'string') {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'Le corps et le type de contenu sont des textes');
    }
    if (answer.times !== undefined && (!Number.isInteger(answer.times) || answer.times < 1)) {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'times : un nombre de réponses ≥ 1');
    }
    if (answer.label !== undefined && (typeof answer.label !== 'string' || answer.label.length > 200)) {
      throw new AppError('SANDBOX_INVALID_REQUEST', 'label : un texte de 200 caractères au plus');
    }
    this.rawAnswerList = this.rawAnswerList.filter((r) => !sameTarget(r.answer, answer));
    this.rawAnswerList.push({ answer, served: 0 });
    return this.rawAnswers();
  }

  /** The read of this decision's DocumentReference answers a broken body of this kind (the Bac à sable screen). */
  breakDecisionRead(idNatDecision: string, kind: SandboxBrokenAnswerId, once = false): RawAnswerSummary[] {
    if (!SANDBOX_BROKEN_ANSWER_IDS.includes(kind)) {
      throw new AppError('SANDBOX_INVALID_REQUEST', `Réponse cassée inconnue : ${String(kind)}`);
    }
    return this.setRawAnswer(brokenDecisionAnswer(this.requireDecision(idNatDecision), kind, { once }));
  }

  clearRawAnswers(): RawAnswerSummary[] {
    this.rawAnswerList = [];
    return [];
  }

  rawAnswers(): RawAnswerSummary[] {
    return this.rawAnswerList.map(({ answer, served }) => {
      const { body, ...rest } = answer;
      return { ...rest, bodyBytes: Buffer.byteLength(body), served };
    });
  }

  /** The raw answer for a GET on these path segments (`[type, id]` read, `[type]` search), consumed once. */
  takeRawAnswer(method: string, segments: readonly string[]): RawAnswer | undefined {
    if (method !== 'GET' || segments.length === 0 || segments.length > 2) return undefined;
    const target = segments.length === 2 ? 'read' : 'search';
    const entry = this.rawAnswerList.find(
      (r) =>
        r.answer.target === target &&
        r.answer.resourceType === segments[0] &&
        (target === 'search' || r.answer.id === segments[1]),
    );
    if (!entry) return undefined;
    entry.served++;
    if (entry.answer.times !== undefined && entry.served >= entry.answer.times) {
      this.rawAnswerList = this.rawAnswerList.filter((r) => r !== entry);
    }
    return entry.answer;
  }

  // --- Faults

  faults(): FaultSettings {
    return { ...NO_FAULTS, ...(this.store.getSetting<Partial<FaultSettings>>('faults') ?? {}) };
  }

  setFaults(patch: Partial<FaultSettings>): FaultSettings {
    const next = { ...this.faults() };
    for (const [key, value] of Object.entries(patch)) {
      if (!(key in NO_FAULTS)) throw new AppError('SANDBOX_INVALID_REQUEST', `Panne inconnue : ${key}`);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new AppError('SANDBOX_INVALID_REQUEST', `Valeur invalide pour la panne ${key}`);
      }
      if (key.toLowerCase().includes('rate') && value > 1)
        throw new AppError('SANDBOX_INVALID_REQUEST', `${key} est une proportion entre 0 et 1`);
      next[key as keyof FaultSettings] = value;
    }
    this.store.putSetting('faults', next);
    return next;
  }

  expireTokensNow(): void {
    this.hooks.expireTokensNow();
  }

  // --- Observation (tests)

  receivedTasks(): TaskRecord[] {
    return this.store.tasksReceived();
  }

  receivedConsents(): ConsentRecord[] {
    return this.store.consents();
  }

  decisionCount(): number {
    return this.store.decisionCount();
  }

  decision(idNatDecision: string): DecisionRecord | undefined {
    return this.store.decisionByIdNat(idNatDecision);
  }

  // --- Reset

  reset(entities: SandboxLegalEntitySeed[], initialDecisions: number, seed: number): void {
    this.store.clearAll();
    this.store.putSetting('faults', NO_FAULTS);
    this.rawAnswerList = [];
    this.store.putSetting('nextBatchSeed', seed);
    this.seedOrganisation(entities);
    if (initialDecisions > 0) this.generateDecisions(initialDecisions);
  }
}

function sameTarget(a: RawAnswer, b: RawAnswer): boolean {
  return a.target === b.target && a.resourceType === b.resourceType && (a.target === 'search' || a.id === b.id);
}
