// Reading processes from /proc (Linux): CPU time, resident memory, and finding the broker
// and the database backends of one database.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpuSecondsFromStat, isJitCompilerThread, rssMbFromStatus } from './stats.mjs';

let ticks;
/** Clock ticks per second (getconf CLK_TCK; 100 on Linux). */
export function clockTicks() {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds (user + system) of a pid, or undefined when it is gone. */
export function cpuSeconds(pid) {
  try {
    return cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicks());
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a JVM's JIT compiler threads (0 for a process without them, or gone). A broker
 * started minutes ago spends as much CPU compiling as serving requests, so the benchmark reports
 * this part of the broker's CPU apart and lets it settle before measuring.
 */
export function jitCpuSeconds(pid) {
  let sum = 0;
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    try {
      if (!isJitCompilerThread(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8'))) continue;
      sum += cpuSecondsFromStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'), clockTicks());
    } catch {
      // the thread ended meanwhile
    }
  }
  return sum;
}

/** VmRSS in MB of a pid, or undefined when it is gone. */
export function rssMb(pid) {
  try {
    const mb = rssMbFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number.isFinite(mb) ? mb : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Pids whose command line matches `re`. */
export function pidsMatching(re) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => re.test(cmdline(pid)));
}

/** The process listening on a TCP port (the broker), from `ss -ltnp`; empty when not found. */
export function listenerPids(port) {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    return [...new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))];
  } catch {
    return [];
  }
}

/** PostgreSQL backends connected to database `db` (their process title names it). */
export function postgresBackends(db) {
  return pidsMatching(backendTitle(db));
}

/**
 * A backend's title is `postgres: <user> <db> <client> <state>`, and Debian's clusters put their
 * `cluster_name` first (`postgres: 15/main: postgres samhandling_bench 127.0.0.1(5) idle`). The
 * pattern once knew only the first form, so every run on Debian reported 0 ms for postgres.
 */
export function backendTitle(db) {
  return new RegExp(`^postgres: (?:\\S+: )?\\S+ ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `);
}

/**
 * Samples the resident memory of named processes every `intervalMs` and keeps each one's
 * maximum; `cpu()` snapshots CPU seconds of the same processes (plus extra groups).
 * @param {() => Record<string, number | undefined>} pidsOf name → pid (re-read each sample, so restarts are seen)
 */
export class ProcessSampler {
  constructor(pidsOf, intervalMs = 500) {
    this.pidsOf = pidsOf;
    this.maxRss = {};
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample() {
    for (const [name, pid] of Object.entries(this.pidsOf())) {
      if (!pid) continue;
      const mb = rssMb(pid);
      if (mb !== undefined && !(this.maxRss[name] >= mb)) this.maxRss[name] = mb;
    }
  }

  /** name → CPU seconds now, for the services and for each extra group (sum of its pids). */
  cpu(groups = {}) {
    const out = {};
    for (const [name, pid] of Object.entries(this.pidsOf())) if (pid) out[name] = cpuSeconds(pid) ?? 0;
    for (const [name, pids] of Object.entries(groups)) {
      const per = {};
      for (const pid of pids) per[pid] = cpuSeconds(pid) ?? 0;
      out[name] = per;
    }
    return out;
  }

  stop() {
    clearInterval(this.timer);
  }
}

/** CPU seconds spent between two `cpu()` snapshots, per name (groups: pids present in `after`; new pids count from 0). */
export function cpuDelta(before, after) {
  const out = {};
  for (const [name, v] of Object.entries(after)) {
    if (typeof v === 'number') out[name] = Math.max(0, v - (before[name] ?? v));
    else {
      let sum = 0;
      for (const [pid, s] of Object.entries(v)) sum += Math.max(0, s - (before[name]?.[pid] ?? 0));
      out[name] = sum;
    }
  }
  return out;
}
