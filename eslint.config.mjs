// ESLint: typescript-eslint's type-aware rules where they catch real bugs (floating and misused promises,
// unsafe any in the engine), over src, test, bench and scripts. Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      'test/fixtures/**',
      'test/.artifacts/**',
      'bench/.work/**',
      'action/index.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // An async function without await is harmless (it still returns a promise); not a bug worth a finding.
      '@typescript-eslint/require-await': 'off',
      // `let x!: T` assigned after a closure that reads it was made is not a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // 'queued' | 'in_progress' | string documents the known values and still takes new ones.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // One import spelling: a folder with an index.ts is imported as the folder ('../core/registry').
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '/index$', message: "Import the folder, not its index file ('./x', not './x/index')." }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/\\/index$/]',
          message: "Import the folder, not its index file ('./x', not './x/index').",
        },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON documents the product printed; unsafe-any rules there would only add casts.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Test servers take async handlers (a failure fails the test through its client); messages print lists.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: { ...globals.node, ...globals.browser },
    },
  },
);
