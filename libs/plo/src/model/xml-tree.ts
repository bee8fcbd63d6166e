/**
 * Private XML tree for the model parsers and builders: a small, namespace-aware, non-validating
 * reader and a writer. It is deliberately strict and closed: no DOCTYPE (so no DTD, no external or
 * internal entities), only the five predefined entities and character references, bounded size
 * and depth. Validation against the XSDs is the job of the validation layer (`PloValidator`);
 * documents reach the parsers after it, so this reader only has to be correct on well-formed XML.
 *
 * Kept private to the model (no export from the lib index) so it can be replaced by the shared
 * safe parser in `src/xml/` without touching the public API.
 */

export interface XmlAttribute {
  /** Qualified name as written, e.g. `V`, `xmlns:fk1`, `xsi:schemaLocation`. */
  readonly name: string;
  readonly value: string;
}

export interface XmlElement {
  readonly kind: 'element';
  /** Qualified name as written (prefix kept, so the writer reproduces the document). */
  readonly name: string;
  readonly local: string;
  /** Resolved namespace URI ('' for none). */
  readonly ns: string;
  attrs: XmlAttribute[];
  children: XmlNode[];
  /** In-scope namespace bindings (prefix '' = default namespace). Not serialized. */
  readonly scope: ReadonlyMap<string, string>;
}

export interface XmlText {
  readonly kind: 'text';
  value: string;
}

export interface XmlComment {
  readonly kind: 'comment';
  readonly value: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

export interface XmlReadOptions {
  /** Maximum document size in bytes (UTF-8). Default 10 MB. */
  readonly maxBytes?: number;
  /** Maximum element nesting depth. Default 256. */
  readonly maxDepth?: number;
}

/**
 * A document this reader refuses; `code` is the kodeverk 8221 code it maps to: T01 for input that
 * is not well-formed XML, T99 for well-formed input refused by policy (a DOCTYPE or other markup
 * declaration, nesting deeper than the limit, a document over the size limit), so a caller can
 * tell "broken" from "hostile" (the same split as the validator's `SafeXmlParser`).
 */
export class XmlReadError extends Error {
  constructor(message: string, readonly offset?: number, readonly code: 'T01' | 'T99' = 'T01') {
    super(message);
    this.name = 'XmlReadError';
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
// Sticky: matched in place at the reader's position (slicing the input for each name was a
// fifth of the reader's time). Names longer than MAX_NAME are refused as not well-formed.
const NAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*/y;
const MAX_NAME = 256;
const ATTR_WS = /[\t\n\r]/g;
const ATTR_WS_ANY = /[\t\n\r]/;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Parses a document (string or UTF-8 bytes) into its root element. */
export function readXml(input: string | Uint8Array, options: XmlReadOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 256;
  let text: string;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input, 'utf8') > maxBytes) throw new XmlReadError('document exceeds the maximum size', undefined, 'T99');
    text = input;
  } else {
    if (input.byteLength > maxBytes) throw new XmlReadError('document exceeds the maximum size', undefined, 'T99');
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new XmlReadError('document is not valid UTF-8');
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return new Reader(text, maxDepth).document();
}

class Reader {
  private pos = 0;
  constructor(private readonly s: string, private readonly maxDepth: number) {}

  document(): XmlElement {
    this.misc(true);
    if (this.s[this.pos] !== '<') this.fail('no root element');
    const root = this.element(new Map([['xml', XML_NS]]), 1);
    this.misc(false);
    if (this.pos < this.s.length) this.fail('content after the root element');
    return root;
  }

  private fail(msg: string, code: 'T01' | 'T99' = 'T01'): never {
    throw new XmlReadError(`${msg} (at offset ${this.pos})`, this.pos, code);
  }

  /** Whitespace, comments, PIs (and the XML declaration) outside the root. */
  private misc(prolog: boolean): void {
    for (;;) {
      this.skipWs();
      if (this.s.startsWith('<?', this.pos)) {
        const end = this.s.indexOf('?>', this.pos);
        if (end < 0) this.fail('unterminated processing instruction');
        this.pos = end + 2;
      } else if (this.s.startsWith('<!--', this.pos)) {
        this.comment();
      } else if (this.s.startsWith('<!DOCTYPE', this.pos) || this.s.startsWith('<!', this.pos)) {
        // No DTDs at all: they are the door to external entities and entity expansion.
        this.fail(prolog ? 'DOCTYPE is not allowed' : 'markup declaration is not allowed', 'T99');
      } else return;
    }
  }

  private skipWs(): void {
    const s = this.s;
    let p = this.pos;
    for (let c = s.charCodeAt(p); c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a; c = s.charCodeAt(++p));
    this.pos = p;
  }

  private comment(): XmlComment {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    const value = this.s.slice(this.pos + 4, end);
    this.pos = end + 3;
    return { kind: 'comment', value };
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.s);
    if (!m) this.fail('name expected');
    if (m[0].length > MAX_NAME) this.fail('name too long');
    this.pos += m[0].length;
    return m[0];
  }

  private element(parentScope: ReadonlyMap<string, string>, depth: number): XmlElement {
    if (depth > this.maxDepth) this.fail('nesting too deep', 'T99');
    this.pos++; // '<'
    const name = this.name();
    const attrs: XmlAttribute[] = [];
    for (;;) {
      const before = this.pos;
      this.skipWs();
      const c = this.s[this.pos];
      if (c === '/' || c === '>') break;
      if (before === this.pos) this.fail('whitespace expected before attribute');
      const an = this.name();
      this.skipWs();
      if (this.s[this.pos] !== '=') this.fail('= expected');
      this.pos++;
      this.skipWs();
      const q = this.s[this.pos];
      if (q !== '"' && q !== "'") this.fail('quoted attribute value expected');
      const end = this.s.indexOf(q, this.pos + 1);
      if (end < 0) this.fail('unterminated attribute value');
      const raw = this.s.slice(this.pos + 1, end);
      if (raw.includes('<')) this.fail('< in attribute value');
      // Attribute-value normalisation: literal whitespace characters become spaces.
      const value = this.decode(ATTR_WS_ANY.test(raw) ? raw.replace(ATTR_WS, ' ') : raw);
      for (const a of attrs) if (a.name === an) this.fail('duplicate attribute');
      attrs.push({ name: an, value });
      this.pos = end + 1;
    }
    // Copied only when this element declares a namespace (most do not).
    let declared: Map<string, string> | undefined;
    for (const a of attrs) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) (declared ??= new Map(parentScope)).set(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
    }
    const scope: ReadonlyMap<string, string> = declared ?? parentScope;
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const local = colon < 0 ? name : name.slice(colon + 1);
    const ns = scope.get(prefix);
    if (ns === undefined && prefix !== '') this.fail('undeclared namespace prefix');
    for (const a of attrs) {
      const ac = a.name.indexOf(':');
      if (ac > 0 && a.name.slice(0, ac) !== 'xmlns' && !scope.has(a.name.slice(0, ac))) this.fail('undeclared attribute prefix');
    }
    const el: XmlElement = { kind: 'element', name, local, ns: ns ?? '', attrs, children: [], scope };
    if (this.s.startsWith('/>', this.pos)) {
      this.pos += 2;
      return el;
    }
    this.pos++; // '>'
    for (;;) {
      const lt = this.s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`unterminated element ${name}`);
      if (lt > this.pos) this.text(el, this.decode(this.s.slice(this.pos, lt)));
      this.pos = lt;
      // Dispatch on the character after '<': most are a child element or this element's end tag.
      const next = this.s.charCodeAt(lt + 1);
      if (next === 0x2f /* / */) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== name) this.fail(`mismatched end tag ${closing}, expected ${name}`);
        this.skipWs();
        if (this.s[this.pos] !== '>') this.fail('> expected');
        this.pos++;
        return el;
      }
      if (next === 0x21 /* ! */) {
        if (this.s.startsWith('<!--', this.pos)) el.children.push(this.comment());
        else if (this.s.startsWith('<![CDATA[', this.pos)) {
          const end = this.s.indexOf(']]>', this.pos);
          if (end < 0) this.fail('unterminated CDATA');
          this.text(el, this.s.slice(this.pos + 9, end));
          this.pos = end + 3;
        } else this.fail('markup declaration is not allowed', 'T99');
      } else if (next === 0x3f /* ? */) {
        const end = this.s.indexOf('?>', this.pos);
        if (end < 0) this.fail('unterminated processing instruction');
        this.pos = end + 2;
      } else el.children.push(this.element(scope, depth + 1));
    }
  }

  private text(el: XmlElement, value: string): void {
    const last = el.children[el.children.length - 1];
    if (last && last.kind === 'text') last.value += value;
    else el.children.push({ kind: 'text', value });
  }

  private decode(raw: string): string {
    if (raw.includes(']]>')) this.fail(']]> in content');
    // Most text and attribute values hold no reference at all.
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]{0,12});?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) this.fail('malformed entity reference');
      if (ref.startsWith('#x')) return this.char(parseInt(ref.slice(2), 16), ref);
      if (ref.startsWith('#')) return this.char(parseInt(ref.slice(1), 10), ref);
      const v = PREDEFINED[ref];
      if (v === undefined) this.fail('undefined entity');
      return v;
    });
  }

  private char(cp: number, ref: string): string {
    if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(`invalid character reference &${ref};`);
    return String.fromCodePoint(cp);
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

/** Escapes character data for element content. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (double-quoted); whitespace kept as character references. */
export function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Serializes an element subtree exactly as modelled (prefixes and declarations as stored). */
export function writeXml(el: XmlElement): string {
  const out: string[] = [];
  write(el, out);
  return out.join('');
}

function write(el: XmlElement, out: string[]): void {
  out.push('<', el.name);
  for (const a of el.attrs) out.push(' ', a.name, '="', escapeAttr(a.value), '"');
  if (el.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  for (const c of el.children) {
    if (c.kind === 'element') write(c, out);
    else if (c.kind === 'text') out.push(escapeText(c.value));
    else out.push('<!--', c.value.replace(/--/g, '- -'), '-->');
  }
  out.push('</', el.name, '>');
}

/**
 * Returns a copy of `el` that declares every namespace binding in scope at `el` which `el` does
 * not declare itself, so the subtree stays correct when embedded in another document.
 */
export function detach(el: XmlElement): XmlElement {
  const declared = new Set(el.attrs.filter((a) => a.name === 'xmlns' || a.name.startsWith('xmlns:')).map((a) => a.name));
  const extra: XmlAttribute[] = [];
  for (const [prefix, uri] of el.scope) {
    if (prefix === 'xml') continue;
    const attrName = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
    if (!declared.has(attrName)) extra.push({ name: attrName, value: uri });
  }
  return { ...el, attrs: [...el.attrs, ...extra] };
}

// ---------------------------------------------------------------------------------------------
// Navigation helpers (namespace-aware)

export const childElements = (el: XmlElement): XmlElement[] =>
  el.children.filter((c): c is XmlElement => c.kind === 'element');

/** Children with the given local name, in the given namespace (default: the parent's). */
export function children(el: XmlElement, local: string, ns: string = el.ns): XmlElement[] {
  return childElements(el).filter((c) => c.local === local && c.ns === ns);
}

export function child(el: XmlElement, local: string, ns: string = el.ns): XmlElement | undefined {
  return childElements(el).find((c) => c.local === local && c.ns === ns);
}

/** Concatenated text content of an element (descendants included). */
export function textOf(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  let s = '';
  for (const c of el.children) {
    if (c.kind === 'text') s += c.value;
    else if (c.kind === 'element') s += textOf(c) ?? '';
  }
  return s;
}

export function attr(el: XmlElement | undefined, name: string): string | undefined {
  return el?.attrs.find((a) => a.name === name)?.value;
}

/** First descendant (depth-first) with the given local name and namespace. */
export function descendant(el: XmlElement, local: string, ns?: string): XmlElement | undefined {
  for (const c of childElements(el)) {
    if (c.local === local && (ns === undefined || c.ns === ns)) return c;
    const d = descendant(c, local, ns);
    if (d) return d;
  }
  return undefined;
}
