/**
 * Who may do what on the brokers (docs/kafka.md "Authentication and ACLs"): one SASL principal
 * per hub service and per EPJ integration, and the ACLs each needs, derived from the topic
 * catalogue (`Topics`, `InboxTopic`) and the parties' EPJ systems rather than listed by hand.
 * Every other principal but the super user gets nothing: the broker runs with
 * `allow.everyone.if.no.acl.found=false`.
 *
 * The `consumes`/`produces`/group entries mirror each app's ServiceDefinition (`produces`,
 * `consumerGroup`) and its `@EventPattern` handlers; a service that starts consuming a new topic
 * gets TOPIC_AUTHORIZATION_FAILED at boot until it is added here.
 */
import kafkajs from 'kafkajs';
import { InboxTopic, Topics, type TopicDefinition } from '@hub/contracts';
import type { Admin } from './kafka.adapter.js';

type AclOp = 'READ' | 'WRITE' | 'DESCRIBE' | 'CREATE';

/** A hub service: reads what it consumes, writes what it produces. */
export interface ServicePrincipal {
  kind: 'service';
  /** Principal name = the app's directory and ServiceDefinition name. */
  name: string;
  group?: string;
  consumes: TopicDefinition[];
  produces: TopicDefinition[];
  /** Writes (and creates) every party's inbox: dispatch. */
  writesInboxes?: boolean;
  /** Reads the inboxes' end offsets and these groups' committed offsets, never their records: alerting's silence detection. */
  watchesInboxGroups?: string[];
}

/** An EPJ integration: reads only the inboxes of the parties whose EPJ system it is. */
export interface AdapterPrincipal {
  kind: 'adapter';
  name: string;
  group: string;
  /** The parties' `epjSystem` (infra/partners) this integration serves. */
  epjSystem: string;
  /** Only municipalities (the hospital's EPJ reads the hospital's inbox). */
  partyKind?: 'MUNICIPALITY' | 'HOSPITAL';
  /** Catalogue topics it may write besides its inboxes' dead letters. */
  produces?: TopicDefinition[];
}

export type HubPrincipal = ServicePrincipal | AdapterPrincipal;

/** The consumer groups of the EPJ integrations (alerting's INBOX_CONSUMER_GROUPS default). */
const EPJ_GROUPS = { dips: 'epj-dips', gerica: 'epj-gerica', profil: 'epj-profil' } as const;

export const HUB_PRINCIPALS: readonly HubPrincipal[] = [
  { kind: 'service', name: 'intake', group: 'intake', consumes: [Topics.EpjEvents], produces: [Topics.MessagesAccepted, Topics.AppRecsSubmitted, Topics.EpjEvents] },
  { kind: 'service', name: 'validation', group: 'validation', consumes: [Topics.MessagesAccepted], produces: [Topics.MessagesValidated, Topics.MessagesRejected] },
  { kind: 'service', name: 'crypto', group: 'crypto', consumes: [Topics.MessagesValidated], produces: [Topics.MessagesSealed, Topics.MessagesRefused] },
  { kind: 'service', name: 'dispatch', group: 'dispatch', consumes: [Topics.MessagesSealed], produces: [Topics.MessagesDispatched, Topics.DispatchFailed], writesInboxes: true },
  { kind: 'service', name: 'receipt-tracker', group: 'receipt-tracker', consumes: [Topics.MessagesDispatched, Topics.AppRecsSubmitted], produces: [Topics.ReceiptStatus] },
  {
    kind: 'service',
    name: 'alerting',
    group: 'alerting',
    consumes: [Topics.MessagesRejected, Topics.MessagesRefused, Topics.DispatchFailed, Topics.ReceiptStatus, Topics.MessagesDispatched],
    produces: [],
    watchesInboxGroups: Object.values(EPJ_GROUPS),
  },
  // Talks HTTP only; authenticated so that even its idle client is somebody, and allowed nothing.
  { kind: 'service', name: 'ops-console', consumes: [], produces: [] },
  // The hospital's EPJ integration may also hand events to intake over Kafka (hub.epj-events.v1).
  { kind: 'adapter', name: 'hospital-epj', group: EPJ_GROUPS.dips, epjSystem: 'DIPS', partyKind: 'HOSPITAL', produces: [Topics.EpjEvents] },
  { kind: 'adapter', name: 'gerica-adapter', group: EPJ_GROUPS.gerica, epjSystem: 'Gerica', partyKind: 'MUNICIPALITY' },
  { kind: 'adapter', name: 'profil-adapter', group: EPJ_GROUPS.profil, epjSystem: 'Profil', partyKind: 'MUNICIPALITY' },
];

/** A party as the registry seed (infra/partners) lists it. */
export interface PartyOfPrincipal {
  herId: number | string;
  epjSystem: string;
  kind?: string;
}

/** One ACL entry, before it becomes a kafkajs binding. */
export interface HubAcl {
  principal: string;
  resourceType: 'TOPIC' | 'GROUP';
  /** Physical name (topic prefix applied). */
  name: string;
  pattern: 'LITERAL' | 'PREFIXED';
  operations: AclOp[];
}

/** The inboxes an adapter principal reads: its EPJ system's parties (of its kind). */
export function servedParties(p: AdapterPrincipal, parties: readonly PartyOfPrincipal[]): PartyOfPrincipal[] {
  return parties.filter((party) => party.epjSystem.toLowerCase() === p.epjSystem.toLowerCase() && (!p.partyKind || !party.kind || party.kind === p.partyKind));
}

/**
 * The ACLs of one principal in the namespace `prefix` (KAFKA_TOPIC_PREFIX). CREATE is given on the
 * topics the principal creates at boot (the service host and the consumers create their topics
 * and dead-letter topics when missing; see ensureTopics); a cluster whose topics an operator owns
 * (Strimzi's topic operator) leaves it out.
 */
export function principalAcls(p: HubPrincipal, parties: readonly PartyOfPrincipal[], prefix = ''): HubAcl[] {
  const acls: HubAcl[] = [];
  const topic = (name: string, operations: AclOp[], pattern: HubAcl['pattern'] = 'LITERAL') =>
    acls.push({ principal: p.name, resourceType: 'TOPIC', name: prefix + name, pattern, operations });
  const group = (name: string, operations: AclOp[]) => acls.push({ principal: p.name, resourceType: 'GROUP', name: prefix + name, pattern: 'LITERAL', operations });

  if (p.kind === 'service') {
    for (const t of p.consumes) {
      topic(t.name, ['READ', 'DESCRIBE', 'CREATE']);
      topic(t.deadLetter, ['WRITE', 'DESCRIBE', 'CREATE']);
    }
    for (const t of p.produces) {
      topic(t.name, ['WRITE', 'DESCRIBE', 'CREATE']);
      topic(t.deadLetter, ['DESCRIBE', 'CREATE']);
    }
    if (p.group) group(p.group, ['READ', 'DESCRIBE']);
    // Covers the inboxes' dead-letter topics too (hub.inbox.<id>.v1.dlq).
    if (p.writesInboxes) topic(InboxTopic.prefix, ['WRITE', 'DESCRIBE', 'CREATE'], 'PREFIXED');
    if (p.watchesInboxGroups) {
      topic(InboxTopic.prefix, ['DESCRIBE'], 'PREFIXED');
      for (const g of p.watchesInboxGroups) group(g, ['DESCRIBE']);
    }
  } else {
    for (const party of servedParties(p, parties)) {
      const inbox = InboxTopic.definitionFor(String(party.herId));
      topic(inbox.name, ['READ', 'DESCRIBE', 'CREATE']);
      topic(inbox.deadLetter, ['WRITE', 'DESCRIBE', 'CREATE']);
    }
    for (const t of p.produces ?? []) topic(t.name, ['WRITE', 'DESCRIBE']);
    group(p.group, ['READ', 'DESCRIBE']);
  }
  return acls;
}

/** Every principal's ACLs in the namespace `prefix`. */
export function hubAcls(parties: readonly PartyOfPrincipal[], prefix = '', principals: readonly HubPrincipal[] = HUB_PRINCIPALS): HubAcl[] {
  return principals.flatMap((p) => principalAcls(p, parties, prefix));
}

/** kafkajs bindings for `acls` (ALLOW from any host). */
export function aclBindings(acls: readonly HubAcl[]): Parameters<Admin['createAcls']>[0]['acl'] {
  return acls.flatMap((a) =>
    a.operations.map((op) => ({
      resourceType: kafkajs.AclResourceTypes[a.resourceType],
      resourceName: a.name,
      resourcePatternType: kafkajs.ResourcePatternTypes[a.pattern],
      principal: `User:${a.principal}`,
      host: '*',
      operation: kafkajs.AclOperationTypes[op],
      permissionType: kafkajs.AclPermissionTypes.ALLOW,
    })),
  );
}

/**
 * Creates the ACLs with an admin client of the super user. Creating an existing binding is a
 * no-op on the broker, so this is safe to repeat (each hub start does) and to run concurrently.
 */
export async function applyAcls(admin: Admin, acls: readonly HubAcl[]): Promise<number> {
  const bindings = aclBindings(acls);
  // Chunks: one CreateAcls request per few hundred bindings keeps each request small.
  for (let i = 0; i < bindings.length; i += 200) await admin.createAcls({ acl: bindings.slice(i, i + 200) });
  return bindings.length;
}
