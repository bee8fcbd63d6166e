import { Ns, ploNamespace } from './namespaces.js';
import type {
  Address, Cs, Cv, DialogPayload, HealthcareProfessional, HubMessage, Ident, MsgDocument, MsgInfo, Organisation,
  OtherReceiver, Party, Patient, Payload, PloPayload, PloSchema, TeleCom, TidsfestetHendelse,
} from './message.model.js';
import { attr, child, childElements, children, readXml, textOf, type XmlElement, type XmlReadOptions } from './xml-tree.js';
import { ModelError } from './model.error.js';

// Small readers; undefined fields are left out so parsed models compare structurally. A plain
// loop: entries/filter/fromEntries built two arrays per object and showed as 2-4 % of the
// profiles of every service that parses MsgHead (docs/benchmarks.md).
const compact = <T extends object>(o: T): T => {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
};

export const readCs = (el: XmlElement | undefined): Cs | undefined =>
  el ? compact({ v: attr(el, 'V'), dn: attr(el, 'DN') }) : undefined;
export const readCv = (el: XmlElement | undefined): Cv | undefined =>
  el ? compact({ v: attr(el, 'V'), dn: attr(el, 'DN'), s: attr(el, 'S'), ot: attr(el, 'OT') }) : undefined;
const txt = (el: XmlElement, local: string, ns?: string) => textOf(child(el, local, ns));
const bool = (s: string | undefined) => (s === undefined ? undefined : s.trim() === 'true' || s.trim() === '1');

/** Reads an `Ident` (MsgHead or felleskomponent1 flavour: children in `ns`). */
function readIdent(el: XmlElement, ns: string = el.ns): Ident {
  return { id: (txt(el, 'Id', ns) ?? '').trim(), typeId: readCv(child(el, 'TypeId', ns)) ?? {} };
}

function readAddress(el: XmlElement | undefined): Address | undefined {
  if (!el) return undefined;
  return compact({
    type: readCs(child(el, 'Type')),
    streetAdr: txt(el, 'StreetAdr'),
    postalCode: txt(el, 'PostalCode'),
    city: txt(el, 'City'),
    postbox: txt(el, 'Postbox'),
    county: readCs(child(el, 'County')),
    country: readCs(child(el, 'Country')),
  });
}

const readTeleComs = (el: XmlElement): TeleCom[] =>
  children(el, 'TeleCom').map((t) => compact({ typeTelecom: readCs(child(t, 'TypeTelecom')), teleAddress: attr(child(t, 'TeleAddress'), 'V') }));

function readPersonParts(el: XmlElement) {
  return {
    familyName: txt(el, 'FamilyName'),
    middleName: txt(el, 'MiddleName'),
    givenName: txt(el, 'GivenName'),
    dateOfBirth: txt(el, 'DateOfBirth'),
    sex: readCs(child(el, 'Sex')),
    nationality: readCs(child(el, 'Nationality')),
    idents: children(el, 'Ident').map((i) => readIdent(i)),
    address: readAddress(child(el, 'Address')),
    teleCom: readTeleComs(el),
  };
}

function readHcp(el: XmlElement | undefined): HealthcareProfessional | undefined {
  if (!el) return undefined;
  return compact({
    typeHealthcareProfessional: readCs(child(el, 'TypeHealthcareProfessional')),
    roleToPatient: readCv(child(el, 'RoleToPatient')),
    ...readPersonParts(el),
  });
}

export const readPatient = (el: XmlElement | undefined): Patient | undefined => (el ? compact(readPersonParts(el)) : undefined);

function readOrganisation(el: XmlElement | undefined): Organisation | undefined {
  if (!el) return undefined;
  return compact({
    name: txt(el, 'OrganisationName') ?? '',
    typeOrganisation: readCv(child(el, 'TypeOrganisation')),
    idents: children(el, 'Ident').map((i) => readIdent(i)),
    address: readAddress(child(el, 'Address')),
    teleCom: readTeleComs(el),
    organisation: readOrganisation(child(el, 'Organisation')),
    healthcareProfessional: readHcp(child(el, 'HealthcareProfessional')),
  });
}

function readParty(el: XmlElement | undefined, what: string): Party {
  const org = el && readOrganisation(child(el, 'Organisation'));
  if (!el || !org) throw new ModelError('MODEL.MISSING_ELEMENT', `MsgInfo/${what}/Organisation is missing`);
  return compact({ comMethod: readCs(child(el, 'ComMethod')), organisation: org });
}

function readOtherReceiver(el: XmlElement): OtherReceiver {
  return compact({
    comMethod: readCs(child(el, 'ComMethod')),
    roleReceiver: readCs(child(el, 'RoleReceiver')) ?? {},
    organisation: readOrganisation(child(el, 'Organisation')),
    healthcareProfessional: readHcp(child(el, 'HealthcareProfessional')),
  });
}

function readMsgInfo(el: XmlElement): MsgInfo {
  const conv = child(el, 'ConversationRef');
  return compact({
    type: readCs(child(el, 'Type')) ?? {},
    migVersion: txt(el, 'MIGversion') ?? '',
    genDate: (txt(el, 'GenDate') ?? '').trim(),
    msgId: (txt(el, 'MsgId') ?? '').trim(),
    processingStatus: readCs(child(el, 'ProcessingStatus')),
    requestedPriority: readCs(child(el, 'RequestedPriority')),
    ack: readCs(child(el, 'Ack')),
    conversationRef: conv
      ? { refToParent: (txt(conv, 'RefToParent') ?? '').trim(), refToConversation: (txt(conv, 'RefToConversation') ?? '').trim() }
      : undefined,
    sender: readParty(child(el, 'Sender'), 'Sender'),
    receiver: readParty(child(el, 'Receiver'), 'Receiver'),
    otherReceivers: children(el, 'OtherReceiver').map(readOtherReceiver),
    patient: readPatient(child(el, 'Patient')),
  });
}

const PLO_SCHEMAS: readonly PloSchema[] = [
  'Pasientlogistikk', 'Innleggelsesrapport', 'HelseopplysningerVedSoknad', 'TverrfagligEpikrise', 'Konsultasjon',
  'OverforingMedisinskeOpplysninger', 'OrienteringOmTjenestetilbud',
];

function readHendelse(h: XmlElement): TidsfestetHendelse {
  return compact({
    hendelsekode: readCv(child(h, 'Hendelsekode')),
    beskrivelse: txt(h, 'BeskrivelseAvHendelse'),
    tidspunkt: attr(child(h, 'TidspunktForHendelse'), 'V'),
    anslag: bool(txt(h, 'Anslag')),
  });
}

/** Reads the typed view of a payload root; the root itself is kept as `body`. */
export function readPayload(body: XmlElement): Payload {
  const plo = ploNamespace(body.ns);
  if (plo && (PLO_SCHEMAS as readonly string[]).includes(body.local)) {
    // poKomponent holds InformasjonOmForsendelsen etc. and shares the payload's date.
    const po = Ns.plo('poKomponent', plo.version);
    const info = child(body, 'InformasjonOmForsendelsen', po);
    const logistikk = body.local === 'Pasientlogistikk' ? childElements(body).find((c) => c.ns === body.ns) : undefined;
    const payload: PloPayload = compact({
      kind: 'plo' as const,
      version: plo.version,
      schema: body.local as PloSchema,
      logistikk: logistikk?.local,
      forsendelsesstatus: (info && attr(child(info, 'Forsendelsesstatus', po), 'V')) ?? '',
      svarPaaForesporsel: info && bool(txt(info, 'SvarPaaForesporsel', po)),
      typeInnhold: readCv(child(child(body, 'TypeInnholdIMelding', po) ?? body, 'TypeInnhold', po)),
      hendelser: logistikk ? children(logistikk, 'TidsfestetHendelse', po).map(readHendelse) : [],
      utskrevetTil: logistikk && readCv(child(child(logistikk, 'UtskrevetTil', po) ?? logistikk, 'UtTil', po)),
      body,
    });
    return payload;
  }
  if (body.local === 'Dialogmelding' && (body.ns === Ns.Dialog10 || body.ns === Ns.Dialog11)) {
    const payload: DialogPayload = {
      kind: 'dialog',
      version: body.ns === Ns.Dialog10 ? '1.0' : '1.1',
      notater: children(body, 'Notat').map((n) =>
        compact({ temaKodet: readCv(child(n, 'TemaKodet')) ?? {}, tema: txt(n, 'Tema'), tekstNotatInnhold: textOf(child(n, 'TekstNotatInnhold')) }),
      ),
      foresporsler: children(body, 'Foresporsel').map((f) => compact({ typeForesp: readCv(child(f, 'TypeForesp')) ?? {}, sporsmal: txt(f, 'Sporsmal') })),
      body,
    };
    return payload;
  }
  return { kind: 'other', namespace: body.ns, root: body.local, body };
}

function readDocument(el: XmlElement): MsgDocument {
  const refDoc = child(el, 'RefDoc');
  if (!refDoc) throw new ModelError('MODEL.MISSING_ELEMENT', 'Document/RefDoc is missing');
  const content = child(refDoc, 'Content');
  const root = content && childElements(content)[0];
  return compact({
    documentConnection: readCs(child(el, 'DocumentConnection')),
    contentType: readCv(child(el, 'ContentType')),
    contentDescription: txt(el, 'ContentDescription'),
    contentCategory: readCv(child(el, 'ContentCategory')),
    consent: readCv(child(el, 'Consent')),
    annotation: txt(el, 'Annotation'),
    refDoc: compact({
      issueDate: attr(child(refDoc, 'IssueDate'), 'V'),
      msgType: readCs(child(refDoc, 'MsgType')) ?? {},
      id: txt(refDoc, 'Id'),
      mimeType: txt(refDoc, 'MimeType'),
      description: txt(refDoc, 'Description'),
      content: root ? readPayload(root) : undefined,
    }),
  });
}

/** Parses a MsgHead root element into the model. */
export function readMsgHead(root: XmlElement): HubMessage {
  if (root.local !== 'MsgHead' || root.ns !== Ns.MsgHead) {
    throw new ModelError('MODEL.NOT_MSGHEAD', `root element is {${root.ns}}${root.local}, not MsgHead v1.2`);
  }
  const info = child(root, 'MsgInfo');
  if (!info) throw new ModelError('MODEL.MISSING_ELEMENT', 'MsgInfo is missing');
  return { msgInfo: readMsgInfo(info), documents: children(root, 'Document').map(readDocument) };
}

/** Parses a MsgHead v1.2 document (PLO or Dialogmelding) into the model. */
export function parseMsgHead(xml: string | Uint8Array, options?: XmlReadOptions): HubMessage {
  return readMsgHead(readXml(xml, options));
}
