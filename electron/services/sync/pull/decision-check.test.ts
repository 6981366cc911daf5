/**
 * checkDecisionResource on hostile bodies: whatever a check does with one resource — even throw — ends as that
 * item's named failure, never an exception for the page.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SDO_CONTEXT, buildDecisionDocumentReference } from '../../fhir';
import { generateDecisionBatch } from '../../cda/fake';
import { isItemFailure } from '../items/item-failure';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../items/item-store';
import { base64DecodedBytes, checkDecisionResource } from './decision-pull';

const ctx = {
  sdo: DEFAULT_SDO_CONTEXT,
  limits: { maxAttachmentBytes: DEFAULT_MAX_ATTACHMENT_BYTES, rereadDays: 7 },
};
const [fake] = generateDecisionBatch({ seed: 77, count: 1, finessEgs: ['010000019'], today: '2026-11-02' });

function documentReference(cdaXml = fake!.cdaXml): Record<string, unknown> {
  return buildDecisionDocumentReference({
    kind: 'decision',
    id: 'doc-1',
    idDecision: fake!.idDecision,
    idNatDecision: fake!.idNatDecision,
    cdaXml,
    lastUpdated: '2026-11-02T08:00:00.000+00:00',
  }) as unknown as Record<string, unknown>;
}

describe('checkDecisionResource', () => {
  it('takes in a valid DocumentReference', () => {
    const checked = checkDecisionResource(documentReference(), 'doc-1', ctx);
    expect(isItemFailure(checked)).toBe(false);
  });

  it('a check that throws on the resource is that item’s permanent failure, with a rule', () => {
    const hostile = documentReference();
    Object.defineProperty(hostile, 'status', {
      enumerable: true,
      get() {
        throw new RangeError('Maximum call stack size exceeded');
      },
    });
    const checked = checkDecisionResource(hostile, 'doc-1', ctx);
    expect(isItemFailure(checked)).toBe(true);
    expect(checked).toMatchObject({ failure: 'permanent', importable: false });
    expect(isItemFailure(checked) && checked.rule).toMatch(/^[a-z0-9-]+$/);
    expect(isItemFailure(checked) && checked.reason).toContain('DocumentReference/doc-1');
  });

  it('refuses an attachment over the limit from its base64 length, naming the limit', () => {
    const big = documentReference(
      fake!.cdaXml.replace('</ClinicalDocument>', `<!--${'x'.repeat(40_000)}--></ClinicalDocument>`),
    );
    const checked = checkDecisionResource(big, 'doc-1', {
      ...ctx,
      limits: { ...ctx.limits, maxAttachmentBytes: 32 * 1024 },
    });
    expect(checked).toMatchObject({ failure: 'permanent', rule: 'taille-piece-jointe' });
    expect(isItemFailure(checked) && checked.reason).toMatch(/limite de 0,03 Mio/);
  });

  it('computes the decoded size of base64 without decoding', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 1000, 1001, 1002]) {
      expect(base64DecodedBytes(Buffer.alloc(n, 7).toString('base64'))).toBe(n);
    }
  });
});
