import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ConfigError, httpHost, kafkaSettings, loadConfig, logLevel, readKafkaSasl, readKafkaTls, type ConfigOf, type Setting } from '@hub/config';
import type { TopicDefinition } from '@hub/contracts';
import { HubEventExceptionFilter, HubKafkaServer, HubProducer, createKafka, ensureTopics, setTopicPrefix, type HubConsumerOptions, type Kafka } from '@hub/kafka';
import { NestLoggerAdapter, configureLogging, getLogger } from '@hub/observability';

/** Settings every service has. */
export const commonSettings = { ...kafkaSettings, httpHost, logLevel };

export type ServiceConfig<S extends Record<string, Setting<unknown>>> = ConfigOf<typeof commonSettings & S>;

/** Everything a service's main.ts declares; the host does the rest the same way for all. */
export interface ServiceDefinition<S extends Record<string, Setting<unknown>>> {
  /** Service name: logs, metrics label, Kafka client id suffix, consumer group stem. */
  name: string;
  /** The service's own settings (its HTTP port among them, as `httpPort`). */
  settings: S & { httpPort: Setting<number> };
  /** The root module, given the validated config and the shared Kafka client. */
  module: (config: ServiceConfig<S>, kafka: Kafka) => Type | DynamicModule;
  /** Topics this service produces to: created before anything starts. */
  produces?: TopicDefinition[];
  /** Consumer group; set when the module has `@EventPattern` handlers. */
  consumerGroup?: string;
  /** Fetch tuning of the group's consumer (HubConsumerOptions); kafkajs' defaults otherwise. */
  consumerFetch?: Pick<HubConsumerOptions, 'fetchMinBytes' | 'fetchMaxWaitMs'>;
  /** HTTP set-up that needs the app itself (body parsers, OpenAPI docs); runs before init. */
  configureHttp?: (app: INestApplication, config: ServiceConfig<S>) => void | Promise<void>;
}

/**
 * Boots one service: validates config once (fails fast naming the variable),
 * configures JSON logging, creates the catalogue topics it needs, starts the
 * Kafka consumer (HubKafkaServer) and the HTTP server (API, /health, /metrics),
 * and shuts down gracefully on SIGTERM/SIGINT.
 */
export async function runService<S extends Record<string, Setting<unknown>>>(
  def: ServiceDefinition<S>,
  env: Record<string, string | undefined> = process.env,
): Promise<INestApplication> {
  let config: ServiceConfig<S>;
  let sasl: ReturnType<typeof readKafkaSasl>;
  let ssl: ReturnType<typeof readKafkaTls>;
  try {
    config = loadConfig({ ...commonSettings, ...def.settings }, env) as ServiceConfig<S>;
    // The SASL password and TLS files are read once, here: a missing or unreadable secret is a config error.
    sasl = readKafkaSasl(config as unknown as ConfigOf<typeof commonSettings>);
    ssl = readKafkaTls(config as unknown as ConfigOf<typeof commonSettings>);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${def.name}: ${err.message}\n`);
      process.exit(78); // EX_CONFIG: a restart loop will not fix this, an operator must.
    }
    throw err;
  }
  // The common part, typed concretely (the generic intersection hides it from the compiler).
  const common = config as unknown as ConfigOf<typeof commonSettings>;
  configureLogging({ service: def.name, level: common.logLevel });
  setTopicPrefix(common.kafkaTopicPrefix);
  const log = getLogger('ServiceHost');
  const kafka = createKafka({ brokers: [...common.kafkaBrokers], clientId: `${common.kafkaClientId}.${def.name}`, ssl, sasl });

  await ensureTopics(kafka, def.produces ?? []);
  let app: INestApplication;
  try {
    app = await NestFactory.create(def.module(config, kafka), { logger: new NestLoggerAdapter(), bufferLogs: true, bodyParser: !def.configureHttp });
    await def.configureHttp?.(app, config);
  } catch (err) {
    // A module that checks its own settings (e.g. a secret required in production) fails like config does.
    if (err instanceof ConfigError || (err as { code?: string })?.code === 'CONFIG.INVALID') {
      process.stderr.write(`${def.name}: ${(err as Error).message}\n`);
      process.exit(78);
    }
    throw err;
  }
  app.enableShutdownHooks();

  if (def.consumerGroup) {
    // Deferred, so the exception filter can still be registered: Nest ignores
    // filters added to an initialised microservice, and without this one every
    // HubError would lose its code and retriable flag on the way to HubConsumer.
    const ms = app.connectMicroservice(
      { strategy: new HubKafkaServer({ kafka, producer: app.get(HubProducer), groupId: def.consumerGroup, produces: def.produces, ...def.consumerFetch }) },
      { deferInitialization: true },
    );
    ms.useGlobalFilters(new HubEventExceptionFilter());
    // The app's init() below runs the lifecycle hooks once for the shared container.
    (ms as unknown as { setIsInitHookCalled(v: boolean): void }).setIsInitHookCalled(true);
  }
  // Providers are initialised (database pools, registries) before the first event arrives.
  await app.init();
  if (def.consumerGroup) await app.startAllMicroservices();
  await app.listen(config.httpPort as number, common.httpHost);
  log.info('service started', { service: def.name, url: await app.getUrl(), consumerGroup: def.consumerGroup });
  return app;
}
