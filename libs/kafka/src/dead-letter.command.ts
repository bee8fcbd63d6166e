/**
 * `plo dlq list|show|replay`: inspect and replay dead letters (docs/dead-letters.md).
 * Arguments are checked before anything connects; the Kafka and database clients come from
 * `connect`, so the command runs the same against fakes (unit tests) and the real hub.
 */
import { HubError, maskPersonIds } from '@hub/errors';
import { DeadLetterErrorCodes, deadLetterTopicOf, displayPayload, formatRef, parseRef, refKey, summarize, type DeadLetter, type DeadLetterRef, type DeadLetterSummary } from './dead-letter.js';
import type { DeadLetterReplayRecord, DeadLetterReplayStateInput, ReplayOutcome } from './dead-letter.replayer.js';
import { physicalName, topicPrefix } from './topic.namespace.js';

/** stdout gets the data (lines, JSON lines), stderr the notices. */
export interface DlqIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** What the command needs once its arguments are good. */
export interface DlqClients {
  store: { list(topics?: readonly string[]): Promise<DeadLetter[]>; get(refs: readonly DeadLetterRef[]): Promise<DeadLetter[]> };
  replayer: { replay(deadLetters: readonly DeadLetter[]): Promise<ReplayOutcome[]> };
  record: Pick<DeadLetterReplayRecord, 'states'>;
  close(): Promise<void>;
}

export const DlqExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export const DLQ_USAGE = [
  'usage: plo dlq list [--topic <topic>] [--json]',
  '       plo dlq show <dlq-topic>:<partition>:<offset> [--reveal] [--json]',
  '       plo dlq replay <ref>... | --all [--topic <topic>] [--json]',
  '',
  '  list    every dead letter of the catalogue dead-letter topics (or of one: --topic takes the',
  '          dead-letter topic or the topic whose dead letters are meant), and whether it was replayed',
  '  show    one dead letter: headers and payload; person numbers are masked unless --reveal',
  '  replay  re-publish to the original topic, once per dead letter however often it is asked',
  '',
  'environment: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL (and the KAFKA_SSL_* files)',
  'exit: 0 done, 1 failed (nothing at a ref, broker or database unreachable, a replay failed), 2 usage',
].join('\n');

export type DlqRequest =
  | { verb: 'help' }
  | { verb: 'list'; topic?: string; json: boolean }
  | { verb: 'show'; ref: DeadLetterRef; json: boolean; reveal: boolean }
  | { verb: 'replay'; refs: DeadLetterRef[]; all: boolean; topic?: string; json: boolean };

/** A bad command line: reported with the usage text and exit code 2. */
export class DlqUsageError extends Error {
  readonly code = 'CLI.USAGE';
}

const FLAGS: Record<string, readonly string[]> = { list: ['json'], show: ['json', 'reveal'], replay: ['json', 'all'] };
const VALUED: Record<string, readonly string[]> = { list: ['topic'], show: [], replay: ['topic'] };

/** Parses `dlq` arguments (without the `dlq` itself). @throws DlqUsageError */
export function parseDlqArgs(args: readonly string[]): DlqRequest {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h' || rest.includes('--help') || rest.includes('-h')) return { verb: 'help' };
  if (!(verb in FLAGS)) throw new DlqUsageError(`unknown subcommand '${verb}'`);
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (FLAGS[verb].includes(name) && eq < 0) {
      flags.add(name);
    } else if (VALUED[verb].includes(name)) {
      const value = eq < 0 ? rest[++i] : a.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('--')) throw new DlqUsageError(`--${name} needs a value`);
      if (options.has(name)) throw new DlqUsageError(`--${name} given twice`);
      options.set(name, value);
    } else {
      throw new DlqUsageError(`unknown option --${name} for '${verb}'`);
    }
  }
  const json = flags.has('json');
  const topic = options.has('topic') ? usage(() => deadLetterTopicOf(options.get('topic')!)) : undefined;
  switch (verb) {
    case 'list':
      if (positional.length > 0) throw new DlqUsageError(`'list' takes no arguments (got ${positional.join(' ')}); use --topic to pick a topic`);
      return { verb, topic, json };
    case 'show':
      if (positional.length !== 1) throw new DlqUsageError(`'show' takes exactly one <dlq-topic>:<partition>:<offset>`);
      return { verb, ref: usage(() => parseRef(positional[0])), json, reveal: flags.has('reveal') };
    default: {
      const all = flags.has('all');
      if (all && positional.length > 0) throw new DlqUsageError('give refs or --all, not both');
      if (!all && positional.length === 0) throw new DlqUsageError(`'replay' needs one or more refs, or --all`);
      if (!all && topic) throw new DlqUsageError('--topic goes with --all (a ref names its topic)');
      const refs = positional.map((p) => usage(() => parseRef(p)));
      const unique = [...new Map(refs.map((r) => [formatRef(r), r])).values()];
      return { verb: 'replay', refs: unique, all, topic, json };
    }
  }
}

/** Turns a bad ref or topic (HubError from dead-letter.ts) into a usage error. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof HubError && (err.code === DeadLetterErrorCodes.BadRef || err.code === DeadLetterErrorCodes.UnknownTopic)) throw new DlqUsageError(err.message);
    throw err;
  }
}

/** Runs `plo dlq …`; returns the exit code. `connect` is called only for valid arguments. */
export async function runDlqCli(args: readonly string[], io: DlqIo, connect: () => Promise<DlqClients>): Promise<number> {
  let request: DlqRequest;
  try {
    request = parseDlqArgs(args);
  } catch (err) {
    if (!(err instanceof DlqUsageError)) throw err;
    io.err(`plo dlq: ${err.message}\n${DLQ_USAGE}`);
    return DlqExitCode.USAGE;
  }
  if (request.verb === 'help') {
    (args.length === 0 ? io.err : io.out)(DLQ_USAGE);
    return args.length === 0 ? DlqExitCode.USAGE : DlqExitCode.OK;
  }
  let clients: DlqClients | undefined;
  try {
    clients = await connect();
    if (!request.json && topicPrefix()) io.err(`plo dlq: namespace '${topicPrefix()}' (KAFKA_TOPIC_PREFIX): refs name topics without it`);
    if (request.verb === 'list') return await list(request, clients, io);
    if (request.verb === 'show') return await show(request, clients, io);
    return await replay(request, clients, io);
  } catch (err) {
    // Config errors and kafkajs errors carry no HubError code; show theirs when they have one.
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : (err as { type?: string })?.type;
    const message = oneLine(err instanceof Error ? err.message : String(err));
    io.err(`plo dlq ${request.verb}: ${maskPersonIds(message)}${code && code !== DeadLetterErrorCodes.NotFound ? ` (${code})` : ''}`);
    return DlqExitCode.FAILED;
  } finally {
    await clients?.close();
  }
}

/**
 * One line of an error message. Prisma's start with "Invalid `prisma.x.y()` invocation:" and
 * put the cause on the last line; that line is what an operator needs.
 */
export function oneLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length > 1 && /^Invalid `.*` invocation/.test(lines[0])) return lines[lines.length - 1];
  return lines.join(' ');
}

/** A row of `plo dlq list`. `replayed`: null when the replay record could not be read. */
export interface DlqListRow extends DeadLetterSummary {
  replayed: boolean | null;
  replayedAt: string | null;
  /** A replay was claimed but not seen to finish (it died, or runs now): `replay` takes it up. */
  replayClaimed: boolean;
}

async function list(req: Extract<DlqRequest, { verb: 'list' }>, c: DlqClients, io: DlqIo): Promise<number> {
  const deadLetters = await c.store.list(req.topic ? [req.topic] : undefined);
  const states = await replayStates(deadLetters, c, io);
  const rows = deadLetters.map((dl) => listRow(dl, states));
  if (req.json) for (const row of rows) io.out(JSON.stringify(row));
  else if (rows.length === 0) io.out(`no dead letters${req.topic ? ` on ${req.topic}` : ''}`);
  else for (const line of formatListTable(rows)) io.out(line);
  return DlqExitCode.OK;
}

async function replayStates(deadLetters: readonly DeadLetter[], c: DlqClients, io: DlqIo): Promise<Map<string, DeadLetterReplayStateInput> | null> {
  try {
    return await c.record.states(deadLetters.map((dl) => ({ dlqTopic: physicalName(dl.ref.topic), partition: dl.ref.partition, offset: dl.ref.offset })));
  } catch (err) {
    // Inspecting must work while the database is down; only the REPLAYED column is unknown.
    io.err(`plo dlq: replay record unreadable (${maskPersonIds(oneLine((err as Error).message))}): REPLAYED shows '?'`);
    return null;
  }
}

export function listRow(dl: DeadLetter, states: Map<string, DeadLetterReplayStateInput> | null): DlqListRow {
  const state = states?.get(refKey(dl.ref));
  return {
    ...summarize(dl),
    replayed: states === null ? null : state?.state === 'replayed',
    replayedAt: state?.state === 'replayed' ? state.at.toISOString() : null,
    replayClaimed: state?.state === 'claimed',
  };
}

/** The human `list` output: a header and one aligned line per dead letter. */
export function formatListTable(rows: readonly DlqListRow[]): string[] {
  const header = ['REF', 'TIME', 'ORIGINAL TOPIC', 'ERROR CODE', 'ATTEMPTS', 'EVENT ID', 'REPLAYED'];
  const cells = rows.map((r) => [
    r.ref,
    r.time,
    r.originalTopic ?? '-',
    r.errorCode ?? '-',
    r.attempts === null ? '-' : String(r.attempts),
    r.eventId ?? '-',
    r.replayed === null ? '?' : r.replayed ? `yes ${r.replayedAt}` : r.replayClaimed ? 'claimed, unfinished' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  return [line(header), ...cells.map(line)];
}

async function show(req: Extract<DlqRequest, { verb: 'show' }>, c: DlqClients, io: DlqIo): Promise<number> {
  const [dl] = await c.store.get([req.ref]);
  const states = await replayStates([dl], c, io);
  if (req.reveal) io.err('plo dlq: --reveal: person numbers in the payload are shown in clear; do not paste this output anywhere');
  for (const line of formatShow(dl, listRow(dl, states), req)) io.out(line);
  return DlqExitCode.OK;
}

/** The `show` output: headers and payload, masked unless `reveal`. */
export function formatShow(dl: DeadLetter, row: DlqListRow, opts: { json: boolean; reveal: boolean }): string[] {
  const mask = (s: string) => (opts.reveal ? s : maskPersonIds(s));
  const headers = Object.fromEntries(Object.entries(dl.headers).map(([k, v]) => [mask(k), mask(v)]));
  const payload = displayPayload(dl.value, opts.reveal);
  if (opts.json) {
    return [
      JSON.stringify({
        ref: row.ref,
        time: row.time,
        key: dl.key === undefined ? null : mask(dl.key),
        headers,
        ...payload,
        masked: !opts.reveal,
        replayed: row.replayed,
        replayedAt: row.replayedAt,
        replayClaimed: row.replayClaimed,
      }),
    ];
  }
  const replayed = row.replayed === null ? '? (replay record unreadable)' : row.replayed ? `yes, ${row.replayedAt}` : row.replayClaimed ? 'claimed, unfinished (replay takes it up)' : 'no';
  const body = 'json' in payload ? JSON.stringify(payload.json, null, 2) : payload.text;
  return [
    `ref       ${row.ref}`,
    `time      ${row.time}`,
    `key       ${dl.key === undefined ? '(none)' : mask(dl.key)}`,
    `replayed  ${replayed}`,
    'headers',
    ...Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`),
    `payload (${'json' in payload ? 'JSON' : 'not JSON'}, ${dl.value.length} bytes; ${opts.reveal ? 'person numbers NOT masked: --reveal' : 'person numbers masked; --reveal shows them'})`,
    ...body.split('\n'),
  ];
}

async function replay(req: Extract<DlqRequest, { verb: 'replay' }>, c: DlqClients, io: DlqIo): Promise<number> {
  const deadLetters = req.all ? await c.store.list(req.topic ? [req.topic] : undefined) : await c.store.get(req.refs);
  const outcomes = await c.replayer.replay(deadLetters);
  for (const o of outcomes) io.out(req.json ? JSON.stringify(o) : formatOutcome(o));
  const summary = summarizeOutcomes(outcomes);
  // JSON mode keeps stdout one kind of line (outcomes); the tally goes to stderr.
  (req.json ? io.err : io.out)(summary.line);
  return summary.failed + summary.busy > 0 ? DlqExitCode.FAILED : DlqExitCode.OK;
}

export function formatOutcome(o: ReplayOutcome): string {
  switch (o.result) {
    case 'replayed':
      return `replayed ${o.ref} -> ${o.topic}${o.eventId ? ` (event ${o.eventId})` : ''}`;
    case 'already-replayed':
      return `already replayed ${o.ref}`;
    case 'busy':
      return `busy ${o.ref}: another replay of it is publishing now; run again to see it done`;
    case 'failed':
      return `failed ${o.ref}: ${oneLine(o.message)} (${o.code})`;
  }
}

/** `replayed 1, already replayed 0` (busy and failed only when there are any). */
export function summarizeOutcomes(outcomes: readonly ReplayOutcome[]): { line: string; replayed: number; already: number; busy: number; failed: number } {
  const count = (r: ReplayOutcome['result']) => outcomes.filter((o) => o.result === r).length;
  const s = { replayed: count('replayed'), already: count('already-replayed'), busy: count('busy'), failed: count('failed') };
  const parts = [`replayed ${s.replayed}`, `already replayed ${s.already}`];
  if (s.busy) parts.push(`busy ${s.busy}`);
  if (s.failed) parts.push(`failed ${s.failed}`);
  return { line: parts.join(', '), ...s };
}
