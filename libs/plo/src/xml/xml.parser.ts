import { XmlDoc, loadLibxml2, parseXmlBytes } from './libxml2.adapter.js';
import { LimitViolation, XmlLimits, prepareInput, resolveXmlLimits, scanMarkup } from './xml-limits.guard.js';

/** Why a document could not be parsed: T01 not well-formed, T99 refused by policy (limits, DOCTYPE). */
export interface XmlParseFailure {
  code: 'T01' | 'T99';
  message: string;
  line?: number;
}

/** Result of {@link SafeXmlParser.parse}; on success the caller owns `doc` and must dispose it. */
export type XmlParseOutcome = { ok: true; doc: XmlDoc } | { ok: false; error: XmlParseFailure };

/**
 * Parses untrusted XML without ever touching the network or the file system on its behalf:
 * size checked before anything else, DOCTYPE refused and depth bounded by a linear pre-scan,
 * then libxml2 with external entities/DTD loading off (its entity-amplification and 256-level
 * limits stay on as a second line). Async `create` loads libxml2-wasm; `parse` is synchronous.
 */
export class SafeXmlParser {
  private constructor(readonly limits: Readonly<XmlLimits>) {}

  /** Loads libxml2-wasm (once per process) and fixes the limits. */
  static async create(limits: Partial<XmlLimits> = {}): Promise<SafeXmlParser> {
    const resolved = resolveXmlLimits(limits);
    await loadLibxml2();
    return new SafeXmlParser(Object.freeze(resolved));
  }

  /** Parses a document. Never throws on bad input. */
  parse(xml: string | Uint8Array): XmlParseOutcome {
    const input = prepareInput(xml, this.limits.maxBytes);
    if (isViolation(input)) return { ok: false, error: input };
    const violation = scanMarkup(input.bytes, this.limits.maxDepth);
    if (violation) return { ok: false, error: violation };
    const parsed = parseXmlBytes(input.bytes, { forceUtf8: input.fromString });
    if (parsed.ok) return parsed;
    const first = parsed.issues.find((i) => i.level >= 2) ?? parsed.issues[0];
    return {
      ok: false,
      error: {
        code: parsed.reason === 'doctype' ? 'T99' : 'T01',
        message: first?.message ?? 'document is not well-formed XML',
        line: first?.line,
      },
    };
  }
}

function isViolation(x: unknown): x is LimitViolation {
  return typeof (x as LimitViolation).code === 'string';
}
