/**
 * Orientation decision and evaluation as read from the CDA documents "Individu et décision" (template
 * 1.2.250.1.213.1.1.1.4.8) and "Evaluation" (1.2.250.1.213.1.1.1.4.9) of the SDO IG 4.0.7.
 *
 * Conventions for every type below:
 * - an element absent from the document is `null` (scalars) or `[]` (lists), never `undefined`;
 * - dates are ISO `YYYY-MM-DD` strings (the time part of an HL7 TS is dropped); the birth date keeps its raw value too;
 * - field names follow the IG element names where one exists, so a value can be traced back to the specification.
 */

/** HL7 II: an identifier and its assigning authority (an OID). */
export interface InstanceId {
  readonly root: string | null;
  readonly extension: string | null;
}

/** HL7 CD/CE/CS reduced to what the app shows and stores. */
export interface CodedValue {
  readonly code: string;
  readonly display: string | null;
  readonly codeSystem: string | null;
}

export interface PostalAddress {
  /** `PHYS` home address, `PST` domiciliation organisation (guide SDO 4.0.7, CDA recordTarget); others kept as sent. */
  readonly use: string | null;
  /** Organisation name of a `PST` (domiciliation) address. */
  readonly additionalLocator: string | null;
  readonly streetAddressLines: readonly string[];
  readonly postalCode: string | null;
  readonly city: string | null;
  /** Commune code (TRE_R13-CommuneOM) — used by the birthplace. */
  readonly county: string | null;
}

export type TelecomKind = 'tel' | 'fax' | 'mailto' | 'other';

export interface Telecom {
  readonly kind: TelecomKind;
  /** The address without its URL scheme (`0100000000`, `nom@exemple.invalid`). */
  readonly value: string;
  /** HL7 telecom use (`MC` mobile, `H` home, …) when sent. */
  readonly use: string | null;
}

export interface PersonName {
  readonly prefix: string | null;
  readonly family: string | null;
  readonly given: string | null;
}

/** Kind of INS identifier: NIR (OID 1.2.250.1.213.1.4.8) or NIA (1.2.250.1.213.1.4.9). */
export type InsKind = 'NIR' | 'NIA';

export interface Ins {
  readonly kind: InsKind;
  /** Matricule (13 characters) followed by its 2-character key. */
  readonly value: string;
}

/**
 * Which part of a birth date may be a placeholder under the IG conventions (guide SDO 4.0.7, CDA recordTarget: unknown
 * day → aaaamm01, unknown month → aaaa01jj, both → aaaa1231). The conventions produce real calendar dates, so a
 * document cannot tell "born on 1 March" from "born in March, day unknown": the flag says "possibly unknown", never
 * "unknown".
 * Detection, first match wins (see `interpretBirthTime` in electron/services/cda):
 * - `MMDD = 1231` → `dayAndMonth` (both unknown is the only convention that ends in 1231);
 * - `MMDD = 0101` → `dayOrMonth` (day unknown in January, or month unknown and born on the 1st);
 * - `DD = 01` → `day`;
 * - `MM = 01` → `month`;
 * - otherwise `none` (the date is certainly exact).
 * A truncated HL7 value is completed with the same conventions: `aaaamm` → `aaaamm01` (`day`), `aaaa` → `aaaa1231`
 * (`dayAndMonth`).
 */
export type BirthDateUncertainty = 'none' | 'day' | 'month' | 'dayOrMonth' | 'dayAndMonth';

export interface BirthDate {
  /** The value of `birthTime/@value` as sent. */
  readonly raw: string;
  /** ISO `YYYY-MM-DD`; null when the raw value is not a calendar date. */
  readonly iso: string | null;
  readonly uncertainty: BirthDateUncertainty;
}

/** Protection measure (patient/guardian): a person or an organisation. */
export interface Guardian {
  /** No_Type_mesure_protection (1.2.250.1.213.3.3.208), e.g. 1 Tutelle. */
  readonly type: CodedValue | null;
  readonly person: PersonName | null;
  readonly organisationName: string | null;
  readonly address: PostalAddress | null;
  readonly telecoms: readonly Telecom[];
}

export interface DeathStatus {
  /** No_Statut_deces (1.2.250.1.213.3.3.100). */
  readonly status: CodedValue | null;
  readonly date: string | null;
}

export interface DocumentHeader {
  /** `ClinicalDocument/id`: unique id of this version of the document. */
  readonly id: InstanceId;
  /** `setId`: its extension is the idNat_Decision shared by every version and by the evaluation. */
  readonly setId: InstanceId;
  /** = `setId.extension`, never empty. */
  readonly idNatDecision: string;
  readonly versionNumber: number | null;
  readonly effectiveTime: string | null;
  /** `relatedDocument[@typeCode=RPLC]/parentDocument/id`: the version this one replaces. */
  readonly replacedDocumentId: InstanceId | null;
}

export interface DecisionPerson {
  readonly ins: Ins | null;
  /** Individu.idIndividu: id of the person in the MDPH that created the file. */
  readonly idIndividu: string;
  /** OID of that MDPH (annex OID MDPH), the `@root` of idIndividu. */
  readonly idIndividuMdphOid: string | null;
  /** `family[@qualifier=BR]`, or an unqualified family name. */
  readonly familyNameBirth: string | null;
  /** `family[@qualifier=CL]`. */
  readonly familyNameUsed: string | null;
  /** Unqualified `given` (all birth-certificate given names). */
  readonly givenNames: string | null;
  /** `given[@qualifier=BR]`. */
  readonly firstGivenNameBirth: string | null;
  /** `given[@qualifier=CL]`. */
  readonly givenNameUsed: string | null;
  /** Civility (`name/prefix`). */
  readonly civility: string | null;
  readonly gender: CodedValue | null;
  readonly birthDate: BirthDate | null;
  readonly birthplace: { readonly communeCode: string | null; readonly city: string | null } | null;
  readonly addresses: readonly PostalAddress[];
  readonly telecoms: readonly Telecom[];
  readonly nomOrganismeAM: string | null;
  /** Sent as II in the IG, as text in the official example: the value either way. */
  readonly numSecuriteSocialeOuvrantDroit: string | null;
  readonly dateTransfertDossier: string | null;
  /** MDPH in charge: `@root` OID, `@extension` its label/code (the example sends `06-ALPES MARITIMES`). */
  readonly idMDPHResponsable: InstanceId;
  /** Receiving MDPH during a transfer. */
  readonly idMDPHAccueil: InstanceId | null;
  readonly guardians: readonly Guardian[];
  readonly death: DeathStatus | null;
}

/** `informant/relatedEntity`: a parent of the person (0..2). */
export interface Informant {
  /** TRE_R216-HL7RoleCode (MTH, FTH…) or TRE_R217-ProtectionJuridique. */
  readonly role: CodedValue | null;
  /** `code/originalText`, e.g. "mère du patient". */
  readonly roleLabel: string | null;
  readonly autoriteParentale: boolean | null;
  readonly name: PersonName | null;
  readonly address: PostalAddress | null;
  readonly telecoms: readonly Telecom[];
}

/** Value of identifiantDesDecisionsReviseesRenouveleesCloturee when the linked decision is unknown. */
export const LINKED_DECISION_UNKNOWN = 'A définir';

export interface LinkedDecision {
  readonly root: string | null;
  /** idDecision of the revised/renewed/closed decision, or `A définir`. */
  readonly extension: string;
  /** True for the `A définir` value: the MDPH does not know the linked decision. */
  readonly unknown: boolean;
}

export interface DecisionCore {
  readonly identifiantDecision: InstanceId;
  /** = `identifiantDecision.extension`, never empty. */
  readonly idDecision: string;
  /** No_Type_Decision: 1 Attribution, 5 Clôture de droit. */
  readonly typeDeDecision: CodedValue;
  readonly dateDeDecision: string;
  /** Mandatory for a closure (type 5). */
  readonly dateEffetDeLaDecisionDeCloture: string | null;
  readonly identifiantDesDecisionsReviseesRenouveleesCloturee: readonly LinkedDecision[];
  /** idNat of the third party that asked for a revision (`1`+FINESS or `3`+SIRET). */
  readonly idNatTiers: string | null;
  readonly motivations: readonly CodedValue[];
  readonly motivationsLocales: readonly string[];
  readonly precisionReponseRevisionTiers: CodedValue | null;
  readonly precisionLocale: string | null;
}

export interface Quantification {
  readonly nombre: number | null;
  readonly unite: CodedValue | null;
  readonly periodicite: CodedValue | null;
}

export interface PriseEnCharge {
  /** JDV_J264_ModeEtCentreDePriseEnCharge_MDPH. */
  readonly modePriseEnCharge: CodedValue | null;
  readonly quantification: Quantification | null;
}

export interface DetailTypeDroitPrestation {
  readonly precisionOrientation: CodedValue | null;
  /** Local nomenclature or free text: the display, else the code, else the text content. */
  readonly precisionOrientationLocale: string | null;
  /** TRE_R240: 01 Temporaire, 02 Permanent. */
  readonly temporaliteAccueil: CodedValue | null;
  readonly accueilSequentiel: boolean | null;
  /** idNat of the ESMS targeted by the CDAPH (`1`+FINESS EG or `3`+SIRET). */
  readonly idNatEsmsCibles: readonly string[];
  readonly categorieEtablissement: CodedValue | null;
  readonly categorieOrganisation: CodedValue | null;
  readonly specialisationPriseEnCharge: CodedValue | null;
  readonly formations: readonly string[];
  readonly modeEntreeDITEP: CodedValue | null;
  /** Read from `nbJoursDerogationAccueilTemporaire` (IG) or `nbJourDerogationAccueilTemporaire` (example). */
  readonly nbJoursDerogationAccueilTemporaire: number | null;
  readonly priseEnCharge: readonly PriseEnCharge[];
}

export interface Caracterisation {
  /** No_Caracterisation: the priority level. */
  readonly niveau: CodedValue | null;
  readonly motif: CodedValue | null;
  readonly dateMiseAJour: string | null;
}

export interface DroitPrestation {
  /** Orientation category, No_Type_droit_prestation (7.x enfants, 13.x adultes, 11.x travail…). */
  readonly typeDroitOuPrestation: CodedValue;
  /** No_Nature_droit: 1 nouveau droit, 2 renouvellement, 3 révision (our reading, see code-lists NATURE_DROIT). */
  readonly natureDroit: CodedValue | null;
  /** Start of validity. */
  readonly dateOuvertureDuDroit: string;
  /** End of validity. */
  readonly dateEcheanceDuDroit: string;
  /** No_Qualification: 1 cible, 2 alternative. */
  readonly qualification: CodedValue | null;
  readonly amendementCreton: boolean | null;
  readonly existencePAG: boolean | null;
  readonly motifFinPAG: CodedValue | null;
  readonly caracterisation: Caracterisation | null;
  readonly detail: DetailTypeDroitPrestation | null;
}

export interface ParsedDecision {
  readonly document: DocumentHeader;
  readonly person: DecisionPerson;
  readonly parents: readonly Informant[];
  readonly decision: DecisionCore;
  /** 0..1 in the IG: a closure may come without it. */
  readonly droitPrestation: DroitPrestation | null;
}

/** Sub-sections of the evaluation (guide SDO 4.0.7, CDA « Evaluation »), by template id. */
export type EvaluationSubSection =
  'environnement' | 'personnel' | 'scolaireProfessionnel' | 'evolutionBesoins' | 'autre';

export const EVALUATION_SUB_SECTION_TEMPLATES: Readonly<Record<Exclude<EvaluationSubSection, 'autre'>, string>> = {
  environnement: '1.2.250.1.213.1.1.2.230',
  personnel: '1.2.250.1.213.1.1.2.231',
  scolaireProfessionnel: '1.2.250.1.213.1.1.2.232',
  evolutionBesoins: '1.2.250.1.213.1.1.2.233',
};

export const EVALUATION_SUB_SECTION_LABELS: Readonly<Record<EvaluationSubSection, string>> = {
  environnement: 'Éléments environnementaux',
  personnel: 'Éléments personnels',
  scolaireProfessionnel: 'Éléments scolaires ou professionnels',
  evolutionBesoins: 'Évolution et besoins',
  autre: 'Autres éléments',
};

export interface EvaluationObservation {
  readonly subSection: EvaluationSubSection;
  /** Entry template id (e.g. 1.2.250.1.213.1.1.3.177). */
  readonly templateId: string | null;
  /** `code/originalText`, e.g. `CompositionFoyer`. */
  readonly name: string;
  readonly code: string | null;
  readonly display: string | null;
  readonly codeSystem: string | null;
}

export interface ParsedEvaluation {
  readonly document: DocumentHeader;
  /** The person ids, when the document carries them (patientRole is optional on the evaluation). */
  readonly ins: Ins | null;
  readonly idIndividu: string | null;
  readonly idMDPHResponsable: InstanceId | null;
  /** Section text: date of the last update of the evaluation. */
  readonly dateDerniereMiseAJour: string | null;
  /** In document order. */
  readonly observations: readonly EvaluationObservation[];
}
