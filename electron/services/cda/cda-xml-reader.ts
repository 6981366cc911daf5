/**
 * Single-pass XML reader for the CDA subset (replaces fast-xml-parser's validate + parse, two passes that cost
 * ~0.75 ms per decision during a sync). It checks well-formedness while it builds the tree the parser reads:
 *
 * - element → object; each child name maps to an array of child objects; attributes are `@name` strings; the
 *   element's direct character data (text and CDATA, concatenated, untrimmed, entities NOT decoded) is `#text`;
 * - namespace prefixes are stripped from element and attribute names (`cnsaSDO:decision` → `decision`), `xmlns`
 *   declarations are dropped (the caller checks the root's namespace on the raw text);
 * - comments and processing instructions are skipped; a DOCTYPE is refused (no DTD, no entity expansion);
 * - refused as not well-formed: mismatched/unclosed tags, several roots, text outside the root, bad names,
 *   unquoted/duplicate/spaceless attributes, `<` in an attribute value, a `&` that starts no valid reference,
 *   unterminated comments, CDATA or PIs.
 *
 * Nodes inherit nothing (their prototype is an empty object without a prototype), so an element named `constructor`
 * or `__proto__` is just a name.
 */

export type XmlNode = { readonly [key: string]: unknown };
type MutableNode = Record<string, unknown>;

export class XmlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (ligne ${line}, colonne ${column})`);
  }
}

/** Refused on purpose (not a syntax error): entity declarations are a denial-of-service and XXE vector. */
export class XmlDoctypeError extends Error {}

/** Bounds of the tree the reader builds; a document over one is refused before the tree grows further. */
export interface XmlLimits {
  /** Deepest element nesting (default 64; a CDA decision or evaluation is 11 deep). */
  readonly maxDepth?: number;
  /** Most elements in the document (default 10,000; the official evaluation has 210). */
  readonly maxElements?: number;
}

export const DEFAULT_XML_LIMITS = { maxDepth: 64, maxElements: 10_000 } as const;

/** The document exceeds one of its XmlLimits. */
export class XmlLimitError extends Error {
  constructor(
    readonly limit: keyof XmlLimits,
    readonly max: number,
  ) {
    super(limit === 'maxDepth' ? `imbrication XML au-delà de ${max} niveaux` : `plus de ${max} éléments XML`);
  }
}

/** Attribute names of one element are compared in a list up to this count, in a set beyond (no quadratic cost). */
const ATTRIBUTE_LIST_MAX = 16;

const NAME_START =
  '[:A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD]';
const NAME_CHAR = `(?:${NAME_START}|[-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040])`;
// eslint-disable-next-line no-misleading-character-class -- combining marks are NameChars in XML 1.0 (§2.3)
const XML_NAME = new RegExp(`^${NAME_START}${NAME_CHAR}*$`);
const XML_DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])1\.\d+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][\w.-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>$/;
const REFERENCE = /^&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][-\w.:]*);/;

const GT = 62; // >
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const DQUOTE = 34;
const SQUOTE = 39;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/** Qualified name → local name, validated once per distinct name (a CDA uses a few dozen). */
const localNames = new Map<string, string | null>();

function localName(qualified: string): string | null {
  let local = localNames.get(qualified);
  if (local !== undefined) return local;
  if (!XML_NAME.test(qualified)) {
    local = null;
  } else {
    const parts = qualified.split(':');
    local = parts.length === 2 ? (parts[1] ?? qualified) : qualified;
    if (local === '') local = null;
  }
  if (localNames.size < 10_000) localNames.set(qualified, local);
  return local;
}

/**
 * Qualified attribute name → its key in the node (`@` + local name), built once per distinct name: concatenated
 * for every attribute, the key was a new string to flatten and hash on each store (about a quarter of the reader's
 * time on a decision).
 */
const attributeKeys = new Map<string, string | null>();

function attributeKey(qualified: string): string | null {
  let key = attributeKeys.get(qualified);
  if (key !== undefined) return key;
  const local = localName(qualified);
  key = local === null ? null : '@' + local;
  if (attributeKeys.size < 10_000) attributeKeys.set(qualified, key);
  return key;
}

/**
 * Element nodes: instances of a constructor whose prototype is an empty object without a prototype, so that no
 * name (`constructor`, `__proto__`, `toString`) is inherited or reaches Object.prototype, while each node is an
 * ordinary object for V8: `Object.create(null)` makes a dictionary-mode object, twice the memory of the tree
 * (27 kB → 14 kB for a decision) and more to allocate and collect.
 */
const ElementNode = function ElementNode(this: MutableNode) {} as unknown as new () => MutableNode;
ElementNode.prototype = Object.create(null) as MutableNode;

interface OpenElement {
  readonly name: string;
  readonly node: MutableNode;
  readonly start: number;
}

/**
 * Parses `xml` into a document node whose only key is the root element's local name. Throws XmlSyntaxError,
 * XmlDoctypeError or XmlLimitError.
 */
export function readXmlTree(xml: string, limits: XmlLimits = {}): XmlNode {
  const maxDepth = limits.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth;
  const maxElements = limits.maxElements ?? DEFAULT_XML_LIMITS.maxElements;
  let elements = 0;
  const length = xml.length;
  const fail = (reason: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = xml.indexOf('\n'); i >= 0 && i < at; i = xml.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new XmlSyntaxError(reason, line, at - lineStart + 1);
  };
  const checkReferences = (from: number, to: number): void => {
    for (let amp = xml.indexOf('&', from); amp >= 0 && amp < to; amp = xml.indexOf('&', amp + 1)) {
      const match = REFERENCE.exec(xml.slice(amp, Math.min(to, amp + 64)));
      if (!match) fail('référence « & » invalide', amp);
    }
  };

  // Next `<` / `&` at or after a position that only grows: found once per character, not once per attribute (an
  // element with 60,000 attributes otherwise rescans the rest of its tag for each of them).
  let lessThanAt = -2;
  let ampersandAt = -2;
  const nextLessThan = (from: number): number =>
    lessThanAt === -1 || lessThanAt >= from ? lessThanAt : (lessThanAt = xml.indexOf('<', from));
  const nextAmpersand = (from: number): number =>
    ampersandAt === -1 || ampersandAt >= from ? ampersandAt : (ampersandAt = xml.indexOf('&', from));

  const document: MutableNode = new ElementNode();
  const stack: OpenElement[] = [];
  let current: MutableNode | undefined;
  let rootSeen = false;
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const firstContent = i;

  const addText = (from: number, to: number): void => {
    if (from >= to) return;
    if (!current) {
      for (let k = from; k < to; k++) if (!isSpace(xml.charCodeAt(k))) fail('texte hors de l’élément racine', k);
      return;
    }
    checkReferences(from, to);
    const segment = xml.slice(from, to);
    const previous = current['#text'];
    current['#text'] = previous === undefined ? segment : (previous as string) + segment;
  };

  while (i < length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      addText(i, length);
      break;
    }
    addText(i, lt);
    const next = xml.charCodeAt(lt + 1);

    if (next === QUESTION) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) fail('instruction de traitement non terminée', lt);
      const target = /^[^\s?]*/.exec(xml.slice(lt + 2, Math.min(end, lt + 40)))?.[0] ?? '';
      if (target.toLowerCase() === 'xml') {
        if (lt !== firstContent) fail('déclaration XML ailleurs qu’au début', lt);
        if (!XML_DECLARATION.test(xml.slice(lt, end + 2))) fail('déclaration XML mal formée', lt);
      } else if (localName(target) === null) {
        fail('instruction de traitement sans nom valide', lt);
      }
      i = end + 2;
      continue;
    }

    if (next === BANG) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end < 0) fail('commentaire non terminé', lt);
        i = end + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end < 0) fail('section CDATA non terminée', lt);
        if (!current) fail('section CDATA hors de l’élément racine', lt);
        const node = current as MutableNode;
        const previous = node['#text'];
        const segment = xml.slice(lt + 9, end);
        node['#text'] = previous === undefined ? segment : (previous as string) + segment;
        i = end + 3;
      } else if (xml.startsWith('<!DOCTYPE', lt)) {
        throw new XmlDoctypeError('DOCTYPE');
      } else {
        fail('balise « <! » inconnue', lt);
      }
      continue;
    }

    if (next === SLASH) {
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) fail('balise fermante non terminée', lt);
      let nameEnd = end;
      while (nameEnd > lt + 2 && isSpace(xml.charCodeAt(nameEnd - 1))) nameEnd--;
      const name = xml.slice(lt + 2, nameEnd);
      const open = stack.pop();
      if (!open) fail('balise fermante sans balise ouvrante', lt);
      if ((open as OpenElement).name !== name) fail('balise fermante qui ne correspond pas à la balise ouvrante', lt);
      current = stack[stack.length - 1]?.node;
      i = end + 1;
      continue;
    }

    // Start tag: name, attributes, then `>` or `/>`.
    let p = lt + 1;
    while (p < length) {
      const c = xml.charCodeAt(p);
      if (isSpace(c) || c === GT || c === SLASH) break;
      p++;
    }
    const qualified = xml.slice(lt + 1, p);
    const name = localName(qualified);
    if (name === null) fail('nom d’élément invalide', lt);
    if (!current && rootSeen) fail('plusieurs éléments racines', lt);
    const node: MutableNode = new ElementNode();
    if (++elements > maxElements) throw new XmlLimitError('maxElements', maxElements);
    let seen: string[] | undefined;
    let seenSet: Set<string> | undefined;
    let selfClosing = false;
    for (;;) {
      const spaceStart = p;
      while (p < length && isSpace(xml.charCodeAt(p))) p++;
      if (p >= length) fail('balise ouvrante non terminée', lt);
      const c = xml.charCodeAt(p);
      if (c === GT) {
        p++;
        break;
      }
      if (c === SLASH) {
        if (xml.charCodeAt(p + 1) !== GT) fail('« / » inattendu dans une balise', p);
        selfClosing = true;
        p += 2;
        break;
      }
      if (p === spaceStart) fail('attribut sans espace avant son nom', p);
      const attrStart = p;
      while (p < length) {
        const a = xml.charCodeAt(p);
        if (isSpace(a) || a === EQUALS || a === GT || a === SLASH) break;
        p++;
      }
      const attrName = xml.slice(attrStart, p);
      const attrKey = attributeKey(attrName);
      if (attrKey === null) fail('nom d’attribut invalide', attrStart);
      while (p < length && isSpace(xml.charCodeAt(p))) p++;
      if (xml.charCodeAt(p) !== EQUALS) fail('attribut sans valeur', attrStart);
      p++;
      while (p < length && isSpace(xml.charCodeAt(p))) p++;
      const quote = xml.charCodeAt(p);
      if (quote !== DQUOTE && quote !== SQUOTE) fail('valeur d’attribut sans guillemets', p);
      const valueEnd = xml.indexOf(quote === DQUOTE ? '"' : "'", p + 1);
      if (valueEnd < 0) fail('valeur d’attribut non terminée', p);
      const lessThan = nextLessThan(p + 1);
      if (lessThan >= 0 && lessThan < valueEnd) fail('« < » interdit dans une valeur d’attribut', lessThan);
      const ampersand = nextAmpersand(p + 1);
      if (ampersand >= 0 && ampersand < valueEnd) checkReferences(ampersand, valueEnd);
      if (seenSet ? seenSet.has(attrName) : seen?.includes(attrName)) fail('attribut répété', attrStart);
      if (seenSet) seenSet.add(attrName);
      else if ((seen ??= []).push(attrName) > ATTRIBUTE_LIST_MAX) seenSet = new Set(seen);
      // `xmlns` and `xmlns:x` declarations are not attributes of the data.
      if (attrName !== 'xmlns' && !attrName.startsWith('xmlns:')) node[attrKey as string] = xml.slice(p + 1, valueEnd);
      p = valueEnd + 1;
    }

    const parent = current ?? document;
    const siblings = parent[name as string];
    if (siblings === undefined) parent[name as string] = [node];
    else (siblings as MutableNode[]).push(node);
    rootSeen = true;
    if (!selfClosing) {
      if (stack.length >= maxDepth) throw new XmlLimitError('maxDepth', maxDepth);
      stack.push({ name: qualified, node, start: lt });
      current = node;
    }
    i = p;
  }

  const unclosed = stack[stack.length - 1];
  if (unclosed) fail('balise non fermée', unclosed.start);
  if (!rootSeen) fail('aucun élément', firstContent);
  return document;
}
