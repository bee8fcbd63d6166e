import { ExitCode, type CliCommand } from './cli.types.js';

/**
 * `plo dlq …` is listed here for `plo --help`, but runs elsewhere: it needs the Kafka and
 * database clients, which this domain lib may not import. tools/plo/plo.mjs sends `dlq` to
 * libs/kafka/src/dead-letter.main.ts; this command only answers if that dispatch was bypassed.
 */
export const dlqCommand: CliCommand = {
  name: 'dlq',
  summary: 'inspect and replay dead letters: list, show <ref>, replay <ref>... | --all (docs/dead-letters.md)',
  usage: 'plo dlq list|show|replay … (plo dlq --help for the details)',
  async run(_args, io) {
    io.err('plo dlq: run it as `npx plo dlq …` (tools/plo/plo.mjs starts the Kafka-side tool); this entry point has no Kafka client');
    return ExitCode.FAILED;
  },
};
