import type { AppRecError, FormatErrorCode } from '../codes/index.js';
import { CHAIN_DIRECTION, applyChainEvent, chainEventOf, initialChainState, isUuid, opposite, type ConversationChainState, type Direction } from '../chain/index.js';
import {
  buildAppRec, parseDocument, payloadMatchesType, XmlReadError, ModelError, type AppRec, type HubMessage, type Ident, type Organisation,
} from '../model/index.js';
import { appRecFor, type AppRecErrorDetail } from './apprec.factory.js';
import { checkPatientIdentity } from './patient-identity.policy.js';

/** What the validation layer says about a document (PloValidator.validate fits). */
export interface FormatVerdict {
  readonly valid: boolean;
  readonly errors: readonly { readonly code: string; readonly message: string; readonly line?: number }[];
}
export type ValidateFn = (xml: string | Uint8Array) => FormatVerdict;

/** Configuration of one receiving system. */
export interface ReceiverConfig {
  /** Person ids of known patients; undefined = every patient is known. */
  readonly knownPatients?: ReadonlySet<string>;
  /**
   * HER-ids this system receives for (organisations and their services). A receiver party is ours
   * if any of its HER-ids is listed; undefined = every receiver is ours and known.
   */
  readonly knownServices?: ReadonlySet<string>;
  /** Reject (E21) a message for our organisation but an unknown service. Default true. */
  readonly rejectUnknownService?: boolean;
  /** Reject (E35) a message for an unknown patient instead of warning. Default false (DOMAIN.md §7 [U]). */
  readonly rejectUnknownPatient?: boolean;
  readonly softwareName?: string;
  readonly softwareVersion?: string;
  /** Clock and id source for the AppRecs (inject in tests). */
  readonly now?: () => string;
  readonly newId?: () => string;
}

/** State kept across messages by one receiver. */
export interface ReceiverState {
  /** MsgId → label (e.g. file name) of the first message with it. */
  readonly seen: ReadonlyMap<string, string>;
  /** Chain state per patient stay (keyed by patient id, or by conversation when unidentified). */
  readonly chains: ReadonlyMap<string, ConversationChainState>;
}

export const initialReceiverState = (): ReceiverState => ({ seen: new Map(), chains: new Map() });

export interface AppRecDecision {
  /** HER-id of the receiver the AppRec is from (the most specific HER-id of the party). */
  readonly receiverHerId: string;
  readonly role: 'PRIM' | 'COP';
  readonly status: '1' | '2';
  readonly errors: readonly AppRecError[];
  readonly appRec: AppRec;
  readonly xml: string;
}

export interface ReceiveOutcome {
  readonly msgId?: string;
  readonly type?: string;
  readonly apprecs: readonly AppRecDecision[];
  /** Stable codes with a short text; never person numbers. */
  readonly warnings: readonly string[];
  /** Label of the first message with the same MsgId (then no new AppRec is sent). */
  readonly duplicateOf?: string;
}

const FORMAT_CODES = new Set<string>(['T01', 'T02', 'T10', 'T99']);

const herIds = (o: Organisation | undefined): string[] =>
  o ? [...o.idents.filter((i: Ident) => i.typeId.v?.trim() === 'HER').map((i) => i.id.trim()), ...herIds(o.organisation)] : [];
const mostSpecificHer = (o: Organisation): string => herIds(o).at(-1) ?? '';

interface Recipient {
  readonly organisation: Organisation;
  readonly role: 'PRIM' | 'COP';
}

/**
 * Decides the AppRec(s) for one incoming document (DOMAIN.md §5, AR §3.2–3.3, ARV §4–5) and
 * returns the receiver's next state. Pure apart from the injected clock and id source.
 */
export function receiveMessage(
  xml: string | Uint8Array,
  label: string,
  state: ReceiverState,
  config: ReceiverConfig,
  validate: ValidateFn,
): { outcome: ReceiveOutcome; state: ReceiverState } {
  const warnings: string[] = [];
  const verdict = validate(xml);
  const formatErrors: AppRecErrorDetail[] = verdict.valid
    ? []
    : dedupe(verdict.errors.map((e) => ({ code: (FORMAT_CODES.has(e.code) ? e.code : 'T99') as FormatErrorCode, text: e.line ? `line ${e.line}` : undefined })));

  let message: HubMessage;
  try {
    const doc = parseDocument(xml);
    if (doc.kind === 'AppRec') {
      // An AppRec is never answered with an AppRec.
      return { outcome: { msgId: doc.appRec.id, type: 'APPREC', apprecs: [], warnings: ['APPREC.RECEIVED: application receipts are not acknowledged'] }, state };
    }
    message = doc.message;
  } catch (err) {
    // Without a readable MsgHead the sender cannot be determined: no AppRec (ARV §5.3).
    const why = err instanceof XmlReadError || err instanceof ModelError ? err.message : 'unreadable';
    warnings.push(`NO_APPREC.SENDER_UNKNOWN: ${why}`);
    return { outcome: { apprecs: [], warnings: [...formatErrors.map((e) => `FORMAT.${e.code}`), ...warnings] }, state };
  }

  const info = message.msgInfo;
  const type = info.type.v?.trim();
  const firstSeen = state.seen.get(info.msgId);
  if (firstSeen !== undefined) {
    // Duplicate: processed once; the first already got one AppRec per receiver (ARV §5.4).
    return { outcome: { msgId: info.msgId, type, apprecs: [], warnings: ['DUPLICATE.MSG_ID: already processed'], duplicateOf: firstSeen }, state };
  }

  // Recognised receivers: the primary Receiver and every OtherReceiver that is ours.
  const candidates: Recipient[] = [
    { organisation: info.receiver.organisation, role: 'PRIM' },
    ...info.otherReceivers.flatMap((r) => (r.organisation ? [{ organisation: r.organisation, role: 'COP' as const }] : [])),
  ];
  const ours = candidates.filter((c) => !config.knownServices || herIds(c.organisation).some((h) => config.knownServices!.has(h)));
  if (ours.length === 0) {
    // Addressed to another organisation: no AppRec, and the message must not be imported (ARV §5.3, QA).
    warnings.push('NO_APPREC.NOT_ADDRESSED_TO_US: inform the sender with DIALOG_AVVIK "Feil adressat"');
    return { outcome: { msgId: info.msgId, type, apprecs: [], warnings }, state: markSeen(state, info.msgId, label) };
  }

  const common: AppRecErrorDetail[] = [...formatErrors];
  if (!isUuid(info.msgId)) common.push({ code: 'E10', text: 'MsgId is not a UUID' });
  const identity = checkPatientIdentity(info.patient);
  common.push(...identity.errors.map((code) => ({ code })));
  warnings.push(...identity.warnings);
  if (identity.errors.length === 0 && config.knownPatients && !identity.personIds.some((p) => config.knownPatients!.has(p))) {
    if (config.rejectUnknownPatient) common.push({ code: 'E35' });
    else warnings.push('PATIENT.UNKNOWN: patient not found in the receiver system; handle manually');
  }
  const payload = message.documents[0]?.refDoc.content;
  if (type && verdict.valid && !payloadMatchesType(type, payload) && (type.startsWith('DIALOG_') || type.startsWith('LOG_') || payload?.kind === 'plo')) {
    warnings.push(`PAYLOAD.TYPE_MISMATCH: payload does not match MsgInfo/Type ${type}`);
  }

  // Chain rules: content/flow problems are warnings, never grounds for a negative AppRec (AR §3.2).
  let next = markSeen(state, info.msgId, label);
  if (type && common.length === 0) next = applyChain(next, message, type, identity.personIds[0], warnings);

  const version = appRecVersion(message);
  const apprecs = ours.map((r): AppRecDecision => {
    const errors = [...common];
    const services = config.knownServices;
    if (services && (config.rejectUnknownService ?? true)) {
      // Ours (some HER-id listed) but the addressed service – the most specific HER-id – is not.
      if (!services.has(mostSpecificHer(r.organisation))) errors.push({ code: 'E21', text: 'service not known to the receiver' });
    }
    const appRec = appRecFor({
      original: info, receiver: r.organisation, role: r.role, errors: dedupe(errors), version,
      genDate: config.now?.(), id: config.newId?.(), softwareName: config.softwareName, softwareVersion: config.softwareVersion,
    });
    return {
      receiverHerId: mostSpecificHer(r.organisation),
      role: r.role,
      status: appRec.status.v as '1' | '2',
      errors: appRec.errors.map((e) => e.v as AppRecError),
      appRec,
      xml: buildAppRec(appRec),
    };
  });
  return { outcome: { msgId: info.msgId, type, apprecs, warnings }, state: next };
}

/** AppRec v1.1 answers PLO v1.6 and Dialogmelding; v1.0 answers PLO v1.5 (ARV §8.3, AR §3.6). */
export function appRecVersion(message: HubMessage): '1.0' | '1.1' {
  const p = message.documents[0]?.refDoc.content;
  return p?.kind === 'plo' && p.version === '1.5' ? '1.0' : '1.1';
}

function dedupe(errors: readonly AppRecErrorDetail[]): AppRecErrorDetail[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.code) ? false : (seen.add(e.code), true)));
}

function markSeen(state: ReceiverState, msgId: string, label: string): ReceiverState {
  const seen = new Map(state.seen);
  seen.set(msgId, label);
  return { ...state, seen };
}

function applyChain(state: ReceiverState, message: HubMessage, type: string, personId: string | undefined, warnings: string[]): ReceiverState {
  const key = personId ?? `conversation:${message.msgInfo.conversationRef?.refToConversation ?? message.msgInfo.msgId}`;
  const chain = state.chains.get(key) ?? initialChainState();
  const direction = directionOf(type, message, chain);
  const r = applyChainEvent(chain, chainEventOf(message, direction));
  if (!r.accepted) {
    warnings.push(`${r.code}: ${r.message}`);
    return state;
  }
  if (r.effect === 'PENDING_CANCELLATION') warnings.push('CHAIN.CANCELLATION_BEFORE_ORIGINAL: the original will be cancelled on arrival');
  if (r.effect === 'CANCELLED_ON_ARRIVAL') warnings.push('CHAIN.ORIGINAL_ALREADY_CANCELLED: do not import; a cancellation arrived first');
  if (r.effect === 'PENDING_CHANGE') warnings.push('CHAIN.CHANGE_BEFORE_ORIGINAL: the change is the version in force');
  if (r.effect === 'SUPERSEDED') warnings.push('CHAIN.ORIGINAL_SUPERSEDED: a later change is the version in force');
  const chains = new Map(state.chains);
  chains.set(key, r.state);
  return { ...state, chains };
}

/** Direction of chain messages is fixed; a dialog message answers the other side. */
function directionOf(type: string, message: HubMessage, chain: ConversationChainState): Direction {
  const fixed = (CHAIN_DIRECTION as Record<string, Direction | undefined>)[type];
  if (fixed) return fixed;
  const ref = message.msgInfo.conversationRef?.refToConversation;
  const d = ref ? chain.dialogs[ref]?.direction : undefined;
  // Without a known reference the message is taken as the municipality's question to the hospital.
  return d ? opposite(d) : 'municipality-to-hospital';
}

/** A stateful receiver for a stream of messages (the `plo receive` CLI, simulators). */
export class ReceiverSession {
  private state: ReceiverState = initialReceiverState();
  constructor(
    private readonly config: ReceiverConfig,
    private readonly validate: ValidateFn,
  ) {}

  receive(xml: string | Uint8Array, label: string): ReceiveOutcome {
    const r = receiveMessage(xml, label, this.state, this.config, this.validate);
    this.state = r.state;
    return r.outcome;
  }
}
