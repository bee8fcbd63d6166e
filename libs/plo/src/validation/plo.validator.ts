import { HubError } from '@hub/errors';
import { CompiledSchema, NamespaceMap, XmlDoc, compileSchema } from '../xml/libxml2.adapter.js';
import { SafeXmlParser } from '../xml/xml.parser.js';
import type { XmlLimits } from '../xml/xml-limits.guard.js';
import { loadSchemaFiles, SCHEMA_ENTRY } from './schema-files.loader.js';
import { MSGHEAD_NS, findEnvelope, findPayload } from './supported-messages.catalog.js';
import type { ValidationError, ValidationResult } from './validation-error.js';

/** Options for {@link PloValidator.create}. */
export interface PloValidatorOptions {
  /** Maximum document size in bytes, checked before parsing. Default 10 MB. */
  maxBytes?: number;
  /** Maximum element nesting depth, checked before parsing. Default 64. */
  maxDepth?: number;
  /** Folder with the XSDs; defaults to libs/plo/xsd. */
  schemaDir?: string;
}

/** Result plus the parsed document (present whenever the input was well-formed). */
export interface ValidatedDocument {
  result: ValidationResult;
  /** Owned by the caller: dispose it. */
  doc?: XmlDoc;
}

const NS: NamespaceMap = { mh: MSGHEAD_NS };

/**
 * Validates MsgHead v1.2 with its embedded payload (PLO v1.6/v1.5, Dialogmelding v1.0/v1.1) and
 * standalone AppRec v1.1/v1.0 against the official XSDs, in-process with libxml2-wasm.
 * The schemas are compiled once in {@link create}; {@link validate} is synchronous and never
 * throws on bad input: every problem becomes a kodeverk 8221 code (T01/T02/T10/T99).
 */
export class PloValidator {
  private disposed = false;

  private constructor(
    private readonly parser: SafeXmlParser,
    private readonly schema: CompiledSchema,
  ) {}

  /** Loads libxml2-wasm and compiles the schemas (about 50 ms). */
  static async create(opts: PloValidatorOptions = {}): Promise<PloValidator> {
    const parser = await SafeXmlParser.create({ maxBytes: opts.maxBytes, maxDepth: opts.maxDepth });
    const files = await loadSchemaFiles(opts.schemaDir);
    return new PloValidator(parser, compileSchema(SCHEMA_ENTRY, files));
  }

  /** The limits in force. */
  get limits(): Readonly<XmlLimits> {
    return this.parser.limits;
  }

  /** Validates one document. */
  validate(xml: string | Uint8Array): ValidationResult {
    const { result, doc } = this.validateAndParse(xml);
    doc?.dispose();
    return result;
  }

  /**
   * Validates and hands back the parsed document, so a caller that goes on to read the message
   * parses it once. The caller must dispose `doc`.
   */
  validateAndParse(xml: string | Uint8Array): ValidatedDocument {
    if (this.disposed) throw new HubError('VALIDATION.DISPOSED', 'PloValidator used after dispose()');
    let doc: XmlDoc | undefined;
    try {
      const parsed = this.parser.parse(xml);
      if (!parsed.ok) return { result: { valid: false, errors: [parsed.error] } };
      doc = parsed.doc;
      return { result: this.check(doc), doc };
    } catch (err) {
      // Bad input must not throw; an unexpected failure here is reported, not propagated.
      doc?.dispose();
      const message = err instanceof Error ? err.message : String(err);
      return { result: { valid: false, errors: [{ code: 'T99', message: `validation failed: ${message}` }] } };
    }
  }

  /** Frees the compiled schema. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.schema.dispose();
  }

  private check(doc: XmlDoc): ValidationResult {
    const root = doc.root;
    const envelope = findEnvelope(root.namespaceUri, root.localName);
    if (!envelope) {
      return {
        valid: false,
        errors: [{ code: 'T10', message: `unsupported document ${qname(root.namespaceUri, root.localName)}`, line: root.line }],
      };
    }
    const result: ValidationResult = { valid: false, kind: envelope.kind, errors: [] };
    let payloadSeen = true;
    if (envelope.kind === 'AppRec') {
      result.version = envelope.version;
      result.msgType = nonEmpty(root.text('ar:MsgType/@V', { ar: envelope.namespace }));
    } else {
      result.msgType = nonEmpty(doc.text('/mh:MsgHead/mh:MsgInfo/mh:Type/@V', NS));
      // The first Document carries the message itself; later ones are attachments.
      const payload = doc.get('/mh:MsgHead/mh:Document[1]/mh:RefDoc/mh:Content/*[1]', NS);
      payloadSeen = payload !== undefined;
      if (payload) {
        const known = findPayload(payload.namespaceUri, payload.localName);
        if (!known) {
          result.errors.push({
            code: 'T10',
            message: `unsupported payload ${qname(payload.namespaceUri, payload.localName)} in MsgHead/Document/RefDoc/Content`,
            line: payload.line,
          });
          return result; // no schema for it: a T02 list would only repeat "no declaration"
        }
        result.version = known.version;
      }
    }
    // Content is xs:any processContents="strict": this validates the embedded payload too.
    const issues = this.schema.validate(doc);
    result.errors.push(...issues.map((i): ValidationError => ({ code: 'T02', message: i.message, line: i.line })));
    if (issues.length === 0 && !payloadSeen) {
      result.errors.push({ code: 'T10', message: 'MsgHead carries no payload in Document/RefDoc/Content' });
    }
    result.valid = result.errors.length === 0;
    return result;
  }
}

function qname(ns: string, local: string): string {
  return ns ? `{${ns}}${local}` : local;
}

function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}
