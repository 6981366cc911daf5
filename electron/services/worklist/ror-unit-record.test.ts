import { describe, expect, it } from 'vitest';
import { unitIdentityOf, type RorUnitRecord } from './ror-unit-record';

const unit: RorUnitRecord = {
  id_ror: 'UNITE-FICTIVE-1',
  name: 'Unité fictive',
  categorie_organisation: '215',
  temporalite_accueil: '1',
  accueil_sequentiel: 0,
  mode_prise_charge: '46',
};

describe('unitIdentityOf', () => {
  it('maps the five ROR fields and the name to the Task unit', () => {
    expect(unitIdentityOf(unit)).toEqual({
      idUnite: 'UNITE-FICTIVE-1',
      nomUnite: 'Unité fictive',
      categorieOrganisation: '215',
      modePriseCharge: '46',
      temporaliteAccueil: '1',
      accueilSequentiel: false,
    });
  });

  it('leaves out the optional fields the unit does not have', () => {
    expect(unitIdentityOf({ ...unit, temporalite_accueil: null, accueil_sequentiel: null })).toEqual({
      idUnite: 'UNITE-FICTIVE-1',
      nomUnite: 'Unité fictive',
      categorieOrganisation: '215',
      modePriseCharge: '46',
    });
  });

  it('gives nothing for a unit without category or mode (regle-StatutUnite)', () => {
    expect(unitIdentityOf({ ...unit, categorie_organisation: null })).toBeUndefined();
    expect(unitIdentityOf({ ...unit, mode_prise_charge: null })).toBeUndefined();
  });
});
