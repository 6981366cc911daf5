/**
 * The SI-SdO FHIR endpoints of flows 1 to 5 (guide SDO 4.0.7, CapabilityStatement gestionnaire-sdo), for a caller
 * already authenticated (mTLS certificate → EJ, bearer token, struct_idnat → EG). Answers are plain objects; the server
 * writes them.
 *
 * Choices where the IG is silent (also in README.md):
 * - paging: `_count` (default = pageSize, 500) and `next` links carrying an opaque `_page` token; every page of one
 *   search reports the same snapshot instant in Bundle.meta.lastUpdated;
 * - flux 5 does not return the caller's own Tasks (posted through flux 4) unless `ownTasksInFlux5` is set;
 * - evaluation without consent: empty searchset (or 403 with `evaluationWithoutConsent: 'forbidden'`);
 * - reading a decision not addressed to the caller's EG: 403;
 * - conditional create (`If-None-Exist: identifier=system|value`) is scoped to the caller's EG.
 */
import type { SdoVersion } from '@shared/domain/sdo-versions';
import type { TerminologyCatalog } from '@shared/terminology/terminology-catalog';
import { DOCUMENT_TYPE, LOINC, PROFILE, taskProfileFor } from '../fhir/sdo-canonicals';
import { buildDecisionDocumentReference, searchsetBundle, type FhirResource } from '../fhir/resources';
import { validateResource } from '../fhir/validation/resource-validator';
import { HttpProblem, type OutcomeIssue } from './http-io';
import { healthcareService, FINESS_SYSTEM } from './ror-units';
import type { PageCursor, SandboxStore } from './sandbox-store';
import {
  SearchParamError,
  decodePageToken,
  encodePageToken,
  parseCount,
  parseLastUpdatedGt,
  parseRawQuery,
  refuseUnknown,
  required,
  single,
  tokenCode,
  type QueryParam,
} from './search-params';

export interface Caller {
  finessEj: string;
  finessEg: string;
}

export interface FhirEndpointsConfig {
  pageSize: number;
  maxPageSize: number;
  ownTasksInFlux5: boolean;
  evaluationWithoutConsent: 'empty' | 'forbidden';
  profileVersion: SdoVersion;
  /** Absent: the release profileVersion pins. */
  terminologyRelease?: string;
  /** The releases known (the embedded sandbox uses its environment's); default: the built-in ones. */
  terminology?: TerminologyCatalog;
  rorUnits: boolean;
}

export interface FhirAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FhirRequest {
  method: string;
  /** Path below /fhir, split: ['DocumentReference', 'abc']. */
  segments: string[];
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const INPUT_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/sdo/CodeSystem/input-task-sdo-codesystem';

function badRequest(message: string): HttpProblem {
  return new HttpProblem(400, 'invalid', message);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function taskInputIdentifier(task: Json, code: string): string | undefined {
  const inputs = Array.isArray(task['input']) ? (task['input'] as unknown[]) : [];
  for (const input of inputs) {
    if (!isObject(input) || !isObject(input['type'])) continue;
    const codings = Array.isArray(input['type']['coding']) ? (input['type']['coding'] as unknown[]) : [];
    const matches =
      codings.some(
        (c) => isObject(c) && c['code'] === code && (c['system'] === undefined || c['system'] === INPUT_SYSTEM),
      ) || input['type']['text'] === code;
    if (matches && isObject(input['valueIdentifier']) && typeof input['valueIdentifier']['value'] === 'string') {
      return input['valueIdentifier']['value'];
    }
  }
  return undefined;
}

export class FhirEndpoints {
  constructor(
    private readonly store: SandboxStore,
    private readonly config: () => FhirEndpointsConfig,
    /** Public base, e.g. https://127.0.0.1:8443/fhir (for fullUrl, Location and paging links). */
    private readonly baseUrl: () => string,
  ) {}

  async handle(request: FhirRequest, caller: Caller): Promise<FhirAnswer> {
    const [type, id, ...rest] = request.segments;
    if (request.method === 'PUT' || request.method === 'PATCH' || request.method === 'DELETE') {
      throw new HttpProblem(
        405,
        'not-supported',
        `${request.method} n'est pas pris en charge : un statut = une nouvelle Task (POST)`,
        {
          Allow: 'GET, POST',
        },
      );
    }
    if (rest.length > 0 || type === undefined) throw new HttpProblem(404, 'not-found', 'Ressource inconnue');
    try {
      if (request.method === 'GET') {
        if (type === 'DocumentReference')
          return id ? this.readDocument(id, caller) : this.searchDocuments(request.rawQuery, caller);
        if (type === 'Task') return id ? this.readTask(id, caller) : this.searchTasks(request.rawQuery, caller);
        if (type === 'HealthcareService' && !id) {
          if (!this.config().rorUnits)
            throw new HttpProblem(404, 'not-supported', 'Type de ressource non pris en charge');
          return this.searchUnits(request.rawQuery, caller);
        }
      }
      if (request.method === 'POST' && !id) {
        if (type === 'Consent') return this.createConsent(request, caller);
        if (type === 'Task') return this.createTask(request, caller);
      }
    } catch (error) {
      if (error instanceof SearchParamError) throw badRequest(error.message);
      throw error;
    }
    if (['DocumentReference', 'Task', 'Consent', 'HealthcareService'].includes(type)) {
      throw new HttpProblem(405, 'not-supported', `${request.method} ${type} n'est pas pris en charge par le SI-SdO`);
    }
    throw new HttpProblem(404, 'not-supported', `Type de ressource non pris en charge : ${type}`);
  }

  /**
   * Searchset from the fhir builder, plus what paging needs: `self`/`next` links, and `total` = all matches
   * (undefined: omitted, on pages after the first and in flux 5 where counting would cost a join).
   */
  private bundle(
    resources: readonly FhirResource[],
    options: { lastUpdated: number; selfUrl: string; nextUrl?: string | undefined; total?: number | undefined },
  ): Record<string, unknown> {
    const { total: pageTotal, ...bundle } = searchsetBundle(resources, {
      fullUrlBase: this.baseUrl(),
      lastUpdated: iso(options.lastUpdated),
      profileVersion: this.config().profileVersion,
    });
    const total = 'total' in options ? options.total : pageTotal;
    return {
      resourceType: bundle.resourceType,
      meta: bundle.meta,
      type: bundle.type,
      ...(total === undefined ? {} : { total }),
      link: [
        { relation: 'self', url: options.selfUrl },
        ...(options.nextUrl ? [{ relation: 'next', url: options.nextUrl }] : []),
      ],
      ...(bundle.entry ? { entry: bundle.entry } : {}),
    };
  }

  // --- Flux 1.1 / 3.1

  private searchDocuments(rawQuery: string, caller: Caller): FhirAnswer {
    const params = parseRawQuery(rawQuery);
    if (single(params, 'identifier')) return this.searchEvaluation(params, caller);
    refuseUnknown(params, ['type', '_lastUpdated', '_elements', '_count', '_page']);
    const typeCode = tokenCode(required(params, 'type'), LOINC);
    if (typeCode !== DOCUMENT_TYPE.decision.code) {
      throw badRequest(
        `type doit valoir ${DOCUMENT_TYPE.decision.code} pour la recherche des décisions (ou identifier + 51848-0)`,
      );
    }
    const after = parseLastUpdatedGt(required(params, '_lastUpdated'));
    if (required(params, '_elements').value !== 'id') throw badRequest('_elements doit valoir « id »');
    const { count, token, snapshot, cursor } = this.pageRequest(params);
    // Fetch one more than asked to know whether a next page exists.
    const rows = this.store.decisionIdPage(caller.finessEg, after, snapshot, cursor, count + 1);
    const pageRows = rows.slice(0, count);
    const lastOfPage = rows.length > count ? pageRows[pageRows.length - 1]?.cursor : undefined;
    const baseQuery = `type=57830-2&_lastUpdated=${encodeURIComponent(required(params, '_lastUpdated').value)}&_elements=id&_count=${count}`;
    return {
      status: 200,
      body: this.bundle(
        pageRows.map((row) => ({ resourceType: 'DocumentReference', id: row.id })),
        {
          lastUpdated: snapshot,
          // total counts every match of the search (all pages); computed on the first page only.
          total: token ? undefined : this.store.decisionMatchCount(caller.finessEg, after, snapshot),
          selfUrl: `${this.baseUrl()}/DocumentReference?${rawQuery}`,
          nextUrl: lastOfPage
            ? `${this.baseUrl()}/DocumentReference?${baseQuery}&_page=${encodePageToken({ snapshot, ...lastOfPage })}`
            : undefined,
        },
      ),
    };
  }

  private searchEvaluation(params: QueryParam[], caller: Caller): FhirAnswer {
    refuseUnknown(params, ['identifier', 'type']);
    const typeCode = tokenCode(required(params, 'type'), LOINC);
    if (typeCode !== DOCUMENT_TYPE.evaluation.code)
      throw badRequest(`type doit valoir ${DOCUMENT_TYPE.evaluation.code} avec identifier`);
    const identifier = required(params, 'identifier').value;
    const idNat = identifier.includes('|') ? identifier.slice(identifier.indexOf('|') + 1) : identifier;
    if (idNat === '') throw badRequest('identifier doit porter l’idNat_Decision');
    const now = this.store.searchInstant();
    const decision = this.store.decisionByIdNat(idNat);
    const allowed =
      decision !== undefined &&
      decision.targetedEgs.includes(caller.finessEg) &&
      this.store.hasConsent(caller.finessEg, idNat);
    if (!allowed && decision && this.config().evaluationWithoutConsent === 'forbidden') {
      throw new HttpProblem(
        403,
        'forbidden',
        'Aucun accord (Consent) enregistré pour cette décision et cette structure',
      );
    }
    const resources =
      allowed && decision.evaluationId && decision.evaluationCdaXml
        ? [
            buildDecisionDocumentReference({
              id: decision.evaluationId,
              kind: 'evaluation',
              idDecision: decision.idDecision,
              idNatDecision: decision.idNatDecision,
              lastUpdated: iso(decision.lastUpdated),
              cdaXml: decision.evaluationCdaXml,
            }),
          ]
        : [];
    return {
      status: 200,
      body: this.bundle(resources, {
        lastUpdated: now,
        selfUrl: `${this.baseUrl()}/DocumentReference?identifier=${encodeURIComponent(identifier)}&type=51848-0`,
      }),
    };
  }

  // --- Flux 1.3 (and evaluation by id)

  private readDocument(id: string, caller: Caller): FhirAnswer {
    const decision = this.store.decisionById(id) ?? this.store.decisionByEvaluationId(id);
    if (!decision) throw new HttpProblem(404, 'not-found', `DocumentReference/${id} inconnu`);
    if (!decision.targetedEgs.includes(caller.finessEg)) {
      throw new HttpProblem(403, 'forbidden', 'Ce dossier n’est pas adressé à la structure indiquée dans struct_idnat');
    }
    if (decision.id === id) {
      return {
        status: 200,
        body: buildDecisionDocumentReference({
          id,
          kind: 'decision',
          idDecision: decision.idDecision,
          idNatDecision: decision.idNatDecision,
          lastUpdated: iso(decision.lastUpdated),
          cdaXml: decision.cdaXml,
        }),
      };
    }
    if (!this.store.hasConsent(caller.finessEg, decision.idNatDecision) || !decision.evaluationCdaXml) {
      throw new HttpProblem(
        403,
        'forbidden',
        'Aucun accord (Consent) enregistré pour cette décision et cette structure',
      );
    }
    return {
      status: 200,
      body: buildDecisionDocumentReference({
        id,
        kind: 'evaluation',
        idDecision: decision.idDecision,
        idNatDecision: decision.idNatDecision,
        lastUpdated: iso(decision.lastUpdated),
        cdaXml: decision.evaluationCdaXml,
      }),
    };
  }

  // --- Flux 2

  private parseResource(body: string, expectedType: string): Json {
    let resource: unknown;
    try {
      resource = JSON.parse(body);
    } catch {
      throw badRequest('Le corps de la requête n’est pas du JSON valide');
    }
    if (!isObject(resource) || resource['resourceType'] !== expectedType) {
      throw badRequest(`Le corps doit être une ressource ${expectedType}`);
    }
    return resource;
  }

  private validate(resource: Json, profileUrl: string): void {
    const { profileVersion, terminologyRelease, terminology } = this.config();
    const result = validateResource(resource, {
      profileVersion,
      profileUrl,
      ...(terminologyRelease ? { terminologyRelease } : {}),
      ...(terminology ? { terminology } : {}),
    });
    if (result.valid) return;
    const issues: OutcomeIssue[] = result.issues.map((issue) => ({
      severity: issue.severity,
      code: issue.code,
      diagnostics: issue.message,
      expression: [issue.path],
    }));
    throw new HttpProblem(422, 'processing', 'La ressource n’est pas conforme au profil', {}, 'error', issues);
  }

  private createConsent(request: FhirRequest, caller: Caller): FhirAnswer {
    const consent = this.parseResource(request.body, 'Consent');
    this.validate(consent, PROFILE.esmsConsent);
    const provision = consent['provision'] as Json;
    const data = (provision['data'] as Json[])[0] as Json;
    const idNat = ((data['reference'] as Json)['identifier'] as Json)['value'] as string;
    const decision = this.store.decisionByIdNat(idNat);
    if (!decision || !decision.targetedEgs.includes(caller.finessEg)) {
      throw new HttpProblem(
        422,
        'business-rule',
        'provision.data.reference.identifier ne désigne aucune décision adressée à cette structure',
        {},
        'error',
        [
          {
            severity: 'error',
            code: 'business-rule',
            diagnostics: 'provision.data.reference.identifier ne désigne aucune décision adressée à cette structure',
            expression: ['Consent.provision.data.reference.identifier.value'],
          },
        ],
      );
    }
    const source = (consent['meta'] as Json)['source'];
    // meta.source = idNat_Struct of the beneficiary; the IG example uses a urn:uuid, accepted as well.
    if (
      typeof source === 'string' &&
      /^1[0-9][0-9AB]\d{7}$/.test(source) &&
      source !== `1${caller.finessEg}` &&
      source !== `1${caller.finessEj}`
    ) {
      throw new HttpProblem(
        422,
        'business-rule',
        'meta.source ne correspond pas à la structure indiquée dans struct_idnat',
      );
    }
    const stored = this.store.insertConsent(caller.finessEg, idNat, consent);
    return {
      status: 201,
      body: stored.resource,
      headers: { Location: `${this.baseUrl()}/Consent/${stored.id}/_history/1`, ETag: 'W/"1"' },
    };
  }

  // --- Flux 4

  private createTask(request: FhirRequest, caller: Caller): FhirAnswer {
    const task = this.parseResource(request.body, 'Task');
    const conditional = this.parseIfNoneExist(request.headers['if-none-exist']);
    if (conditional) {
      const existing = this.store.taskByClientIdentifier(caller.finessEg, conditional);
      if (existing) {
        return {
          status: 200,
          body: existing.resource,
          headers: { Location: `${this.baseUrl()}/Task/${existing.id}/_history/1`, ETag: 'W/"1"' },
        };
      }
    }
    this.validate(task, taskProfileFor(this.config().profileVersion));
    const idNat = taskInputIdentifier(task, 'idNat_Decision') as string;
    const decision = this.store.decisionByIdNat(idNat);
    if (!decision || !decision.targetedEgs.includes(caller.finessEg)) {
      throw new HttpProblem(
        422,
        'business-rule',
        'idNat_Decision ne désigne aucune décision adressée à cette structure',
      );
    }
    const idNatStruct = taskInputIdentifier(task, 'idNat_Struct');
    if (idNatStruct !== `1${caller.finessEg}` && idNatStruct !== `1${caller.finessEj}`) {
      throw new HttpProblem(
        422,
        'business-rule',
        'idNat_Struct ne correspond pas à la structure indiquée dans struct_idnat',
      );
    }
    const clientIdentifier = conditional ?? firstIdentifier(task);
    const stored = this.store.insertTask({
      resource: task,
      idNatDecision: idNat,
      origin: 'esms',
      authorEg: caller.finessEg,
      clientIdentifier,
      visibleTo: decision.targetedEgs,
    });
    return {
      status: 201,
      body: stored.resource,
      headers: { Location: `${this.baseUrl()}/Task/${stored.id}/_history/1`, ETag: 'W/"1"' },
    };
  }

  /** `identifier=system|value` (percent-encoded or not) → "system|value". */
  private parseIfNoneExist(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    const value = Array.isArray(header) ? (header[0] ?? '') : header;
    const query = value.includes('?') ? value.slice(value.indexOf('?') + 1) : value;
    const params = parseRawQuery(query);
    if (params.length !== 1 || params[0]?.name !== 'identifier' || params[0].value === '') {
      throw badRequest('If-None-Exist ne prend en charge que « identifier=<system>|<value> »');
    }
    return params[0].value;
  }

  /** `_count` and `_page` of a paged search: every page of one search is a snapshot at its first page's instant. */
  private pageRequest(params: ReturnType<typeof parseRawQuery>) {
    const config = this.config();
    const count = parseCount(single(params, '_count'), config.pageSize, config.maxPageSize);
    const page = single(params, '_page');
    const token = page ? decodePageToken(page.value) : undefined;
    const snapshot = token?.snapshot ?? this.store.searchInstant();
    const cursor: PageCursor | undefined = token ? { lastUpdated: token.lastUpdated, seq: token.seq } : undefined;
    return { count, token, snapshot, cursor };
  }

  // --- Flux 5

  private searchTasks(rawQuery: string, caller: Caller): FhirAnswer {
    const params = parseRawQuery(rawQuery);
    refuseUnknown(params, ['_lastUpdated', '_count', '_page']);
    const lastUpdatedParam = required(params, '_lastUpdated');
    const after = parseLastUpdatedGt(lastUpdatedParam);
    const config = this.config();
    const { count, snapshot, cursor } = this.pageRequest(params);
    const tasks = this.store.taskPage(caller.finessEg, after, snapshot, cursor, count + 1, config.ownTasksInFlux5);
    const pageTasks = tasks.slice(0, count);
    const lastTask = pageTasks[pageTasks.length - 1];
    const hasNext = tasks.length > count && lastTask !== undefined;
    const baseQuery = `_lastUpdated=${encodeURIComponent(lastUpdatedParam.value)}&_count=${count}`;
    return {
      status: 200,
      body: this.bundle(
        pageTasks.map((t) => t.resource as unknown as FhirResource),
        {
          lastUpdated: snapshot,
          total: undefined,
          selfUrl: `${this.baseUrl()}/Task?${rawQuery}`,
          nextUrl:
            hasNext && lastTask
              ? `${this.baseUrl()}/Task?${baseQuery}&_page=${encodePageToken({ snapshot, lastUpdated: lastTask.lastUpdated, seq: lastTask.seq })}`
              : undefined,
        },
      ),
    };
  }

  private readTask(id: string, caller: Caller): FhirAnswer {
    const task = this.store.taskById(id);
    if (!task) throw new HttpProblem(404, 'not-found', `Task/${id} inconnue`);
    if (!this.store.isTaskVisibleTo(caller.finessEg, task)) {
      throw new HttpProblem(403, 'forbidden', 'Cette Task ne concerne pas la structure indiquée dans struct_idnat');
    }
    return { status: 200, body: task.resource };
  }

  // --- ROR units (imitation, not in the IG)

  private searchUnits(rawQuery: string, caller: Caller): FhirAnswer {
    const params = parseRawQuery(rawQuery);
    refuseUnknown(params, ['organization.identifier']);
    const param = single(params, 'organization.identifier');
    const value = param ? tokenCode(param, FINESS_SYSTEM) : caller.finessEg;
    if (value !== caller.finessEg)
      throw new HttpProblem(403, 'forbidden', 'Seules les unités de la structure appelante sont consultables');
    const establishment = this.store.establishment(caller.finessEg);
    const units = this.store.rorUnitsOf(caller.finessEg);
    return {
      status: 200,
      body: this.bundle(
        units.map((u) => healthcareService(u, establishment?.name ?? '') as unknown as FhirResource),
        {
          lastUpdated: this.store.searchInstant(),
          selfUrl: `${this.baseUrl()}/HealthcareService?organization.identifier=${caller.finessEg}`,
        },
      ),
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function firstIdentifier(task: Json): string | null {
  const identifiers = Array.isArray(task['identifier']) ? (task['identifier'] as unknown[]) : [];
  const first = identifiers.find((i): i is Json => isObject(i) && typeof i['value'] === 'string');
  if (!first) return null;
  return `${typeof first['system'] === 'string' ? first['system'] : ''}|${first['value'] as string}`;
}
