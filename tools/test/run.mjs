// `npm test`: every project's unit and integration tests in parallel workers, then
// the end-to-end tests one file at a time (each starts the whole hub as a dozen
// processes; two at once on a 2-core machine only measure the machine). With
// arguments (`npm test -- <path|--selectProjects x>`) it is a plain jest run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const jest = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', path.join(root, 'node_modules/jest/bin/jest.js')];
const run = (args) => spawnSync(process.execPath, [...jest, ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;

const args = process.argv.slice(2);
if (args.length > 0) process.exit(run(args));

const projects = ['apps', 'libs'].flatMap((dir) =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((name) => fs.existsSync(path.join(root, dir, name, 'jest.config.cjs')))
    .map((name) => JSON.parse(fs.readFileSync(path.join(root, dir, name, 'project.json'), 'utf8')).name),
);
const unit = run(['--selectProjects', ...projects.filter((p) => p !== 'e2e')]);
// Plain-Node tests of the tool scripts (the benchmark's statistics, limits and PNG plot).
const toolTestDirs = ['tools/bench/lib'].filter((dir) => fs.existsSync(path.join(root, dir)));
const toolTests = toolTestDirs.flatMap((dir) =>
  fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(dir, f)),
);
const tools = toolTests.length ? (spawnSync(process.execPath, ['--test', ...toolTests], { cwd: root, stdio: 'inherit' }).status ?? 1) : 0;
// The second run reuses the first one's build (tsc -b is incremental) and broker start.
const e2e = run(['--selectProjects', 'e2e', '--runInBand']);
process.exit(unit || tools || e2e);
