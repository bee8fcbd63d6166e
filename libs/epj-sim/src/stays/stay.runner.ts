import { randomUUID } from 'node:crypto';
import { HubError } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { buildChainMessageXml } from '../documents/chain-message.factory.js';
import { organisationFor, type AddressableParty } from '../documents/party-address.js';
import type { MessageSubmitter } from '../intake/intake.client.js';
import { generateSyntheticPatient, msgHeadPatient, type SyntheticPatient } from '../patients/synthetic-patient.generator.js';
import { distributeStays, planStay, STAY_SCRIPT, type StayStep } from './stay.script.js';
import type { StayTracker, StayView } from './stay.tracker.js';

export interface StayMunicipalityParty extends AddressableParty {
  readonly epjSystem: string;
}

/** Per request: shorter stays and waits (the demo's fault stays). */
export interface StayStartOptions {
  /** Only the first `steps` messages of the script (e.g. 1 = just LOG_INNLAGT). */
  readonly steps?: number;
  /** Overrides the runner's reply timeout for these stays. */
  readonly replyTimeoutMs?: number;
}

/** A stay stops after a negative AppRec: the rest is for manual handling, not more automatic messages. */
export const StayErrorCodes = { NegativeAppRec: 'EPJ.NEGATIVE_APPREC' } as const;

export interface StayRunnerOptions {
  readonly hospital: AddressableParty;
  readonly submitter: MessageSubmitter;
  readonly tracker: StayTracker;
  /** How long a step waits for the INNLEGGELSESRAPPORT or an AppRec before it goes on anyway. */
  readonly replyTimeoutMs: number;
  /**
   * Wait for each message's AppRec before the next step. Every chain message starts its own
   * dialog (so its own partition key); waiting for the receipt keeps the chain order end to end.
   */
  readonly awaitAppRecs: boolean;
  /** Attempts for a retriable intake failure (hub not up yet), with capped backoff. */
  readonly submitAttempts?: number;
  readonly retryInitialMs?: number;
  readonly script?: readonly StayStep[];
  readonly random?: () => number;
}

/**
 * Runs patient stays through the chain as Sykehuset Telemark's EPJ: one synthetic patient per
 * stay, messages sent through intake as the hospital, waiting for the municipality's
 * INNLEGGELSESRAPPORT after LOG_INNLAGT (bounded by the reply timeout) so the chain order holds.
 */
export class StayRunner {
  private readonly log = getLogger(StayRunner.name);
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly opts: StayRunnerOptions) {}

  /** Starts `count` stays across `municipalities`; returns at once with their views. */
  start(count: number, municipalities: readonly StayMunicipalityParty[], opts: StayStartOptions = {}): StayView[] {
    const script = (this.opts.script ?? STAY_SCRIPT).slice(0, opts.steps ?? undefined);
    return distributeStays(count, municipalities).map((m) => {
      const patient = generateSyntheticPatient(this.opts.random);
      const id = randomUUID();
      const plan = planStay(id, this.opts.hospital.herId, m.herId, script);
      const view = this.opts.tracker.open(id, { herId: m.herId, name: m.name, epjSystem: m.epjSystem }, patient.fodselsnummer, plan);
      const run = this.run(view, m, patient, plan, opts.replyTimeoutMs ?? this.opts.replyTimeoutMs).finally(() => this.running.delete(run));
      this.running.add(run);
      return view;
    });
  }

  /** Resolves when every started stay has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async run(stay: StayView, municipality: StayMunicipalityParty, patient: SyntheticPatient, plan: ReturnType<typeof planStay>, replyTimeoutMs: number): Promise<void> {
    const { tracker } = this.opts;
    try {
      for (const p of plan) {
        const xml = buildChainMessageXml({
          type: p.type, msgId: p.msgId, patient: msgHeadPatient(patient),
          sender: organisationFor(this.opts.hospital, p.senderHerId), receiver: organisationFor(municipality, p.receiverHerId),
        });
        tracker.sending(p.msgId);
        const receipt = await this.submit(xml, p.msgId);
        tracker.accepted(p.msgId, receipt.conversationId || p.msgId);
        this.log.info('stay message sent', { stayId: stay.id, msgId: p.msgId, conversationId: receipt.conversationId, msgType: p.type });

        if (this.opts.awaitAppRecs) {
          const msg = stay.messages[p.step]!;
          if (!(await tracker.waitUntil(() => msg.appRec !== undefined, replyTimeoutMs))) tracker.timedOut(stay.id, `APPREC:${p.msgId}`);
          else if (msg.appRec?.status !== '1') {
            const codes = msg.appRec?.errors.join(',') ?? '';
            tracker.finish(stay.id, { code: StayErrorCodes.NegativeAppRec, message: `${p.type} answered with a negative AppRec (${codes}): the stay goes on manually` });
            this.log.warn('stay stopped after a negative AppRec', { stayId: stay.id, msgId: p.msgId, errors: codes });
            return;
          }
        }
        if (p.awaitInnleggelsesrapport) {
          if (!(await tracker.waitUntil(() => stay.innleggelsesrapport !== undefined, replyTimeoutMs))) tracker.timedOut(stay.id, 'INNLEGGELSESRAPPORT');
        }
      }
      tracker.finish(stay.id);
      this.log.info('stay completed', { stayId: stay.id, progress: stay.progress, timeouts: stay.timeouts });
    } catch (err) {
      const e = HubError.from(err);
      const current = stay.messages.find((m) => m.state === 'sending');
      if (current) tracker.messageFailed(current.msgId, { code: e.code, message: e.message });
      tracker.finish(stay.id, { code: e.code, message: e.message });
      this.log.error('stay failed', { stayId: stay.id, code: e.code, error: e.message });
    }
  }

  /** POSTs as the hospital (its token covers its services); retries while the hub is unavailable. */
  private async submit(xml: string, msgId: string) {
    const attempts = this.opts.submitAttempts ?? 8;
    const org = this.opts.hospital.herId;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.opts.submitter.submitXml(org, xml, msgId);
      } catch (err) {
        const e = HubError.from(err);
        if (!e.retriable || attempt >= attempts) throw e;
        const wait = Math.min(10_000, (this.opts.retryInitialMs ?? 250) * 2 ** (attempt - 1));
        this.log.warn('intake unavailable, retrying', { msgId, attempt, waitMs: wait, code: e.code });
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
