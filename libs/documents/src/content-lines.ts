import type { XmlElement, XmlElementView } from '@hub/plo';

/** One line of the readable rendering of an XML tree: a label, maybe a value, an indent. */
export interface ContentLine {
  depth: number;
  label: string;
  value?: string;
}

/** The element view the walk needs, over either XML tree of `@hub/plo`. */
export interface ContentNode {
  readonly localName: string;
  attr(name: string): string | undefined;
  children(): ContentNode[];
  /** The element's own text (leaf elements). */
  text(): string;
}

/** The model's tree (`PloPayload.body`, `DialogPayload.body`, …) as a ContentNode. */
export function modelNode(el: XmlElement): ContentNode {
  return {
    localName: el.local,
    attr: (name) => el.attrs.find((a) => a.name === name)?.value,
    children: () => el.children.filter((c): c is XmlElement => c.kind === 'element').map(modelNode),
    text: () => el.children.map((c) => (c.kind === 'text' ? c.value : '')).join(''),
  };
}

/** A libxml2 element view (`SafeXmlParser`) as a ContentNode. */
export function viewNode(el: XmlElementView): ContentNode {
  return { localName: el.localName, attr: (name) => el.attr(name), children: () => el.children().map(viewNode), text: () => el.content };
}

/** `TidspunktForHendelse` → `Tidspunkt for hendelse`; all-capital words (IPLOS, HER) stay. */
export function labelOf(localName: string): string {
  const words = localName
    .replace(/([a-zæøå0-9])([A-ZÆØÅ])/g, '$1 $2')
    .replace(/([A-ZÆØÅ]+)([A-ZÆØÅ][a-zæøå])/g, '$1 $2')
    .split(/[\s_]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 || /^[A-ZÆØÅ0-9]{2,}$/.test(w) ? w : w.toLowerCase())).join(' ');
}

const BINARY_ELEMENTS = new Set(['Base64Container', 'Base64Binary']);
const LONG_BASE64 = /^[A-Za-z0-9+/=\s]{400,}$/;

/** A KITH coded value (`V`, `DN`, `OT`) as readable text: `Endring (M)`, or the original text. */
function codedValue(node: ContentNode): string | undefined {
  const v = node.attr('V');
  const dn = node.attr('DN');
  const ot = node.attr('OT');
  const main = dn && v && dn !== v ? `${dn} (${v})` : (dn ?? v);
  if (main && ot) return `${main} — ${ot}`;
  return main ?? ot;
}

export interface ContentLineOptions {
  /** Stop after this many lines (a marker line says so). Default 4000. */
  maxLines?: number;
  /** Deeper elements are summarised. Default 40. */
  maxDepth?: number;
}

/**
 * The readable form of a payload for manual handling: walks the tree generically, element
 * names as labels, text and coded values as values (never raw XML). Binary attachments are
 * named, not dumped. Works for every PLO / Dialogmelding / AppRec schema without knowing it.
 */
export function contentLines(root: ContentNode, options: ContentLineOptions = {}): ContentLine[] {
  const maxLines = options.maxLines ?? 4000;
  const maxDepth = options.maxDepth ?? 40;
  const out: ContentLine[] = [];
  const walk = (node: ContentNode, depth: number): boolean => {
    if (out.length >= maxLines) return false;
    const label = labelOf(node.localName);
    if (BINARY_ELEMENTS.has(node.localName)) {
      out.push({ depth, label, value: `[binært vedlegg, ${node.text().replace(/\s+/g, '').length} tegn base64 — ikke vist]` });
      return true;
    }
    const children = node.children();
    const coded = codedValue(node);
    if (children.length === 0) {
      const text = node.text().trim();
      if (LONG_BASE64.test(text)) out.push({ depth, label, value: `[binært innhold, ${text.replace(/\s+/g, '').length} tegn — ikke vist]` });
      else if (text || coded) out.push({ depth, label, value: text && coded ? `${coded}: ${text}` : text || coded });
      return true;
    }
    out.push({ depth, label, ...(coded ? { value: coded } : {}) });
    if (depth >= maxDepth) {
      out.push({ depth: depth + 1, label: '…', value: 'dypere innhold utelatt' });
      return true;
    }
    for (const child of children) {
      if (!walk(child, depth + 1)) return false;
    }
    return true;
  };
  if (!walk(root, 0)) out.push({ depth: 0, label: '…', value: `innholdet er forkortet etter ${maxLines} linjer` });
  return out;
}
