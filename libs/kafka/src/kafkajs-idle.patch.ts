import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 spins on every broker connection while nothing is waiting to be sent:
 * `RequestQueue.scheduleCheckPendingRequests` arms a `setTimeout` with a negative delay when the
 * queue is empty, whose callback calls it again, forever (kafkajs issues #1556 and #1704, fix
 * proposed in PR #1667, unreleased). Measured here: every idle hub service burned ~50 ms CPU per
 * second (5 % of a core; nine services ≈ half a core on a 2-core machine), which the benchmark
 * counted as ~75 ms of its ~244 ms CPU per message at 6 messages/s.
 *
 * The replacement schedules a check only when a request is pending: when a request is queued
 * (throttled, or over the in-flight limit) kafkajs calls this method, and when an in-flight
 * request completes it checks the queue itself, so nothing waits on the removed timer. Applied
 * once, and only to the exact code it fixes: a kafkajs whose method differs is left alone.
 */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

let applied: boolean | undefined;

/** Patches kafkajs' RequestQueue once; true when the patch is in place (now or before). */
export function patchKafkajsIdleSpin(): boolean {
  if (applied !== undefined) return applied;
  const require = createRequire(import.meta.url);
  const version = (require('kafkajs/package.json') as { version: string }).version;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike };
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  if (version !== '2.2.4' || !String(original).includes('let scheduleAt = this.throttledUntil - Date.now()')) {
    applied = false;
    return applied;
  }
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (this.pending.length === 0 || this.throttleCheckTimeoutId) return;
    const untilThrottleEnds = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, untilThrottleEnds > 0 ? untilThrottleEnds : CHECK_PENDING_REQUESTS_INTERVAL_MS);
  };
  applied = true;
  return applied;
}
