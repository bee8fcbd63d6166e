import { Ns, MSGHEAD_MIG_VERSION } from './namespaces.js';
import type {
  Address, HealthcareProfessional, HubMessage, Ident, MsgDocument, MsgInfo, Organisation, OtherReceiver, Party, Patient,
  Payload, TeleCom,
} from './message.model.js';
import { attr, child, detach, writeXml, type XmlElement } from './xml-tree.js';
import { codedEl, el, textEl, XML_DECLARATION, type Child } from './xml-writer.js';

const ident = (i: Ident) => el('Ident', {}, textEl('Id', i.id), codedEl('TypeId', i.typeId));

const address = (a: Address | undefined) =>
  a &&
  el(
    'Address', {},
    codedEl('Type', a.type), textEl('StreetAdr', a.streetAdr), textEl('PostalCode', a.postalCode), textEl('City', a.city),
    textEl('Postbox', a.postbox), codedEl('County', a.county), codedEl('Country', a.country),
  );

const teleCom = (t: TeleCom) => el('TeleCom', {}, codedEl('TypeTelecom', t.typeTelecom), el('TeleAddress', { V: t.teleAddress }));

function personParts(p: Patient): Child[] {
  return [
    textEl('FamilyName', p.familyName), textEl('MiddleName', p.middleName), textEl('GivenName', p.givenName),
    textEl('DateOfBirth', p.dateOfBirth), codedEl('Sex', p.sex), codedEl('Nationality', p.nationality),
    p.idents.map(ident), address(p.address), p.teleCom.map(teleCom),
  ];
}

const hcp = (h: HealthcareProfessional | undefined) =>
  h &&
  el('HealthcareProfessional', {}, codedEl('TypeHealthcareProfessional', h.typeHealthcareProfessional), codedEl('RoleToPatient', h.roleToPatient), personParts(h));

function organisation(o: Organisation | undefined): string | undefined {
  return (
    o &&
    el(
      'Organisation', {},
      textEl('OrganisationName', o.name), codedEl('TypeOrganisation', o.typeOrganisation), o.idents.map(ident),
      address(o.address), o.teleCom.map(teleCom), organisation(o.organisation), hcp(o.healthcareProfessional),
    )
  );
}

const party = (name: 'Sender' | 'Receiver', p: Party) => el(name, {}, codedEl('ComMethod', p.comMethod), organisation(p.organisation));

const otherReceiver = (r: OtherReceiver) =>
  el('OtherReceiver', {}, codedEl('ComMethod', r.comMethod), codedEl('RoleReceiver', r.roleReceiver), organisation(r.organisation), hcp(r.healthcareProfessional));

function msgInfo(m: MsgInfo): string {
  return el(
    'MsgInfo', {},
    codedEl('Type', m.type), textEl('MIGversion', m.migVersion || MSGHEAD_MIG_VERSION), textEl('GenDate', m.genDate), textEl('MsgId', m.msgId),
    codedEl('ProcessingStatus', m.processingStatus), codedEl('RequestedPriority', m.requestedPriority), codedEl('Ack', m.ack),
    m.conversationRef &&
      el('ConversationRef', {}, textEl('RefToParent', m.conversationRef.refToParent), textEl('RefToConversation', m.conversationRef.refToConversation)),
    party('Sender', m.sender), party('Receiver', m.receiver), m.otherReceivers.map(otherReceiver),
    m.patient && el('Patient', {}, personParts(m.patient)),
  );
}

/**
 * The payload tree with the typed Forsendelsesstatus applied (the one typed PLO field a sender
 * changes when it turns a message into an Endring or Kansellering). Other typed payload fields
 * are read-only views of `body`.
 */
export function payloadTree(p: Payload): XmlElement {
  if (p.kind !== 'plo') return p.body;
  const po = Ns.plo('poKomponent', p.version);
  const status = child(child(p.body, 'InformasjonOmForsendelsen', po) ?? p.body, 'Forsendelsesstatus', po);
  if (!status || attr(status, 'V') === p.forsendelsesstatus) return p.body;
  return replaceAttrs(p.body, status, { V: p.forsendelsesstatus, DN: FORSENDELSE_DN[p.forsendelsesstatus] });
}

const FORSENDELSE_DN: Record<string, string | undefined> = { N: 'Ny', M: 'Endring', C: 'Kansellering' };

/** Copy of `root` where `target` gets the given attributes (others kept, in order). */
function replaceAttrs(root: XmlElement, target: XmlElement, values: Record<string, string | undefined>): XmlElement {
  if (root === target) {
    const attrs = root.attrs.filter((a) => !(a.name in values));
    for (const [name, value] of Object.entries(values)) if (value !== undefined) attrs.push({ name, value });
    return { ...root, attrs };
  }
  return { ...root, children: root.children.map((c) => (c.kind === 'element' ? replaceAttrs(c, target, values) : c)) };
}

function document(d: MsgDocument): string {
  const r = d.refDoc;
  return el(
    'Document', {},
    codedEl('DocumentConnection', d.documentConnection), codedEl('ContentType', d.contentType), textEl('ContentDescription', d.contentDescription),
    codedEl('ContentCategory', d.contentCategory), codedEl('Consent', d.consent), textEl('Annotation', d.annotation),
    el(
      'RefDoc', {},
      r.issueDate !== undefined ? el('IssueDate', { V: r.issueDate }) : undefined, codedEl('MsgType', r.msgType),
      textEl('Id', r.id), textEl('MimeType', r.mimeType), textEl('Description', r.description),
      r.content && el('Content', {}, writeXml(detach(payloadTree(r.content)))),
    ),
  );
}

/** Builds a MsgHead v1.2 document (UTF-8, with XML declaration) from the model. */
export function buildMsgHead(m: HubMessage): string {
  return XML_DECLARATION + el('MsgHead', { xmlns: Ns.MsgHead }, msgInfo(m.msgInfo), m.documents.map(document));
}
