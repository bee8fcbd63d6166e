/**
 * Topic namespace: an optional prefix put in front of every catalogue topic and
 * consumer group this process uses (`KAFKA_TOPIC_PREFIX`). Code and decorators
 * speak logical names (`hub.messages.accepted.v1`); only the Kafka adapter layer
 * sees physical ones. It lets several hubs (a test run, a demo, a second
 * environment) share one cluster without reading each other's events.
 */
let prefix = '';

export function setTopicPrefix(value: string): void {
  if (!/^[A-Za-z0-9._-]*$/.test(value)) throw new Error(`topic prefix may hold only letters, digits, '.', '_' and '-', got '${value}'`);
  prefix = value;
}

export function topicPrefix(): string {
  return prefix;
}

/** Physical topic (or group) name for a logical one. */
export function physicalName(logical: string): string {
  return prefix + logical;
}

/** Logical name for a physical one (names outside the namespace pass through). */
export function logicalName(physical: string): string {
  return prefix && physical.startsWith(prefix) ? physical.slice(prefix.length) : physical;
}
