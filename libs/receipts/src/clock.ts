/**
 * Where the receipt tracker gets "now" from. Deadlines (the 1-hour warning, the
 * 96-hour overdue) are computed against it, never against the database's clock,
 * so tests and drills can move time without touching the system clock.
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock running `offsetMs` ahead of (or behind) another one. The service uses it
 * so a test can move time forward while time still passes normally.
 */
export class OffsetClock implements Clock {
  #offsetMs = 0;

  constructor(private readonly base: Clock = systemClock) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.#offsetMs);
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Sets the offset from the base clock (absolute, not added to the previous one). */
  setOffset(offsetMs: number): void {
    if (!Number.isFinite(offsetMs)) throw new RangeError(`clock offset must be a finite number of ms, got ${offsetMs}`);
    this.#offsetMs = Math.trunc(offsetMs);
  }
}

/** A clock that stands still until told to move: for unit tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date | string = '2025-01-01T00:00:00Z') {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(ms: number): this {
    this.#now += ms;
    return this;
  }

  set(to: Date | string): this {
    this.#now = new Date(to).getTime();
    return this;
  }
}
