import type { Principal } from '@hub/registry';
import { assertCanRead, assertCanSendAs, assertOperator, canRead } from './access.policy.js';

const skien: Principal = { role: 'PARTY', credentialId: 'c1', partyHerId: 9100100, herIds: new Set([9100100, 9100101, 9100102]) };
const operator: Principal = { role: 'OPERATOR', credentialId: 'op' };

describe('access policy', () => {
  it('lets a party send as its organisation and its services, and nobody else', () => {
    expect(() => assertCanSendAs(skien, 9100101)).not.toThrow();
    expect(() => assertCanSendAs(skien, 9100000)).toThrow(expect.objectContaining({ code: 'AUTH.FORBIDDEN_SENDER' }));
    expect(() => assertCanSendAs(operator, 9100000)).toThrow(expect.objectContaining({ code: 'AUTH.FORBIDDEN_SENDER' }));
  });

  it('lets a party read what it sent or received, and operators everything', () => {
    expect(canRead(skien, { senderHerId: 9100001, receiverHerIds: [9100101] })).toBe(true);
    expect(canRead(skien, { senderHerId: 9100102, receiverHerIds: [9100001] })).toBe(true);
    expect(canRead(skien, { senderHerId: 9100001, receiverHerIds: [9100111] })).toBe(false);
    expect(() => assertCanRead(skien, { senderHerId: 9100001, receiverHerIds: [9100111] })).toThrow(
      expect.objectContaining({ code: 'AUTH.FORBIDDEN_READ' }),
    );
    expect(canRead(operator, { senderHerId: 1, receiverHerIds: [2] })).toBe(true);
    expect(() => assertOperator(skien)).toThrow(expect.objectContaining({ code: 'AUTH.OPERATOR_ONLY' }));
  });
});
