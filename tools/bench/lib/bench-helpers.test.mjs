// Unit tests of the benchmark's pure helpers (figures, /proc parsing, PNG, profiles).
// Run: node --test tools/bench/lib/   (jest projects do not cover tools/).
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { test } from 'node:test';
import { bucketed, cpuSecondsFromStat, isJitCompilerThread, latencies, percentile, rateInWindow, rssMbFromStatus, table } from './stats.mjs';
import { crc32, encodePng, renderChart } from './png-plot.mjs';
import { moduleOf, summariseProfile } from './cpu-profile.mjs';
import { backendTitle, cpuDelta } from './proc.mjs';

test('percentile is nearest-rank over unsorted values', () => {
  const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(xs, 0.5), 5);
  assert.equal(percentile(xs, 0.99), 10);
  assert.equal(percentile(xs, 0.1), 1);
  assert.equal(percentile([42], 0.99), 42);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('rateInWindow counts events in [from, to) per second', () => {
  assert.equal(rateInWindow([999, 1000, 1500, 2999, 3000], 1000, 3000), 1.5);
  assert.equal(rateInWindow([1, 2], 5, 5), 0);
});

test('latencies keep messages that never reached the stage as censored lower bounds', () => {
  const sent = [{ id: 'a', sentAt: 1000 }, { id: 'b', sentAt: 2000 }];
  const { points, censored } = latencies(sent, new Map([['a', 1150]]), 5000);
  assert.equal(censored, 1);
  assert.deepEqual(points.map((p) => [p.ms, p.censored]), [[150, false], [3000, true]]);
});

test('bucketed gives per-bucket p50 and p99 in time order', () => {
  const pts = [{ t: 1.2, ms: 10 }, { t: 0.5, ms: 30 }, { t: 1.9, ms: 20 }];
  assert.deepEqual(bucketed(pts, 1), [{ t: 0, p50: 30, p99: 30, n: 1 }, { t: 1, p50: 10, p99: 20, n: 2 }]);
});

test('isJitCompilerThread knows HotSpot\'s compiler threads by their truncated names', () => {
  assert.equal(isJitCompilerThread('C2 CompilerThre\n'), true);
  assert.equal(isJitCompilerThread('C1 CompilerThre'), true);
  for (const other of ['data-plane-kafk', 'G1 Conc#0', 'GC Thread#0', 'java', 'VM Thread']) assert.equal(isJitCompilerThread(other), false, other);
});

test('cpuSecondsFromStat reads utime + stime after a command name with spaces and parentheses', () => {
  const stat = '1234 (node (my) app) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 0 0';
  assert.equal(cpuSecondsFromStat(stat, 100), 3);
  assert.throws(() => cpuSecondsFromStat('garbage'));
});

test('rssMbFromStatus reads VmRSS in MB', () => {
  assert.equal(rssMbFromStatus('Name:\tnode\nVmRSS:\t  204800 kB\nVmSwap:\t0 kB\n'), 200);
  assert.ok(Number.isNaN(rssMbFromStatus('Name:\tkthreadd\n')));
});

test('cpuDelta subtracts per service and sums a group of pids (new pids from zero)', () => {
  const before = { intake: 1.5, postgres: { 10: 2, 11: 1 } };
  const after = { intake: 2.0, postgres: { 10: 2.5, 12: 0.25 } };
  assert.deepEqual(cpuDelta(before, after), { intake: 0.5, postgres: 0.75 });
});

test('table aligns columns', () => {
  assert.equal(table([['a', 'bb'], ['ccc', '1']]), 'a    bb\n---  --\nccc   1');
});

test('crc32 matches the PNG reference value of "IEND"', () => {
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
});

test('encodePng writes a PNG whose pixels inflate back', () => {
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const png = encodePng(2, 2, rgb);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idatAt = png.indexOf(Buffer.from('IDAT'));
  const len = png.readUInt32BE(idatAt - 4);
  const raw = inflateSync(png.subarray(idatAt + 4, idatAt + 4 + len));
  assert.deepEqual([...raw], [0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
});

test('renderChart draws a chart of the requested size', () => {
  const png = renderChart({ width: 300, height: 200, title: 't', xLabel: 'x', yLabel: 'y', yLog: true, series: [{ label: 's', color: [0, 0, 0], kind: 'line', points: [[0, 1], [5, 100]] }] });
  assert.equal(png.readUInt32BE(16), 300);
  assert.equal(png.readUInt32BE(20), 200);
});

test('summariseProfile ranks self time by function and module, idle left out', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 3, callFrame: { functionName: 'sign', url: 'file:///w/node_modules/node-jose/lib/jws/sign.js', lineNumber: 9 } },
      { id: 4, callFrame: { functionName: 'claim', url: 'file:///w/dist/libs/ledger/src/message.ledger.js', lineNumber: 99 } },
    ],
    samples: [2, 3, 3, 4, 3],
    timeDeltas: [0, 1000, 3000, 3000, 2000],
  };
  const s = summariseProfile(profile);
  assert.equal(s.modules[0].name, 'node-jose');
  assert.equal(s.functions[0].name, 'sign node-jose/sign.js:10');
  assert.equal(s.busyMs, 8);
  assert.equal(moduleOf('file:///w/dist/apps/crypto/src/main.js'), 'apps/crypto');
  assert.equal(moduleOf('node:internal/streams/readable'), 'node:internal');
});

test('backendTitle matches a database\'s backends with and without a cluster name, and no other', () => {
  const re = backendTitle('samhandling_bench');
  assert.ok(re.test('postgres: 15/main: postgres samhandling_bench 127.0.0.1(39976) idle'));
  assert.ok(re.test('postgres: postgres samhandling_bench 127.0.0.1(39976) SELECT'));
  assert.ok(!re.test('postgres: 15/main: postgres samhandling_bench_180 127.0.0.1(39976) idle'));
  assert.ok(!re.test('postgres: 15/main: checkpointer'));
  assert.ok(!re.test('postgres: 15/main: postgres receipts_3bced7add84c 127.0.0.1(1) idle'));
});
