import { StatementCoalescer } from './statement.coalescer.js';

/** A statement whose executions the test releases by hand, recording what ran. */
function fakeStatement(opts: { failMany?: boolean; failOne?: (item: string) => boolean; maxBatch?: number } = {}) {
  const runs: { kind: 'one' | 'many'; items: string[]; release(): void }[] = [];
  const reports: string[] = [];
  const statement = {
    one(item: string) {
      return new Promise<string>((resolve, reject) => {
        runs.push({ kind: 'one', items: [item], release: () => (opts.failOne?.(item) ? reject(new Error(`bad ${item}`)) : resolve(`one:${item}`)) });
      });
    },
    many(items: readonly string[]) {
      return new Promise<string[]>((resolve, reject) => {
        runs.push({ kind: 'many', items: [...items], release: () => (opts.failMany ? reject(new Error('batch failed')) : resolve(items.map((i) => `many:${i}`))) });
      });
    },
    keys: (item: string) => [item.split('#')[0]!],
    maxBatch: opts.maxBatch,
    ran: (how: string, items: number) => void reports.push(`${how}:${items}`),
  };
  return { coalescer: new StatementCoalescer(statement), runs, reports };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('StatementCoalescer', () => {
  it('runs an item submitted while nothing runs alone, at once', async () => {
    const { coalescer, runs, reports } = fakeStatement();
    const result = coalescer.submit('a');
    await tick();
    expect(runs.map((r) => [r.kind, r.items])).toEqual([['one', ['a']]]);
    runs[0]!.release();
    await expect(result).resolves.toBe('one:a');
    expect(reports).toEqual(['alone:1']);
  });

  it('runs the items submitted while a statement runs together, in one statement, each caller getting its own result', async () => {
    const { coalescer, runs, reports } = fakeStatement();
    const first = coalescer.submit('a');
    const rest = ['b', 'c', 'd'].map((i) => coalescer.submit(i));
    await tick();
    expect(runs).toHaveLength(1);
    runs[0]!.release();
    await first;
    await tick();
    expect(runs.map((r) => [r.kind, r.items])).toEqual([['one', ['a']], ['many', ['b', 'c', 'd']]]);
    runs[1]!.release();
    await expect(Promise.all(rest)).resolves.toEqual(['many:b', 'many:c', 'many:d']);
    expect(reports).toEqual(['alone:1', 'batch:3']);
  });

  it('never puts two items sharing a key into one batch, and keeps the later one for the next', async () => {
    const { coalescer, runs } = fakeStatement();
    const first = coalescer.submit('a');
    const rest = ['b#1', 'b#2', 'c', 'b#3'].map((i) => coalescer.submit(i));
    runs[0]!.release();
    await first;
    await tick();
    expect(runs[1]!.items).toEqual(['b#1', 'c']);
    runs[1]!.release();
    await tick();
    expect(runs[2]!.items).toEqual(['b#2']);
    runs[2]!.release();
    await tick();
    expect(runs[3]!.items).toEqual(['b#3']);
    runs[3]!.release();
    await expect(Promise.all(rest)).resolves.toEqual(['many:b#1', 'one:b#2', 'many:c', 'one:b#3']);
  });

  it('runs each item of a failed batch alone: the bad one gets its own error, the others their results', async () => {
    const { coalescer, runs, reports } = fakeStatement({ failMany: true, failOne: (i) => i === 'bad' });
    const first = coalescer.submit('a');
    const rest = ['b', 'bad', 'c'].map((i) => coalescer.submit(i).catch((e: Error) => e.message));
    runs[0]!.release();
    await first;
    await tick();
    runs[1]!.release();
    await tick();
    expect(runs.slice(2).map((r) => [r.kind, r.items])).toEqual([['one', ['b']], ['one', ['bad']], ['one', ['c']]]);
    runs.slice(2).forEach((r) => r.release());
    await expect(Promise.all(rest)).resolves.toEqual(['one:b', 'bad bad', 'one:c']);
    expect(reports).toEqual(['alone:1', 'batch-failed:3']);
  });

  it('makes batches no larger than maxBatch', async () => {
    const { coalescer, runs } = fakeStatement({ maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((i) => coalescer.submit(i));
    for (let i = 0; i < 4; i++) {
      await tick();
      runs[i]?.release();
    }
    await Promise.all(all);
    expect(runs.map((r) => r.items)).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });
});
