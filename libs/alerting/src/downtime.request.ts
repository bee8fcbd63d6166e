import { z } from 'zod';
import { HubError } from '@hub/errors';

/** Stable codes of the alerting service's API. */
export const AlertingErrorCodes = {
  /** [400] The downtime request body is malformed. */
  BadDowntimeRequest: 'ALERTING.BAD_DOWNTIME_REQUEST',
  /** [400] A query parameter is malformed. */
  BadQuery: 'ALERTING.BAD_QUERY',
  /** [404] No downtime with that id. */
  DowntimeNotFound: 'ALERTING.DOWNTIME_NOT_FOUND',
  /** [404] The party named is not in the registry. */
  UnknownParty: 'ALERTING.UNKNOWN_PARTY',
  /** [403] A party may declare or end downtime only for itself. */
  ForbiddenParty: 'ALERTING.FORBIDDEN_PARTY',
} as const;

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO-8601 date-time' })
  .transform((s) => new Date(s));

const downtimeRequestSchema = z
  .object({
    partyHerId: z.coerce.number().int().positive().max(999_999_999),
    kind: z.enum(['PLANNED', 'UNPLANNED']),
    reason: z.string().trim().min(1).max(500),
    expectedEnd: isoDate.optional(),
    startsAt: isoDate.optional(),
  })
  .strict();

/** `POST /v1/downtime` body, checked. */
export interface DowntimeRequest {
  partyHerId: number;
  kind: 'PLANNED' | 'UNPLANNED';
  reason: string;
  expectedEnd?: Date;
  startsAt?: Date;
}

/** Checks a downtime request; a bad one is a HubError naming each field. */
export function parseDowntimeRequest(body: unknown): DowntimeRequest {
  const result = downtimeRequestSchema.safeParse(body ?? {});
  if (!result.success) {
    const details = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new HubError(AlertingErrorCodes.BadDowntimeRequest, `invalid downtime request: ${details.join('; ')}`, { metadata: { issues: details } });
  }
  const r = result.data;
  if (r.expectedEnd && r.startsAt && r.expectedEnd <= r.startsAt) {
    throw new HubError(AlertingErrorCodes.BadDowntimeRequest, 'expectedEnd must be after startsAt', { metadata: { issues: ['expectedEnd: before startsAt'] } });
  }
  return r;
}
