import { Ns } from './namespaces.js';
import type { AppRec, AppRecHcpEntity, AppRecInst, AppRecParty } from './message.model.js';
import { readCs, readCv } from './msghead.parser.js';
import { child, children, readXml, textOf, type XmlElement, type XmlReadOptions } from './xml-tree.js';
import { ModelError } from './model.error.js';

const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const txt = (el: XmlElement, local: string) => textOf(child(el, local));

function entity(el: XmlElement): AppRecHcpEntity {
  return compact({
    name: txt(el, 'Name'),
    id: txt(el, 'Id')?.trim(),
    typeId: readCs(child(el, 'TypeId')),
    additionalIds: children(el, 'AdditionalId').map((a) => ({ id: (txt(a, 'Id') ?? '').trim(), type: readCs(child(a, 'Type')) ?? {} })),
  });
}

function party(el: XmlElement | undefined, what: string): AppRecParty {
  const hcp = el && child(el, 'HCP');
  if (!el || !hcp) throw new ModelError('MODEL.MISSING_ELEMENT', `AppRec/${what}/HCP is missing`);
  const inst = child(hcp, 'Inst');
  const hcProf = child(hcp, 'HCProf');
  return compact({
    role: readCs(child(el, 'Role')),
    inst: inst
      ? ({ ...entity(inst), depts: children(inst, 'Dept').map(entity), hcPersons: children(inst, 'HCPerson').map(entity) } satisfies AppRecInst)
      : undefined,
    hcProf: hcProf ? compact({ ...entity(hcProf), type: readCs(child(hcProf, 'Type')) }) : undefined,
  });
}

/** Reads an AppRec v1.1 or v1.0 root element. */
export function readAppRec(root: XmlElement): AppRec {
  if (root.local !== 'AppRec' || (root.ns !== Ns.AppRec11 && root.ns !== Ns.AppRec10)) {
    throw new ModelError('MODEL.NOT_APPREC', `root element is {${root.ns}}${root.local}, not AppRec v1.0/v1.1`);
  }
  const orig = child(root, 'OriginalMsgId');
  if (!orig) throw new ModelError('MODEL.MISSING_ELEMENT', 'AppRec/OriginalMsgId is missing');
  return compact({
    version: root.ns === Ns.AppRec11 ? ('1.1' as const) : ('1.0' as const),
    migVersion: txt(root, 'MIGversion') ?? '',
    softwareName: txt(root, 'SoftwareName'),
    softwareVersion: txt(root, 'SoftwareVersion'),
    genDate: (txt(root, 'GenDate') ?? '').trim(),
    id: (txt(root, 'Id') ?? '').trim(),
    sender: party(child(root, 'Sender'), 'Sender'),
    receiver: party(child(root, 'Receiver'), 'Receiver'),
    status: readCs(child(root, 'Status')) ?? {},
    errors: children(root, 'Error').map((e) => readCv(e) ?? {}),
    originalMsgId: {
      msgType: readCs(child(orig, 'MsgType')) ?? {},
      issueDate: (txt(orig, 'IssueDate') ?? '').trim(),
      id: (txt(orig, 'Id') ?? '').trim(),
    },
  });
}

/** Parses an AppRec document. */
export function parseAppRec(xml: string | Uint8Array, options?: XmlReadOptions): AppRec {
  return readAppRec(readXml(xml, options));
}
