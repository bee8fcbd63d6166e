import { maskPersonIds } from '@hub/errors';

/** JSON as the ledger stores it in `message_event.detail`. */
export type LedgerJson = string | number | boolean | null | LedgerJson[] | { [key: string]: LedgerJson };
export type LedgerJsonObject = { [key: string]: LedgerJson };

/**
 * A copy of an event's detail with every string that looks like a person number masked:
 * the trace is read by support staff and kept for a long time, and a stage that copied a
 * field from the message by mistake must not put a fødselsnummer into it.
 */
export function maskEventDetail<T extends LedgerJson>(detail: T): T {
  if (typeof detail === 'string') return maskPersonIds(detail) as T;
  if (Array.isArray(detail)) return detail.map((item) => maskEventDetail(item)) as T;
  if (detail !== null && typeof detail === 'object') {
    return Object.fromEntries(
      Object.entries(detail).map(([key, value]) => [maskPersonIds(key), maskEventDetail(value)]),
    ) as T;
  }
  return detail;
}
