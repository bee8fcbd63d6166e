import { escapeAttr, escapeText } from './xml-tree.js';

/** A tiny string builder for schema-ordered XML: `undefined` children and attributes are skipped. */
export type Child = string | undefined | false | readonly Child[];

const flat = (c: Child): string =>
  c === undefined || c === false ? '' : typeof c === 'string' ? c : c.map(flat).join('');

/** An element with attributes and already-serialized children. */
export function el(name: string, attrs: Record<string, string | undefined> = {}, ...content: Child[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(v as string)}"`)
    .join('');
  const body = content.map(flat).join('');
  return body === '' ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

/** A text-only element, or nothing if the value is undefined. */
export const textEl = (name: string, value: string | undefined): string | undefined =>
  value === undefined ? undefined : el(name, {}, escapeText(value) || undefined);

/** A CS/CV element (`V`, `S`, `DN`, `OT`), or nothing if the value is undefined. */
export const codedEl = (
  name: string,
  c: { v?: string; dn?: string; s?: string; ot?: string } | undefined,
): string | undefined => (c === undefined ? undefined : el(name, { V: c.v, S: c.s, DN: c.dn, OT: c.ot }));

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
