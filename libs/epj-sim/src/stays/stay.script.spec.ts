import { distributeStays, planStay, STAY_SCRIPT } from './stay.script.js';

describe('stay script', () => {
  it('runs the admission → discharge chain in DOMAIN.md §2 order and waits for the INNLEGGELSESRAPPORT after LOG_INNLAGT', () => {
    expect(STAY_SCRIPT.map((s) => s.type)).toEqual(['LOG_INNLAGT', 'HELSEOPPL_SOKNAD', 'LOG_UTSKRIVNINGSKLAR', 'UTSKRIVNINGSRAPPORT', 'LOG_UTSKREVET']);
    expect(STAY_SCRIPT.filter((s) => s.awaitInnleggelsesrapport).map((s) => s.type)).toEqual(['LOG_INNLAGT']);
  });

  it('addresses Sykepleietjenesten or Saksbehandlertjenesten from the hospital services, with MsgIds fixed by stay and step', () => {
    const plan = planStay('stay-1', 9100000, 9100100);
    expect(plan.map((p) => [p.type, p.senderHerId, p.receiverHerId])).toEqual([
      ['LOG_INNLAGT', 9100001, 9100101],
      ['HELSEOPPL_SOKNAD', 9100001, 9100102],
      ['LOG_UTSKRIVNINGSKLAR', 9100002, 9100102],
      ['UTSKRIVNINGSRAPPORT', 9100002, 9100101],
      ['LOG_UTSKREVET', 9100002, 9100101],
    ]);
    expect(planStay('stay-1', 9100000, 9100100).map((p) => p.msgId)).toEqual(plan.map((p) => p.msgId));
    expect(new Set(plan.map((p) => p.msgId)).size).toBe(5);
    expect(planStay('stay-2', 9100000, 9100100)[0]!.msgId).not.toBe(plan[0]!.msgId);
    for (const p of plan) expect(p.msgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('spreads stays across Gerica and Profil municipalities alternately', () => {
    const ms = [
      { herId: 9100100, epjSystem: 'Gerica' }, { herId: 9100110, epjSystem: 'Profil' },
      { herId: 9100120, epjSystem: 'Gerica' }, { herId: 9100130, epjSystem: 'Profil' },
    ];
    expect(distributeStays(5, ms).map((m) => m.herId)).toEqual([9100100, 9100110, 9100120, 9100130, 9100100]);
    expect(distributeStays(3, [])).toEqual([]);
  });
});
