import { APPREC_MIG_VERSION, Ns } from './namespaces.js';
import type { AppRec, AppRecHcpEntity, AppRecParty } from './message.model.js';
import { codedEl, el, textEl, XML_DECLARATION } from './xml-writer.js';
import { ModelError } from './model.error.js';

const additional = (e: AppRecHcpEntity) => e.additionalIds.map((a) => el('AdditionalId', {}, textEl('Id', a.id), codedEl('Type', a.type)));
const entityParts = (e: AppRecHcpEntity) => [textEl('Name', e.name), textEl('Id', e.id), codedEl('TypeId', e.typeId)];

function party(name: 'Sender' | 'Receiver', p: AppRecParty): string {
  if ((p.inst === undefined) === (p.hcProf === undefined)) {
    throw new ModelError('MODEL.INVALID_APPREC', `AppRec/${name}/HCP needs exactly one of Inst and HCProf`);
  }
  const hcp = p.inst
    ? el(
        'Inst', {},
        entityParts(p.inst),
        p.inst.depts.map((d) => el('Dept', {}, entityParts(d), additional(d))),
        additional(p.inst),
        p.inst.hcPersons.map((h) => el('HCPerson', {}, entityParts(h), additional(h))),
      )
    : el('HCProf', {}, codedEl('Type', p.hcProf!.type), entityParts(p.hcProf!), additional(p.hcProf!));
  return el(name, {}, codedEl('Role', p.role), el('HCP', {}, hcp));
}

/**
 * Builds an AppRec document (v1.1 for PLO v1.6, v1.0 for PLO v1.5). Enforces the AR §4.3.1 rule
 * that status 2 (Avvist) carries at least one Error and status 1 (OK) none.
 */
export function buildAppRec(a: AppRec): string {
  if (a.status.v === '2' && a.errors.length === 0) throw new ModelError('MODEL.INVALID_APPREC', 'status 2 (Avvist) needs at least one Error');
  if (a.status.v === '1' && a.errors.length > 0) throw new ModelError('MODEL.INVALID_APPREC', 'status 1 (OK) must not carry Error');
  const ns = a.version === '1.1' ? Ns.AppRec11 : Ns.AppRec10;
  return (
    XML_DECLARATION +
    el(
      'AppRec', { xmlns: ns },
      codedEl('MsgType', { v: 'APPREC', dn: 'Applikasjonskvittering' }),
      textEl('MIGversion', a.migVersion || APPREC_MIG_VERSION[a.version]),
      textEl('SoftwareName', a.softwareName), textEl('SoftwareVersion', a.softwareVersion),
      textEl('GenDate', a.genDate), textEl('Id', a.id),
      party('Sender', a.sender), party('Receiver', a.receiver),
      codedEl('Status', a.status), a.errors.map((e) => codedEl('Error', e)),
      el('OriginalMsgId', {}, codedEl('MsgType', a.originalMsgId.msgType), textEl('IssueDate', a.originalMsgId.issueDate), textEl('Id', a.originalMsgId.id)),
    )
  );
}
