/** Flux 2: the person's consent for the ESMS to read the evaluation of a decision (guide SDO 4.0.7, ESMSConsent). */
import { DEFAULT_SDO_VERSION, sdoVersion, type SdoVersion } from '@shared/domain/sdo-versions';
import { LOINC } from '../sdo-canonicals';
import type { EsmsConsent } from './fhir-json';

export interface ConsentInput {
  /** idNat_Struct of the ESMS that benefits from the consent (→ meta.source). */
  readonly idNatStruct: string;
  /** National id of the decision (→ provision.data.reference.identifier, logical reference). */
  readonly idNatDecision: string;
  /** Date the ESMS collected the consent (FHIR dateTime, usually YYYY-MM-DD). */
  readonly collectedOn: string;
  /** IG release whose Consent profile is declared (default: the first of SDO_VERSIONS). */
  readonly profileVersion?: SdoVersion;
}

export function buildEsmsConsent({
  idNatStruct,
  idNatDecision,
  collectedOn,
  profileVersion = DEFAULT_SDO_VERSION,
}: ConsentInput): EsmsConsent {
  return {
    resourceType: 'Consent',
    meta: { source: idNatStruct, profile: [sdoVersion(profileVersion).profiles.consent] },
    status: 'active',
    scope: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/consentscope',
          code: 'patient-privacy',
          display: 'Privacy Consent',
        },
      ],
    },
    category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Consent' }] }],
    dateTime: collectedOn,
    // Base rule ppc-1 wants a policy: the official example uses OPTIN.
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: { data: [{ meaning: 'related', reference: { identifier: { use: 'official', value: idNatDecision } } }] },
  };
}
