// Resolves the workspace aliases (@hub/*) to the compiled ESM output in dist/, so
// `node --import ./tools/runtime/register.mjs dist/apps/<svc>/src/main.js` runs a
// service without a bundler. The aliases come from tsconfig.base.json: one source.
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const { compilerOptions } = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const aliases = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    alias,
    pathToFileURL(path.join(root, 'dist', target.replace(/\.ts$/, '.js'))).href,
  ]),
);

register(new URL('./alias-hooks.mjs', import.meta.url), { data: { aliases } });
