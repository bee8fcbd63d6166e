import { HubHeaders } from '@hub/contracts';
import { DeadLetterErrorCodes, deadLetterTopicOf, displayPayload, formatRef, isDeadLetterTopic, maskJson, parseRef, refKey, replayRecord, summarize, type DeadLetter } from './dead-letter.js';
import { setTopicPrefix } from './topic.namespace.js';

const FNR = '01017012345';

function deadLetter(overrides: Partial<DeadLetter> = {}, headers: Record<string, string> = {}): DeadLetter {
  return {
    ref: { topic: 'hub.messages.accepted.v1.dlq', partition: 0, offset: '17' },
    key: 'conv-1',
    value: Buffer.from(JSON.stringify({ eventId: 'e-1', conversationId: 'conv-1', note: `patient ${FNR}` })),
    time: '2026-11-30T12:00:00.000Z',
    headers: {
      [HubHeaders.EventId]: 'e-1',
      [HubHeaders.MsgId]: 'm-1',
      [HubHeaders.ErrorCode]: 'VALIDATION.BAD',
      [HubHeaders.ErrorMessage]: 'bad ***********',
      [HubHeaders.ErrorRetriable]: 'false',
      [HubHeaders.OriginalTopic]: 'hub.messages.accepted.v1',
      [HubHeaders.OriginalPartition]: '3',
      [HubHeaders.OriginalOffset]: '41',
      [HubHeaders.FailedGroup]: 'validation',
      [HubHeaders.FailedAt]: '2026-11-30T12:00:00.000Z',
      [HubHeaders.Attempts]: '1',
      ...headers,
    },
    ...overrides,
  };
}

describe('dead-letter refs', () => {
  beforeEach(() => setTopicPrefix(''));
  afterAll(() => setTopicPrefix(''));

  it('parses <dlq-topic>:<partition>:<offset> and formats it back', () => {
    const ref = parseRef('hub.messages.accepted.v1.dlq:2:9007199254740993');
    expect(ref).toEqual({ topic: 'hub.messages.accepted.v1.dlq', partition: 2, offset: '9007199254740993' });
    expect(formatRef(ref)).toBe('hub.messages.accepted.v1.dlq:2:9007199254740993');
  });

  it('accepts inbox dead-letter topics', () => {
    expect(parseRef('hub.inbox.8094866.v1.dlq:1:0').topic).toBe('hub.inbox.8094866.v1.dlq');
  });

  it.each([
    ['hub.messages.accepted.v1.dlq', /expected <dlq-topic>:<partition>:<offset>/],
    ['hub.messages.accepted.v1.dlq:0', /expected <dlq-topic>:<partition>:<offset>/],
    ['hub.messages.accepted.v1.dlq:x:1', /expected <dlq-topic>:<partition>:<offset>/],
    ['hub.messages.accepted.v1.dlq:0:-1', /expected <dlq-topic>:<partition>:<offset>/],
    ['hub.messages.accepted.v1.dlq:0:9223372036854775808', /offset 9223372036854775808 is out of range/],
    ['hub.messages.accepted.v1.dlq:2147483648:0', /partition 2147483648 is out of range/],
    ['hub.nope.v1.dlq:0:1', /hub.nope.v1.dlq is not a topic of the catalogue/],
    ['hub.messages.accepted.v1:0:1', /is not a dead-letter topic \(did you mean hub.messages.accepted.v1.dlq\?\)/],
  ])('refuses %s with a message saying what is wrong', (text, message) => {
    expect(() => parseRef(text)).toThrow(message);
    try {
      parseRef(text);
    } catch (err) {
      expect((err as { code: string }).code).toBe(DeadLetterErrorCodes.BadRef);
    }
  });

  it('takes refs with or without the namespace prefix and keys them by the physical topic', () => {
    setTopicPrefix('demo.');
    const ref = parseRef('demo.hub.messages.sealed.v1.dlq:0:3');
    expect(ref.topic).toBe('hub.messages.sealed.v1.dlq');
    expect(parseRef('hub.messages.sealed.v1.dlq:0:3')).toEqual(ref);
    expect(refKey(ref)).toBe('demo.hub.messages.sealed.v1.dlq:0:3');
  });

  it('maps --topic to the dead-letter topic, from the topic or the dead-letter topic itself', () => {
    expect(deadLetterTopicOf('hub.messages.sealed.v1')).toBe('hub.messages.sealed.v1.dlq');
    expect(deadLetterTopicOf('hub.messages.sealed.v1.dlq')).toBe('hub.messages.sealed.v1.dlq');
    expect(deadLetterTopicOf('hub.inbox.42.v1')).toBe('hub.inbox.42.v1.dlq');
    expect(() => deadLetterTopicOf('orders')).toThrow('orders is not a topic of the catalogue');
  });

  it('recognises only this namespace\'s catalogue dead-letter topics', () => {
    setTopicPrefix('demo.');
    expect(isDeadLetterTopic('demo.hub.messages.accepted.v1.dlq')).toBe(true);
    expect(isDeadLetterTopic('demo.hub.inbox.8094866.v1.dlq')).toBe(true);
    expect(isDeadLetterTopic('demo.hub.messages.accepted.v1')).toBe(false);
    expect(isDeadLetterTopic('hub.messages.accepted.v1.dlq')).toBe(false);
    expect(isDeadLetterTopic('other.hub.messages.accepted.v1.dlq')).toBe(false);
    expect(isDeadLetterTopic('demo.test.x.v1.dlq')).toBe(false);
  });
});

describe('replayRecord', () => {
  beforeEach(() => setTopicPrefix(''));

  it('puts back the original key, value and headers without the dead-letter headers, marked as a replay', () => {
    const dl = deadLetter({}, { [HubHeaders.TraceId]: 'trace-1' });
    const record = replayRecord(dl);
    expect(record).toEqual({
      topic: 'hub.messages.accepted.v1',
      key: 'conv-1',
      value: dl.value,
      headers: {
        [HubHeaders.EventId]: 'e-1',
        [HubHeaders.MsgId]: 'm-1',
        [HubHeaders.TraceId]: 'trace-1',
        [HubHeaders.ReplayOf]: 'hub.messages.accepted.v1.dlq:0:17',
      },
    });
  });

  it('publishes to the namespaced original topic', () => {
    setTopicPrefix('demo.');
    expect(replayRecord(deadLetter()).topic).toBe('demo.hub.messages.accepted.v1');
  });

  it('keys a dead letter whose key was redacted by the payload key field', () => {
    expect(replayRecord(deadLetter({ key: 'redacted' })).key).toBe('conv-1');
  });

  it('refuses a redacted key when the payload has no usable key field', () => {
    const value = Buffer.from(JSON.stringify({ conversationId: FNR }));
    expect(() => replayRecord(deadLetter({ key: 'redacted', value }))).toThrow("its key was redacted and the payload has no usable 'conversationId'");
  });

  it('refuses a record without an original topic, or with one of another dead-letter topic', () => {
    expect(() => replayRecord(deadLetter({}, { [HubHeaders.OriginalTopic]: '' }))).toThrow(`has no ${HubHeaders.OriginalTopic} header`);
    expect(() => replayRecord(deadLetter({}, { [HubHeaders.OriginalTopic]: 'hub.messages.sealed.v1' }))).toThrow('does not belong to this dead-letter topic');
    expect(() => replayRecord(deadLetter({}, { [HubHeaders.OriginalTopic]: 'hub.messages.accepted.v1.dlq' }))).toThrow('is not a catalogue topic');
  });
});

describe('summaries and display', () => {
  it('summarises a dead letter from its headers', () => {
    expect(summarize(deadLetter({}, { [HubHeaders.ReplayOf]: 'hub.messages.accepted.v1.dlq:0:3' }))).toEqual({
      ref: 'hub.messages.accepted.v1.dlq:0:17',
      dlqTopic: 'hub.messages.accepted.v1.dlq',
      partition: 0,
      offset: '17',
      time: '2026-11-30T12:00:00.000Z',
      originalTopic: 'hub.messages.accepted.v1',
      errorCode: 'VALIDATION.BAD',
      attempts: 1,
      eventId: 'e-1',
      failedGroup: 'validation',
      replayOf: 'hub.messages.accepted.v1.dlq:0:3',
    });
  });

  it('masks person numbers in every string, key and number of a JSON payload, but not in UUIDs', () => {
    const masked = maskJson({ note: `fnr ${FNR}`, [FNR]: 1, n: 1017012345, big: 1017012345_0, list: [FNR], id: '0e8a4c1d-0101-7012-3450-123456789012' });
    expect(JSON.stringify(masked)).not.toContain(FNR);
    expect(masked).toEqual({ note: 'fnr ***********', '***********': 1, n: 1017012345, big: '***********', list: ['***********'], id: '0e8a4c1d-0101-7012-3450-123456789012' });
  });

  it('shows the payload masked, or in clear with reveal; non-JSON as text', () => {
    const value = Buffer.from(JSON.stringify({ note: FNR }));
    expect(displayPayload(value, false)).toEqual({ json: { note: '***********' } });
    expect(displayPayload(value, true)).toEqual({ json: { note: FNR } });
    expect(displayPayload(Buffer.from(`<x>${FNR}</x>`), false)).toEqual({ text: '<x>***********</x>' });
  });
});
