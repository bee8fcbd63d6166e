import { decideFallback, type FallbackFacts } from './fallback-eligibility.policy.js';

const now = new Date('2026-03-05T12:00:00Z');
const hour = 3600_000;
const facts = (over: Partial<FallbackFacts> = {}): FallbackFacts => ({ status: 'DELIVERED', expectations: [], held: [], ...over });

describe('manual fallback eligibility', () => {
  it('refuses a message on its way electronically and says why', () => {
    const d = decideFallback(facts({ expectations: [{ receiverHerId: 9100100, status: 'OPEN', overdueMarkedAt: null }] }), now, hour);
    expect(d).toMatchObject({ eligible: false, details: { messageStatus: 'DELIVERED', openExpectations: 1, heldDeliveries: 0 } });
    expect(decideFallback(facts({ status: 'ACKNOWLEDGED', expectations: [{ receiverHerId: 1, status: 'OK', overdueMarkedAt: null }] }), now, hour).eligible).toBe(false);
  });

  it('allows a message the hub rejected', () => {
    expect(decideFallback(facts({ status: 'REJECTED' }), now, hour)).toEqual({ eligible: true, reasons: [{ kind: 'rejected', by: 'hub', status: 'REJECTED' }] });
  });

  it('allows a message a receiver rejected with a negative AppRec', () => {
    const d = decideFallback(facts({ expectations: [{ receiverHerId: 9100100, status: 'REJECTED', overdueMarkedAt: null }] }), now, hour);
    expect(d).toEqual({ eligible: true, reasons: [{ kind: 'rejected', by: 'receiver', receiverHerId: 9100100 }] });
  });

  it('allows an overdue message only while its expectation is still open', () => {
    const marked = new Date('2026-03-05T10:00:00Z');
    expect(decideFallback(facts({ expectations: [{ receiverHerId: 1, status: 'OPEN', overdueMarkedAt: marked }] }), now, hour)).toMatchObject({
      eligible: true,
      reasons: [{ kind: 'overdue', receiverHerId: 1 }],
    });
    // A late positive AppRec closed it: back in the receiver's EPJ, no printout.
    expect(decideFallback(facts({ expectations: [{ receiverHerId: 1, status: 'OK', overdueMarkedAt: marked }] }), now, hour).eligible).toBe(false);
  });

  it('allows a held delivery only beyond the threshold and while it is unreleased', () => {
    const young = { receiverHerId: 9100140, heldAt: new Date(now.getTime() - hour + 1000), releasedAt: null };
    const old = { receiverHerId: 9100140, heldAt: new Date(now.getTime() - hour), releasedAt: null };
    expect(decideFallback(facts({ held: [young] }), now, hour)).toMatchObject({
      eligible: false,
      details: { heldDeliveries: 1, heldAfterMs: hour, eligibleFrom: new Date(young.heldAt.getTime() + hour).toISOString() },
    });
    expect(decideFallback(facts({ held: [old] }), now, hour)).toMatchObject({ eligible: true, reasons: [{ kind: 'held', receiverHerId: 9100140 }] });
    expect(decideFallback(facts({ held: [{ ...old, releasedAt: now }] }), now, hour).eligible).toBe(false);
  });
});
