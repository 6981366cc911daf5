import { describe, expect, it } from 'vitest';
import { inReferentWords, withEstablishmentNames } from './referent-words';

const names = new Map([
  ['010000019', 'ESAT FICTIF LES TILLEULS'],
  ['2A0000019', 'FAM FICTIF DE CORSE'],
]);
const nameOf = (finess: string) => names.get(finess);

describe('withEstablishmentNames', () => {
  it('names the known establishments and leaves other numbers alone', () => {
    expect(withEstablishmentNames('décisions de 010000019 : le serveur ne répond pas', nameOf)).toBe(
      'décisions de ESAT FICTIF LES TILLEULS : le serveur ne répond pas',
    );
    expect(withEstablishmentNames('statuts de 2A0000019', nameOf)).toBe('statuts de FAM FICTIF DE CORSE');
    // Unknown here: the number stays, there is no name to give.
    expect(withEstablishmentNames('unités ROR de 010000027', nameOf)).toBe('unités ROR de 010000027');
    // Part of a longer identifier (idNat "1" + FINESS, a decision number): not a FINESS.
    expect(withEstablishmentNames('1010000019 DEC-010000019', nameOf)).toBe('1010000019 DEC-010000019');
  });
});

describe('inReferentWords', () => {
  it('moves the rule names to the technical detail', () => {
    expect(
      inReferentWords('Entrée DocumentReference sans id ignorée (EG 010000019, règle entree-sans-id).', nameOf),
    ).toEqual({
      text: 'Entrée DocumentReference sans id ignorée (EG ESAT FICTIF LES TILLEULS).',
      technical: 'règle entree-sans-id',
    });
    expect(inReferentWords('Entrée ignorée de 010000019 : Patient/1 (règle entree-type-inattendu).', nameOf)).toEqual({
      text: 'Entrée ignorée de ESAT FICTIF LES TILLEULS : Patient/1.',
      technical: 'règle entree-type-inattendu',
    });
  });

  it('leaves a plain French message as it is', () => {
    expect(inReferentWords('Le serveur ne répond pas.', nameOf)).toEqual({
      text: 'Le serveur ne répond pas.',
      technical: null,
    });
  });
});
