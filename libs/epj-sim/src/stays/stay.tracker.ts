import type { PlannedMessage } from './stay.script.js';

export interface StayMunicipality {
  readonly herId: number;
  readonly name: string;
  readonly epjSystem: string;
}

export interface StayMessageView {
  readonly step: number;
  readonly type: string;
  readonly msgId: string;
  readonly senderHerId: number;
  readonly receiverHerId: number;
  state: 'planned' | 'sending' | 'accepted' | 'failed';
  conversationId?: string;
  sentAt?: string;
  error?: { code: string; message: string };
  /** The AppRec the municipality sent back, as received in the hospital's inbox. */
  appRec?: { id: string; status: string; errors: string[]; receivedAt: string };
}

export interface StayProgress {
  readonly messages: number;
  readonly sent: number;
  /** AppRec received (positive or negative): the message reached the receiving EPJ. */
  readonly delivered: number;
  readonly acknowledged: number;
  readonly rejected: number;
  readonly failed: number;
}

export interface StayView {
  readonly id: string;
  readonly municipality: StayMunicipality;
  status: 'running' | 'completed' | 'failed';
  /** The step in hand (message type), or the last one. */
  phase: string;
  readonly startedAt: string;
  completedAt?: string;
  /** Conversation id of the stay's first message (intake's answer). */
  conversationId?: string;
  readonly messages: StayMessageView[];
  innleggelsesrapport?: { msgId: string; receivedAt: string };
  /** Waits that ran out (e.g. `INNLEGGELSESRAPPORT`, `APPREC:<msgId>`). */
  readonly timeouts: string[];
  error?: { code: string; message: string };
  progress: StayProgress;
}

interface Waiter {
  check: () => boolean;
  resolve: (ok: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * In-memory record of the hospital's stays and what came back for them: intake's receipts,
 * AppRecs (matched by original MsgId) and the municipality's INNLEGGELSESRAPPORT (matched by
 * patient). Never exposes the patient's fødselsnummer. Lost on restart (a simulator).
 */
export class StayTracker {
  private readonly stays = new Map<string, StayView>();
  private readonly byMsgId = new Map<string, { stay: StayView; message: StayMessageView }>();
  /** Open stays by patient person id (private: never in a view). */
  private readonly byPatient = new Map<string, StayView>();
  private readonly waiters = new Set<Waiter>();
  /** AppRecs that arrived before their message was recorded as sent. */
  private readonly earlyAppRecs = new Map<string, StayMessageView['appRec']>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  open(id: string, municipality: StayMunicipality, patientId: string, plan: readonly PlannedMessage[]): StayView {
    const stay: StayView = {
      id, municipality, status: 'running', phase: plan[0]?.type ?? '', startedAt: this.now().toISOString(), timeouts: [],
      messages: plan.map((p) => ({ step: p.step, type: p.type, msgId: p.msgId, senderHerId: p.senderHerId, receiverHerId: p.receiverHerId, state: 'planned' })),
      progress: emptyProgress(plan.length),
    };
    this.stays.set(id, stay);
    this.byPatient.set(patientId, stay);
    for (const m of stay.messages) this.byMsgId.set(m.msgId, { stay, message: m });
    this.changed(stay);
    return stay;
  }

  get(id: string): StayView | undefined {
    return this.stays.get(id);
  }

  list(): StayView[] {
    return [...this.stays.values()];
  }

  sending(msgId: string): void {
    const e = this.byMsgId.get(msgId);
    if (!e) return;
    e.message.state = 'sending';
    e.stay.phase = e.message.type;
    this.changed(e.stay);
  }

  accepted(msgId: string, conversationId: string): void {
    const e = this.byMsgId.get(msgId);
    if (!e) return;
    e.message.state = 'accepted';
    e.message.conversationId = conversationId;
    e.message.sentAt = this.now().toISOString();
    e.stay.conversationId ??= conversationId;
    const early = this.earlyAppRecs.get(msgId);
    if (early && !e.message.appRec) e.message.appRec = early;
    this.changed(e.stay);
  }

  messageFailed(msgId: string, error: { code: string; message: string }): void {
    const e = this.byMsgId.get(msgId);
    if (!e) return;
    e.message.state = 'failed';
    e.message.error = error;
    this.changed(e.stay);
  }

  /** An AppRec for one of our messages; the first per original MsgId counts (one per receiver). */
  appRecReceived(originalMsgId: string, appRec: { id: string; status: string; errors: string[] }): boolean {
    const received = { ...appRec, receivedAt: this.now().toISOString() };
    const e = this.byMsgId.get(originalMsgId);
    if (!e) {
      this.earlyAppRecs.set(originalMsgId, received);
      return false;
    }
    if (e.message.appRec) return false;
    e.message.appRec = received;
    this.changed(e.stay);
    return true;
  }

  /** The municipality's INNLEGGELSESRAPPORT about an open stay's patient. */
  innleggelsesrapportReceived(patientId: string, municipalityHerId: number, msgId: string): boolean {
    const stay = this.byPatient.get(patientId);
    if (!stay || stay.municipality.herId !== municipalityHerId || stay.innleggelsesrapport) return false;
    stay.innleggelsesrapport = { msgId, receivedAt: this.now().toISOString() };
    this.changed(stay);
    return true;
  }

  timedOut(stayId: string, what: string): void {
    const stay = this.stays.get(stayId);
    if (!stay) return;
    stay.timeouts.push(what);
    this.changed(stay);
  }

  finish(stayId: string, error?: { code: string; message: string }): void {
    const stay = this.stays.get(stayId);
    if (!stay) return;
    stay.status = error ? 'failed' : 'completed';
    if (error) stay.error = error;
    stay.completedAt = this.now().toISOString();
    for (const [pid, s] of this.byPatient) if (s === stay) this.byPatient.delete(pid);
    this.changed(stay);
  }

  /** Resolves true once `check` holds, false after `timeoutMs`. */
  waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        check, resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Totals over every stay. */
  totals(): StayProgress & { stays: number; running: number; completed: number; staysFailed: number } {
    const all = this.list();
    const sum = (k: keyof StayProgress) => all.reduce((n, s) => n + s.progress[k], 0);
    return {
      stays: all.length,
      running: all.filter((s) => s.status === 'running').length,
      completed: all.filter((s) => s.status === 'completed').length,
      staysFailed: all.filter((s) => s.status === 'failed').length,
      messages: sum('messages'), sent: sum('sent'), delivered: sum('delivered'), acknowledged: sum('acknowledged'), rejected: sum('rejected'), failed: sum('failed'),
    };
  }

  private changed(stay: StayView): void {
    stay.progress = progressOf(stay.messages);
    for (const w of [...this.waiters]) {
      if (w.check()) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(true);
      }
    }
  }
}

function emptyProgress(messages: number): StayProgress {
  return { messages, sent: 0, delivered: 0, acknowledged: 0, rejected: 0, failed: 0 };
}

export function progressOf(messages: readonly StayMessageView[]): StayProgress {
  return {
    messages: messages.length,
    sent: messages.filter((m) => m.state === 'accepted').length,
    delivered: messages.filter((m) => m.appRec).length,
    acknowledged: messages.filter((m) => m.appRec?.status === '1').length,
    rejected: messages.filter((m) => m.appRec && m.appRec.status !== '1').length,
    failed: messages.filter((m) => m.state === 'failed').length,
  };
}
