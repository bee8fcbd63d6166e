import { randomUUID } from 'node:crypto';
import { containsPersonId } from '@hub/errors';
import { APPREC_ERROR_OID, buildAppRec, type AppRec } from '@hub/plo';
import {
  ManualClock, OffsetClock, ReceiptDeadlinePolicy, ReceiptErrorCodes, correlateAppRec, issueDateMatches, messageStatusAfterReceipts,
  deterministicUuid, readAppRec, receiptEventId, type CorrelationInput, type ExpectationSnapshot,
} from './index.js';

const HOUR = 3600_000;
const her = (id: string) => ({ id, typeId: { v: 'HER', dn: 'HER-id' }, additionalIds: [] });

/** An AppRec from `senderHerId` (service 9100101 of Skien by default) answering `original`. */
function apprecXml(o: {
  original: { msgId: string; genDate: string; msgType?: string };
  status?: '1' | '2' | '3';
  errors?: { code: string; ot?: string }[];
  senderHerId?: string;
  id?: string;
}): string {
  const a: AppRec = {
    version: '1.1',
    migVersion: 'v1.1 2012-02-15',
    genDate: '2025-01-01T10:00:00',
    id: o.id ?? randomUUID(),
    sender: { role: { v: 'PRIM' }, inst: { ...her('9100100'), name: 'Skien kommune', depts: [{ ...her(o.senderHerId ?? '9100101'), name: 'Sykepleietjenesten' }], hcPersons: [] } },
    receiver: { role: { v: 'AVS' }, inst: { ...her('9100000'), name: 'Sykehuset Telemark HF', depts: [], hcPersons: [] } },
    status: { v: o.status ?? '1' },
    errors: (o.errors ?? []).map((e) => ({ v: e.code, s: APPREC_ERROR_OID, ...(e.ot ? { ot: e.ot } : {}) })),
    originalMsgId: { msgType: { v: o.original.msgType ?? 'LOG_INNLAGT' }, issueDate: o.original.genDate, id: o.original.msgId },
  };
  return buildAppRec(a);
}

const policy = new ReceiptDeadlinePolicy();
const GEN = new Date('2025-01-01T09:00:00Z');

function expectation(over: Partial<ExpectationSnapshot> = {}): ExpectationSnapshot {
  return {
    msgId: randomUUID(), receiverHerId: 9100100, conversationId: 'c-1', senderHerId: 9100001, msgType: 'LOG_INNLAGT', genDate: GEN,
    status: 'OPEN', ...policy.deadlinesFor(GEN), warnedAt: null, overdueMarkedAt: null, closedAt: null, apprecId: null, ...over,
  };
}

function input(over: Partial<CorrelationInput> & { xml?: string } = {}): CorrelationInput {
  const exp = over.expectation === undefined ? expectation() : over.expectation;
  const msgId = exp?.msgId ?? randomUUID();
  const xml = over.xml ?? apprecXml({ original: { msgId, genDate: '2025-01-01T09:00:00Z' } });
  return {
    appRec: readAppRec(xml),
    senderOrgHerId: 9100100,
    expectation: exp,
    original: { msgType: 'LOG_INNLAGT', genDate: GEN, receiverOrgHerIds: [9100100] },
    now: new Date(GEN.getTime() + 10 * 60_000),
    ...over,
  };
}

describe('readAppRec', () => {
  it('maps status 1/2/3 to OK/REJECTED/PARTIAL and keeps the 8221 codes with their OT texts', () => {
    const msgId = randomUUID();
    const rejected = readAppRec(apprecXml({ original: { msgId, genDate: 'x' }, status: '2', errors: [{ code: 'E21', ot: 'Tjenesten finnes ikke hos oss' }] }));
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.errors).toEqual([{ code: 'E21', dn: 'Mottaker finnes ikke', ot: 'Tjenesten finnes ikke hos oss', s: APPREC_ERROR_OID }]);
    expect(rejected.original).toMatchObject({ msgId, msgType: 'LOG_INNLAGT' });
    expect(rejected.senderHerIds).toEqual(['9100100', '9100101']);
    expect(readAppRec(apprecXml({ original: { msgId, genDate: 'x' } })).status).toBe('OK');
    expect(readAppRec(apprecXml({ original: { msgId, genDate: 'x' }, status: '3' })).status).toBe('PARTIAL');
  });

  it('refuses a document that is not an AppRec with a stable code', () => {
    expect(() => readAppRec('<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>')).toThrow(
      expect.objectContaining({ code: ReceiptErrorCodes.AppRecUnreadable }),
    );
    expect(() => readAppRec('not xml')).toThrow(expect.objectContaining({ code: ReceiptErrorCodes.AppRecUnreadable }));
  });

  it('refuses a status outside kodeverk 8258', () => {
    const xml = apprecXml({ original: { msgId: randomUUID(), genDate: 'x' } }).replace('<Status V="1"', '<Status V="7"');
    expect(() => readAppRec(xml)).toThrow(expect.objectContaining({ code: ReceiptErrorCodes.AppRecStatusUnknown }));
  });
});

describe('correlateAppRec', () => {
  it('closes an open expectation with the AppRec status', () => {
    expect(correlateAppRec(input())).toMatchObject({ kind: 'close', status: 'OK', late: false, opens: false, issueDateMatches: true });
  });

  it('records an AppRec for an unknown MsgId as unmatched', () => {
    expect(correlateAppRec(input({ expectation: null, original: null }))).toMatchObject({ kind: 'unmatched', reason: ReceiptErrorCodes.UnknownOriginal });
  });

  it('records an AppRec from a party that was not a receiver as unmatched', () => {
    const got = correlateAppRec(input({ expectation: null, senderOrgHerId: 9100110 }));
    expect(got).toMatchObject({ kind: 'unmatched', reason: ReceiptErrorCodes.NotAReceiver });
    expect(correlateAppRec(input({ senderOrgHerId: null }))).toMatchObject({ kind: 'unmatched', reason: ReceiptErrorCodes.UnknownSender });
  });

  it('records an AppRec whose OriginalMsgId names another message type as unmatched', () => {
    const exp = expectation();
    const xml = apprecXml({ original: { msgId: exp.msgId, genDate: '2025-01-01T10:00:00', msgType: 'DIALOG_FORESPORSEL' } });
    expect(correlateAppRec(input({ expectation: exp, xml }))).toMatchObject({ kind: 'unmatched', reason: ReceiptErrorCodes.OriginalTypeMismatch });
  });

  it('never matches an AppRec answering an AppRec', () => {
    const got = correlateAppRec(input({ expectation: null, original: { msgType: 'APPREC', genDate: GEN, receiverOrgHerIds: [9100100] } }));
    expect(got).toMatchObject({ kind: 'unmatched', reason: ReceiptErrorCodes.AppRecForAppRec });
  });

  it('opens and closes at once when the AppRec overtakes the dispatched event', () => {
    expect(correlateAppRec(input({ expectation: null }))).toMatchObject({ kind: 'close', opens: true, status: 'OK' });
  });

  it('accepts a late OK after overdue and says it is late', () => {
    const exp = expectation({ overdueMarkedAt: new Date(GEN.getTime() + 96 * HOUR) });
    expect(correlateAppRec(input({ expectation: exp, now: new Date(GEN.getTime() + 100 * HOUR) }))).toMatchObject({ kind: 'close', status: 'OK', late: true });
  });

  it('keeps the first AppRec of a closed expectation and flags a second one with another status as conflicting', () => {
    const first = randomUUID();
    const exp = expectation({ status: 'REJECTED', apprecId: first, closedAt: GEN });
    expect(correlateAppRec(input({ expectation: exp }))).toEqual({ kind: 'duplicate', kept: 'REJECTED', conflicting: true });
    const sameStatus = apprecXml({ original: { msgId: exp.msgId, genDate: 'x' }, status: '2', errors: [{ code: 'E21' }] });
    expect(correlateAppRec(input({ expectation: exp, xml: sameStatus }))).toEqual({ kind: 'duplicate', kept: 'REJECTED', conflicting: false });
    const again = apprecXml({ id: first, original: { msgId: exp.msgId, genDate: 'x' }, status: '2', errors: [{ code: 'E21' }] });
    expect(correlateAppRec(input({ expectation: exp, xml: again }))).toEqual({ kind: 'repeat' });
  });
});

describe('issueDateMatches', () => {
  it('matches the same instant, or the same wall-clock time in Oslo or UTC when no zone is written', () => {
    expect(issueDateMatches('2025-01-01T09:00:00Z', GEN)).toBe(true);
    expect(issueDateMatches('2025-01-01T10:00:00+01:00', GEN)).toBe(true);
    expect(issueDateMatches('2025-01-01T10:00:00', GEN)).toBe(true); // Oslo, winter time
    expect(issueDateMatches('2025-01-01T09:00:00', GEN)).toBe(true); // UTC
    expect(issueDateMatches('2025-01-01T11:00:00', GEN)).toBe(false);
    expect(issueDateMatches('', GEN)).toBe(false);
  });
});

describe('ReceiptDeadlinePolicy with a fake clock', () => {
  it('warns after the warning time and declares overdue at 96 hours after GenDate, each once', () => {
    const clock = new ManualClock(GEN);
    const e = expectation();
    expect(policy.dueCondition(e, clock.now())).toBeNull();
    expect(policy.dueCondition(e, clock.advance(HOUR - 1).now())).toBeNull();
    expect(policy.dueCondition(e, clock.advance(1).now())).toBe('warning');
    const warned = { ...e, warnedAt: clock.now() };
    expect(policy.dueCondition(warned, clock.advance(95 * HOUR - 1).now())).toBeNull();
    expect(policy.dueCondition(warned, clock.advance(1).now())).toBe('overdue');
    expect(policy.dueCondition({ ...warned, overdueMarkedAt: clock.now() }, clock.advance(HOUR).now())).toBeNull();
  });

  it('raises only overdue for an expectation first seen after 96 hours, and nothing for a closed one', () => {
    const late = new Date(GEN.getTime() + 97 * HOUR);
    expect(policy.dueCondition(expectation(), late)).toBe('overdue');
    expect(policy.dueCondition(expectation({ status: 'OK' }), late)).toBeNull();
  });

  it('takes configured durations and refuses a warning that comes after overdue', () => {
    const p = new ReceiptDeadlinePolicy({ warnAfterMs: 1000, overdueAfterMs: 5000 });
    expect(p.deadlinesFor(GEN)).toEqual({ warnDueAt: new Date(GEN.getTime() + 1000), overdueAt: new Date(GEN.getTime() + 5000) });
    expect(() => new ReceiptDeadlinePolicy({ warnAfterMs: 5000, overdueAfterMs: 5000 })).toThrow(RangeError);
  });
});

describe('OffsetClock', () => {
  it('runs ahead of its base clock by the offset set last', () => {
    const base = new ManualClock(GEN);
    const clock = new OffsetClock(base);
    clock.setOffset(HOUR);
    clock.setOffset(2 * HOUR);
    expect(clock.now()).toEqual(new Date(GEN.getTime() + 2 * HOUR));
    expect(() => clock.setOffset(Number.NaN)).toThrow(RangeError);
  });
});

describe('messageStatusAfterReceipts', () => {
  it('is ACKNOWLEDGED only when every receiver answered OK, REJECTED as soon as one rejected', () => {
    expect(messageStatusAfterReceipts([1, 2], [{ receiverHerId: 1, status: 'OK' }])).toBeNull();
    expect(messageStatusAfterReceipts([1, 2], [{ receiverHerId: 1, status: 'OK' }, { receiverHerId: 2, status: 'PARTIAL' }])).toBe('ACKNOWLEDGED');
    expect(messageStatusAfterReceipts([1, 2], [{ receiverHerId: 1, status: 'OK' }, { receiverHerId: 2, status: 'REJECTED' }])).toBe('REJECTED');
    expect(messageStatusAfterReceipts([1, 2], [{ receiverHerId: 1, status: 'OK' }, { receiverHerId: 2, status: 'OPEN' }])).toBeNull();
  });
});

describe('receiptEventId', () => {
  it('is a UUID that depends only on message, receiver and condition', () => {
    const id = receiptEventId('m', 1, 'warning');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(receiptEventId('m', 1, 'warning')).toBe(id);
    expect(receiptEventId('m', 1, 'overdue')).not.toBe(id);
    expect(receiptEventId('m', 2, 'warning')).not.toBe(id);
  });

  it('never looks like a person number, so the producer accepts it as a header', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => deterministicUuid('x', i));
    expect(ids.filter((id) => containsPersonId(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
