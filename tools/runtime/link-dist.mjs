// Makes the compiled output resolve the workspace aliases (@hub/*) the way Node resolves any
// package: dist/node_modules/@hub/<lib> links to dist/libs/<dir>, whose package.json exports the
// alias's entry points. A service then runs as `node dist/apps/<svc>/src/main.js`, without the
// resolution hooks of register.mjs: Node 20 runs such hooks on a loader thread with its own
// V8 isolate, about 22 MB of every service's memory (docs/benchmarks.md). The aliases come from
// tsconfig.base.json, the one source both ways read. Run after `tsc -b tsconfig.build.json`
// (npm run build does); idempotent. Tools outside dist/ still use register.mjs.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'dist');
const { compilerOptions } = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));

/** Per package name (@hub/x), its folder under libs/ and its exports (alias subpath → compiled file). */
const packages = new Map();
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  const match = /^\.\/libs\/([^/]+)\/(.+)\.ts$/.exec(target);
  if (!match) throw new Error(`link-dist: ${alias} -> ${target} is not a file under libs/`);
  const [scope, name, ...subpath] = alias.split('/');
  const pkg = `${scope}/${name}`;
  const entry = packages.get(pkg) ?? { dir: match[1], exports: {} };
  if (entry.dir !== match[1]) throw new Error(`link-dist: ${pkg} maps into two folders (${entry.dir}, ${match[1]})`);
  entry.exports[subpath.length ? `./${subpath.join('/')}` : '.'] = `./${match[2]}.js`;
  packages.set(pkg, entry);
}

const scopes = new Set([...packages.keys()].map((p) => p.split('/')[0]));
for (const scope of scopes) rmSync(path.join(dist, 'node_modules', scope), { recursive: true, force: true });
for (const [pkg, { dir, exports }] of packages) {
  const libDir = path.join(dist, 'libs', dir);
  mkdirSync(libDir, { recursive: true });
  writeFileSync(path.join(libDir, 'package.json'), `${JSON.stringify({ name: pkg, private: true, type: 'module', exports }, null, 2)}\n`);
  const link = path.join(dist, 'node_modules', pkg);
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(path.relative(path.dirname(link), libDir), link, 'dir');
}
