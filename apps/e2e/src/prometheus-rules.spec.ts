/**
 * The alert rules pass `promtool check rules` and their unit tests
 * (`promtool test rules infra/prometheus/tests/*.yaml`), and the scrape config is valid.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { prometheusBinary } from './prometheus.binaries.js';

const root = path.resolve(import.meta.dirname, '../../..');
const infra = path.join(root, 'infra/prometheus');
const promtool = prometheusBinary('promtool');
const files = (dir: string, ext: RegExp) => readdirSync(path.join(infra, dir)).filter((f) => ext.test(f)).map((f) => path.join(infra, dir, f));

function run(args: string[]) {
  const r = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

const describeWithPromtool = promtool.available ? describe : describe.skip;
if (!promtool.available) console.warn(`SKIPPED infra/prometheus rule tests: ${promtool.why}`);

describeWithPromtool('Prometheus rules and config (promtool)', () => {
  const ruleFiles = files('rules', /\.rules\.ya?ml$/);
  const testFiles = files('tests', /\.ya?ml$/);

  it('has rule files and rule tests', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    expect(testFiles.length).toBeGreaterThan(0);
  });

  it('passes promtool check rules', () => {
    const r = run(['check', 'rules', ...ruleFiles]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('passes promtool test rules', () => {
    const r = run(['test', 'rules', ...testFiles]);
    expect(r.output).not.toContain('FAILED');
    expect(r.status).toBe(0);
  });

  it('tests every alert rule', () => {
    const rules = ruleFiles.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^\s*- alert:\s*(\S+)/gm)].map((m) => m[1]));
    const tested = testFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    const untested = rules.filter((name) => !new RegExp(`alertname:\\s*${name}\\b`).test(tested));
    expect(rules.length).toBeGreaterThan(0);
    expect(untested).toEqual([]);
  });

  it('passes promtool check config for the scrape config', () => {
    const r = run(['check', 'config', path.join(infra, 'prometheus.yml')]);
    expect(r.status).toBe(0);
  });
});
