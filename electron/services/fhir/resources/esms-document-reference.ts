/** Flux 1.4 / 3.2 (server side, used by the sandbox): a decision or evaluation CDA wrapped in an ESMSDocumentReference. */
import { Buffer } from 'node:buffer';
import { DOCUMENT_TYPE, LOINC, PROFILE } from '../sdo-canonicals';
import type { EsmsDocumentReference } from './fhir-json';

export interface DecisionDocumentInput {
  readonly id: string;
  /** Decision id unique within the MDPH (identifier use = usual). */
  readonly idDecision: string;
  /** National decision id of the SI-SdO (identifier use = official). */
  readonly idNatDecision: string;
  readonly cdaXml: string;
  readonly lastUpdated: string;
  readonly kind: 'decision' | 'evaluation';
}

export function buildDecisionDocumentReference(input: DecisionDocumentInput): EsmsDocumentReference {
  const type = DOCUMENT_TYPE[input.kind];
  return {
    resourceType: 'DocumentReference',
    id: input.id,
    meta: { lastUpdated: input.lastUpdated, profile: [PROFILE.esmsDocumentReference] },
    identifier: [
      { use: 'usual', value: input.idDecision },
      { use: 'official', value: input.idNatDecision },
    ],
    status: 'current',
    type: { coding: [{ system: LOINC, code: type.code, display: type.display }] },
    content: [
      {
        attachment: {
          contentType: 'text/xml',
          language: 'fr',
          data: Buffer.from(input.cdaXml, 'utf8').toString('base64'),
          // regle-NomPieceJointe-type pairs this title with the LOINC code.
          title: type.title,
        },
      },
    ],
  };
}
