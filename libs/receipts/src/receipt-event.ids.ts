import { createHash } from 'node:crypto';
import { containsPersonId } from '@hub/errors';
import type { ReceiptCondition } from './receipt.model.js';

/**
 * SHA-256 of the parts, shaped as a version-5-style UUID: the same parts always give the same
 * id. Event ids travel in a Kafka header, and the producer refuses a header that looks like a
 * person number; a UUID's last group is now and then exactly 11 digits, so such a hash is
 * re-hashed with a counter (still deterministic).
 */
export function deterministicUuid(...parts: readonly (string | number)[]): string {
  const input = parts.map(String).join(':');
  for (let salt = 0; ; salt++) {
    const h = createHash('sha256').update(salt === 0 ? input : `${input}#${salt}`, 'utf8').digest();
    h[6] = (h[6]! & 0x0f) | 0x50;
    h[8] = (h[8]! & 0x3f) | 0x80;
    const hex = h.subarray(0, 16).toString('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    if (!containsPersonId(id)) return id;
  }
}

/**
 * The eventId of a receipt state change: one per (message, receiver, condition), so a
 * re-publish after a crash, a redelivered input or a second replica carries the same
 * id and downstream (alerting) recognises it as the same change.
 */
export function receiptEventId(msgId: string, receiverHerId: number | string, condition: ReceiptCondition): string {
  return deterministicUuid('receipt-tracker', msgId, receiverHerId, condition);
}

/** The eventId of the `unmatched` change for one AppRec (by its own Id and sender). */
export function unmatchedEventId(apprecId: string, senderHerId: number | string): string {
  return deterministicUuid('receipt-tracker', 'unmatched', apprecId, senderHerId);
}
