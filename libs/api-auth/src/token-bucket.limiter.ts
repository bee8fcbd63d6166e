/** Rate and burst of a token bucket. */
export interface TokenBucketOptions {
  /** Sustained requests per second per key; 0 turns the limiter off. */
  ratePerSecond: number;
  /** Requests a key may make at once after being idle (the bucket's size); at least 1. */
  burst: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The answer of one `take`: allowed, or refused with how long until a token is there. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Idle (full) buckets are dropped once there are this many keys, so memory stays bounded. */
const PRUNE_AT = 10_000;

/**
 * An in-process token bucket per key (a party, an operator credential): `burst` requests at
 * once, refilled at `ratePerSecond`. Per replica: with N intake replicas a party gets up to N
 * times the rate, which is fine for what it is for (one misbehaving integration must not
 * starve the others or flood the ledger), not a billing quota.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond >= 0) || !Number.isFinite(opts.ratePerSecond)) throw new RangeError('ratePerSecond must be a finite number >= 0');
    if (!(opts.burst >= 1) || !Number.isFinite(opts.burst)) throw new RangeError('burst must be a finite number >= 1');
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.ratePerSecond > 0;
  }

  /** Takes one token for `key`, or says how long until one is available. */
  take(key: string): TakeResult {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    const { ratePerSecond, burst } = this.opts;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / ratePerSecond) * 1000) };
  }

  private prune(now: number): void {
    const { ratePerSecond, burst } = this.opts;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * ratePerSecond >= burst) this.buckets.delete(key);
    }
  }
}
