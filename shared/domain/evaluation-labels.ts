/**
 * French labels of the MDPH evaluation's items (flux 3): the CDA names each observation by a technical key
 * (`code/originalText`, e.g. CompositionFoyer); the referent reads the words of the evaluation form.
 */
const EVALUATION_ITEM_LABELS: Readonly<Record<string, string>> = {
  AptitudePoste: 'Aptitude au poste',
  BesoinCompensation: 'Besoins de compensation',
  CaracteristiqueLogement: 'Caractéristiques du logement',
  CaracteristiqueTransport: 'Transport',
  CompositionFoyer: 'Composition du foyer',
  DeficiencePrincipale: 'Déficience principale',
  DeficienceSecondaire: 'Déficience secondaire',
  DifficulteRencontree: 'Difficultés rencontrées',
  EvaluationScolarite: 'Évaluation de la scolarité',
  EvolutionConstatee: 'Évolution constatée',
  EvolutionEnvisagee: 'Évolution envisagée',
  HandicapRare: 'Handicap rare',
  MaladieRare: 'Maladie rare',
  NiveauFormationProfessionnelle: 'Niveau de formation professionnelle',
  PathologiePrincipale: 'Pathologie principale',
  PathologieSecondaire: 'Pathologie secondaire',
  PerspectiveProfessionnelle: 'Perspectives professionnelles',
  PriseEnCharge: 'Prise en charge actuelle',
  RessourceProprePersonne: 'Ressources propres de la personne',
  SituationProfessionnelle: 'Situation professionnelle',
  SituationScolarite: 'Situation scolaire',
  TempsScolarisation: 'Temps de scolarisation',
  TypeHebergement: 'Type d’hébergement',
};

/** The item's French label; an unknown key is split into words ("NouvelElement" → "Nouvel element"). */
export function evaluationItemLabel(name: string): string {
  const known = EVALUATION_ITEM_LABELS[name];
  if (known) return known;
  const words = name
    .replace(/([a-zà-ÿ])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
