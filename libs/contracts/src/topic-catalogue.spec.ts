import { InboxTopic, Topics, catalogueTopics, topicByName, withDeadLetters } from './topic-catalogue.js';

describe('topic catalogue', () => {
  it('gives every topic a unique versioned name and its own dead-letter topic', () => {
    const names = withDeadLetters(catalogueTopics()).map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const def of catalogueTopics()) {
      expect(def.name).toMatch(/^hub\.[a-z-]+(\.[a-z-]+)*\.v\d+$/);
      expect(def.deadLetter).toBe(`${def.name}.dlq`);
      expect(def.partitions).toBeGreaterThan(0);
    }
  });

  it('keys every message-stage topic by conversation so a chain stays in order', () => {
    const stages = [Topics.MessagesAccepted, Topics.MessagesValidated, Topics.MessagesSealed, Topics.MessagesDispatched];
    for (const def of stages) expect(def.key).toBe('conversationId');
  });

  it('names one inbox per party by HER-id and refuses anything that is not a HER-id', () => {
    expect(InboxTopic.nameFor('8142987')).toBe('hub.inbox.8142987.v1');
    expect(() => InboxTopic.nameFor('../etc')).toThrow(/HER-id/);
    expect(() => InboxTopic.nameFor('')).toThrow(/HER-id/);
  });

  it('finds definitions by name, including dead-letter and inbox topics', () => {
    expect(topicByName('hub.messages.sealed.v1')?.payloadType).toBe('MessageSealed');
    expect(topicByName('hub.messages.sealed.v1.dlq')?.partitions).toBe(1);
    expect(topicByName('hub.inbox.123.v1')?.payloadType).toBe('InboxDelivery');
    expect(topicByName('hub.inbox.123.v1.dlq')?.name).toBe('hub.inbox.123.v1.dlq');
    expect(topicByName('nope')).toBeUndefined();
  });
});

describe('HubEventMap', () => {
  it('maps a catalogue topic name to its payload type at compile time', () => {
    type Accepted = import('./topic-catalogue.js').HubEventMap['hub.messages.accepted.v1'];
    const sample: Accepted['source'] = 'rest';
    expect(sample).toBe('rest');
  });
});
