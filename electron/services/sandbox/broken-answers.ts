/**
 * The broken answers the Bac à sable screen offers for a decision's read (shared/domain/sandbox.ts names them), built
 * from the decision's real DocumentReference so each differs from a good answer by its defect alone.
 */
import type { SandboxBrokenAnswerId } from '@shared/domain/sandbox';
import { SANDBOX_BROKEN_ANSWERS } from '@shared/domain/sandbox';
import { buildDecisionDocumentReference } from '../fhir/resources';
import type { RawAnswer } from './sandbox-operations';
import type { DecisionRecord } from './sandbox-store';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const NESTING_DEPTH = 5_000;

export function brokenDecisionAnswer(
  decision: DecisionRecord,
  kind: SandboxBrokenAnswerId,
  options: { readonly once?: boolean } = {},
): RawAnswer {
  const document = buildDecisionDocumentReference({
    id: decision.id,
    kind: 'decision',
    idDecision: decision.idDecision,
    idNatDecision: decision.idNatDecision,
    lastUpdated: new Date(decision.lastUpdated).toISOString(),
    cdaXml: decision.cdaXml,
  });
  const json = JSON.stringify(document);
  const answer = (body: string, contentType = FHIR_JSON): RawAnswer => ({
    target: 'read',
    resourceType: 'DocumentReference',
    id: decision.id,
    status: 200,
    contentType,
    body,
    label: SANDBOX_BROKEN_ANSWERS.find((b) => b.id === kind)?.label ?? kind,
    ...(options.once ? { times: 1 } : {}),
  });
  switch (kind) {
    case 'reponse-tronquee':
      return answer(json.slice(0, Math.floor(json.length / 2)));
    case 'operationoutcome-200':
      return answer(
        JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'transient', diagnostics: 'Stockage documentaire indisponible' }],
        }),
      );
    case 'page-html':
      return answer(
        '<!DOCTYPE html><html lang="fr"><head><title>Maintenance</title></head>' +
          '<body><h1>Service en maintenance</h1><p>Veuillez réessayer plus tard.</p></body></html>',
        'text/html; charset=utf-8',
      );
    case 'reponse-vide':
      return answer('');
    case 'autre-identifiant':
      return answer(JSON.stringify({ ...document, id: `${decision.id}-autre` }));
    case 'imbrication-profonde': {
      let inner = '{"url":"http://exemple.invalid/e","valueString":"x"}';
      for (let i = 0; i < NESTING_DEPTH; i++) inner = `{"url":"http://exemple.invalid/e","extension":[${inner}]}`;
      return answer(`${json.slice(0, -1)},"extension":[${inner}]}`);
    }
  }
}
