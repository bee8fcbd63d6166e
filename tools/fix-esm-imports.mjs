// One-off codemod kept for the team: adds the `.js` extension Node's ESM resolution
// needs to relative imports in TypeScript sources (`./x` → `./x.js`, `./dir` → `./dir/index.js`).
// Usage: node tools/fix-esm-imports.mjs <dir>...
import fs from 'node:fs';
import path from 'node:path';

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'generated') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}
const re = /((?:import|export)\s(?:[^'"]*?\sfrom\s)?|import\(\s*|jest\.mock\(\s*|unstable_mockModule\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;
let changed = 0;
for (const root of process.argv.slice(2)) {
  for (const file of walk(root)) {
    const src = fs.readFileSync(file, 'utf8');
    const out = src.replace(re, (m, pre, q, spec) => {
      if (/\.(js|mjs|cjs|json)$/.test(spec)) return m;
      const base = path.resolve(path.dirname(file), spec);
      if (fs.existsSync(base + '.ts')) return `${pre}${q}${spec}.js${q}`;
      if (fs.existsSync(path.join(base, 'index.ts'))) return `${pre}${q}${spec}/index.js${q}`;
      return m;
    });
    if (out !== src) { fs.writeFileSync(file, out); changed++; console.log('fixed', file); }
  }
}
console.log(`${changed} file(s) changed`);
