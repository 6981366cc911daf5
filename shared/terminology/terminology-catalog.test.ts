import { describe, expect, it } from 'vitest';
import { sdoSettings, sdoVersion, SDO_VERSION_IDS } from '../domain/sdo-versions';
import { MODE_PRISE_CHARGE } from './code-lists';
import { BUILTIN_TERMINOLOGY, modesPriseChargeInForce, TerminologyCatalog } from './terminology-catalog';

const J264 = MODE_PRISE_CHARGE.id;
const codes = (concepts: readonly { code: string }[]) => concepts.map((c) => c.code);

describe('SDO versions table', () => {
  it('lists each release once, with a terminology release the product knows', () => {
    expect(new Set(SDO_VERSION_IDS).size).toBe(SDO_VERSION_IDS.length);
    for (const id of SDO_VERSION_IDS) expect(BUILTIN_TERMINOLOGY.has(sdoVersion(id).terminologyRelease)).toBe(true);
  });

  it('fails loudly on a release it does not know instead of taking another one', () => {
    expect(() => sdoVersion('4.0.9')).toThrow(/4\.0\.9/);
    expect(() => BUILTIN_TERMINOLOGY.at('9.9.9')).toThrow(/9\.9\.9/);
  });
});

describe('JDV_J264 across terminology releases', () => {
  it('has 46, 47, 48, 49 in release 1.10.0 (version 2026-06-01) and 46, 47, 48, 238 in 1.12.0 (2026-07-30)', () => {
    const pinned = BUILTIN_TERMINOLOGY.at('1.10.0').list(J264);
    expect(pinned).toMatchObject({ version: '20260601120000', validFrom: '2026-06-01', validTo: '2026-07-30' });
    expect(codes(pinned.concepts)).toEqual(['46', '47', '48', '49']);
    const later = BUILTIN_TERMINOLOGY.at('1.12.0').list(J264);
    expect(later).toMatchObject({ version: '20260730120000', validFrom: '2026-07-30' });
    expect(later.validTo).toBeUndefined();
    expect(codes(later.concepts)).toEqual(['46', '47', '48', '238']);
  });

  it('labels code 49 « Sur les lieux de vie » even under a release that retired it', () => {
    expect(BUILTIN_TERMINOLOGY.at('1.10.0').label(J264, '49')).toBe('Sur les lieux de vie');
    expect(BUILTIN_TERMINOLOGY.at('1.12.0').label(J264, '49')).toBe('Sur les lieux de vie');
    expect(BUILTIN_TERMINOLOGY.at('1.12.0').label(J264, '999')).toBeUndefined();
  });

  it('offers the codes in force for the guide release and the terminology release of an environment', () => {
    const inForce = (settings: ReturnType<typeof sdoSettings>) =>
      codes(modesPriseChargeInForce(settings, BUILTIN_TERMINOLOGY.at(settings.terminologyRelease)));
    expect(inForce(sdoSettings('4.0.7'))).toEqual(['46', '47', '48', '49']);
    // 4.0.5's invariant regle-ModePriseEnCharge narrows the list.
    expect(inForce(sdoSettings('4.0.5'))).toEqual(['46', '47', '48']);
    // ViaTrajectoire moved ahead of the guide.
    expect(inForce(sdoSettings('4.0.7', '1.12.0'))).toEqual(['46', '47', '48', '238']);
  });

  it('takes a new release as data: a new code offered, a retired one still labelled, other lists inherited', () => {
    const catalog = BUILTIN_TERMINOLOGY.with([
      {
        release: '1.13.0',
        lists: {
          [J264]: {
            version: '20261201120000',
            concepts: [
              { code: '46', display: 'Hébergement (accueil jour et nuit)' },
              { code: '250', display: 'Mode de démonstration' },
            ],
          },
        },
      },
    ]);
    const lists = catalog.at('1.13.0');
    expect(lists.list(J264)).toMatchObject({ version: '20261201120000', validFrom: '2026-12-01' });
    expect(codes(lists.list(J264).concepts)).toEqual(['46', '250']);
    expect(lists.label(J264, '48')).toBe('Accueil de nuit');
    expect(catalog.at('1.12.0').list(J264).validTo).toBe('2026-12-01');
    expect(lists.list('JDV_J252-StatutPersonnePriseChargeESMS')).toBe(
      catalog.at('1.12.0').list('JDV_J252-StatutPersonnePriseChargeESMS'),
    );
    expect(catalog.releaseIds()).toEqual(['1.10.0', '1.12.0', '1.13.0']);
  });

  it('refuses a release entry without codes for a version it cannot find', () => {
    expect(
      () => new TerminologyCatalog([MODE_PRISE_CHARGE], [{ release: '2.0.0', lists: { [J264]: { version: 'x' } } }]),
    ).toThrow(/n’a pas de codes/);
  });
});
