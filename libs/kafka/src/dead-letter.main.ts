/**
 * Entry point of `npx plo dlq …` (tools/plo/plo.mjs compiles and runs it: libs/plo is a
 * domain lib and may not reach Kafka or the database). Settings are the services' own
 * (@hub/config), so the tool talks to the same brokers, namespace and ledger as the hub.
 */
import { databaseUrl, kafkaSettings, loadConfig, readKafkaSasl, readKafkaTls, type ConfigOf } from '@hub/config';
import { maskPersonIds } from '@hub/errors';
import { DeadLetterReplayLedger, createLedgerClient } from '@hub/ledger';
import { configureLogging } from '@hub/observability';
import { runDlqCli, type DlqClients } from './dead-letter.command.js';
import { DeadLetterReplayer } from './dead-letter.replayer.js';
import { DeadLetterStore } from './dead-letter.store.js';
import { HubProducer } from './hub.producer.js';
import { createKafka } from './kafka.adapter.js';
import { setTopicPrefix } from './topic.namespace.js';

// The services' Kafka settings (service-host commonSettings) plus the ledger's database.
const settings = { ...kafkaSettings, databaseUrl };

async function connect(config: ConfigOf<typeof settings>): Promise<DlqClients> {
  const kafka = createKafka({ brokers: [...config.kafkaBrokers], clientId: `${config.kafkaClientId}.plo-dlq`, ssl: readKafkaTls(config), sasl: readKafkaSasl(config) });
  const ledgerClient = createLedgerClient(config.databaseUrl, { poolSize: 2 });
  const record = new DeadLetterReplayLedger(ledgerClient);
  let producer: HubProducer | undefined;
  return {
    store: new DeadLetterStore(kafka),
    record,
    replayer: {
      // The producer exists only for a replay: list and show never write.
      replay: async (deadLetters) => {
        producer ??= new HubProducer(kafka, 'plo-dlq');
        await producer.connect();
        return new DeadLetterReplayer(producer, record).replay(deadLetters);
      },
    },
    close: async () => {
      await Promise.allSettled([producer?.disconnect(), ledgerClient.$disconnect()]);
    },
  };
}

// No log lines: the command reports every failure itself, once, in one line; kafkajs would add
// a JSON line per connection retry. (stderr all the same, should a level ever be raised.)
configureLogging({ service: 'plo-dlq', level: 'silent', destination: process.stderr });
const args = process.argv.slice(2);
if (args[0] === 'dlq') args.shift();
const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`) };
let config: ConfigOf<typeof settings> | undefined;
try {
  config = loadConfig(settings);
  // Before the arguments are parsed: refs may be given with the namespace prefix.
  setTopicPrefix(config.kafkaTopicPrefix);
} catch (err) {
  io.err(`plo dlq: ${(err as Error).message}`);
  process.exitCode = 1;
}
if (config) runDlqCli(args, io, () => connect(config)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`plo dlq: ${maskPersonIds(err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = 1;
  },
);
