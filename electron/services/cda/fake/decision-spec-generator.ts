/**
 * Deterministic fake orientation decisions for tests, the sandbox and benchmarks. A spec holds the exact
 * ParsedDecision that parsing its rendered CDA must give back, plus how to render it (namespace prefix, spelling).
 *
 * Every identity is obviously fake: family names TESTFICTIF / EXEMPLE-… / FICTIF-…, INS starting with 99 (no NIR or
 * NIA starts with 9), telephones 01000000xx, e-mails @exemple.invalid, postal codes 99xxx, towns VILLE-FICTIVE-n.
 */
import type {
  BirthDate,
  BirthDateUncertainty,
  CodedValue,
  DecisionPerson,
  DroitPrestation,
  Guardian,
  Informant,
  LinkedDecision,
  ParsedDecision,
  PostalAddress,
  PriseEnCharge,
  Telecom,
} from '@shared/domain/decision';
import { LINKED_DECISION_UNKNOWN } from '@shared/domain/decision';
import {
  CATEGORIE_ORGANISATION,
  CATEGORIE_ORIENTATION,
  MDPH_LIST,
  MODE_PRISE_CHARGE,
  TEMPORALITE_ACCUEIL,
  displayOf,
  orientationLabel,
} from '@shared/terminology/code-lists';
import { createSeededRandom, type SeededRandom } from './seeded-random';

export type DecisionScenario = 'attribution' | 'renouvellement' | 'revision' | 'cloture';
/** Position of the validity end (dateEcheanceDuDroit) relative to `today`. */
export type ValidityBucket = 'expired' | 'endingSoon' | 'valid';

export interface DecisionSpecOptions {
  /** FINESS EG (9 characters) of the structures that may be targeted; at least one. */
  readonly finessEgs: readonly string[];
  /** ISO date the validity buckets are computed from. */
  readonly today: string;
  /** OID of the MDPH that issues the decision (annex OID MDPH); picked from the seed when absent. */
  readonly mdphOid?: string;
  /** Counter of the decision in its batch, used in the ids (default 1). */
  readonly index?: number;
  /** Seed of the batch, used for the id suffix so ids stay unique across batches (default: seed). */
  readonly batchSeed?: number;
  /** Decision to renew, revise or close: same person, linked by identifiantDesDecisionsReviseesRenouveleesCloturee. */
  readonly previous?: DecisionSpec;
  /** Default: attribution without `previous`, else renouvellement / revision / cloture at random. */
  readonly scenario?: DecisionScenario;
  /** Person counter used in idIndividu when a new person is created (default: index). */
  readonly personIndex?: number;
  /**
   * Orientation categories (TRE_R204 codes such as '11.5') each EG accepts, from its units; an EG absent from the
   * map accepts every category. A decision only targets EGs that accept its category (no FAM decision for an ESAT).
   */
  readonly categoriesByEg?: Readonly<Record<string, readonly string[]>>;
}

export interface DecisionRenderOptions {
  /** Prefix bound to urn:cnsaSDO (the parser must not depend on it). */
  readonly cnsaPrefix: string;
  /** `IG` writes nbJoursDerogationAccueilTemporaire, `example` the official example's nbJourDerogation…. */
  readonly derogationSpelling: 'IG' | 'example';
}

export interface DecisionSpec {
  readonly seed: number;
  readonly index: number;
  readonly scenario: DecisionScenario;
  /** Null for a closure without droitPrestation. */
  readonly validity: ValidityBucket | null;
  /** FINESS EG targeted by the decision (the idNat of each targeted ESMS is '1' + FINESS EG). */
  readonly targetedEgs: readonly string[];
  readonly render: DecisionRenderOptions;
  /** Exactly what parseDecisionCda(renderDecisionCda(spec)) returns. */
  readonly decision: ParsedDecision;
}

export const ORIENTATION_SYSTEM = '1.2.250.1.213.3.3.204';
export const IDNAT_STRUCT_OID = '1.2.250.1.71.4.2.2';
/** Fake arcs under the ViaTrajectoire OID for document ids (the real issuer OID is not published). */
export const FAKE_DOCUMENT_ID_ROOT = '1.2.250.1.213.8.1.999.1';
export const FAKE_SET_ID_ROOT = '1.2.250.1.213.8.1.999.2';

const CHILD_CATEGORIES = ['7.1', '7.2', '7.5', '7.6', '7.7', '7.8', '7.9'];
const ADULT_CATEGORIES = ['13.1', '13.2', '13.3', '13.4', '13.5', '11.1', '11.5'];
const ALL_CATEGORIES = [...CHILD_CATEGORIES, ...ADULT_CATEGORIES];
/** TRE_R244 category of organisation matching each orientation (JDV_J34 codes). */
const ORGANISATION_BY_CATEGORY: Readonly<Record<string, string>> = {
  '7.1': '48',
  '7.2': '49',
  '7.5': '51',
  '7.6': '50',
  '7.7': '50',
  '7.8': '57',
  '7.9': '58',
  '13.1': '41',
  '13.2': '39',
  '13.3': '40',
  '13.4': '31',
  '13.5': '32',
  '11.1': '44',
  '11.5': '43',
};
const FAMILY_NAMES = [
  'TESTFICTIF',
  'EXEMPLE-DURAND',
  'FICTIF-MARTIN',
  'ESSAI-BERNARD',
  'EXEMPLE-PETIT',
  'TESTFICTIF-ROBERT',
];
const USED_FAMILY_NAMES = ['EXEMPLE-MOREAU', 'FICTIF-LEROY', 'TESTFICTIF-EPOUSE'];
const GIVEN_NAMES = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Fictif', 'Fictive', 'Testeur', 'Exemplaire'];
const MODE_CODES = ['46', '47', '48'];
const NATURE_DROIT: Readonly<Record<'1' | '2' | '3', string>> = {
  '1': 'Nouveau droit',
  '2': 'Renouvellement',
  '3': 'Révision',
};
const MODE_ENTREE_DITEP: readonly CodedValue[] = [
  { code: '1', display: 'SESSAD', codeSystem: '1.2.250.1.213.3.3.138' },
  { code: '2', display: 'ITEP internat', codeSystem: '1.2.250.1.213.3.3.138' },
  { code: '3', display: 'ITEP externat', codeSystem: '1.2.250.1.213.3.3.138' },
  { code: '4', display: 'ITEP semi-internat', codeSystem: '1.2.250.1.213.3.3.138' },
];

/** Builds one decision spec. Same seed and options → same spec. */
export function generateDecisionSpec(seed: number, options: DecisionSpecOptions): DecisionSpec {
  if (options.finessEgs.length === 0) throw new Error('generateDecisionSpec : au moins un FINESS EG est requis');
  const rnd = createSeededRandom(seed);
  const index = options.index ?? 1;
  const suffix = idSuffix(options.batchSeed ?? seed);
  const previous = options.previous;
  const scenario: DecisionScenario =
    options.scenario ??
    (previous
      ? rnd.pick<DecisionScenario>(['renouvellement', 'renouvellement', 'revision', 'cloture'])
      : 'attribution');
  const prevDecision = previous?.decision;
  const randomMdph = rnd.pick(MDPH_LIST.slice(0, 100));
  const mdphOid = prevDecision?.person.idMDPHResponsable.root ?? options.mdphOid ?? randomMdph.oid;
  const mdph = { label: MDPH_LIST.find((m) => m.oid === mdphOid)?.label ?? 'MDPH-TEST' };

  const prevCategory = prevDecision?.droitPrestation?.typeDroitOuPrestation.code;
  const acceptedBy = (eg: string): readonly string[] => {
    const accepted = options.categoriesByEg?.[eg];
    return accepted && accepted.length > 0 ? accepted : ALL_CATEGORIES;
  };
  // A follow-up keeps its targets: a revision may change the category, within what they all accept.
  const candidateEgs = previous ? previous.targetedEgs : options.finessEgs;
  const category =
    prevCategory && scenario !== 'revision'
      ? prevCategory
      : pickCategory(rnd, previous ? commonCategories(candidateEgs, acceptedBy) : candidateEgs.flatMap(acceptedBy));
  const child = category.startsWith('7.');
  const age = child ? rnd.int(3, 21) : rnd.int(20, 62);
  const person = prevDecision?.person ?? fakePerson(rnd, options, mdph, mdphOid, suffix, age, child);
  const parents = prevDecision?.parents ?? (child && rnd.chance(0.7) ? fakeParents(rnd, person) : []);

  const eligibleEgs = options.finessEgs.filter((eg) => acceptedBy(eg).includes(category));
  const targetedEgs = previous
    ? previous.targetedEgs
    : pickSome(rnd, eligibleEgs, rnd.chance(0.7) ? 1 : rnd.int(1, Math.min(3, eligibleEgs.length)));

  const idDecision = `DEC-TEST-${suffix}-${pad(index)}`;
  const idNatDecision = `VT-${pad(index)}-${suffix}`;
  const linked: LinkedDecision[] =
    scenario === 'attribution'
      ? []
      : prevDecision
        ? [{ root: mdphOid, extension: prevDecision.decision.idDecision, unknown: false }]
        : [{ root: mdphOid, extension: LINKED_DECISION_UNKNOWN, unknown: true }];

  // Validity: the bucket is drawn first, dates follow from it.
  let droit: DroitPrestation | null = null;
  let validity: ValidityBucket | null = null;
  let dateDeDecision: string;
  if (scenario === 'cloture') {
    const prevDroit = prevDecision?.droitPrestation ?? null;
    // A closure comes after the decision it closes.
    const closed = prevDecision?.decision.dateDeDecision;
    const drawn = addDays(options.today, -rnd.int(0, 200));
    dateDeDecision = closed && closed > drawn ? closed : drawn;
    if (prevDroit && rnd.chance(0.5)) {
      droit = { ...prevDroit };
      validity = bucketOf(prevDroit.dateEcheanceDuDroit, options.today);
    }
  } else {
    validity = rnd.pick<ValidityBucket>(['expired', 'endingSoon', 'valid', 'valid']);
    const daysLeft =
      validity === 'expired' ? -rnd.int(1, 500) : validity === 'endingSoon' ? rnd.int(0, 89) : rnd.int(92, 1500);
    const echeance = addDays(options.today, daysLeft);
    // A right lasts one to five years, opened by yesterday, and was decided before it opened: the decision is
    // always in the past, however far the end of the right.
    const duration = rnd.int(Math.max(365, daysLeft + 1), 5 * 365);
    const ouverture = addDays(echeance, -duration);
    dateDeDecision = addDays(ouverture, -rnd.int(0, 60));
    const nature = scenario === 'renouvellement' ? '2' : scenario === 'revision' ? '3' : '1';
    droit = fakeDroit(rnd, { category, child, age, ouverture, echeance, nature, targetedEgs, dateDeDecision });
  }

  const closure = scenario === 'cloture';
  const decision: ParsedDecision = {
    document: fakeHeader(rnd, idNatDecision, dateDeDecision, options.today),
    person,
    parents,
    decision: {
      identifiantDecision: { root: mdphOid, extension: idDecision },
      idDecision,
      typeDeDecision: closure
        ? { code: '5', display: 'Clôture de droit', codeSystem: '1.2.250.1.213.3.3.202' }
        : { code: '1', display: 'Attribution', codeSystem: '1.2.250.1.213.3.3.202' },
      dateDeDecision,
      dateEffetDeLaDecisionDeCloture: closure ? addDays(dateDeDecision, rnd.int(0, 60)) : null,
      identifiantDesDecisionsReviseesRenouveleesCloturee: linked,
      idNatTiers: scenario === 'revision' && rnd.chance(0.4) ? '1' + rnd.pick(options.finessEgs) : null,
      ...fakeMotivations(rnd),
      precisionReponseRevisionTiers:
        scenario === 'revision' && rnd.chance(0.3)
          ? { code: 'FICTIF-1', display: 'Précision fictive de test', codeSystem: '1.2.250.1.213.3.3.169' }
          : null,
      precisionLocale: rnd.chance(0.2) ? 'Précision locale fictive' : null,
    },
    droitPrestation: droit,
  };
  return {
    seed,
    index,
    scenario,
    validity,
    targetedEgs,
    render: {
      cnsaPrefix: rnd.pick(['cnsaSDO', 'cnsaSDO', 'sdo']),
      derogationSpelling: rnd.chance(0.5) ? 'IG' : 'example',
    },
    decision,
  };
}

/**
 * Orientation categories an establishment can take, from the organisation categories (TRE_R244, JDV_J34) of its
 * units: an ESAT's units (43) accept 11.5 only, an IME's (48) 7.1, a FAM's (39) 13.2, a MAS's (40) 13.3.
 */
export function orientationCategoriesFor(organisationCodes: Iterable<string>): string[] {
  const codes = new Set(organisationCodes);
  return ALL_CATEGORIES.filter((category) => codes.has(ORGANISATION_BY_CATEGORY[category] ?? ''));
}

/** Which validity bucket an end date falls in. "Ending soon" = within 3 months (< 90 days). */
export function bucketOf(dateEcheance: string, today: string): ValidityBucket {
  const days = daysBetween(today, dateEcheance);
  if (days < 0) return 'expired';
  return days < 90 ? 'endingSoon' : 'valid';
}

// ---------------------------------------------------------------------------------------------------------------

function fakePerson(
  rnd: SeededRandom,
  options: DecisionSpecOptions,
  mdph: { label: string },
  mdphOid: string,
  suffix: string,
  age: number,
  child: boolean,
): DecisionPerson {
  const personNo = options.personIndex ?? options.index ?? 1;
  const female = rnd.chance(0.5);
  const familyNameBirth = rnd.pick(FAMILY_NAMES);
  const first = rnd.pick(GIVEN_NAMES);
  const givenNames = rnd.chance(0.4) ? `${first} ${rnd.pick(GIVEN_NAMES)}` : first;
  const transfer = rnd.chance(0.1);
  const accueil = transfer ? rnd.pick(MDPH_LIST.slice(0, 100)) : null;
  const addresses: PostalAddress[] = [fakeAddress(rnd, 'PHYS')];
  if (rnd.chance(0.15))
    addresses.push({ ...fakeAddress(rnd, 'PST'), additionalLocator: 'ASSOCIATION FICTIVE DE DOMICILIATION' });
  const telecoms: Telecom[] = [{ kind: 'tel', value: fakePhone(rnd), use: rnd.chance(0.5) ? 'MC' : null }];
  if (rnd.chance(0.5)) telecoms.push({ kind: 'mailto', value: `test.fictif.${personNo}@exemple.invalid`, use: null });
  const guardians: Guardian[] = !child && rnd.chance(0.3) ? [fakeGuardian(rnd)] : [];
  const birthYear = Number(options.today.slice(0, 4)) - age;
  return {
    ins: rnd.chance(0.75) ? { kind: rnd.chance(0.85) ? 'NIR' : 'NIA', value: fakeIns(rnd) } : null,
    idIndividu: `IND-TEST-${suffix}-${pad(personNo)}`,
    idIndividuMdphOid: mdphOid,
    familyNameBirth,
    familyNameUsed: rnd.chance(0.2) ? rnd.pick(USED_FAMILY_NAMES) : familyNameBirth,
    givenNames,
    firstGivenNameBirth: first,
    givenNameUsed: first,
    civility: female ? 'MME' : 'M',
    gender: female
      ? { code: 'F', display: 'Féminin', codeSystem: '2.16.840.1.113883.5.1' }
      : { code: 'M', display: 'Masculin', codeSystem: '2.16.840.1.113883.5.1' },
    birthDate: fakeBirthDate(rnd, birthYear),
    birthplace: rnd.chance(0.6)
      ? { communeCode: `99${rnd.int(100, 999)}`, city: `COMMUNE-FICTIVE-${rnd.int(1, 50)}` }
      : null,
    addresses,
    telecoms,
    nomOrganismeAM: rnd.pick(['CPAM', 'MSA', null]),
    numSecuriteSocialeOuvrantDroit: rnd.chance(0.3) ? fakeIns(rnd) : null,
    dateTransfertDossier: transfer ? addDays(options.today, -rnd.int(30, 700)) : null,
    idMDPHResponsable: { root: mdphOid, extension: mdph.label },
    idMDPHAccueil: accueil ? { root: accueil.oid, extension: accueil.label } : null,
    guardians,
    death: rnd.chance(0.03)
      ? {
          status: { code: '1', display: 'Certifié', codeSystem: '1.2.250.1.213.3.3.100' },
          date: addDays(options.today, -rnd.int(1, 300)),
        }
      : null,
  };
}

/**
 * Birth dates: 80% certainly exact (month 02–12, day 02–28: no convention pattern), 20% one of the IG conventions
 * (aaaamm01, aaaa01jj, aaaa1231, aaaa0101). The expected uncertainty is written here from the chosen convention,
 * independently of the parser's detection code.
 */
function fakeBirthDate(rnd: SeededRandom, year: number): BirthDate {
  const convention = rnd.chance(0.2)
    ? rnd.pick<Exclude<BirthDateUncertainty, 'none'>>(['day', 'month', 'dayAndMonth', 'dayOrMonth'])
    : 'none';
  const y = String(year);
  let month = two(rnd.int(2, 12));
  let day = two(rnd.int(2, 28));
  if (convention === 'day') day = '01';
  if (convention === 'month') month = '01';
  if (convention === 'dayAndMonth') [month, day] = ['12', '31'];
  if (convention === 'dayOrMonth') [month, day] = ['01', '01'];
  return { raw: `${y}${month}${day}`, iso: `${y}-${month}-${day}`, uncertainty: convention };
}

function fakeParents(rnd: SeededRandom, person: DecisionPerson): Informant[] {
  const roles = rnd.chance(0.5)
    ? [['MTH', 'Mère', 'MME', "mère de l'individu"]]
    : [
        ['MTH', 'Mère', 'MME', "mère de l'individu"],
        ['FTH', 'Père', 'M', "père de l'individu"],
      ];
  return roles.map(([code, display, prefix, label]) => ({
    role: { code: code as string, display: display as string, codeSystem: '2.16.840.1.113883.5.111' },
    roleLabel: label as string,
    autoriteParentale: rnd.chance(0.85),
    name: { prefix: prefix as string, family: person.familyNameBirth, given: `Parent-${rnd.pick(GIVEN_NAMES)}` },
    address: fakeAddress(rnd, 'PHYS'),
    telecoms: rnd.chance(0.8) ? [{ kind: 'tel', value: fakePhone(rnd), use: null }] : [],
  }));
}

function fakeGuardian(rnd: SeededRandom): Guardian {
  const organisation = rnd.chance(0.5);
  return {
    type: rnd.chance(0.5)
      ? { code: '1', display: 'Tutelle', codeSystem: '1.2.250.1.213.3.3.208' }
      : { code: '2', display: 'Curatelle', codeSystem: '1.2.250.1.213.3.3.208' },
    person: organisation
      ? null
      : { prefix: rnd.pick(['MME', 'M']), family: 'TUTEUR-FICTIF', given: rnd.pick(GIVEN_NAMES) },
    organisationName: organisation ? 'ASSOCIATION TUTELAIRE FICTIVE' : null,
    address: fakeAddress(rnd, rnd.chance(0.8) ? 'PHYS' : 'PST'),
    telecoms: rnd.chance(0.7) ? [{ kind: 'tel', value: fakePhone(rnd), use: null }] : [],
  };
}

function fakeDroit(
  rnd: SeededRandom,
  p: {
    category: string;
    child: boolean;
    age: number;
    ouverture: string;
    echeance: string;
    nature: '1' | '2' | '3';
    targetedEgs: readonly string[];
    dateDeDecision: string;
  },
): DroitPrestation {
  const needsTemporalite = p.child || p.category.startsWith('13.');
  const temporalite = needsTemporalite ? (rnd.chance(0.2) ? '01' : '02') : null;
  const organisation = ORGANISATION_BY_CATEGORY[p.category];
  const priseEnCharge: PriseEnCharge[] = [];
  for (let i = rnd.int(0, 2); i > 0; i--) {
    const mode = rnd.pick(MODE_CODES);
    priseEnCharge.push({
      modePriseEnCharge: {
        code: mode,
        display: displayOf(MODE_PRISE_CHARGE, mode) ?? null,
        codeSystem: '1.2.250.1.213.3.3.13',
      },
      quantification: rnd.chance(0.5)
        ? {
            nombre: rnd.int(1, 30),
            unite: { code: '2', display: 'Journée', codeSystem: '1.2.250.1.213.3.3.211' },
            periodicite: { code: '3', display: 'Mensuelle', codeSystem: '1.2.250.1.213.3.3.163' },
          }
        : null,
    });
  }
  const niveau = rnd.int(1, 4);
  return {
    typeDroitOuPrestation: {
      code: p.category,
      display: CATEGORIE_ORIENTATION.some((c) => c.code === p.category) ? orientationLabel(p.category) : null,
      codeSystem: ORIENTATION_SYSTEM,
    },
    natureDroit: { code: p.nature, display: NATURE_DROIT[p.nature], codeSystem: '1.2.250.1.213.3.3.151' },
    dateOuvertureDuDroit: p.ouverture,
    dateEcheanceDuDroit: p.echeance,
    qualification: rnd.chance(0.85)
      ? { code: '1', display: 'cible', codeSystem: '1.2.250.1.213.3.3.171' }
      : { code: '2', display: 'alternative', codeSystem: '1.2.250.1.213.3.3.171' },
    amendementCreton: p.child ? p.age >= 20 : null,
    existencePAG: rnd.chance(0.1),
    motifFinPAG: rnd.chance(0.05)
      ? { code: 'FICTIF-1', display: 'Motif fictif de test', codeSystem: '1.2.250.1.213.3.3.142' }
      : null,
    caracterisation: rnd.chance(0.8)
      ? {
          niveau: { code: String(niveau), display: `Priorité ${niveau}`, codeSystem: '1.2.250.1.213.3.3.98' },
          motif: { code: '9', display: 'Maintien à domicile inadapté', codeSystem: '1.2.250.1.213.3.3.141' },
          dateMiseAJour: addDays(p.dateDeDecision, rnd.int(0, 30)),
        }
      : null,
    detail: {
      precisionOrientation: rnd.chance(0.1)
        ? { code: 'FICTIF-2', display: 'Précision fictive de test', codeSystem: null }
        : null,
      precisionOrientationLocale: rnd.chance(0.2) ? 'Précision locale fictive' : null,
      temporaliteAccueil: temporalite
        ? {
            code: temporalite,
            display: displayOf(TEMPORALITE_ACCUEIL, temporalite) ?? null,
            codeSystem: '1.2.250.1.213.3.3.31',
          }
        : null,
      accueilSequentiel: rnd.chance(0.5) ? rnd.chance(0.2) : null,
      idNatEsmsCibles: p.targetedEgs.map((eg) => '1' + eg),
      categorieEtablissement: null,
      categorieOrganisation: organisation
        ? {
            code: organisation,
            display: displayOf(CATEGORIE_ORGANISATION, organisation) ?? null,
            codeSystem: '1.2.250.1.213.3.3.39',
          }
        : null,
      specialisationPriseEnCharge: rnd.chance(0.1)
        ? { code: 'FICTIF-3', display: 'Spécialisation fictive de test', codeSystem: '1.2.250.1.213.3.3.41' }
        : null,
      formations: p.category === '11.1' ? ['Formation qualifiante fictive'] : [],
      modeEntreeDITEP: p.category === '7.7' ? rnd.pick(MODE_ENTREE_DITEP) : null,
      nbJoursDerogationAccueilTemporaire: temporalite === '01' && rnd.chance(0.5) ? rnd.int(1, 90) : null,
      priseEnCharge,
    },
  };
}

function fakeMotivations(rnd: SeededRandom): { motivations: CodedValue[]; motivationsLocales: string[] } {
  if (rnd.chance(0.2)) {
    return {
      motivations: [{ code: '9999', display: 'Autre', codeSystem: '1.2.250.1.213.3.3.148' }],
      motivationsLocales: ['Motivation locale fictive'],
    };
  }
  return {
    motivations: [
      {
        code: '364',
        display: 'Attrib PCH3 à 0€ adulte surcoût pris en charge ESMS',
        codeSystem: '1.2.250.1.213.3.3.148',
      },
    ],
    motivationsLocales: [],
  };
}

function fakeHeader(rnd: SeededRandom, idNatDecision: string, dateDeDecision: string, today: string) {
  const version = rnd.chance(0.2) ? 2 : 1;
  const effective = minDate(addDays(dateDeDecision, rnd.int(0, 10)), today);
  return {
    id: { root: FAKE_DOCUMENT_ID_ROOT, extension: `DOC-${idNatDecision}-V${version}` },
    setId: { root: FAKE_SET_ID_ROOT, extension: idNatDecision },
    idNatDecision,
    versionNumber: version,
    effectiveTime: effective,
    replacedDocumentId: version > 1 ? { root: FAKE_DOCUMENT_ID_ROOT, extension: `DOC-${idNatDecision}-V1` } : null,
  };
}

function fakeAddress(rnd: SeededRandom, use: 'PHYS' | 'PST'): PostalAddress {
  return {
    use,
    additionalLocator: null,
    streetAddressLines: [`${rnd.int(1, 99)} rue de l'Exemple Fictif`],
    postalCode: `99${rnd.int(100, 999)}`,
    city: `VILLE-FICTIVE-${rnd.int(1, 50)}`,
    county: null,
  };
}

/** 15 characters starting with 99: never a valid NIR/NIA (first digit is the sex, 1–4, 7 or 8). */
function fakeIns(rnd: SeededRandom): string {
  let digits = '99';
  while (digits.length < 15) digits += String(rnd.int(0, 9));
  return digits;
}

function fakePhone(rnd: SeededRandom): string {
  return `01000000${two(rnd.int(0, 99))}`;
}

/** Children's categories 45% of the time when the pool has both, else any category of the pool. */
function pickCategory(rnd: SeededRandom, pool: readonly string[]): string {
  const distinct = [...new Set(pool.length > 0 ? pool : ALL_CATEGORIES)];
  const children = distinct.filter((c) => CHILD_CATEGORIES.includes(c));
  const adults = distinct.filter((c) => !CHILD_CATEGORIES.includes(c));
  if (children.length === 0 || adults.length === 0) return rnd.pick(distinct);
  return rnd.pick(rnd.chance(0.45) ? children : adults);
}

function commonCategories(egs: readonly string[], acceptedBy: (eg: string) => readonly string[]): string[] {
  return ALL_CATEGORIES.filter((c) => egs.every((eg) => acceptedBy(eg).includes(c)));
}

function pickSome(rnd: SeededRandom, items: readonly string[], count: number): string[] {
  const pool = [...items];
  const chosen: string[] = [];
  while (chosen.length < count && pool.length > 0)
    chosen.push(pool.splice(rnd.int(0, pool.length - 1), 1)[0] as string);
  return chosen;
}

function idSuffix(seed: number): string {
  return (seed >>> 0).toString(36).toUpperCase().padStart(7, '0');
}

function pad(n: number): string {
  return String(n).padStart(6, '0');
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

export function addDays(iso: string, days: number): string {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / 86_400_000);
}

function minDate(a: string, b: string): string {
  return a < b ? a : b;
}
