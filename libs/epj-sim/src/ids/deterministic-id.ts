import { createHash } from 'node:crypto';

/**
 * A UUID derived from its inputs (SHA-256, shaped as a version-5-style UUID), so a redelivered
 * event leads to the same AppRec id, the same answer MsgId and therefore the same
 * `Idempotency-Key` at intake (docs/delivery-design.md "derive output eventIds deterministically").
 */
export function deterministicUuid(...parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join(':'), 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
