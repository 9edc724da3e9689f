import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
);
