import { InboxTopic, Topics, catalogueTopics } from '@hub/contracts';
import { HUB_PRINCIPALS, aclBindings, hubAcls, principalAcls, servedParties, type HubAcl, type HubPrincipal } from './kafka.principals.js';

// The parties as infra/partners lists them (a hospital on DIPS, municipalities on Gerica and Profil).
const parties = [
  { herId: 9100000, kind: 'HOSPITAL', epjSystem: 'DIPS' },
  { herId: 9100100, kind: 'MUNICIPALITY', epjSystem: 'Gerica' },
  { herId: 9100110, kind: 'MUNICIPALITY', epjSystem: 'Profil' },
  { herId: 9100120, kind: 'MUNICIPALITY', epjSystem: 'Gerica' },
];
const principal = (name: string): HubPrincipal => HUB_PRINCIPALS.find((p) => p.name === name)!;
/** Can `acls` do `op` on topic `name` (literal or prefixed match, as the broker decides)? */
const allows = (acls: HubAcl[], op: string, name: string, type: HubAcl['resourceType'] = 'TOPIC') =>
  acls.some((a) => a.resourceType === type && a.operations.includes(op as never) && (a.pattern === 'LITERAL' ? a.name === name : name.startsWith(a.name)));

describe('Kafka principals and their ACLs', () => {
  it('has one principal per service and EPJ integration, with unique names', () => {
    const names = HUB_PRINCIPALS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting', 'ops-console', 'hospital-epj', 'gerica-adapter', 'profil-adapter']));
  });

  it('lets an EPJ adapter read only its own parties\' inboxes and write nothing but their dead letters', () => {
    const acls = principalAcls(principal('gerica-adapter'), parties);
    expect(allows(acls, 'READ', InboxTopic.nameFor('9100100'))).toBe(true);
    expect(allows(acls, 'READ', InboxTopic.nameFor('9100120'))).toBe(true);
    expect(allows(acls, 'READ', InboxTopic.nameFor('9100110'))).toBe(false); // a Profil municipality
    expect(allows(acls, 'READ', InboxTopic.nameFor('9100000'))).toBe(false); // the hospital
    for (const t of catalogueTopics()) {
      expect({ topic: t.name, write: allows(acls, 'WRITE', t.name), read: allows(acls, 'READ', t.name) }).toEqual({ topic: t.name, write: false, read: false });
    }
    const written = acls.filter((a) => a.operations.includes('WRITE')).map((a) => a.name);
    expect(written.sort()).toEqual([`${InboxTopic.nameFor('9100100')}.dlq`, `${InboxTopic.nameFor('9100120')}.dlq`]);
    expect(acls.every((a) => a.pattern === 'LITERAL')).toBe(true);
  });

  it('serves the hospital\'s inbox to the hospital EPJ only, which may also write EPJ events', () => {
    const hospital = principal('hospital-epj');
    expect(servedParties(hospital as Extract<HubPrincipal, { kind: 'adapter' }>, parties).map((p) => p.herId)).toEqual([9100000]);
    const acls = principalAcls(hospital, parties);
    expect(allows(acls, 'WRITE', Topics.EpjEvents.name)).toBe(true);
    expect(allows(acls, 'WRITE', Topics.MessagesAccepted.name)).toBe(false);
    expect(allows(acls, 'READ', Topics.EpjEvents.name)).toBe(false);
  });

  it('gives no hub service read access to an inbox; only dispatch writes them', () => {
    for (const p of HUB_PRINCIPALS.filter((x) => x.kind === 'service')) {
      const acls = principalAcls(p, parties);
      expect({ p: p.name, reads: allows(acls, 'READ', InboxTopic.nameFor('9100100')) }).toEqual({ p: p.name, reads: false });
      expect({ p: p.name, writes: allows(acls, 'WRITE', InboxTopic.nameFor('9100100')) }).toEqual({ p: p.name, writes: p.name === 'dispatch' });
    }
  });

  it('lets each service read what it consumes, write what it produces, and nothing upstream', () => {
    const validation = principalAcls(principal('validation'), parties);
    expect(allows(validation, 'READ', Topics.MessagesAccepted.name)).toBe(true);
    expect(allows(validation, 'READ', 'validation', 'GROUP')).toBe(true);
    expect(allows(validation, 'WRITE', Topics.MessagesValidated.name)).toBe(true);
    expect(allows(validation, 'WRITE', `${Topics.MessagesAccepted.name}.dlq`)).toBe(true);
    expect(allows(validation, 'WRITE', Topics.MessagesAccepted.name)).toBe(false);
    expect(allows(validation, 'WRITE', Topics.MessagesSealed.name)).toBe(false);
    expect(allows(validation, 'READ', 'crypto', 'GROUP')).toBe(false);
    expect(principalAcls(principal('ops-console'), parties)).toEqual([]);
  });

  it('puts the topic prefix in front of every resource name', () => {
    const acls = hubAcls(parties, 'tabc123.');
    expect(acls.length).toBeGreaterThan(40);
    expect(acls.every((a) => a.name.startsWith('tabc123.'))).toBe(true);
    expect(allows(acls.filter((a) => a.principal === 'dispatch'), 'WRITE', `tabc123.${InboxTopic.nameFor('9100100')}`)).toBe(true);
  });

  it('turns each operation into one kafkajs ALLOW binding for User:<name>', () => {
    const bindings = aclBindings([{ principal: 'crypto', resourceType: 'GROUP', name: 'crypto', pattern: 'LITERAL', operations: ['READ', 'DESCRIBE'] }]);
    expect(bindings).toHaveLength(2);
    expect(bindings.every((b) => b.principal === 'User:crypto' && b.host === '*')).toBe(true);
  });
});
