import {
  applyChainEvent, CHAIN_DIRECTION, chainEventOf, checkPatientIdentity, DIALOG_TYPES, initialChainState, isUuid, parseAppRec, parseMsgHead,
  type AppRec, type ChainEvent, type ConversationChainState, type Direction, type HubMessage, type Organisation, type ValidationResult,
} from '@hub/plo';
import { ApprovedStandardsCatalogue } from './approved-standards.catalogue.js';
import { ValidationReason } from './validation.codes.js';

/** A party as the rules need it (the registry's record, narrowed). */
export interface RuleParty {
  /** Organisation HER-id. */
  readonly herId: number;
  readonly kind: 'HOSPITAL' | 'MUNICIPALITY' | 'GP_OFFICE';
  readonly status: 'ACTIVE' | 'DOWN' | 'SUSPENDED';
}

/** Who owns a HER-id (organisation or service): the partner registry. */
export interface PartyDirectory {
  findByAnyHerId(herId: number): Promise<RuleParty | null>;
}

/** An earlier message of the same conversation, as the ledger recorded it. */
export interface HistoryMessage {
  readonly msgId: string;
  readonly msgType: string;
  readonly senderHerId: number;
  /** Forsendelsesstatus (N/M/C) when the message has one; null for Dialogmelding or when not recorded. */
  readonly forsendelsesstatus: string | null;
  readonly refToParent: string | null;
  readonly conversationId: string;
}

/** What the ledger knows: earlier messages of a conversation, and single messages by MsgId. */
export interface MessageHistory {
  /** Messages of `conversationId` accepted before `msgId` (not rejected), oldest first, without `msgId` itself. */
  earlierMessages(conversationId: string, msgId: string): Promise<readonly HistoryMessage[]>;
  /** A recorded message (for AppRecs: the original). */
  findMessage(msgId: string): Promise<{ readonly msgId: string; readonly receiverHerIds: readonly number[] } | null>;
}

/** Schema validation (PloValidator in production). */
export interface SchemaValidator {
  validate(xml: string): ValidationResult;
}

/** One finding: the kodeverk 8221 code for the sender, the hub's reason for the trace. */
export interface RuleError {
  readonly code: string;
  readonly reason: string;
  readonly message: string;
  readonly line?: number;
}

export interface MessageUnderValidation {
  readonly msgId: string;
  readonly conversationId: string;
  /** The HER-id intake authenticated the sender as; the document's sender must be the same party. */
  readonly senderHerId?: string;
  readonly xml: string;
}

export type RuleVerdict =
  | { readonly valid: true; readonly kind: 'MsgHead' | 'AppRec'; readonly msgType: string; readonly version: string; readonly catalogueVersion: string }
  | { readonly valid: false; readonly kind?: 'MsgHead' | 'AppRec'; readonly msgType?: string; readonly version?: string; readonly errors: readonly RuleError[] };

const FORMAT_REASON: Record<string, string> = {
  T01: ValidationReason.NotWellFormed,
  T02: ValidationReason.XsdInvalid,
  T10: ValidationReason.UnsupportedFormat,
  T99: ValidationReason.RefusedInput,
};

const DIALOG = new Set<string>(DIALOG_TYPES);
const isChainType = (t: string): t is keyof typeof CHAIN_DIRECTION => t in CHAIN_DIRECTION;

/** HER-ids of an organisation chain, outermost (virksomhet) first. */
export function herIdsOf(o: Organisation | undefined): string[] {
  if (!o) return [];
  return [...o.idents.filter((i) => i.typeId.v?.trim() === 'HER').map((i) => i.id.trim()), ...herIdsOf(o.organisation)];
}

/** Hospital ↔ municipality direction of a sender/receiver pair; undefined for any other pair. */
export function directionBetween(sender: RuleParty, receiver: RuleParty): Direction | undefined {
  if (sender.kind === 'HOSPITAL' && receiver.kind === 'MUNICIPALITY') return 'hospital-to-municipality';
  if (sender.kind === 'MUNICIPALITY' && receiver.kind === 'HOSPITAL') return 'municipality-to-hospital';
  return undefined;
}

/**
 * The hub's business rules on top of the schemas, in the order a sender can act on them:
 * format (T01/T02/T10/T99) → approved type and version (T10) → MsgId (E10) → patient
 * identity (E30/E31/E36) → sender and receivers known (X99/E21) → direction → chain rules.
 * Pure apart from its ports; every finding is returned, nothing is thrown for bad input.
 */
export class MessageRules {
  private readonly catalogue: ApprovedStandardsCatalogue;
  private readonly now: () => Date;

  constructor(
    private readonly ports: { validator: SchemaValidator; parties: PartyDirectory; history: MessageHistory },
    opts: { catalogue?: ApprovedStandardsCatalogue; now?: () => Date } = {},
  ) {
    this.catalogue = opts.catalogue ?? new ApprovedStandardsCatalogue();
    this.now = opts.now ?? (() => new Date());
  }

  async evaluate(m: MessageUnderValidation): Promise<RuleVerdict> {
    const schema = this.ports.validator.validate(m.xml);
    const kind = schema.kind;
    const found = { ...(kind ? { kind } : {}), ...(schema.msgType ? { msgType: schema.msgType } : {}), ...(schema.version ? { version: schema.version } : {}) };
    if (!schema.valid) {
      const errors = schema.errors.map((e) => ({ code: e.code, reason: FORMAT_REASON[e.code] ?? ValidationReason.UnsupportedFormat, message: e.message, ...(e.line !== undefined ? { line: e.line } : {}) }));
      return { valid: false, ...found, errors };
    }
    const msgType = schema.msgType ?? '';
    const version = schema.version ?? '';
    if (!this.catalogue.approval(msgType, version, this.now())) {
      return {
        valid: false,
        ...found,
        errors: [{ code: 'T10', reason: ValidationReason.NotApproved, message: `${msgType} in ${version} is not an approved standard procedure (catalogue ${this.catalogue.version})` }],
      };
    }
    const errors = kind === 'AppRec' ? await this.appRecRules(m) : await this.msgHeadRules(m);
    if (errors.length > 0) return { valid: false, ...found, errors };
    return { valid: true, kind: kind ?? 'MsgHead', msgType, version, catalogueVersion: this.catalogue.version };
  }

  private async msgHeadRules(m: MessageUnderValidation): Promise<RuleError[]> {
    let message: HubMessage;
    try {
      message = parseMsgHead(m.xml);
    } catch (err) {
      return [{ code: 'T99', reason: ValidationReason.Unreadable, message: `schema-valid but not readable as MsgHead: ${(err as Error).message}` }];
    }
    const info = message.msgInfo;
    const errors: RuleError[] = [];
    if (!isUuid(info.msgId)) errors.push({ code: 'E10', reason: ValidationReason.InvalidMsgId, message: 'MsgId is not a UUID' });

    // Patient identity (AR §3.3): the hub refuses what every receiver would have to refuse.
    for (const code of checkPatientIdentity(info.patient).errors) {
      if (code === 'E30') errors.push({ code, reason: ValidationReason.PatientIdMissing, message: 'the patient has an empty fødselsnummer/D-nummer' });
      else if (code === 'E31') errors.push({ code, reason: ValidationReason.PatientIdInvalid, message: 'the patient fødselsnummer/D-nummer is not valid (check digits or date)' });
      else errors.push({ code, reason: ValidationReason.PatientIdentityInsufficient, message: 'the patient is not identified by name + id, or name + birth date + sex' });
    }

    const sender = await this.resolveChain(info.sender.organisation);
    if (!sender.party) {
      errors.push({ code: 'X99', reason: ValidationReason.UnknownSender, message: `sender HER-id ${sender.unknown ?? '(none)'} is not in the partner registry` });
    } else {
      if (sender.party.status === 'SUSPENDED') errors.push({ code: 'X99', reason: ValidationReason.SenderSuspended, message: `sender ${sender.party.herId} is suspended` });
      if (m.senderHerId && /^\d+$/.test(m.senderHerId)) {
        const caller = await this.ports.parties.findByAnyHerId(Number(m.senderHerId));
        if (caller && caller.herId !== sender.party.herId) {
          errors.push({ code: 'X99', reason: ValidationReason.SenderMismatch, message: `the document's sender ${sender.party.herId} is not the submitting party ${caller.herId}` });
        }
      }
    }

    const receiverOrgs: Organisation[] = [info.receiver.organisation, ...info.otherReceivers.flatMap((r) => (r.organisation ? [r.organisation] : []))];
    const receivers: RuleParty[] = [];
    for (const org of receiverOrgs) {
      const r = await this.resolveChain(org);
      if (r.party) receivers.push(r.party);
      else errors.push({ code: 'E21', reason: ValidationReason.UnknownReceiver, message: `receiver HER-id ${r.unknown ?? '(none)'} is not in the partner registry` });
    }
    if (errors.length > 0 || !sender.party) return errors;

    const type = info.type.v ?? '';
    const primary = receivers[0];
    if (primary.herId === sender.party.herId) {
      return [{ code: 'X99', reason: ValidationReason.WrongDirection, message: 'sender and receiver are the same party' }];
    }
    const direction = directionBetween(sender.party, primary);
    if (isChainType(type)) {
      if (direction !== CHAIN_DIRECTION[type]) {
        return [{ code: 'X99', reason: ValidationReason.WrongDirection, message: `${type} goes ${CHAIN_DIRECTION[type]}, not ${sender.party.kind} → ${primary.kind}` }];
      }
    } else if (!DIALOG.has(type)) {
      // Not reachable with the current catalogue; a type added there must get a direction rule here.
      return [{ code: 'X99', reason: ValidationReason.WrongDirection, message: `${type} has no direction rule at the hub` }];
    }
    // Chain rules apply to the hospital ↔ municipality flow; dialogs with a GP are not part of it.
    if (!direction) return [];
    return this.chainRules(m, message, direction);
  }

  private async chainRules(m: MessageUnderValidation, message: HubMessage, direction: Direction): Promise<RuleError[]> {
    const history = await this.ports.history.earlierMessages(m.conversationId, message.msgInfo.msgId);
    let state: ConversationChainState = initialChainState();
    for (const h of history) {
      const event = await this.historyEvent(h);
      if (!event) continue;
      const r = applyChainEvent(state, event);
      // Earlier messages passed these rules when they came; one that no longer fits changes nothing.
      if (r.accepted) state = r.state;
    }
    const result = applyChainEvent(state, chainEventOf(message, direction));
    if (result.accepted) return [];
    // The phase of a stay is only known when the hub has seen its earlier messages in this
    // conversation; a new dialog (its own conversation) may belong to a stay that started
    // elsewhere, so the phase rule is applied only with history.
    if (result.code === 'CHAIN.NOT_ALLOWED_IN_PHASE' && history.length === 0) return [];
    return [{ code: 'X99', reason: result.code, message: result.message }];
  }

  private async historyEvent(h: HistoryMessage): Promise<ChainEvent | undefined> {
    if (h.msgType === 'APPREC') return undefined;
    const sender = await this.ports.parties.findByAnyHerId(h.senderHerId);
    if (!sender) return undefined;
    const direction: Direction = sender.kind === 'HOSPITAL' ? 'hospital-to-municipality' : 'municipality-to-hospital';
    const first = h.conversationId === h.msgId;
    const status = h.forsendelsesstatus ?? (first ? 'N' : null);
    // A PLO follow-up whose Forsendelsesstatus was not recorded cannot be replayed faithfully.
    if (status === null && isChainType(h.msgType)) return undefined;
    return {
      msgId: h.msgId,
      type: h.msgType,
      direction,
      ...(status !== null && isChainType(h.msgType) ? { forsendelsesstatus: status } : {}),
      ...(!first ? { conversationRef: { refToConversation: h.conversationId, refToParent: h.refToParent ?? h.conversationId } } : {}),
    };
  }

  /** Every HER-id of an organisation chain must be known and belong to one party. */
  private async resolveChain(org: Organisation | undefined): Promise<{ party?: RuleParty; unknown?: string }> {
    const ids = herIdsOf(org);
    if (ids.length === 0) return {};
    let party: RuleParty | undefined;
    for (const id of ids) {
      const p = /^\d{1,9}$/.test(id) ? await this.ports.parties.findByAnyHerId(Number(id)) : null;
      if (!p || (party && p.herId !== party.herId)) return { unknown: id };
      party = p;
    }
    return party ? { party } : {};
  }

  private async appRecRules(m: MessageUnderValidation): Promise<RuleError[]> {
    let appRec: AppRec;
    try {
      appRec = parseAppRec(m.xml);
    } catch (err) {
      return [{ code: 'T99', reason: ValidationReason.Unreadable, message: `schema-valid but not readable as AppRec: ${(err as Error).message}` }];
    }
    const unknown = (message: string): RuleError[] => [{ code: 'X99', reason: ValidationReason.AppRecUnknownOriginal, message }];
    const originalId = appRec.originalMsgId.id;
    const original = isUuid(originalId) ? await this.ports.history.findMessage(originalId) : null;
    if (!original) return unknown(`the AppRec answers MsgId ${originalId}, which the hub has not carried`);

    const inst = appRec.sender.inst;
    const senderIds = [inst?.id, ...(inst?.depts.map((d) => d.id) ?? []), appRec.sender.hcProf?.id].filter((x): x is string => !!x && /^\d{1,9}$/.test(x));
    const senderParties = new Set<number>();
    for (const id of senderIds) {
      const p = await this.ports.parties.findByAnyHerId(Number(id));
      if (p) senderParties.add(p.herId);
    }
    if (senderParties.size === 0) return [{ code: 'X99', reason: ValidationReason.UnknownSender, message: 'the AppRec sender is not in the partner registry' }];
    const receiverParties = new Set<number>();
    for (const id of original.receiverHerIds) {
      const p = await this.ports.parties.findByAnyHerId(id);
      if (p) receiverParties.add(p.herId);
    }
    if (![...senderParties].some((h) => receiverParties.has(h))) {
      return unknown(`the AppRec sender was not a receiver of message ${originalId}`);
    }
    return [];
  }
}
