import { planStay } from './stay.script.js';
import { StayTracker } from './stay.tracker.js';

const municipality = { herId: 9100100, name: 'Skien kommune', epjSystem: 'Gerica' };

describe('StayTracker', () => {
  it('counts delivered and acknowledged from the AppRecs received, once per original MsgId', () => {
    const t = new StayTracker();
    const plan = planStay('s1', 9100000, 9100100);
    t.open('s1', municipality, '01811512345', plan);
    t.accepted(plan[0]!.msgId, 'c1');
    t.accepted(plan[1]!.msgId, 'c2');
    expect(t.appRecReceived(plan[0]!.msgId, { id: 'a1', status: '1', errors: [] })).toBe(true);
    expect(t.appRecReceived(plan[0]!.msgId, { id: 'a1', status: '1', errors: [] })).toBe(false);
    t.appRecReceived(plan[1]!.msgId, { id: 'a2', status: '2', errors: ['E21'] });
    expect(t.get('s1')!.progress).toEqual({ messages: 5, sent: 2, delivered: 2, acknowledged: 1, rejected: 1, failed: 0 });
    expect(t.get('s1')!.conversationId).toBe('c1');
  });

  it('matches an INNLEGGELSESRAPPORT to the open stay of the patient and municipality, and wakes the waiting step', async () => {
    const t = new StayTracker();
    const stay = t.open('s1', municipality, '01811512345', planStay('s1', 9100000, 9100100));
    const waiting = t.waitUntil(() => stay.innleggelsesrapport !== undefined, 10_000);
    expect(t.innleggelsesrapportReceived('01811512345', 9100110, 'r0')).toBe(false);
    expect(t.innleggelsesrapportReceived('01811512345', 9100100, 'r1')).toBe(true);
    await expect(waiting).resolves.toBe(true);
    expect(JSON.stringify(t.list())).not.toContain('01811512345');
  });

  it('gives up a wait after the timeout', async () => {
    const t = new StayTracker();
    await expect(t.waitUntil(() => false, 5)).resolves.toBe(false);
  });
});
