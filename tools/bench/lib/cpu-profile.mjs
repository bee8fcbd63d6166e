// Reads V8 .cpuprofile files (profiler.preload.mjs, or node --cpu-prof) and names where the time went: self time per
// function and per module (npm package, or the hub lib/app the code lives in).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Self time (ms) per node id of one profile. */
export function selfTimes(profile) {
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the interval to the sample after it.
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  return self;
}

/** Where a script URL belongs: an npm package, a hub lib/app, node internals, or V8 itself. */
export function moduleOf(url, functionName = '') {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const hub = /dist\/((?:libs|apps)\/[^/]+)/.exec(url);
  if (hub) return hub[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return path.basename(url);
}

/** Top functions and modules by self time of one profile. */
export function summariseProfile(profile, top = 8) {
  const self = selfTimes(profile);
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map();
  const mod = new Map();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byNode.get(id);
    if (!n) continue;
    total += ms;
    const cf = n.callFrame;
    const name = `${cf.functionName || '(anonymous)'} ${cf.url ? `${moduleOf(cf.url)}/${path.basename(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const m = moduleOf(cf.url, cf.functionName);
    mod.set(m, (mod.get(m) ?? 0) + ms);
  }
  const idle = fn.get('(idle)') ?? 0;
  const busy = total - idle;
  const rank = (m) => [...m].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => ({ name: k, ms, share: busy ? ms / busy : 0 }));
  return { totalMs: total, busyMs: busy, functions: rank(fn), modules: rank(mod) };
}

/**
 * Summarises every profile in `dir` (recursively one level) as text, naming each by its service.
 * @param {Record<string, string>} pidNames pid → service name
 */
export function summariseProfiles(dir, pidNames) {
  if (!existsSync(dir)) return { text: `no profiles in ${dir}`, services: {} };
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cpuprofile'));
  const services = {};
  const lines = [`CPU profiles of the e2e window, self time while busy (${dir}):`];
  for (const f of files.sort()) {
    const pid = /(\d+)\.cpuprofile$/.exec(f)?.[1];
    const service = `${pidNames[pid] ?? `pid ${pid}`}${f.includes(`${path.sep}180${path.sep}`) || f.startsWith(`180${path.sep}`) ? '@180' : ''}`;
    const s = summariseProfile(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
    services[service] = s;
    lines.push(`- ${service}: busy ${(s.busyMs / 1000).toFixed(1)} s`);
    lines.push(`    modules:   ${s.modules.map((m) => `${m.name} ${(m.share * 100).toFixed(0)}%`).join(', ')}`);
    lines.push(`    functions: ${s.functions.slice(0, 5).map((m) => `${m.name} ${(m.share * 100).toFixed(0)}%`).join(', ')}`);
  }
  if (files.length === 0) lines.push('(none written)');
  return { text: lines.join('\n'), services };
}
