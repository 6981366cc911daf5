import { describe, expect, it } from 'vitest';
import { readXmlTree, XmlDoctypeError, XmlLimitError, XmlSyntaxError, type XmlNode } from './cda-xml-reader';

const kids = (node: XmlNode | undefined, name: string) => (node?.[name] as XmlNode[] | undefined) ?? [];
const kid = (node: XmlNode | undefined, name: string) => kids(node, name)[0];

function syntaxError(xml: string): XmlSyntaxError {
  try {
    readXmlTree(xml);
  } catch (e) {
    expect(e).toBeInstanceOf(XmlSyntaxError);
    return e as XmlSyntaxError;
  }
  throw new Error('XmlSyntaxError attendue');
}

describe('readXmlTree — the tree the CDA parser reads', () => {
  it('maps children to arrays, attributes to @name, direct text and CDATA to #text (raw, untrimmed)', () => {
    const doc = readXmlTree(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- head --><r a="1" b=\'x &amp; y\'>\n' +
        '  <c>one</c><c k="v"/><?pi data?><d>A<!-- skip -->B<![CDATA[<&>]]>C</d>\n</r>',
    );
    const r = kid(doc, 'r');
    expect(r?.['@a']).toBe('1');
    expect(r?.['@b']).toBe('x &amp; y');
    expect(kids(r, 'c').map((c) => c['#text'] ?? c['@k'])).toEqual(['one', 'v']);
    expect(kid(r, 'd')?.['#text']).toBe('AB<&>C');
    expect(r?.['#text']).toBe('\n  \n');
  });

  it('strips namespace prefixes from elements and attributes and drops xmlns declarations', () => {
    const doc = readXmlTree('<hl7:r xmlns:hl7="urn:hl7-org:v3" xmlns="x"><ext:d xsi:type="CD"/></hl7:r>');
    const r = kid(doc, 'r');
    expect(Object.keys(r ?? {})).toEqual(['d']);
    expect(kid(r, 'd')).toEqual(Object.assign(Object.create(null), { '@type': 'CD' }));
  });

  it('treats constructor and __proto__ as plain element names', () => {
    const doc = readXmlTree('<r><__proto__ a="1"/><constructor/></r>');
    const r = kid(doc, 'r');
    expect(kid(r, '__proto__')?.['@a']).toBe('1');
    expect(kids(r, 'constructor')).toHaveLength(1);
    expect(kids(kid(r, '__proto__'), 'constructor')).toEqual([]);
  });

  it('nodes inherit no name: Object.prototype’s members are neither read nor reachable', () => {
    const doc = readXmlTree('<r><toString/><hasOwnProperty a="1"/></r>');
    const r = kid(doc, 'r');
    expect(kids(r, 'toString')).toHaveLength(1);
    expect(kid(r, 'hasOwnProperty')?.['@a']).toBe('1');
    for (const name of ['toString', 'valueOf', 'constructor', '__proto__', '__defineGetter__']) {
      expect(kid(r, 'hasOwnProperty')?.[name]).toBeUndefined();
      expect(doc[name]).toBeUndefined();
    }
    expect(Object.keys(r ?? {})).toEqual(['toString', 'hasOwnProperty']);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(r))).toBeNull();
  });

  it('refuses elements nested deeper than maxDepth (64 by default), reads exactly maxDepth', () => {
    const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    expect(() => readXmlTree(nested(64))).not.toThrow();
    expect(() => readXmlTree(nested(65))).toThrow(XmlLimitError);
    expect(() => readXmlTree(nested(5000))).toThrow(XmlLimitError);
    expect(() => readXmlTree(nested(3), { maxDepth: 2 })).toThrow(XmlLimitError);
    expect(() => readXmlTree(`<a>${'<b/>'.repeat(1000)}</a>`, { maxDepth: 2 })).not.toThrow();
  });

  it('refuses more elements than maxElements (10,000 by default)', () => {
    expect(() => readXmlTree(`<a>${'<b/>'.repeat(9_999)}</a>`)).not.toThrow();
    expect(() => readXmlTree(`<a>${'<b/>'.repeat(10_000)}</a>`)).toThrow(XmlLimitError);
    expect(() => readXmlTree('<a><b/><b/></a>', { maxElements: 2 })).toThrow(XmlLimitError);
  });

  it('reads an element with 60,000 attributes (names checked in a set beyond 16) and refuses a repeated one', () => {
    const attributes = Array.from({ length: 60_000 }, (_, i) => ` a${i}="x"`).join('');
    const doc = readXmlTree(`<r${attributes}/>`);
    expect(kid(doc, 'r')?.['@a59999']).toBe('x');
    expect(() => readXmlTree('<r a1="x" a2="y" a1="z"/>')).toThrow(XmlSyntaxError);
    expect(() => readXmlTree(`<r${attributes} a17="y"/>`)).toThrow(XmlSyntaxError);
    expect(() => readXmlTree(`<r${attributes} a59999="y"/>`)).toThrow(XmlSyntaxError);
  });

  it('refuses a DOCTYPE (no DTD, no entity expansion)', () => {
    expect(() => readXmlTree('<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>')).toThrow(XmlDoctypeError);
  });

  it.each([
    ['mismatched closing tag', '<r><a></b></r>'],
    ['unclosed element', '<r><a></a>'],
    ['two roots', '<r/><s/>'],
    ['text after the root', '<r/>x'],
    ['no element', '  '],
    ['unquoted attribute', '<r a=1/>'],
    ['attribute without value', '<r a/>'],
    ['repeated attribute', '<r a="1" a="2"/>'],
    ['attributes without space', '<r a="1"b="2"/>'],
    ['< in an attribute value', '<r a="x<y"/>'],
    ['bare & in text', '<r>a & b</r>'],
    ['unterminated reference in an attribute', '<r a="&apos x"/>'],
    ['invalid element name', '<1r/>'],
    ['unterminated comment', '<r><!-- x</r>'],
    ['unterminated CDATA', '<r><![CDATA[x</r>'],
    ['malformed XML declaration', '<?xml version=1.0?><r/>'],
    ['XML declaration after the start', '<r/><?xml version="1.0"?>'],
  ])('refuses %s', (_label, xml) => {
    expect(syntaxError(xml).line).toBeGreaterThan(0);
  });

  it('reports the line and column of the error, never content', () => {
    const error = syntaxError('<r>\n  <a>secret</b>\n</r>');
    expect([error.line, error.column]).toEqual([2, 12]);
    expect(error.message).not.toContain('secret');
  });
});
