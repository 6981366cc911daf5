/**
 * The DocumentReference stored without the base64 of its CDA (kept decoded in raw_cda) is rebuilt byte for byte;
 * anything the rebuild could not reproduce exactly is stored whole.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CDA_DATA_MARKER, compactDecisionResourceJson, decisionResourceJson } from './decision-store';

const first = (doc: Doc): Record<string, unknown> => doc.content[0]!.attachment;

const EXAMPLE = fs.readFileSync(
  new URL('../../fhir/examples/DocumentReference-exemple-esms-document-reference.json', import.meta.url),
  'utf8',
);

interface Doc {
  content: { attachment: Record<string, unknown> }[];
  description?: string;
}

/** A decision DocumentReference as the server sends it (parsed JSON) with its decoded CDA. */
function received(cda: string, mutate: (doc: Doc) => void = () => undefined) {
  const doc = JSON.parse(EXAMPLE) as Doc;
  first(doc).data = Buffer.from(cda, 'utf8').toString('base64');
  mutate(doc);
  const decoded = Buffer.from(first(doc).data as string, 'base64').toString('utf8');
  return { doc, raw: JSON.stringify(doc), decoded };
}

const CDA =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument>Décision d’orientation — fictive</ClinicalDocument>';

describe('decision resource storage', () => {
  it('stores the resource without its base64 CDA and rebuilds the received JSON exactly', () => {
    const { doc, raw, decoded } = received(CDA);
    const stored = compactDecisionResourceJson(doc, decoded);
    expect(stored).toBeDefined();
    expect(stored).toContain(`"data":"${CDA_DATA_MARKER}"`);
    expect(stored!.length).toBeLessThan(raw.length - Buffer.from(CDA).toString('base64').length + 20);
    expect(decisionResourceJson({ raw_resource_json: stored!, raw_cda: decoded })).toBe(raw);
    // The resource object is left as received.
    expect(JSON.stringify(doc)).toBe(raw);
  });

  it('rebuilds exactly whatever the CDA, the key order and the other contents hold', () => {
    const samples = ['', 'a', 'ab', 'abc', '\u0000', '😀 émoji', `"data":"${CDA_DATA_MARKER}"`, CDA.repeat(50)];
    for (const cda of samples) {
      const variants: ((doc: Doc) => void)[] = [
        () => undefined,
        (doc) => {
          doc.content.push({ attachment: { contentType: 'text/plain', data: 'QUJD' } });
        },
        (doc) => {
          // data first, then the other keys of the attachment.
          const { data, ...rest } = first(doc);
          doc.content[0] = { attachment: { data, ...rest } };
        },
        (doc) => {
          doc.description = `"data":"${CDA_DATA_MARKER}"`;
        },
      ];
      for (const mutate of variants) {
        const { doc, raw, decoded } = received(cda, mutate);
        const stored = compactDecisionResourceJson(doc, decoded);
        expect(decisionResourceJson({ raw_resource_json: stored!, raw_cda: decoded })).toBe(raw);
      }
    }
  });

  it('keeps the whole resource when the decoded CDA does not give back the same base64', () => {
    const cases: ((doc: Doc) => void)[] = [
      // Not UTF-8: decoding replaces the byte, so re-encoding differs.
      (doc) => {
        first(doc).data = Buffer.from([0x3c, 0xff, 0x3e]).toString('base64');
      },
      // Unpadded base64 is decoded the same but not re-encoded the same.
      (doc) => {
        first(doc).data = Buffer.from('ab').toString('base64').replace(/=+$/, '');
      },
    ];
    for (const mutate of cases) {
      const { doc, raw, decoded } = received(CDA, mutate);
      const stored = compactDecisionResourceJson(doc, decoded);
      expect(stored).toBe(raw);
      expect(decisionResourceJson({ raw_resource_json: stored!, raw_cda: decoded })).toBe(raw);
    }
  });

  it('refuses a resource that holds the marker itself: stored, it could not be told from a compacted one', () => {
    const marked: ((doc: Doc) => void)[] = [
      (doc) => {
        doc.content.push({ attachment: { data: CDA_DATA_MARKER } });
      },
      (doc) => {
        first(doc).data = CDA_DATA_MARKER;
      },
    ];
    for (const mutate of marked) {
      const { doc, decoded } = received(CDA, mutate);
      expect(compactDecisionResourceJson(doc, decoded)).toBeUndefined();
    }
  });
});
