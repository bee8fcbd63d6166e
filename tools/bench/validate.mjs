// Validation cost per message for the official samples: PloValidator (libxml2-wasm, in process,
// schemas compiled once) against xsd-schema-validator (Java/Xerces, one JVM per call, which also
// compiles the schemas every time). Runs on one core (no worker threads, Java calls one at a time).
// Usage: npm run bench:validate   (env: BENCH_WASM_PASSES, default 30; BENCH_JAVA_PASSES, default 1)
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import xsdSchemaValidator from 'xsd-schema-validator';
import { PloValidator } from '@hub/plo';

const root = path.resolve(import.meta.dirname, '../..');
const samplesDir = path.join(root, 'libs/plo/test-fixtures/samples');
const xsdDir = path.join(root, 'libs/plo/xsd');
const wasmPasses = Number(process.env.BENCH_WASM_PASSES ?? 30);
const javaPasses = Number(process.env.BENCH_JAVA_PASSES ?? 1);

const samples = readdirSync(samplesDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((rel) => ({ rel, file: path.join(samplesDir, rel), bytes: readFileSync(path.join(samplesDir, rel)) }));
const group = (rel) => rel.split('/')[0];

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const ms = (x) => (x < 10 ? x.toFixed(3) : x.toFixed(1));

// --- libxml2-wasm -------------------------------------------------------------------------
let t0 = performance.now();
const validator = await PloValidator.create();
const createMs = performance.now() - t0;
for (const s of samples) if (!validator.validate(s.bytes).valid) throw new Error(`sample invalid: ${s.rel}`);
const wasm = new Map(); // group -> durations
const wasmAll = [];
t0 = performance.now();
for (let pass = 0; pass < wasmPasses; pass++) {
  for (const s of samples) {
    const start = performance.now();
    validator.validate(s.bytes);
    const d = performance.now() - start;
    wasmAll.push(d);
    (wasm.get(group(s.rel)) ?? wasm.set(group(s.rel), []).get(group(s.rel))).push(d);
  }
}
const wasmWall = performance.now() - t0;
validator.dispose();

// --- Java / Xerces --------------------------------------------------------------------------
process.env.JAVA_TOOL_OPTIONS = [
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  `-Djavax.xml.catalog.files=${pathToFileURL(path.join(xsdDir, 'xerces/catalog.xml')).href}`,
  '-Djavax.xml.catalog.resolve=continue',
  '-Djavax.xml.accessExternalDTD=file',
  '-Djavax.xml.accessExternalSchema=file',
].join(' ');
const driver = path.join(xsdDir, '_driver-all.xsd');
const java = new Map();
const javaAll = [];
t0 = performance.now();
for (let pass = 0; pass < javaPasses; pass++) {
  for (const s of samples) {
    const start = performance.now();
    const r = await xsdSchemaValidator.validateXML({ file: s.file }, driver).catch((e) => e);
    const d = performance.now() - start;
    if (!r.valid) throw new Error(`Xerces rejected ${s.rel}: ${r.message}`);
    javaAll.push(d);
    (java.get(group(s.rel)) ?? java.set(group(s.rel), []).get(group(s.rel))).push(d);
  }
}
const javaWall = performance.now() - t0;

// --- report ---------------------------------------------------------------------------------
const rows = [['validator', 'samples', 'n', 'median ms', 'p99 ms', 'msg/s (1 core)']];
// msg/s: for "all" from the wall time of the whole run, per group from the summed durations.
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const add = (name, label, xs, wall = sum(xs)) =>
  rows.push([name, label, String(xs.length), ms(quantile(xs, 0.5)), ms(quantile(xs, 0.99)), (xs.length / (wall / 1000)).toFixed(1)]);
add('libxml2-wasm', 'all', wasmAll, wasmWall);
for (const [g, xs] of wasm) add('libxml2-wasm', g, xs);
add('xsd-schema-validator', 'all', javaAll, javaWall);
for (const [g, xs] of java) add('xsd-schema-validator', g, xs);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${samples.length} official samples ` +
  `(${(samples.reduce((n, s) => n + s.bytes.length, 0) / 1024).toFixed(0)} KiB), ` +
  `libxml2-wasm ${wasmPasses} passes, Java ${javaPasses} pass(es)`);
console.log(`PloValidator.create() (load wasm + compile schemas once): ${createMs.toFixed(0)} ms`);
console.log(line(rows[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows.slice(1)) console.log(line(r));
console.log('One message at a time on one core. dialogmelding-v1.1 is one 2 MB message (base64 attachment). ' +
  'xsd-schema-validator starts a JVM and compiles the schemas for every message.');
