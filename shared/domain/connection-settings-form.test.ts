import { describe, expect, it } from 'vitest';
import { connectionSettingsErrors } from './connection-settings-form';

const valid = { fhirBaseUrl: 'https://127.0.0.1:8443/fhir', tokenUrl: 'https://vt.exemple.fr/token', clientId: 'esms' };

describe('Paramètres connection form checks', () => {
  it('accepts a complete form', () => {
    expect(connectionSettingsErrors(valid)).toEqual({});
    expect(connectionSettingsErrors({ ...valid, proxyUrl: 'http://proxy.exemple.fr:3128' })).toEqual({});
  });

  it('refuses an empty form with one French message per field', () => {
    expect(connectionSettingsErrors({ fhirBaseUrl: ' ', tokenUrl: '', clientId: '' })).toEqual({
      fhirBaseUrl: 'Saisissez l’adresse de l’API FHIR.',
      tokenUrl: 'Saisissez l’adresse du service de jeton.',
      clientId: 'Saisissez l’identifiant client fourni par ViaTrajectoire.',
    });
  });

  it('refuses what is not an https address', () => {
    const errors = connectionSettingsErrors({ ...valid, fhirBaseUrl: 'vt.exemple.fr/fhir', tokenUrl: 'http://x/t' });
    expect(errors.fhirBaseUrl).toMatch(/^Adresse invalide : elle commence par https:\/\//);
    expect(errors.tokenUrl).toMatch(/^Adresse invalide/);
    expect(connectionSettingsErrors({ ...valid, proxyUrl: 'proxy sans schéma' }).proxyUrl).toMatch(/^Adresse de proxy/);
  });
});
