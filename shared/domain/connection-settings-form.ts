/**
 * The checks of Paramètres' connection form, in French, beside each field: the same rules in the renderer (before
 * sending) and in main (a request that skipped the form is refused the same way).
 */

export interface ConnectionSettingsFields {
  readonly fhirBaseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  /** Only when the proxy is given by hand. */
  readonly proxyUrl?: string | undefined;
}

export type ConnectionSettingsErrors = Partial<Record<keyof ConnectionSettingsFields, string>>;

const HTTPS_URL = /^https:\/\/[^\s/?#@]+(:\d{1,5})?(\/\S*)?$/i;
const HTTP_URL = /^https?:\/\/([^\s/?#@]+@)?[^\s/?#@]+(:\d{1,5})?\/?$/i;

function httpsUrlError(value: string, what: string, example: string): string | undefined {
  const v = value.trim();
  if (v === '') return `Saisissez ${what}.`;
  if (!HTTPS_URL.test(v)) return `Adresse invalide : elle commence par https://, par exemple ${example}.`;
  return undefined;
}

/** The message of each field that is not acceptable; an empty object when the form can be saved. */
export function connectionSettingsErrors(f: ConnectionSettingsFields): ConnectionSettingsErrors {
  const errors: Record<string, string | undefined> = {
    fhirBaseUrl: httpsUrlError(f.fhirBaseUrl, 'l’adresse de l’API FHIR', 'https://exemple.fr/fhir'),
    tokenUrl: httpsUrlError(f.tokenUrl, 'l’adresse du service de jeton', 'https://exemple.fr/token'),
    clientId: f.clientId.trim() === '' ? 'Saisissez l’identifiant client fourni par ViaTrajectoire.' : undefined,
    proxyUrl:
      f.proxyUrl === undefined || HTTP_URL.test(f.proxyUrl.trim())
        ? undefined
        : 'Adresse de proxy invalide : http://hôte:port, par exemple http://proxy.exemple.fr:3128.',
  };
  return Object.fromEntries(Object.entries(errors).filter(([, m]) => m !== undefined));
}
