/** One observation of a party's inbox: what its consumer has committed and what is left. */
export interface InboxSample {
  /** Sum over partitions of (end offset − committed offset). */
  lag: number;
  /** Sum over partitions of the committed offsets (grows while the inbox drains). */
  committed: number;
}

export interface InboxDrainState {
  stalled: boolean;
  /** When the inbox last drained (or had nothing to drain), epoch ms. */
  lastProgressAt: number;
  lag: number;
}

/**
 * Silence detection on the inbox side: a party's inbox "stops draining" when there is
 * something to read (lag > 0) and its consumer has committed nothing new for
 * `stallAfterMs`. Measured on committed offsets rather than on the lag itself, so a
 * consumer that drains slower than messages arrive is not called down. State is kept
 * per process; two replicas judge independently and the alert dedupe keeps it one alert.
 */
export class InboxDrainMonitor {
  private readonly state = new Map<number, { committed: number; lastProgressAt: number; lag: number }>();

  constructor(private readonly stallAfterMs: number) {}

  observe(herId: number, sample: InboxSample, nowMs: number): InboxDrainState {
    const prev = this.state.get(herId);
    const progressed = !prev || sample.lag <= 0 || sample.committed !== prev.committed;
    const next = { committed: sample.committed, lag: sample.lag, lastProgressAt: progressed ? nowMs : prev.lastProgressAt };
    this.state.set(herId, next);
    return { stalled: sample.lag > 0 && nowMs - next.lastProgressAt >= this.stallAfterMs, lastProgressAt: next.lastProgressAt, lag: sample.lag };
  }

  /** True when the inbox of `herId` drained (or was empty) at or after `sinceMs`. */
  progressedSince(herId: number, sinceMs: number): boolean {
    const s = this.state.get(herId);
    return s !== undefined && s.lastProgressAt >= sinceMs;
  }
}
