/**
 * Reads the CDA documents carried by ESMSDocumentReference (guide SDO 4.0.7; docs/architecture.md §8): "Individu et
 * décision" (flux 1.4) and "Evaluation" (flux 3.2). The sync reads thousands of them in a row: the XML is read in one
 * pass by cda-xml-reader.ts (well-formedness checked, DOCTYPE refused).
 *
 * Namespaces: prefixes are stripped, so `cnsaSDO:decision`, `sdo:decision` or a default-namespace `decision` all
 * read the same; the root must still declare the HL7 v3 namespace. Lenient on descriptive fields
 * (absent → null), strict on what the app cannot work without (ids, decision, validity dates): those raise
 * `AppError('CDA_INVALID')` with a French message that names the missing element, never a value.
 */
import { AppError, isAppError } from '@shared/errors/app-error';
import {
  EVALUATION_SUB_SECTION_TEMPLATES,
  LINKED_DECISION_UNKNOWN,
  type BirthDate,
  type BirthDateUncertainty,
  type CodedValue,
  type DecisionCore,
  type DecisionPerson,
  type DeathStatus,
  type DetailTypeDroitPrestation,
  type DocumentHeader,
  type DroitPrestation,
  type EvaluationObservation,
  type EvaluationSubSection,
  type Guardian,
  type Informant,
  type Ins,
  type InstanceId,
  type ParsedDecision,
  type ParsedEvaluation,
  type PersonName,
  type PostalAddress,
  type PriseEnCharge,
  type Telecom,
} from '@shared/domain/decision';
import {
  readXmlTree,
  XmlDoctypeError,
  XmlLimitError,
  XmlSyntaxError,
  type XmlLimits,
  type XmlNode,
} from './cda-xml-reader';

export const HL7_V3_NAMESPACE = 'urn:hl7-org:v3';
export const DECISION_DOCUMENT_TEMPLATE = '1.2.250.1.213.1.1.1.4.8';
export const EVALUATION_DOCUMENT_TEMPLATE = '1.2.250.1.213.1.1.1.4.9';
export const DECISION_SECTION_TEMPLATE = '1.2.250.1.213.1.1.2.235';
export const DEATH_SECTION_TEMPLATE = '1.2.250.1.213.1.1.2.228';
export const EVALUATION_SECTION_TEMPLATE = '1.2.250.1.213.1.1.2.229';
export const INS_NIR_OID = '1.2.250.1.213.1.4.8';
export const INS_NIA_OID = '1.2.250.1.213.1.4.9';
/** Every MDPH OID is `1.2.250.1.213.7.<n>` (annex OID MDPH). */
const MDPH_OID_PREFIX = '1.2.250.1.213.7.';
/** INS and social-security OIDs live under this arc: never an idIndividu. */
const PERSON_NUMBER_OID_PREFIX = '1.2.250.1.213.1.4.';
/** Generic CDA templates that accompany every specific one. */
const GENERIC_TEMPLATES = new Set(['2.16.840.1.113883.10.12.201', '2.16.840.1.113883.10.12.303']);

/**
 * Largest CDA read by default, in UTF-8 bytes: a real decision is 5 to 15 kB; 1 MiB is also the sync's default
 * limit on a decoded attachment.
 */
export const CDA_MAX_BYTES = 1024 * 1024;

/** Named rules of the CDA refusals that are limits or failures rather than a missing element (AppError detail). */
export const CDA_RULE = {
  /** Document larger than `maxBytes`, refused before it is parsed. */
  maxBytes: 'limite-taille-cda',
  /** Elements nested deeper than `maxDepth`. */
  maxDepth: 'limite-profondeur-xml',
  /** More elements than `maxElements`. */
  maxElements: 'limite-elements-xml',
  /** The reader itself failed on this document: refused, never thrown as anything but CDA_INVALID. */
  unexpected: 'erreur-lecture-cda',
} as const;

/** Bounds of a CDA read: size (default CDA_MAX_BYTES), element depth and count (DEFAULT_XML_LIMITS). */
export interface CdaReadOptions extends XmlLimits {
  /** Largest document accepted, in UTF-8 bytes (default CDA_MAX_BYTES). */
  readonly maxBytes?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

/**
 * Parses a CDA "Individu et décision"; throws AppError CDA_INVALID when it is unusable, too large or too deep
 * (never another exception; the detail names the missing element or the CDA_RULE).
 */
export function parseDecisionCda(xml: string, options: CdaReadOptions = {}): ParsedDecision {
  return refusingUnexpected('de décision', () => readDecisionDocument(xml, options));
}

/** Parses a CDA "Evaluation"; throws AppError CDA_INVALID when it is not one (never another exception). */
export function parseEvaluationCda(xml: string, options: CdaReadOptions = {}): ParsedEvaluation {
  return refusingUnexpected("d'évaluation", () => readEvaluationDocument(xml, options));
}

/** True when the document declares the evaluation template (used by the CLI to pick a parser). */
export function isEvaluationCda(xml: string, options: CdaReadOptions = {}): boolean {
  return refusingUnexpected('', () =>
    hasTemplate(readClinicalDocument(xml, '', options), EVALUATION_DOCUMENT_TEMPLATE),
  );
}

/** Any exception but CDA_INVALID becomes CDA_INVALID under CDA_RULE.unexpected: one bad document, one refusal. */
function refusingUnexpected<T>(kind: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isAppError(error) && error.code === 'CDA_INVALID') throw error;
    throw invalid(kind)('la lecture a échoué de façon inattendue', CDA_RULE.unexpected);
  }
}

function readDecisionDocument(xml: string, options: CdaReadOptions): ParsedDecision {
  const root = readClinicalDocument(xml, 'de décision', options);
  const fail = invalid('de décision');
  const document = readHeader(root, fail);
  const patientRole = path(root, 'recordTarget', 'patientRole');
  if (!patientRole) throw fail('le bloc recordTarget/patientRole est absent', 'patientRole');
  const body = path(root, 'component', 'structuredBody');
  const sections = body ? kids(body, 'component').flatMap((c) => kids(c, 'section')) : [];
  const decisionSection =
    sections.find((s) => hasTemplate(s, DECISION_SECTION_TEMPLATE) && kid(s, 'decision')) ??
    sections.find((s) => kid(s, 'decision'));
  const decisionNode = decisionSection ? kid(decisionSection, 'decision') : undefined;
  if (!decisionNode) throw fail('la section décision est absente', 'section ' + DECISION_SECTION_TEMPLATE);
  const deathSection = sections.find((s) => hasTemplate(s, DEATH_SECTION_TEMPLATE));
  const droit = kid(decisionNode, 'droitPrestation');
  return {
    document,
    person: readPerson(patientRole, deathSection, fail),
    parents: kids(root, 'informant').flatMap((i) => kids(i, 'relatedEntity').map(readInformant)),
    decision: readDecision(decisionNode, fail),
    droitPrestation: droit ? readDroitPrestation(droit, fail) : null,
  };
}

function readEvaluationDocument(xml: string, options: CdaReadOptions): ParsedEvaluation {
  const root = readClinicalDocument(xml, "d'évaluation", options);
  const fail = invalid("d'évaluation");
  const document = readHeader(root, fail);
  const patientRole = path(root, 'recordTarget', 'patientRole');
  const ids = patientRole ? kids(patientRole, 'id').map(readId) : [];
  const mdph = patientRole ? kid(patientRole, 'idMDPHResponsable') : undefined;
  const body = path(root, 'component', 'structuredBody');
  const sections = body ? kids(body, 'component').flatMap((c) => kids(c, 'section')) : [];
  const evaluationSection = sections.find((s) => hasTemplate(s, EVALUATION_SECTION_TEMPLATE));
  if (!evaluationSection && hasTemplate(root, DECISION_DOCUMENT_TEMPLATE)) {
    throw fail("c'est un document de décision, pas une évaluation", 'templateId');
  }
  const observations: EvaluationObservation[] = [];
  if (evaluationSection) {
    for (const sub of kids(evaluationSection, 'component').flatMap((c) => kids(c, 'section'))) {
      const subSection = subSectionOf(sub);
      for (const observation of kids(sub, 'entry').flatMap((e) => kids(e, 'observation'))) {
        observations.push(readEvaluationObservation(observation, subSection));
      }
    }
  }
  return {
    document,
    ins: readIns(ids),
    idIndividu: findIdIndividu(ids)?.extension ?? null,
    idMDPHResponsable: mdph ? readId(mdph) : null,
    dateDerniereMiseAJour: evaluationSection ? hl7Date(text(kid(evaluationSection, 'text'))) : null,
    observations,
  };
}

/**
 * Birth date per the IG conventions (see BirthDateUncertainty in shared/domain/decision.ts for the detection rules).
 * Returns null for an empty value.
 */
export function interpretBirthTime(raw: string | null): BirthDate | null {
  if (raw === null) return null;
  const digits = /^(\d{4})(\d{2})?(\d{2})?/.exec(raw);
  if (!digits) return { raw, iso: null, uncertainty: 'none' };
  const year = digits[1] as string;
  const month = digits[2];
  const day = digits[3];
  if (month === undefined) return { raw, iso: isoIfValid(year, '12', '31'), uncertainty: 'dayAndMonth' };
  if (day === undefined) return { raw, iso: isoIfValid(year, month, '01'), uncertainty: 'day' };
  let uncertainty: BirthDateUncertainty = 'none';
  if (month === '12' && day === '31') uncertainty = 'dayAndMonth';
  else if (month === '01' && day === '01') uncertainty = 'dayOrMonth';
  else if (day === '01') uncertainty = 'day';
  else if (month === '01') uncertainty = 'month';
  return { raw, iso: isoIfValid(year, month, day), uncertainty };
}

// ---------------------------------------------------------------------------------------------------------------
// Document and header

type Fail = (what: string, element: string) => AppError;

function invalid(kind: string): Fail {
  const document = kind ? `Le document CDA ${kind}` : 'Le document CDA';
  return (what, element) => new AppError('CDA_INVALID', `${document} est inutilisable : ${what}.`, element);
}

/**
 * The refusal of a CDA of `size` bytes (CDA_INVALID, detail CDA_RULE.maxBytes), or undefined when it fits; for
 * callers that know the size before reading the document (a file, a base64 length).
 */
export function cdaSizeRefusal(size: number, kind = '', maxBytes = CDA_MAX_BYTES): AppError | undefined {
  if (size <= maxBytes) return undefined;
  return invalid(kind)(`il fait ${bytes(size)}, au-delà de la limite de ${bytes(maxBytes)}`, CDA_RULE.maxBytes);
}

/** French thousands grouping for a byte count in a message. */
function bytes(count: number): string {
  return `${count.toLocaleString('fr-FR')} octets`;
}

function readClinicalDocument(xml: string, kind: string, options: CdaReadOptions): XmlNode {
  const fail = invalid(kind);
  if (typeof xml !== 'string') throw fail('il est vide', 'document');
  const maxBytes = options.maxBytes ?? CDA_MAX_BYTES;
  // UTF-16 length <= UTF-8 size <= 3 × UTF-16 length: only a string between the two bounds is measured (a long
  // one is refused, a short one passes, without reading it).
  const size = xml.length > maxBytes || xml.length * 3 <= maxBytes ? xml.length : Buffer.byteLength(xml, 'utf8');
  const tooLarge = cdaSizeRefusal(size, kind, maxBytes);
  if (tooLarge) throw tooLarge;
  // Same characters as trim() (\s is WhiteSpace and LineTerminator), without copying the document.
  if (!hasNonSpace(xml)) throw fail('il est vide', 'document');
  let parsed: XmlNode;
  try {
    parsed = readXmlTree(xml, options);
  } catch (error) {
    if (error instanceof XmlDoctypeError) throw fail('une déclaration DOCTYPE est interdite', 'DOCTYPE');
    if (error instanceof XmlLimitError) {
      throw error.limit === 'maxDepth'
        ? fail(`ses éléments sont imbriqués sur plus de ${error.max} niveaux`, CDA_RULE.maxDepth)
        : fail(`il compte plus de ${error.max.toLocaleString('fr-FR')} éléments XML`, CDA_RULE.maxElements);
    }
    if (!(error instanceof XmlSyntaxError)) throw error;
    // Line/column only: never document content.
    throw fail("ce n'est pas un XML bien formé", `ligne ${error.line}, colonne ${error.column}`);
  }
  const root = kid(parsed, 'ClinicalDocument');
  if (!root) throw fail("ce n'est pas un document CDA (ClinicalDocument attendu)", 'ClinicalDocument');
  if (!rootDeclaresHl7Namespace(xml)) throw fail(`l'espace de noms ${HL7_V3_NAMESPACE} est absent`, 'xmlns');
  return root;
}

/** Same test as /\S/ (any character that is not WhiteSpace or LineTerminator), stopping at the first one. */
function hasNonSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space =
      (c >= 9 && c <= 13) ||
      c === 32 ||
      c === 0xa0 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      c === 0x3000 ||
      c === 0xfeff;
    if (!space) return true;
  }
  return false;
}

/** The prefix is stripped by the parser: check on the raw start tag that ClinicalDocument is the HL7 v3 one. */
function rootDeclaresHl7Namespace(xml: string): boolean {
  const start = /<([A-Za-z_][\w.-]*:)?ClinicalDocument[\s>/]/.exec(xml);
  if (!start) return false;
  const end = xml.indexOf('>', start.index);
  const tag = xml.slice(start.index, end < 0 ? undefined : end);
  const prefix = start[1] ? ':' + start[1].slice(0, -1) : '';
  return tag.includes(`xmlns${prefix}="${HL7_V3_NAMESPACE}"`) || tag.includes(`xmlns${prefix}='${HL7_V3_NAMESPACE}'`);
}

function readHeader(root: XmlNode, fail: Fail): DocumentHeader {
  const setIdNode = kid(root, 'setId');
  const setId = setIdNode ? readId(setIdNode) : null;
  if (!setId?.extension) throw fail("l'identifiant national de la décision (setId/@extension) est absent", 'setId');
  const version = attr(kid(root, 'versionNumber'), 'value');
  const versionNumber = version !== null && /^\d+$/.test(version) ? Number(version) : null;
  const replaced = path(root, 'relatedDocument', 'parentDocument', 'id');
  const idNode = kid(root, 'id');
  return {
    id: idNode ? readId(idNode) : { root: null, extension: null },
    setId,
    idNatDecision: setId.extension,
    versionNumber,
    effectiveTime: hl7Date(attr(kid(root, 'effectiveTime'), 'value')),
    replacedDocumentId: replaced ? readId(replaced) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Person, guardians, parents

function readPerson(patientRole: XmlNode, deathSection: XmlNode | undefined, fail: Fail): DecisionPerson {
  const ids = kids(patientRole, 'id').map(readId);
  const individu = findIdIndividu(ids);
  if (!individu?.extension) throw fail("l'identifiant de l'individu (idIndividu) est absent", 'patientRole/id');
  const mdphNode = kid(patientRole, 'idMDPHResponsable');
  const idMDPHResponsable = mdphNode ? readId(mdphNode) : null;
  if (!idMDPHResponsable?.root && !idMDPHResponsable?.extension) {
    throw fail('la MDPH responsable (idMDPHResponsable) est absente', 'idMDPHResponsable');
  }
  const patient = kid(patientRole, 'patient');
  if (!patient) throw fail("l'identité de l'individu (patient) est absente", 'patient');
  const name = kid(patient, 'name');
  const families = name ? kids(name, 'family') : [];
  const givens = name ? kids(name, 'given') : [];
  const accueil = kid(patientRole, 'idMDPHAccueil');
  const nss = kid(patientRole, 'numSecuriteSocialeOuvrantDroit');
  const birthplace = path(patient, 'birthplace', 'place', 'addr');
  return {
    ins: readIns(ids),
    idIndividu: individu.extension,
    idIndividuMdphOid: individu.root,
    familyNameBirth: qualified(families, 'BR') ?? unqualified(families),
    familyNameUsed: qualified(families, 'CL'),
    givenNames: unqualified(givens),
    firstGivenNameBirth: qualified(givens, 'BR'),
    givenNameUsed: qualified(givens, 'CL'),
    civility: name ? text(kid(name, 'prefix')) : null,
    gender: coded(kid(patient, 'administrativeGenderCode')),
    birthDate: interpretBirthTime(attr(kid(patient, 'birthTime'), 'value')),
    birthplace: birthplace
      ? { communeCode: text(kid(birthplace, 'county')), city: text(kid(birthplace, 'city')) }
      : null,
    addresses: kids(patientRole, 'addr').map(readAddress),
    telecoms: readTelecoms(patientRole),
    nomOrganismeAM: text(kid(patientRole, 'nomOrganismeAM')),
    // II per the IG, text in the official example of guide SDO 4.0.7.
    numSecuriteSocialeOuvrantDroit: nss ? (attr(nss, 'extension') ?? text(nss)) : null,
    dateTransfertDossier: hl7Date(attr(kid(patientRole, 'dateTransfertDossier'), 'value')),
    idMDPHResponsable,
    idMDPHAccueil: accueil ? readId(accueil) : null,
    guardians: kids(patient, 'guardian').map(readGuardian),
    death: deathSection ? readDeath(deathSection) : null,
  };
}

function findIdIndividu(ids: readonly InstanceId[]): InstanceId | undefined {
  return (
    ids.find((id) => id.root?.startsWith(MDPH_OID_PREFIX) && id.extension) ??
    ids.find((id) => !id.root?.startsWith(PERSON_NUMBER_OID_PREFIX) && id.extension)
  );
}

function readIns(ids: readonly InstanceId[]): Ins | null {
  for (const id of ids) {
    if (!id.extension) continue;
    if (id.root === INS_NIR_OID) return { kind: 'NIR', value: id.extension };
    if (id.root === INS_NIA_OID) return { kind: 'NIA', value: id.extension };
  }
  return null;
}

function readGuardian(node: XmlNode): Guardian {
  const person = path(node, 'guardianPerson', 'name');
  const organisation = path(node, 'guardianOrganization', 'name');
  const addr = kid(node, 'addr');
  return {
    type: coded(kid(node, 'code')),
    person: person ? readName(person) : null,
    organisationName: organisation ? text(organisation) : null,
    address: addr ? readAddress(addr) : null,
    telecoms: readTelecoms(node),
  };
}

function readInformant(entity: XmlNode): Informant {
  const code = kid(entity, 'code');
  const name = path(entity, 'relatedPerson', 'name');
  const addr = kid(entity, 'addr');
  return {
    role: coded(code),
    roleLabel: code ? text(kid(code, 'originalText')) : null,
    autoriteParentale: bool(kid(entity, 'autoriteParentale')),
    name: name ? readName(name) : null,
    address: addr ? readAddress(addr) : null,
    telecoms: readTelecoms(entity),
  };
}

function readDeath(section: XmlNode): DeathStatus {
  const observation = path(section, 'entry', 'observation');
  return {
    status: observation ? coded(kid(observation, 'value')) : null,
    date: observation ? hl7Date(attr(kid(observation, 'effectiveTime'), 'value')) : null,
  };
}

function readName(node: XmlNode): PersonName {
  return { prefix: text(kid(node, 'prefix')), family: text(kid(node, 'family')), given: text(kid(node, 'given')) };
}

function readAddress(node: XmlNode): PostalAddress {
  return {
    use: attr(node, 'use'),
    additionalLocator: text(kid(node, 'additionalLocator')),
    streetAddressLines: kids(node, 'streetAddressLine')
      .map(text)
      .filter((line): line is string => line !== null),
    postalCode: text(kid(node, 'postalCode')),
    city: text(kid(node, 'city')),
    county: text(kid(node, 'county')),
  };
}

function readTelecoms(node: XmlNode): Telecom[] {
  const telecoms: Telecom[] = [];
  for (const t of kids(node, 'telecom')) {
    const value = attr(t, 'value');
    if (value === null) continue;
    const scheme = /^(tel|fax|mailto):/i.exec(value);
    const kind = (scheme?.[1]?.toLowerCase() ?? 'other') as Telecom['kind'];
    telecoms.push({ kind, value: scheme ? value.slice(scheme[0].length) : value, use: attr(t, 'use') });
  }
  return telecoms;
}

// ---------------------------------------------------------------------------------------------------------------
// Decision

function readDecision(node: XmlNode, fail: Fail): DecisionCore {
  const idNode = kid(node, 'identifiantDecision') ?? kid(node, 'IdentifiantDecision');
  const identifiantDecision = idNode ? readId(idNode) : null;
  if (!identifiantDecision?.extension) {
    throw fail("l'identifiant de la décision (identifiantDecision) est absent", 'identifiantDecision');
  }
  const typeDeDecision = coded(kid(node, 'typeDeDecision'));
  if (!typeDeDecision) throw fail('le type de décision est absent', 'typeDeDecision');
  const dateDeDecision = hl7Date(attr(kid(node, 'dateDeDecision'), 'value'));
  if (!dateDeDecision) throw fail('la date de décision est absente ou invalide', 'dateDeDecision');
  return {
    identifiantDecision,
    idDecision: identifiantDecision.extension,
    typeDeDecision,
    dateDeDecision,
    dateEffetDeLaDecisionDeCloture: hl7Date(attr(kid(node, 'dateEffetDeLaDecisionDeCloture'), 'value')),
    identifiantDesDecisionsReviseesRenouveleesCloturee: kids(node, 'identifiantDesDecisionsReviseesRenouveleesCloturee')
      .map((linked) => {
        const extension = attr(linked, 'extension') ?? text(linked);
        return extension === null ? null : { root: attr(linked, 'root'), extension, unknown: isUnknownLink(extension) };
      })
      .filter((linked) => linked !== null),
    idNatTiers: attr(kid(node, 'idNat'), 'extension'),
    motivations: kids(node, 'motivation')
      .map(coded)
      .filter((c) => c !== null),
    motivationsLocales: kids(node, 'motivationLocale')
      .map((m) => text(m) ?? attr(m, 'value'))
      .filter((m) => m !== null),
    precisionReponseRevisionTiers: coded(kid(node, 'precisionReponseRevisionTiers')),
    precisionLocale: textOrValue(kid(node, 'precisionLocale')),
  };
}

function foldAccentsAndCase(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

const UNKNOWN_LINK_FOLDED = foldAccentsAndCase(LINKED_DECISION_UNKNOWN);

function isUnknownLink(extension: string): boolean {
  return foldAccentsAndCase(extension) === UNKNOWN_LINK_FOLDED;
}

function readDroitPrestation(node: XmlNode, fail: Fail): DroitPrestation {
  const typeDroitOuPrestation = coded(kid(node, 'typeDroitOuPrestation'));
  if (!typeDroitOuPrestation) throw fail("la catégorie d'orientation est absente", 'typeDroitOuPrestation');
  const dateOuvertureDuDroit = hl7Date(attr(kid(node, 'dateOuvertureDuDroit'), 'value'));
  if (!dateOuvertureDuDroit) throw fail("la date d'ouverture du droit est absente ou invalide", 'dateOuvertureDuDroit');
  const dateEcheanceDuDroit = hl7Date(attr(kid(node, 'dateEcheanceDuDroit'), 'value'));
  if (!dateEcheanceDuDroit) throw fail("la date d'échéance du droit est absente ou invalide", 'dateEcheanceDuDroit');
  const caracterisation = kid(node, 'caracterisation');
  const detail = kid(node, 'detailTypeDroitPrestation');
  return {
    typeDroitOuPrestation,
    natureDroit: coded(kid(node, 'natureDroit')),
    dateOuvertureDuDroit,
    dateEcheanceDuDroit,
    qualification: coded(kid(node, 'qualification')),
    amendementCreton: bool(kid(node, 'amendementCreton')),
    existencePAG: bool(kid(node, 'existencePAG')),
    motifFinPAG: coded(kid(node, 'motifFinPAG')),
    caracterisation: caracterisation
      ? {
          niveau: coded(kid(caracterisation, 'niveau')),
          motif: coded(kid(caracterisation, 'motif')),
          dateMiseAJour: hl7Date(attr(kid(caracterisation, 'dateMiseAJour'), 'value')),
        }
      : null,
    detail: detail ? readDetail(detail) : null,
  };
}

function readDetail(node: XmlNode): DetailTypeDroitPrestation {
  const locale = kid(node, 'precisionOrientationLocale');
  const derogation = kid(node, 'nbJoursDerogationAccueilTemporaire') ?? kid(node, 'nbJourDerogationAccueilTemporaire');
  return {
    precisionOrientation: coded(kid(node, 'precisionOrientation')),
    precisionOrientationLocale: locale
      ? (attr(locale, 'displayName') ?? attr(locale, 'code') ?? textOrValue(locale))
      : null,
    temporaliteAccueil: coded(kid(node, 'temporaliteAccueil')),
    accueilSequentiel: bool(kid(node, 'accueilSequentiel')),
    idNatEsmsCibles: kids(node, 'idNat')
      .map((n) => attr(n, 'extension'))
      .filter((v) => v !== null),
    categorieEtablissement: coded(kid(node, 'categorieEtablissement')),
    categorieOrganisation: coded(kid(node, 'categorieOrganisation')),
    specialisationPriseEnCharge: coded(kid(node, 'specialisationPriseEnCharge')),
    formations: kids(node, 'formation')
      .map(textOrValue)
      .filter((f) => f !== null),
    modeEntreeDITEP: coded(kid(node, 'modeEntreeDITEP')),
    nbJoursDerogationAccueilTemporaire: num(derogation),
    priseEnCharge: kids(node, 'priseEnCharge').map(readPriseEnCharge),
  };
}

function readPriseEnCharge(node: XmlNode): PriseEnCharge {
  const q = kid(node, 'quantification');
  return {
    modePriseEnCharge: coded(kid(node, 'modePriseEnCharge')),
    quantification: q
      ? { nombre: num(kid(q, 'nombre')), unite: coded(kid(q, 'unite')), periodicite: coded(kid(q, 'periodicite')) }
      : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

const SUB_SECTION_BY_TEMPLATE = new Map<string, EvaluationSubSection>(
  Object.entries(EVALUATION_SUB_SECTION_TEMPLATES).map(([name, template]) => [template, name as EvaluationSubSection]),
);

function subSectionOf(section: XmlNode): EvaluationSubSection {
  for (const t of kids(section, 'templateId')) {
    const found = SUB_SECTION_BY_TEMPLATE.get(attr(t, 'root') ?? '');
    if (found) return found;
  }
  return 'autre';
}

function readEvaluationObservation(node: XmlNode, subSection: EvaluationSubSection): EvaluationObservation {
  const templateId =
    kids(node, 'templateId')
      .map((t) => attr(t, 'root'))
      .find((root) => root !== null && !GENERIC_TEMPLATES.has(root)) ?? null;
  const value = kid(node, 'value');
  const code = kid(node, 'code');
  return {
    subSection,
    templateId,
    name: (code ? text(kid(code, 'originalText')) : null) ?? '',
    code: attr(value, 'code'),
    display: attr(value, 'displayName'),
    codeSystem: attr(value, 'codeSystem'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Node helpers

function kids(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function kid(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return kids(node, name)[0];
}

function path(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let current = node;
  for (const name of names) current = kid(current, name);
  return current;
}

/**
 * `@` + attribute name, made once per name: concatenated on each call, the key was a new string for V8 to hash and
 * look up before every attribute read.
 */
const attributeKeys = new Map<string, string>();

function attr(node: XmlNode | undefined, name: string): string | null {
  if (node === undefined) return null;
  let key = attributeKeys.get(name);
  if (key === undefined) attributeKeys.set(name, (key = '@' + name));
  return clean(node[key]);
}

function text(node: XmlNode | undefined): string | null {
  return clean(node?.['#text']);
}

function clean(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = (value.includes('&') ? decodeEntities(value) : value).trim();
  return trimmed === '' ? null : trimmed;
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (whole, entity: string) => {
    if (entity[0] !== '#') return PREDEFINED_ENTITIES[entity] ?? whole;
    const codePoint = entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}

function textOrValue(node: XmlNode | undefined): string | null {
  return text(node) ?? attr(node, 'value');
}

function hasTemplate(node: XmlNode, templateRoot: string): boolean {
  return kids(node, 'templateId').some((t) => attr(t, 'root') === templateRoot);
}

function readId(node: XmlNode): InstanceId {
  return { root: attr(node, 'root'), extension: attr(node, 'extension') };
}

function coded(node: XmlNode | undefined): CodedValue | null {
  const code = attr(node, 'code');
  if (code === null) return null;
  return { code, display: attr(node, 'displayName'), codeSystem: attr(node, 'codeSystem') };
}

function bool(node: XmlNode | undefined): boolean | null {
  const value = attr(node, 'value') ?? text(node);
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return null;
}

function num(node: XmlNode | undefined): number | null {
  const value = attr(node, 'value') ?? text(node);
  if (value === null || !/^-?\d+(\.\d+)?$/.test(value)) return null;
  return Number(value);
}

function qualified(nodes: readonly XmlNode[], qualifier: string): string | null {
  const found = nodes.find((n) => attr(n, 'qualifier') === qualifier);
  return found ? text(found) : null;
}

/** Unqualified parts joined by a space (several unqualified `given` = the birth-certificate given names). */
function unqualified(nodes: readonly XmlNode[]): string | null {
  const parts = nodes
    .filter((n) => attr(n, 'qualifier') === null)
    .map(text)
    .filter((t): t is string => t !== null);
  return parts.length === 0 ? null : parts.join(' ');
}

/** HL7 TS (aaaammjj[hhmmss[+zzzz]]) → ISO date; null when absent or not a calendar date. */
function hl7Date(value: string | null): string | null {
  if (value === null) return null;
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(value);
  return match ? isoIfValid(match[1] as string, match[2] as string, match[3] as string) : null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isoIfValid(year: string, month: string, day: string): string | null {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1) return null;
  // Date.UTC reads years 0–99 as 1900–1999: the same calendar here, without building a Date per date.
  const calendarYear = y >= 0 && y <= 99 ? 1900 + y : y;
  const leap = calendarYear % 4 === 0 && (calendarYear % 100 !== 0 || calendarYear % 400 === 0);
  const daysInMonth = m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] as number);
  return d > daysInMonth ? null : `${year}-${month}-${day}`;
}
