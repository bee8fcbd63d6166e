import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { topicByName, type TopicDefinition } from '@hub/contracts';
import { HubError } from '@hub/errors';
import { getLogger } from '@hub/observability';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import { HubConsumer, type HubConsumerOptions, type HubEvent } from './hub.consumer.js';
import type { HubProducer } from './hub.producer.js';
import type { Kafka } from './kafka.adapter.js';
import { ensureTopics } from './topic.admin.js';

export interface HubKafkaServerOptions extends HubConsumerOptions {
  kafka: Kafka;
  producer: HubProducer;
  /** Topics to create besides those with a handler (e.g. the ones this service produces to). */
  produces?: TopicDefinition[];
  /** Definitions for handler patterns outside the static catalogue (per-party inboxes, tests). */
  knownTopics?: TopicDefinition[];
}

/**
 * Nest transport that runs `@EventPattern(Topics.X.name)` handlers on a
 * HubConsumer, so handlers get the hub's delivery rules (await, commit after
 * success, retry, dead-letter with a code) instead of ServerKafka's. Patterns
 * must be catalogue topic names: an unknown name fails at boot, not at 3 a.m.
 */
export class HubKafkaServer extends Server implements CustomTransportStrategy {
  private readonly log = getLogger(HubKafkaServer.name);
  private consumer?: HubConsumer;

  constructor(private readonly options: HubKafkaServerOptions) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      const defs = [...this.messageHandlers.keys()].map((pattern) => {
        const def = this.options.knownTopics?.find((t) => t.name === pattern) ?? topicByName(pattern);
        if (!def) throw new HubError('HUB.UNKNOWN_TOPIC', `@EventPattern('${pattern}') is not a topic in the catalogue`);
        return def;
      });
      await ensureTopics(this.options.kafka, [...defs, ...(this.options.produces ?? [])]);
      await this.options.producer.connect();
      const consumer = new HubConsumer(this.options.kafka, this.options.producer, this.options);
      for (const def of defs) {
        // Looked up once: Nest's lookup JSON.parses the pattern and, for a topic name, throws and
        // catches a SyntaxError every time (6 % of alerting's CPU when it ran per event).
        const handler = this.getHandlerByPattern(def.name);
        if (!handler) throw new HubError('HUB.NO_HANDLER', `no handler for ${def.name}`);
        consumer.on(def, (event) => this.dispatch(handler, event));
      }
      await consumer.start();
      this.consumer = consumer;
      this.log.info('consuming', { group: this.options.groupId, topics: defs.map((d) => d.name) });
      callback();
    } catch (err) {
      callback(err);
    }
  }

  private async dispatch(handler: MessageHandler, event: HubEvent<unknown>): Promise<void> {
    try {
      const result = await handler(event.payload, event);
      await lastValueFrom(this.transformToObservable(result) as Observable<unknown>, { defaultValue: undefined });
    } catch (err) {
      // Nest's default RPC filter turns errors into {status, message} objects;
      // HubEventExceptionFilter keeps the original, but never lose one either way.
      if (err instanceof Error) throw err;
      throw new HubError('HUB.UNHANDLED', typeof err === 'object' ? JSON.stringify(err) : String(err));
    }
  }

  /** Resolves when this server's consumer has joined its group. */
  async waitForAssignment(timeoutMs?: number): Promise<void> {
    if (!this.consumer) throw new Error('HubKafkaServer is not listening');
    await this.consumer.waitForAssignment(timeoutMs);
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  on(): never {
    throw new Error('HubKafkaServer has no events to subscribe to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}

/**
 * Keeps the thrown error intact for HubKafkaServer (code and retriable flag
 * decide retry vs dead-letter). Nest's default filter would replace it with
 * "Internal server error". Register it for the microservice (inheritAppConfig).
 */
@Catch()
export class HubEventExceptionFilter implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
