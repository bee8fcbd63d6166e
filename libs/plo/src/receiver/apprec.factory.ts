import { randomUUID } from 'node:crypto';
import { AppRecError, APPREC_ERROR_OID, AppRecRole, AppRecStatus } from '../codes/index.js';
import {
  APPREC_MIG_VERSION, nowDateTime, type AppRec, type AppRecHcpEntity, type AppRecInst, type AppRecParty, type Cv,
  type HealthcareProfessional, type Ident, type MsgInfo, type Organisation,
} from '../model/index.js';

const isHer = (i: Ident) => i.typeId.v?.trim() === 'HER';

/** Inst/Dept/HCPerson identifiers: the HER-id first, every other Ident as AdditionalId (AR §3.5). */
function entity(name: string | undefined, idents: readonly Ident[]): AppRecHcpEntity {
  const primary = idents.find(isHer) ?? idents[0];
  return {
    ...(name !== undefined ? { name } : {}),
    ...(primary ? { id: primary.id, typeId: { v: primary.typeId.v?.trim(), dn: primary.typeId.dn } } : {}),
    additionalIds: idents.filter((i) => i !== primary).map((i) => ({ id: i.id, type: { v: i.typeId.v, dn: i.typeId.dn } })),
  };
}

const personName = (h: HealthcareProfessional) => [h.givenName, h.middleName, h.familyName].filter(Boolean).join(' ') || undefined;

/**
 * Mirrors a MsgHead Organisation into an AppRec party: virksomhet → `HCP/Inst`, nested
 * Organisation → `Inst/Dept`, HealthcareProfessional → `Inst/HCPerson` (AR §3.5, ARV §6).
 */
export function mirrorOrganisation(org: Organisation, role?: AppRecRole): AppRecParty {
  const depts: AppRecHcpEntity[] = [];
  const persons: AppRecHcpEntity[] = [];
  for (let o: Organisation | undefined = org.organisation; o; o = o.organisation) {
    depts.push(entity(o.name, o.idents));
    if (o.healthcareProfessional) persons.push(entity(personName(o.healthcareProfessional), o.healthcareProfessional.idents));
  }
  if (org.healthcareProfessional) persons.push(entity(personName(org.healthcareProfessional), org.healthcareProfessional.idents));
  const inst: AppRecInst = { ...entity(org.name, org.idents), depts, hcPersons: persons };
  return { ...(role ? { role: { v: role, dn: AppRecRole[role] } } : {}), inst };
}

export interface AppRecErrorDetail {
  readonly code: AppRecError;
  /** Extra explanation (`OT`), shown to the user (AR §3.3.4). Never a person number. */
  readonly text?: string;
}

export interface AppRecFor {
  readonly original: MsgInfo;
  /** The recognised receiver this AppRec is from (primary Receiver or an OtherReceiver). */
  readonly receiver: Organisation;
  readonly role: 'PRIM' | 'COP';
  readonly errors: readonly AppRecErrorDetail[];
  readonly version: '1.0' | '1.1';
  readonly genDate?: string;
  readonly id?: string;
  readonly softwareName?: string;
  readonly softwareVersion?: string;
}

/**
 * The AppRec answering one message for one receiver: status 1 without errors, else 2 with every
 * error; addresses mirrored; OriginalMsgId = original Type, GenDate and MsgId (DOMAIN.md §5).
 */
export function appRecFor(a: AppRecFor): AppRec {
  const status: AppRecStatus = a.errors.length === 0 ? '1' : '2';
  const errors: Cv[] = a.errors.map((e) => ({ v: e.code, dn: AppRecError[e.code], s: APPREC_ERROR_OID, ...(e.text ? { ot: e.text } : {}) }));
  return {
    version: a.version,
    migVersion: APPREC_MIG_VERSION[a.version],
    ...(a.softwareName ? { softwareName: a.softwareName } : {}),
    ...(a.softwareVersion ? { softwareVersion: a.softwareVersion } : {}),
    genDate: a.genDate ?? nowDateTime(),
    id: a.id ?? randomUUID(),
    sender: mirrorOrganisation(a.receiver, a.role),
    receiver: mirrorOrganisation(a.original.sender.organisation, 'AVS'),
    status: { v: status, dn: AppRecStatus[status] },
    errors,
    originalMsgId: { msgType: { v: a.original.type.v, dn: a.original.type.dn }, issueDate: a.original.genDate, id: a.original.msgId },
  };
}
