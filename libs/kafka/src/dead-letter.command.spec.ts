import { HubHeaders } from '@hub/contracts';
import { HubError } from '@hub/errors';
import type { DeadLetter, DeadLetterRef } from './dead-letter.js';
import { DLQ_USAGE, oneLine, formatListTable, formatOutcome, formatShow, listRow, parseDlqArgs, runDlqCli, summarizeOutcomes, type DlqClients } from './dead-letter.command.js';
import type { ReplayOutcome } from './dead-letter.replayer.js';
import { setTopicPrefix } from './topic.namespace.js';

const FNR = '01017012345';
const REF = 'hub.messages.accepted.v1.dlq:0:17';

const dl: DeadLetter = {
  ref: { topic: 'hub.messages.accepted.v1.dlq', partition: 0, offset: '17' },
  key: 'conv-1',
  value: Buffer.from(JSON.stringify({ eventId: 'e-1', note: `patient ${FNR}` })),
  time: '2026-11-30T12:00:00.000Z',
  headers: {
    [HubHeaders.EventId]: 'e-1',
    [HubHeaders.ErrorCode]: 'VALIDATION.BAD',
    [HubHeaders.OriginalTopic]: 'hub.messages.accepted.v1',
    [HubHeaders.Attempts]: '1',
  },
};

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** Fake clients: the dead letters in memory, replays decided by a set (the real ones are in the int-spec). */
function fakeClients(opts: { statesFail?: boolean } = {}) {
  const replayed = new Set<string>();
  let closed = 0;
  const clients: DlqClients = {
    store: {
      list: async () => [dl],
      get: async (refs: readonly DeadLetterRef[]) =>
        refs.map((r) => {
          if (r.offset !== '17') throw new HubError('DLQ.NOT_FOUND', `no dead letter at ${r.topic}:${r.partition}:${r.offset}: partition 0 holds offsets 17..17`);
          return dl;
        }),
    },
    replayer: {
      replay: async (dls) =>
        dls.map((d): ReplayOutcome => {
          const ref = `${d.ref.topic}:${d.ref.partition}:${d.ref.offset}`;
          if (replayed.has(ref)) return { ref, result: 'already-replayed' };
          replayed.add(ref);
          return { ref, result: 'replayed', topic: 'hub.messages.accepted.v1', eventId: 'e-1' };
        }),
    },
    record: {
      states: async () => {
        if (opts.statesFail) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return new Map([...replayed].map((r) => [r, { state: 'replayed' as const, at: new Date('2026-11-30T13:00:00.000Z') }]));
      },
    },
    close: async () => {
      closed++;
    },
  };
  return { clients, closed: () => closed };
}

describe('plo dlq arguments', () => {
  beforeEach(() => setTopicPrefix(''));

  it('parses list, show and replay', () => {
    expect(parseDlqArgs(['list'])).toEqual({ verb: 'list', topic: undefined, json: false });
    expect(parseDlqArgs(['list', '--topic', 'hub.messages.sealed.v1', '--json'])).toEqual({ verb: 'list', topic: 'hub.messages.sealed.v1.dlq', json: true });
    expect(parseDlqArgs(['show', REF, '--reveal'])).toEqual({ verb: 'show', ref: dl.ref, json: false, reveal: true });
    expect(parseDlqArgs(['replay', REF, REF])).toEqual({ verb: 'replay', refs: [dl.ref], all: false, topic: undefined, json: false });
    expect(parseDlqArgs(['replay', '--all', '--topic=hub.messages.accepted.v1.dlq'])).toEqual({ verb: 'replay', refs: [], all: true, topic: 'hub.messages.accepted.v1.dlq', json: false });
  });

  it.each([
    [['frobnicate'], "unknown subcommand 'frobnicate'"],
    [['list', 'x'], "'list' takes no arguments"],
    [['list', '--reveal'], "unknown option --reveal for 'list'"],
    [['list', '--topic'], '--topic needs a value'],
    [['list', '--topic', 'orders'], 'orders is not a topic of the catalogue'],
    [['show'], "'show' takes exactly one"],
    [['show', 'hub.messages.accepted.v1.dlq:0'], 'is not a dead-letter ref'],
    [['show', 'hub.messages.accepted.v1:0:1'], 'did you mean hub.messages.accepted.v1.dlq?'],
    [['replay'], "'replay' needs one or more refs, or --all"],
    [['replay', REF, '--all'], 'give refs or --all, not both'],
    [['replay', REF, '--topic', 'hub.messages.accepted.v1'], '--topic goes with --all'],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parseDlqArgs(args)).toThrow(message);
  });

  it('answers a bad ref with exit code 2 and the usage, without connecting', async () => {
    const { io, err } = capture();
    let connected = false;
    const code = await runDlqCli(['show', 'nonsense'], io, async () => {
      connected = true;
      throw new Error('must not connect');
    });
    expect(code).toBe(2);
    expect(connected).toBe(false);
    expect(err.join('\n')).toContain("plo dlq: 'nonsense' is not a dead-letter ref");
    expect(err.join('\n')).toContain(DLQ_USAGE);
  });

  it('prints the usage on --help with exit 0, and without a subcommand with exit 2', async () => {
    const help = capture();
    expect(await runDlqCli(['--help'], help.io, async () => fakeClients().clients)).toBe(0);
    expect(help.out).toEqual([DLQ_USAGE]);
    const none = capture();
    expect(await runDlqCli([], none.io, async () => fakeClients().clients)).toBe(2);
    expect(none.err).toEqual([DLQ_USAGE]);
  });
});

describe('plo dlq output', () => {
  beforeEach(() => setTopicPrefix(''));

  it('lists one aligned line per dead letter with whether it was replayed', () => {
    const lines = formatListTable([
      listRow(dl, new Map()),
      listRow({ ...dl, ref: { ...dl.ref, offset: '18' } }, new Map([['hub.messages.accepted.v1.dlq:0:18', { state: 'replayed', at: new Date('2026-11-30T13:00:00.000Z') }]])),
      listRow({ ...dl, ref: { ...dl.ref, offset: '19' } }, new Map([['hub.messages.accepted.v1.dlq:0:19', { state: 'claimed', at: new Date() }]])),
      listRow(dl, null),
    ]);
    expect(lines).toEqual([
      'REF                                TIME                      ORIGINAL TOPIC            ERROR CODE      ATTEMPTS  EVENT ID  REPLAYED',
      'hub.messages.accepted.v1.dlq:0:17  2026-11-30T12:00:00.000Z  hub.messages.accepted.v1  VALIDATION.BAD  1         e-1       no',
      'hub.messages.accepted.v1.dlq:0:18  2026-11-30T12:00:00.000Z  hub.messages.accepted.v1  VALIDATION.BAD  1         e-1       yes 2026-11-30T13:00:00.000Z',
      'hub.messages.accepted.v1.dlq:0:19  2026-11-30T12:00:00.000Z  hub.messages.accepted.v1  VALIDATION.BAD  1         e-1       claimed, unfinished',
      'hub.messages.accepted.v1.dlq:0:17  2026-11-30T12:00:00.000Z  hub.messages.accepted.v1  VALIDATION.BAD  1         e-1       ?',
    ]);
  });

  it('shows headers and the payload with person numbers masked, and in clear only with --reveal', () => {
    const masked = formatShow(dl, listRow(dl, new Map()), { json: false, reveal: false }).join('\n');
    expect(masked).not.toContain(FNR);
    expect(masked).toContain('"note": "patient ***********"');
    expect(masked).toContain(`  ${HubHeaders.ErrorCode}: VALIDATION.BAD`);
    expect(masked).toContain('person numbers masked; --reveal shows them');
    const revealed = formatShow(dl, listRow(dl, new Map()), { json: false, reveal: true }).join('\n');
    expect(revealed).toContain(`"note": "patient ${FNR}"`);
    const json = JSON.parse(formatShow(dl, listRow(dl, new Map()), { json: true, reveal: false })[0]);
    expect(json).toMatchObject({ ref: REF, key: 'conv-1', json: { eventId: 'e-1', note: 'patient ***********' }, masked: true, replayed: false });
  });

  it('says what a replay did', () => {
    const outcomes: ReplayOutcome[] = [
      { ref: REF, result: 'replayed', topic: 'hub.messages.accepted.v1', eventId: 'e-1' },
      { ref: REF, result: 'already-replayed' },
    ];
    expect(outcomes.map(formatOutcome)).toEqual([`replayed ${REF} -> hub.messages.accepted.v1 (event e-1)`, `already replayed ${REF}`]);
    expect(summarizeOutcomes(outcomes).line).toBe('replayed 1, already replayed 1');
    expect(summarizeOutcomes([...outcomes, { ref: REF, result: 'busy' }, { ref: REF, result: 'failed', code: 'X', message: 'm' }]).line).toBe(
      'replayed 1, already replayed 1, busy 1, failed 1',
    );
  });

  it('replays once, then reports it already replayed, and lists it as replayed', async () => {
    const { clients, closed } = fakeClients();
    const first = capture();
    expect(await runDlqCli(['replay', REF], first.io, async () => clients)).toBe(0);
    expect(first.out).toEqual([`replayed ${REF} -> hub.messages.accepted.v1 (event e-1)`, 'replayed 1, already replayed 0']);
    const second = capture();
    expect(await runDlqCli(['replay', '--all'], second.io, async () => clients)).toBe(0);
    expect(second.out).toEqual([`already replayed ${REF}`, 'replayed 0, already replayed 1']);
    const listed = capture();
    expect(await runDlqCli(['list', '--json'], listed.io, async () => clients)).toBe(0);
    expect(JSON.parse(listed.out[0])).toMatchObject({ ref: REF, replayed: true, replayedAt: '2026-11-30T13:00:00.000Z' });
    expect(closed()).toBe(3);
  });

  it('exits 1 with a clear message for a ref with nothing there', async () => {
    const { io, err } = capture();
    expect(await runDlqCli(['show', 'hub.messages.accepted.v1.dlq:0:99'], io, async () => fakeClients().clients)).toBe(1);
    expect(err).toEqual(['plo dlq show: no dead letter at hub.messages.accepted.v1.dlq:0:99: partition 0 holds offsets 17..17']);
  });

  it('reports a multi-line (Prisma) error as its cause on one line', () => {
    expect(oneLine("\nInvalid `prisma.deadLetterReplay.findMany()` invocation:\n\n\nCan't reach database server at 127.0.0.1:5999")).toBe("Can't reach database server at 127.0.0.1:5999");
    expect(oneLine('a\nb')).toBe('a b');
  });

  it('still lists while the replay record is unreadable, with REPLAYED unknown', async () => {
    const { io, out, err } = capture();
    expect(await runDlqCli(['list'], io, async () => fakeClients({ statesFail: true }).clients)).toBe(0);
    expect(out[1]).toMatch(/ \?$/);
    expect(err[0]).toContain("replay record unreadable (connect ECONNREFUSED 127.0.0.1:5432): REPLAYED shows '?'");
  });
});
