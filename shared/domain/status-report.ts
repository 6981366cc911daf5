/**
 * One status event of flux 4 (one ESMSTask), in business terms. Built by the referent's actions
 * (shared/domain/referent-actions.ts), turned into a Task by electron/services/fhir, read back from flux 5 Tasks.
 */
export interface UnitIdentity {
  /** ROR id of the unit (organisation interne), system https://oi.esante.gouv.fr */
  readonly idUnite: string;
  readonly nomUnite: string;
  /** JDV_J34 code */
  readonly categorieOrganisation: string;
  /** JDV_J264 code (46/47/48 in a Task) */
  readonly modePriseCharge: string;
  /** JDV_J30 code */
  readonly temporaliteAccueil?: string;
  readonly accueilSequentiel?: boolean;
}

export interface StatusReport {
  /** "1" + FINESS of the ESMS (EG) */
  readonly idNatStruct: string;
  readonly nomESMS: string;
  readonly idDecision: string;
  readonly idNatDecision: string;
  /** JDV_J252 */
  readonly statutESMS?: string;
  /** JDV_J251 */
  readonly motifESMS?: string;
  /** business date, YYYY-MM-DD */
  readonly dateStatutESMS?: string;
  readonly unit?: UnitIdentity;
  /** JDV_J253 */
  readonly statutUnite?: string;
  /** JDV_J250 */
  readonly motifUnite?: string;
  readonly dateStatutUnite?: string;
  /** Task.description: MDPH or user comment */
  readonly description?: string;
}
