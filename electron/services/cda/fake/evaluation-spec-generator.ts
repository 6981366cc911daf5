/**
 * Fake evaluation ("Document évaluation", flux 3.2) for a fake decision: same idNat_Decision (setId), same person ids.
 * Codes and labels are those of the official example CDA_SI-ESMS_Evaluation.xml (nomenclature values, no person data).
 */
import type { EvaluationObservation, EvaluationSubSection, ParsedEvaluation } from '@shared/domain/decision';
import { FAKE_DOCUMENT_ID_ROOT, addDays, type DecisionSpec } from './decision-spec-generator';
import { createSeededRandom } from './seeded-random';

export interface EvaluationSpec {
  readonly seed: number;
  /** OID written as the root of idIndividu (the evaluation keeps only the value). */
  readonly idIndividuMdphOid: string | null;
  /** Exactly what parseEvaluationCda(renderEvaluationCda(spec)) returns. */
  readonly evaluation: ParsedEvaluation;
}

type Row = readonly [EvaluationSubSection, string, string, string, string, string, 'one' | 'many'];

/** [sub-section, entry template, originalText, code, display, code system, cardinality]. */
const ROWS: readonly Row[] = [
  [
    'environnement',
    '1.2.250.1.213.1.1.3.177',
    'CompositionFoyer',
    'II.1.bis.1',
    'vit seule',
    '1.2.250.1.213.3.3.106',
    'many',
  ],
  [
    'environnement',
    '1.2.250.1.213.1.1.3.178',
    'TypeHebergement',
    'III.1.1',
    'Domicile personnel',
    '1.2.250.1.213.3.3.207',
    'many',
  ],
  [
    'environnement',
    '1.2.250.1.213.1.1.3.179',
    'CaracteristiqueLogement',
    'III.5.4',
    'logement accessible, adapté',
    '1.2.250.1.213.3.3.99',
    'many',
  ],
  [
    'environnement',
    '1.2.250.1.213.1.1.3.181',
    'CaracteristiqueTransport',
    'IV.2',
    'utilisation des transports en commun',
    '1.2.250.1.213.3.3.201',
    'many',
  ],
  [
    'personnel',
    '1.2.250.1.213.1.1.3.182',
    'PathologiePrincipale',
    'A81',
    'Infections atypiques à virus, du système nerveux central',
    '1.2.250.1.213.3.3.162',
    'one',
  ],
  [
    'personnel',
    '1.2.250.1.213.1.1.3.184',
    'MaladieRare',
    'VII.1.b',
    "non, ce n'est pas une maladie rare",
    '1.2.250.1.213.3.3.224',
    'one',
  ],
  [
    'personnel',
    '1.2.250.1.213.1.1.3.186',
    'DeficiencePrincipale',
    '9999',
    'Pas de déficience',
    '1.2.250.1.213.3.3.108',
    'one',
  ],
  [
    'personnel',
    '1.2.250.1.213.1.1.3.188',
    'PriseEnCharge',
    'VII.10.2.k.3',
    "nécessité d'assurer une prévention pulmonaire",
    '1.2.250.1.213.3.3.170',
    'many',
  ],
  [
    'scolaireProfessionnel',
    '1.2.250.1.213.1.1.3.190',
    'SituationScolarite',
    'II.2.2.a.9',
    'Formation en CFA',
    '1.2.250.1.213.3.3.178',
    'one',
  ],
  [
    'scolaireProfessionnel',
    '1.2.250.1.213.1.1.3.194',
    'SituationProfessionnelle',
    'VI.3.bis.2.e',
    'travaille en CDI',
    '1.2.250.1.213.3.3.179',
    'one',
  ],
  [
    'evolutionBesoins',
    '1.2.250.1.213.1.1.3.197',
    'EvolutionEnvisagee',
    'VII.7.2',
    'stabilité envisagée',
    '1.2.250.1.213.3.3.124',
    'one',
  ],
  [
    'evolutionBesoins',
    '1.2.250.1.213.1.1.3.199',
    'BesoinCompensation',
    '9999',
    'Pas de besoins',
    '1.2.250.1.213.3.3.94',
    'many',
  ],
];

/** Evaluation matching a decision spec; deterministic from the decision's seed. */
export function generateEvaluationFor(decision: DecisionSpec): EvaluationSpec {
  const seed = (decision.seed ^ 0x5eed) >>> 0;
  const rnd = createSeededRandom(seed);
  const d = decision.decision;
  const observations: EvaluationObservation[] = [];
  // Each item once: the same observation twice is not what an MDPH sends (and reads as a bug to a referent).
  for (const [subSection, templateId, name, code, display, codeSystem] of ROWS) {
    if (!rnd.chance(0.7)) continue;
    observations.push({ subSection, templateId, name, code, display, codeSystem });
  }
  // The evaluation is made before the CDAPH decides.
  const effective = addDays(d.decision.dateDeDecision, -rnd.int(0, 20));
  return {
    seed,
    idIndividuMdphOid: d.person.idIndividuMdphOid,
    evaluation: {
      document: {
        id: { root: FAKE_DOCUMENT_ID_ROOT, extension: `EVAL-${d.document.idNatDecision}-V1` },
        setId: d.document.setId,
        idNatDecision: d.document.idNatDecision,
        versionNumber: 1,
        effectiveTime: effective,
        replacedDocumentId: null,
      },
      ins: d.person.ins,
      idIndividu: d.person.idIndividu,
      idMDPHResponsable: d.person.idMDPHResponsable,
      dateDerniereMiseAJour: addDays(effective, -rnd.int(0, 10)),
      observations,
    },
  };
}
