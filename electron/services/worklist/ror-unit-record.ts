/** A `ror_unit` row as the status reports, the actions and the onboarding checklist read it. */
import type { UnitIdentity } from '@shared/domain/status-report';

/** The `ror_unit` columns that identify a unit in a Task (the five ROR fields and its name). */
export interface RorUnitRecord {
  id_ror: string;
  name: string;
  categorie_organisation: string | null;
  temporalite_accueil: string | null;
  accueil_sequentiel: number | null;
  mode_prise_charge: string | null;
}

/**
 * The unit as a Task carries it, or undefined when its category or mode is missing: a unit status needs both
 * (invariant regle-StatutUnite).
 */
export function unitIdentityOf(u: RorUnitRecord): UnitIdentity | undefined {
  if (!u.categorie_organisation || !u.mode_prise_charge) return undefined;
  return {
    idUnite: u.id_ror,
    nomUnite: u.name,
    categorieOrganisation: u.categorie_organisation,
    modePriseCharge: u.mode_prise_charge,
    ...(u.temporalite_accueil ? { temporaliteAccueil: u.temporalite_accueil } : {}),
    ...(u.accueil_sequentiel !== null ? { accueilSequentiel: u.accueil_sequentiel === 1 } : {}),
  };
}
