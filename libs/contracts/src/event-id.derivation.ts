import { createHash } from 'node:crypto';

/**
 * A stage's output event id, derived from its input: SHA-256 of `parts.join(':')` shaped as a
 * UUID (version 5 bits, RFC 4122 variant), so a redelivered input re-publishes the same id
 * and the next stage's claim recognises it.
 */
export function derivedEventId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join(':'), 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
