/**
 * The one file that knows libxml2-wasm. Vendor types (XmlDocument, XmlElement, XsdValidator,
 * ParseOption, input providers) stay here; everything else in the lib sees {@link XmlDoc},
 * {@link XmlElementView}, {@link CompiledSchema} and plain {@link XmlIssue} objects.
 * No business rules live here: limits and error codes are decided by the callers.
 */
import { HubError } from '@hub/errors';

// libxml2-wasm is ESM-only with top-level await (instantiating the wasm module), so it is loaded
// lazily with a dynamic import(): processes that never parse XML do not pay for it, and the
// async part happens once in loadLibxml2(); everything after that is synchronous.
type Libxml2 = typeof import('libxml2-wasm');
type VendorDocument = InstanceType<Libxml2['XmlDocument']>;
type VendorNode = NonNullable<ReturnType<VendorDocument['get']>>;
type VendorElement = InstanceType<Libxml2['XmlElement']>;
type VendorXsd = InstanceType<Libxml2['XsdValidator']>;

let vendor: Libxml2 | undefined;
let loading: Promise<Libxml2> | undefined;

/** Loads and instantiates libxml2-wasm once per process (async); later calls are free. */
export async function loadLibxml2(): Promise<void> {
  if (vendor) return;
  loading ??= import('libxml2-wasm');
  try {
    vendor = await loading;
  } catch (cause) {
    loading = undefined;
    throw new HubError('XML.LIBXML2_LOAD_FAILED', `libxml2-wasm could not be loaded: ${String(cause)}`, {
      cause,
      retriable: false,
    });
  }
}

function lib(): Libxml2 {
  if (!vendor) {
    throw new HubError('XML.NOT_INITIALISED', 'libxml2-wasm is not loaded: await loadLibxml2() (or a create()) first');
  }
  return vendor;
}

/** A diagnostic from libxml2 (parser or schema validator), stripped of vendor types. */
export interface XmlIssue {
  message: string;
  /** 1 = warning, 2 = error, 3 = fatal (libxml2 xmlErrorLevel). */
  level: number;
  line?: number;
  column?: number;
}

/** Namespace prefix → URI map used in XPath expressions. */
export type NamespaceMap = Record<string, string>;

function parseFlags(): number {
  const O = lib().ParseOption;
  // NO_XXE: never load an external DTD or entity. NONET: no network even for custom loaders.
  // No NOENT / DTDLOAD / DTDATTR / DTDVALID / XINCLUDE / HUGE (keeps the 256-deep, 10 MB-text limits).
  return O.XML_PARSE_NO_XXE | O.XML_PARSE_NONET | O.XML_PARSE_BIG_LINES | O.XML_PARSE_NO_SYS_CATALOG;
}

function toIssues(err: unknown, fallback: string): XmlIssue[] {
  const details = (err as { details?: Array<{ message: string; level: number; line: number; col: number }> })?.details;
  if (Array.isArray(details) && details.length > 0) {
    return details.map((d) => ({
      message: String(d.message).trim(),
      level: d.level,
      line: d.line > 0 ? d.line : undefined,
      column: d.col > 0 ? d.col : undefined,
    }));
  }
  const message = err instanceof Error || (err as { message?: unknown })?.message ? String((err as Error).message) : fallback;
  return [{ message: message.trim() || fallback, level: 3 }];
}

/** Outcome of {@link parseXmlBytes}: a document, or libxml2's diagnostics. */
export type Libxml2ParseOutcome =
  | { ok: true; doc: XmlDoc }
  | { ok: false; reason: 'not-well-formed' | 'doctype'; issues: XmlIssue[] };

/**
 * Parses bytes with the safe option set (see {@link parseFlags}). Never throws on bad input. The caller is expected to
 * have applied size/depth/DOCTYPE checks already (see `xml.parser.ts`); a DOCTYPE found here
 * anyway is reported as `reason: 'doctype'` and the document is freed.
 */
export function parseXmlBytes(bytes: Uint8Array, opts: { forceUtf8?: boolean } = {}): Libxml2ParseOutcome {
  const { XmlDocument } = lib();
  let doc: VendorDocument;
  try {
    // Bytes encoded from a JS string are UTF-8 whatever the XML declaration says.
    const encoding = opts.forceUtf8 ? 'UTF-8' : undefined;
    doc = XmlDocument.fromBuffer(bytes, { option: parseFlags(), encoding });
  } catch (err) {
    return { ok: false, reason: 'not-well-formed', issues: toIssues(err, 'Failed to parse XML') };
  }
  if (doc.dtd !== null) {
    doc.dispose();
    return { ok: false, reason: 'doctype', issues: [{ message: 'DOCTYPE is not allowed', level: 3 }] };
  }
  return { ok: true, doc: new XmlDoc(doc) };
}

function wrapXPathError(err: unknown, xpath: string): never {
  throw new HubError('XML.XPATH_INVALID', `invalid XPath ${JSON.stringify(xpath)}: ${String((err as Error)?.message ?? err)}`, {
    cause: err,
    metadata: { xpath },
  });
}

function isElement(node: VendorNode | null | undefined): node is VendorElement {
  return !!node && node instanceof lib().XmlElement;
}

/** Read-only view of an element. Valid only while its {@link XmlDoc} is not disposed. */
export class XmlElementView {
  /** @internal */
  constructor(private readonly el: VendorElement) {}

  /** Local name (without prefix). */
  get localName(): string {
    return this.el.name;
  }
  /** Namespace URI, '' when none. */
  get namespaceUri(): string {
    return this.el.namespaceUri ?? '';
  }
  /** Line in the source document (1-based). */
  get line(): number {
    return this.el.line;
  }
  /** Concatenated text content of the element and its descendants. */
  get content(): string {
    return this.el.content;
  }
  /** Value of an unqualified attribute (`V`, `DN`, `S`, `OT` in the KITH types), or undefined. */
  attr(name: string): string | undefined {
    const attr = this.el.attr(name);
    return attr ? attr.value : undefined;
  }
  /** Child elements in document order. */
  children(): XmlElementView[] {
    const out: XmlElementView[] = [];
    for (let n = this.el.firstChild; n; n = n.next) if (isElement(n)) out.push(new XmlElementView(n));
    return out;
  }
  /** First element matching `xpath` relative to this element. */
  get(xpath: string, ns?: NamespaceMap): XmlElementView | undefined {
    return firstElement(() => this.el.get(xpath, ns), xpath);
  }
  /** All elements matching `xpath` relative to this element. */
  all(xpath: string, ns?: NamespaceMap): XmlElementView[] {
    return allElements(() => this.el.find(xpath, ns), xpath);
  }
  /** Text of the first node (element or attribute, e.g. `mh:Type/@V`) matching `xpath` relative to this element, or undefined. */
  text(xpath: string, ns?: NamespaceMap): string | undefined {
    return firstText(() => this.el.get(xpath, ns), xpath);
  }
  /** Serialises this element (and its subtree) as XML. */
  toXml(): string {
    return this.el.toString();
  }
}

function firstElement(run: () => VendorNode | null, xpath: string): XmlElementView | undefined {
  let node: VendorNode | null;
  try {
    node = run();
  } catch (err) {
    wrapXPathError(err, xpath);
  }
  return isElement(node) ? new XmlElementView(node) : undefined;
}

function allElements(run: () => VendorNode[], xpath: string): XmlElementView[] {
  let nodes: VendorNode[];
  try {
    nodes = run();
  } catch (err) {
    wrapXPathError(err, xpath);
  }
  return nodes.filter(isElement).map((n) => new XmlElementView(n));
}

function firstText(run: () => VendorNode | null, xpath: string): string | undefined {
  let node: VendorNode | null;
  try {
    node = run();
  } catch (err) {
    wrapXPathError(err, xpath);
  }
  return node ? node.content : undefined;
}

/**
 * A parsed document with namespace-aware XPath helpers. It owns wasm memory: call
 * {@link dispose} when done (or use `try/finally`); views obtained from it become invalid then.
 */
export class XmlDoc {
  private disposed = false;

  /** @internal */
  constructor(private readonly doc: VendorDocument) {}

  /** The document element. */
  get root(): XmlElementView {
    this.assertLive();
    return new XmlElementView(this.doc.root);
  }

  /** First element matching `xpath` (absolute, or relative to the root element). */
  get(xpath: string, ns?: NamespaceMap): XmlElementView | undefined {
    this.assertLive();
    return firstElement(() => this.doc.get(xpath, ns), xpath);
  }

  /** All elements matching `xpath`, in document order. */
  all(xpath: string, ns?: NamespaceMap): XmlElementView[] {
    this.assertLive();
    return allElements(() => this.doc.find(xpath, ns), xpath);
  }

  /** Text of the first node (element or attribute, e.g. `.../mh:Type/@V`) matching `xpath`, or undefined. */
  text(xpath: string, ns?: NamespaceMap): string | undefined {
    this.assertLive();
    return firstText(() => this.doc.get(xpath, ns), xpath);
  }

  /** Evaluates an XPath expression that yields a string, number or boolean (e.g. `count(...)`). */
  evaluate(xpath: string, ns?: NamespaceMap): string | number | boolean {
    this.assertLive();
    let result: unknown;
    try {
      result = this.doc.eval(xpath, ns);
    } catch (err) {
      wrapXPathError(err, xpath);
    }
    if (Array.isArray(result)) return result.length > 0 ? (result[0] as VendorNode).content : '';
    return result as string | number | boolean;
  }

  /** Serialises the document as UTF-8 XML text. */
  toXml(): string {
    this.assertLive();
    return this.doc.toString();
  }

  /** True once {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the wasm memory behind the document. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.doc.dispose();
  }

  /** @internal used by {@link CompiledSchema.validate} only. */
  vendorDocument(): VendorDocument {
    this.assertLive();
    return this.doc;
  }

  private assertLive(): void {
    if (this.disposed) throw new HubError('XML.DOC_DISPOSED', 'XmlDoc used after dispose()');
  }
}

/** An XSD schema compiled once; validation is synchronous and reusable. Dispose when done. */
export class CompiledSchema {
  private disposed = false;

  /** @internal */
  constructor(
    private readonly validator: VendorXsd,
    private readonly schemaDoc: VendorDocument,
  ) {}

  /**
   * Validates a parsed document. Returns [] when valid, otherwise libxml2's messages with line
   * numbers (at most `maxIssues`, so a pathological document cannot build a huge array).
   */
  validate(doc: XmlDoc, maxIssues = 50): XmlIssue[] {
    if (this.disposed) throw new HubError('XML.SCHEMA_DISPOSED', 'CompiledSchema used after dispose()');
    try {
      this.validator.validate(doc.vendorDocument());
      return [];
    } catch (err) {
      return toIssues(err, 'Document is not valid against the schema').slice(0, maxIssues);
    }
  }

  /** Frees the compiled schema. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.validator.dispose();
    this.schemaDoc.dispose();
  }
}

/** Base URL under which in-memory schema files are served to libxml2 during compilation. */
const SCHEMA_BASE_URL = 'plo-xsd:///';

/**
 * Compiles an XSD whose imports/includes are resolved only from `files` (file name → bytes),
 * served from memory under a private URL scheme. The input provider is registered for the
 * duration of the compilation only and matches every name: a schemaLocation that is not in
 * `files` (a remote URL, `../../felleskomponenter/...`) is refused, never fetched.
 * Throws a HubError if the schema does not compile (a deployment error, not bad input).
 */
export function compileSchema(entryFile: string, files: ReadonlyMap<string, Uint8Array>): CompiledSchema {
  const { XmlDocument, XsdValidator, XmlBufferInputProvider, xmlRegisterInputProvider, xmlCleanupInputProvider } = lib();
  const byUrl: Record<string, Uint8Array> = {};
  for (const [name, bytes] of files) byUrl[SCHEMA_BASE_URL + name] = bytes;
  const served = new XmlBufferInputProvider(byUrl);
  const refused: string[] = [];
  const registered = xmlRegisterInputProvider({
    match: () => true,
    open: (name: string) => {
      const fd = served.match(name) ? served.open(name) : undefined;
      if (fd === undefined) refused.push(name);
      return fd;
    },
    read: (fd, buf) => served.read(fd, buf),
    close: (fd) => served.close(fd),
  });
  if (!registered) {
    throw new HubError('VALIDATION.SCHEMA_LOAD_FAILED', 'could not register the in-memory schema loader');
  }
  let schemaDoc: VendorDocument | undefined;
  try {
    const entry = files.get(entryFile);
    if (!entry) throw new Error(`schema entry ${entryFile} not found`);
    schemaDoc = XmlDocument.fromBuffer(entry, { url: SCHEMA_BASE_URL + entryFile, option: parseFlags() });
    const validator = XsdValidator.fromDoc(schemaDoc);
    return new CompiledSchema(validator, schemaDoc);
  } catch (cause) {
    schemaDoc?.dispose();
    const issues = toIssues(cause, String(cause)).map((i) => i.message);
    throw new HubError('VALIDATION.SCHEMA_LOAD_FAILED', `schema ${entryFile} did not compile: ${issues.join('; ')}`, {
      cause,
      metadata: { refused },
    });
  } finally {
    // Schemas are in memory once compiled; removing the loader means a document parsed later
    // has no way to make libxml2 read anything (the wasm sandbox has no file system of its own).
    xmlCleanupInputProvider();
  }
}
