import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Import boundaries per folder of src/ (the flow: ingest -> event-store -> projection-engine runs
 * views/* -> read-models + outbox -> publishing). One `no-restricted-imports` per file: the
 * folders below are disjoint, since a later block would replace an earlier one's options.
 */
const folder = (name) => [`**/${name}`, `**/${name}/**`];
const boundary = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: forbidden.map((name) => ({ group: folder(name), message })) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '.servers/', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // projections/ is pure: nothing from the app, Nest, or I/O.
    files: ['projections/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/src/**',
            '@nestjs/*',
            'pg',
            '@electric-sql/*',
            'fs',
            'node:*',
            'mongodb',
            'kafkajs',
          ],
        },
      ],
    },
  },
  // The engine and the views write the outbox (src/outbox/); publishing reads it. No arrow back.
  boundary(
    ['src/projection-engine/**/*.ts', 'src/views/**/*.ts'],
    ['publishing'],
    'The projection side writes src/outbox/; only publishing reads it, never the other way.',
  ),
  // The outbox is what the engine writes and publishing reads: it depends on neither.
  boundary(
    ['src/outbox/**/*.ts'],
    ['publishing', 'projection-engine'],
    'src/outbox/ is the shared message format: it may not depend on its writer or reader.',
  ),
  // Storage knows nothing of what is built on it.
  boundary(
    ['src/read-models/**/*.ts', 'src/event-store/**/*.ts'],
    ['views', 'publishing', 'ingest'],
    'Storage adapters may not import the views, publishing or ingest built on them.',
  ),
  {
    // Shared utilities: importable by every folder, so they import nothing from the app.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '../**', '**/src/**'],
              message: 'src/shared/ imports nothing from the app outside src/shared/.',
            },
          ],
        },
      ],
    },
  },
);
