export * from './message.model.js';
export { ModelError } from './model.error.js';
export { Ns, MSGHEAD_MIG_VERSION, APPREC_MIG_VERSION } from './namespaces.js';
export { parseMsgHead } from './msghead.parser.js';
export { buildMsgHead } from './msghead.builder.js';
export { parseAppRec } from './apprec.parser.js';
export { buildAppRec } from './apprec.builder.js';
export { parseDocument } from './message.parser.js';
export type { ParsedDocument } from './message.parser.js';
export { XmlReadError } from './xml-tree.js';
export type { XmlElement, XmlNode, XmlReadOptions } from './xml-tree.js';
export {
  LOGISTIKK_ELEMENT, PLO_SCHEMA_OF, payloadMatchesType, hendelsekode, createPasientlogistikk, createDialogmelding,
  feilAdressatNotat, createMessage, createFollowUp, nowDateTime,
} from './message.factory.js';
export type { LogistikkMessageType, PasientlogistikkInput, DialogmeldingInput, NewMessageInput } from './message.factory.js';
