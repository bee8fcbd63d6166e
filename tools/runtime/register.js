'use strict';
// Resolves the workspace path aliases (@hub/*) to the compiled output in dist/,
// so `node -r ./tools/runtime/register.js dist/apps/<svc>/src/main.js` runs a
// service without bundling. The aliases come from tsconfig.base.json: one source.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist');
const paths = {};
for (const [alias, targets] of Object.entries(compilerOptions.paths)) {
  paths[alias] = targets.map((t) => t.replace(/^\.\//, '').replace(/\.ts$/, '.js'));
}
tsconfigPaths.register({ baseUrl: dist, paths, addMatchAll: false });
