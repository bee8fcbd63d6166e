// Pure figures for the benchmark (no I/O), tested in bench-helpers.test.mjs.

/** Nearest-rank percentile (q in 0..1) of unsorted numbers; NaN for an empty list. */
export function percentile(values, q) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/** Events per second among `times` (ms epoch) falling in [fromMs, toMs). */
export function rateInWindow(times, fromMs, toMs) {
  if (!(toMs > fromMs)) return 0;
  let n = 0;
  for (const t of times) if (t >= fromMs && t < toMs) n++;
  return n / ((toMs - fromMs) / 1000);
}

/**
 * Latency of each sent message to its stage time; a message that never reached the stage
 * counts as censored at `censorAtMs` (a lower bound), so a stalled pipeline cannot make the
 * percentiles look better by dropping its slowest messages.
 * @param {{ id: string, sentAt: number }[]} sent
 * @param {Map<string, number>} reachedAt id → stage time (ms epoch)
 */
export function latencies(sent, reachedAt, censorAtMs) {
  const out = [];
  let censored = 0;
  for (const s of sent) {
    const at = reachedAt.get(s.id);
    if (at === undefined) {
      censored++;
      out.push({ sentAt: s.sentAt, ms: Math.max(0, censorAtMs - s.sentAt), censored: true });
    } else {
      out.push({ sentAt: s.sentAt, ms: Math.max(0, at - s.sentAt), censored: false });
    }
  }
  return { points: out, censored };
}

/** Per-bucket percentiles over time: [{ t (bucket start, same unit as `x`), p50, p99, n }]. */
export function bucketed(points, bucket, x = (p) => p.t, y = (p) => p.ms) {
  const buckets = new Map();
  for (const p of points) {
    const k = Math.floor(x(p) / bucket) * bucket;
    (buckets.get(k) ?? buckets.set(k, []).get(k)).push(y(p));
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, ys]) => ({ t, p50: percentile(ys, 0.5), p99: percentile(ys, 0.99), n: ys.length }));
}

/**
 * CPU seconds of a process from the text of /proc/<pid>/stat: utime + stime (fields 14 and
 * 15, in clock ticks). The command name (field 2) may hold spaces and parentheses, so the
 * fields are counted after its closing parenthesis.
 */
/**
 * Whether a thread (its `comm`, /proc/<pid>/task/<tid>/comm) is one of HotSpot's JIT compilers:
 * "C1 CompilerThre", "C2 CompilerThre" (the kernel keeps 15 characters of the name).
 */
export function isJitCompilerThread(comm) {
  return /^C[12] CompilerThre/.test(comm.trim());
}

export function cpuSecondsFromStat(statText, ticksPerSecond = 100) {
  const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14 → rest[11], stime field 15 → rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc/<pid>/stat line');
  return (utime + stime) / ticksPerSecond;
}

/** Resident memory in MB from the text of /proc/<pid>/status (VmRSS, kB). */
export function rssMbFromStatus(statusText) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Formats a figure for the summary line: no exponent, sensible precision, "NaN" kept visible. */
export function fig(x, digits = 1) {
  if (!Number.isFinite(x)) return 'NaN';
  return x.toFixed(Math.abs(x) >= 100 ? Math.min(digits, 1) : digits);
}

/** A plain-text table with right-aligned numbers (first column left-aligned). */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same rows as a Markdown table. */
export function markdownTable(rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  return [
    `| ${rows[0].map(esc).join(' | ')} |`,
    `| ${rows[0].map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.slice(1).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
