import { Ns } from './namespaces.js';
import type { AppRec, HubMessage } from './message.model.js';
import { readMsgHead } from './msghead.parser.js';
import { readAppRec } from './apprec.parser.js';
import { readXml, type XmlReadOptions } from './xml-tree.js';
import { ModelError } from './model.error.js';

export type ParsedDocument = { readonly kind: 'MsgHead'; readonly message: HubMessage } | { readonly kind: 'AppRec'; readonly appRec: AppRec };

/**
 * Parses any document the hub exchanges: a MsgHead v1.2 (PLO / Dialogmelding) or a standalone
 * AppRec. Throws `XmlReadError` (T01) for a document that is not well-formed and `ModelError`
 * for an unknown root. Run the validator first for T02/T10.
 */
export function parseDocument(xml: string | Uint8Array, options?: XmlReadOptions): ParsedDocument {
  const root = readXml(xml, options);
  if (root.local === 'MsgHead' && root.ns === Ns.MsgHead) return { kind: 'MsgHead', message: readMsgHead(root) };
  if (root.local === 'AppRec' && (root.ns === Ns.AppRec11 || root.ns === Ns.AppRec10)) return { kind: 'AppRec', appRec: readAppRec(root) };
  throw new ModelError('MODEL.UNSUPPORTED_ROOT', `unsupported root element {${root.ns}}${root.local}`);
}
