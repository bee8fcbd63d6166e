// Lint: TypeScript rules plus Nx module boundaries with a real tag matrix.
// Two axes (CONVENTIONS.md): scope:<service|shared> says who may use a project,
// type:<app|feature|data-access|domain|contracts|util> says what it may depend on.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const services = ['intake', 'validation', 'crypto', 'dispatch', 'receipt-tracker', 'alerting', 'simulators', 'ops-console', 'tools'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '.nx/**', '.data/**', 'coverage/**', 'infra/**', 'k8s/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:domain', 'type:contracts', 'type:util'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:domain', 'type:contracts', 'type:util'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:domain', 'type:contracts', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:domain', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'type:domain',
              // Contracts are a leaf of constants, types and pure helpers: safe for the domain.
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              // Domain logic stays framework-free: no Nest, no Prisma, no Kafka client, no driver.
              bannedExternalImports: ['@nestjs/*', '@prisma/*', 'kafkajs', 'pg', 'express'],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            ...services.map((s) => ({ sourceTag: `scope:${s}`, onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'] })),
            // End-to-end tests drive the whole hub, simulators included.
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/testing.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
];
