// Shared jest settings for every project. The workspace is ESM (NestJS 12 and
// libxml2-wasm ship ESM only, and Nest loads its adapters with dynamic import()),
// so jest runs with --experimental-vm-modules and ts-jest emits ESM. Relative
// imports carry a `.js` extension as Node's ESM resolution requires; jest maps it
// back to the `.ts` source. The @hub/* aliases come from tsconfig.base.json.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace(/[/\\^$+?.()|[\]{}]/g, '\\$&')}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json'), useESM: true }],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper,
  setupFilesAfterEnv: [path.join(__dirname, 'tools/test/topic-namespace.setup.ts')],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
};
