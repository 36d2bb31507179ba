import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no I/O, no Node built-ins, activities as types only.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows must stay deterministic: no Node built-ins.' },
            {
              group: ['**/activities/**', '**/integrations/**', '**/db/**', '**/api/**', '**/config/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only and never touch I/O modules.',
            },
          ],
        },
      ],
    },
  },
);
