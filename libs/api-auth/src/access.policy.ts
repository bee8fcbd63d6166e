import { HubError } from '@hub/errors';
import type { Principal } from '@hub/registry';

/** Stable codes of the API's access decisions (HTTP status in brackets). */
export const AuthErrorCodes = {
  /** [401] No bearer token. */
  Missing: 'AUTH.MISSING',
  /** [401] Unknown or revoked token. */
  Invalid: 'AUTH.INVALID',
  /** [403] A party tried to send as a HER-id that is not its own. */
  ForbiddenSender: 'AUTH.FORBIDDEN_SENDER',
  /** [403] A party tried to read a message it neither sent nor received. */
  ForbiddenRead: 'AUTH.FORBIDDEN_READ',
  /** [403] An operation for operators only. */
  OperatorOnly: 'AUTH.OPERATOR_ONLY',
} as const;

/** HTTP status for each auth code (the HTTP layer maps HubErrors through this). */
export const AUTH_HTTP_STATUS: Record<string, number> = {
  [AuthErrorCodes.Missing]: 401,
  [AuthErrorCodes.Invalid]: 401,
  [AuthErrorCodes.ForbiddenSender]: 403,
  [AuthErrorCodes.ForbiddenRead]: 403,
  [AuthErrorCodes.OperatorOnly]: 403,
};

/** A party sends only as its own organisation HER-id or one of its services'. Operators do not send. */
export function assertCanSendAs(principal: Principal, senderHerId: number): void {
  if (principal.role !== 'PARTY' || !principal.herIds.has(senderHerId)) {
    throw new HubError(AuthErrorCodes.ForbiddenSender, `this credential may not send as HER-id ${senderHerId}`, {
      metadata: { senderHerId },
    });
  }
}

/** Operators read everything; a party reads what it sent or what was addressed to it. */
export function canRead(principal: Principal, message: { senderHerId: number; receiverHerIds: readonly number[] }): boolean {
  if (principal.role === 'OPERATOR') return true;
  return principal.herIds.has(message.senderHerId) || message.receiverHerIds.some((r) => principal.herIds.has(r));
}

export function assertCanRead(principal: Principal, message: { senderHerId: number; receiverHerIds: readonly number[] }): void {
  if (!canRead(principal, message)) throw new HubError(AuthErrorCodes.ForbiddenRead, 'this credential may not read this message');
}

export function assertOperator(principal: Principal): void {
  if (principal.role !== 'OPERATOR') throw new HubError(AuthErrorCodes.OperatorOnly, 'operators only');
}
