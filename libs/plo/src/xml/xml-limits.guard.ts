/**
 * Cheap checks that run on the raw bytes BEFORE libxml2 sees them: size, nesting depth and
 * DOCTYPE. They make hostile input (50 MB documents, deep nesting, entity tricks) cost one
 * linear scan in JS instead of wasm memory.
 */

/** Limits applied to every document. */
export interface XmlLimits {
  /** Maximum document size in bytes (UTF-8 bytes for string input). Default 10 MB. */
  maxBytes: number;
  /**
   * Maximum element nesting depth. Default 64 (the deepest official sample is 10). At most 256,
   * libxml2's own limit without XML_PARSE_HUGE (never set), so the pre-scan always fires first.
   */
  maxDepth: number;
}

/** libxml2's nesting limit when XML_PARSE_HUGE is not set. */
export const LIBXML2_MAX_DEPTH = 256;

/** 10 MB and 64 levels. */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 10 * 1024 * 1024, maxDepth: 64 });

/** A document rejected before parsing: T99 for a policy limit, T01 for input that cannot be XML. */
export interface LimitViolation {
  code: 'T01' | 'T99';
  message: string;
  line?: number;
}

/** Validates and completes user-supplied limits; throws RangeError on nonsense (a programming error). */
export function resolveXmlLimits(opts: Partial<XmlLimits> = {}): XmlLimits {
  const limits = { ...DEFAULT_XML_LIMITS, ...stripUndefined(opts) };
  for (const key of ['maxBytes', 'maxDepth'] as const) {
    const v = limits[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${key} must be a positive integer, got ${String(v)}`);
  }
  if (limits.maxDepth > LIBXML2_MAX_DEPTH) {
    throw new RangeError(`maxDepth must be at most ${LIBXML2_MAX_DEPTH} (libxml2's own limit), got ${limits.maxDepth}`);
  }
  return limits;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Input as bytes for the parser, plus whether the bytes were produced from a JS string. */
export interface PreparedInput {
  bytes: Uint8Array;
  fromString: boolean;
}

const utf8 = new TextEncoder();

/**
 * Converts the input to bytes, enforcing `maxBytes` first: a string longer than `maxBytes`
 * UTF-16 code units cannot fit (UTF-8 never needs fewer bytes than code units), so it is
 * rejected without encoding it.
 */
export function prepareInput(xml: string | Uint8Array, maxBytes: number): PreparedInput | LimitViolation {
  if (typeof xml === 'string') {
    if (xml.length > maxBytes) return tooLarge(`more than ${xml.length} bytes`, maxBytes);
    const bytes = utf8.encode(xml);
    if (bytes.byteLength > maxBytes) return tooLarge(`${bytes.byteLength} bytes`, maxBytes);
    return { bytes, fromString: true };
  }
  if (!(xml instanceof Uint8Array) && !ArrayBuffer.isView(xml)) {
    return { code: 'T01', message: 'input is neither a string nor bytes' };
  }
  if (xml.byteLength > maxBytes) return tooLarge(`${xml.byteLength} bytes`, maxBytes);
  return { bytes: xml, fromString: false };
}

function tooLarge(actual: string, maxBytes: number): LimitViolation {
  return { code: 'T99', message: `document too large: ${actual}, limit is ${maxBytes} bytes` };
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const BANG = 0x21; // !
const QMARK = 0x3f; // ?
const SLASH = 0x2f; // /
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const LF = 0x0a;

const DOCTYPE = [...'<!DOCTYPE'].map((c) => c.charCodeAt(0));
const COMMENT_OPEN = [...'<!--'].map((c) => c.charCodeAt(0));
const CDATA_OPEN = [...'<![CDATA['].map((c) => c.charCodeAt(0));
const COMMENT_CLOSE = [...'-->'].map((c) => c.charCodeAt(0));
const CDATA_CLOSE = [...']]>'].map((c) => c.charCodeAt(0));
const PI_CLOSE = [...'?>'].map((c) => c.charCodeAt(0));
const TAG_CLOSE = [GT];

type Units = Uint8Array | Uint16Array;

function startsWith(a: Units, i: number, seq: number[]): boolean {
  if (i + seq.length > a.length) return false;
  for (let k = 0; k < seq.length; k++) if (a[i + k] !== seq[k]) return false;
  return true;
}

/** Index just past `seq` at or after `from`, or -1; counts line feeds it passes over. */
function skipPast(a: Units, from: number, seq: number[], pos: { line: number }): number {
  const first = seq[0];
  for (let i = from; i < a.length; i++) {
    const c = a[i];
    if (c === LF) pos.line++;
    else if (c === first && startsWith(a, i, seq)) return i + seq.length;
  }
  return -1;
}

/**
 * The code units to scan: the bytes themselves for UTF-8/ASCII-compatible encodings (all markup
 * characters are ASCII), or the decoded UTF-16 code units when the document is UTF-16.
 */
function scanUnits(bytes: Uint8Array): Units | LimitViolation {
  const b0 = bytes[0];
  const b1 = bytes[1];
  let encoding: 'utf-16le' | 'utf-16be' | undefined;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0x3c && b1 === 0x00)) encoding = 'utf-16le';
  else if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0x00 && b1 === 0x3c)) encoding = 'utf-16be';
  if (!encoding) return bytes;
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return { code: 'T01', message: `document is not valid ${encoding.toUpperCase()}` };
  }
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return units;
}

/**
 * One linear pass over the markup: rejects a DOCTYPE (T99) and nesting deeper than `maxDepth`
 * (T99, with the line). Anything else that looks wrong is left to the parser, which reports it
 * precisely (T01). Attribute values are skipped with their quotes, comments, CDATA sections and
 * processing instructions are skipped whole, so `<` or `>` inside them does not count.
 */
export function scanMarkup(bytes: Uint8Array, maxDepth: number): LimitViolation | undefined {
  const units = scanUnits(bytes);
  if (!(units instanceof Uint8Array || units instanceof Uint16Array)) return units;
  const a = units;
  const n = a.length;
  const pos = { line: 1 };
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = a[i];
    if (c === LF) {
      pos.line++;
      i++;
      continue;
    }
    if (c !== LT) {
      i++;
      continue;
    }
    const next = a[i + 1];
    if (next === QMARK) {
      i = skipPast(a, i + 2, PI_CLOSE, pos);
    } else if (next === BANG) {
      if (startsWith(a, i, COMMENT_OPEN)) i = skipPast(a, i + 4, COMMENT_CLOSE, pos);
      else if (startsWith(a, i, CDATA_OPEN)) i = skipPast(a, i + 9, CDATA_CLOSE, pos);
      else if (startsWith(a, i, DOCTYPE)) {
        return { code: 'T99', message: 'DOCTYPE declarations are not allowed (no DTDs, no entity declarations)', line: pos.line };
      } else i += 2; // not well-formed; the parser will say so
    } else if (next === SLASH) {
      depth--;
      i = skipPast(a, i + 2, TAG_CLOSE, pos);
    } else {
      // Start tag: find its end, honouring quoted attribute values (which may contain '>').
      let j = i + 1;
      let quote = 0;
      for (; j < n; j++) {
        const d = a[j];
        if (d === LF) pos.line++;
        else if (quote !== 0) {
          if (d === quote) quote = 0;
        } else if (d === DQUOTE || d === SQUOTE) quote = d;
        else if (d === GT) break;
      }
      if (j >= n) return undefined; // truncated; the parser reports it
      // An empty-element tag (`<x/>`) is as deep as any other element but opens no level.
      const selfClosing = a[j - 1] === SLASH;
      if (depth + 1 > maxDepth) {
        return { code: 'T99', message: `element nesting deeper than the limit of ${maxDepth} levels`, line: pos.line };
      }
      if (!selfClosing) depth++;
      i = j + 1;
    }
    if (i < 0) return undefined; // unterminated construct; the parser reports it
  }
  return undefined;
}
