// Runs before every test file: gives the file its own Kafka topic namespace, so
// test files running in parallel (and a hub running on the same broker) never
// consume each other's events even when they use the catalogue's fixed topic and
// group names. A test that spawns services passes `KAFKA_TOPIC_PREFIX:
// topicPrefix()` to them to join its namespace.
import { randomUUID } from 'node:crypto';
import { setTopicPrefix } from '@hub/kafka';

setTopicPrefix(`t${randomUUID().slice(0, 8)}.`);
