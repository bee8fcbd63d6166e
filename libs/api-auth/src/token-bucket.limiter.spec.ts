import { TokenBucketLimiter } from './token-bucket.limiter.js';

describe('TokenBucketLimiter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('allows a burst, then refuses with the time until the next token', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, now: clock });
    expect([1, 2, 3].map(() => limiter.take('9100100').allowed)).toEqual([true, true, true]);
    expect(limiter.take('9100100')).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('refills at the configured rate and never above the burst', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 10, burst: 2, now: clock });
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    now += 100; // one token back
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    now += 60_000; // idle for a minute: still only `burst` tokens
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, false]);
  });

  it('keeps one bucket per key, so one party cannot use up another one\'s', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, now: clock });
    expect(limiter.take('9100100').allowed).toBe(true);
    expect(limiter.take('9100100').allowed).toBe(false);
    expect(limiter.take('9100200').allowed).toBe(true);
  });

  it('is off with a rate of 0', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 0, burst: 1, now: clock });
    expect(limiter.enabled).toBe(false);
    expect(Array.from({ length: 100 }, () => limiter.take('a').allowed).every(Boolean)).toBe(true);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucketLimiter({ ratePerSecond: -1, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
