// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Import rules that enforce the layer table in docs/architecture.md. */
const nodeBuiltins = {
  group: ['node:*'],
  message: 'This layer may not use Node built-ins (see docs/architecture.md, Layers).',
};
const electron = {
  group: ['electron', 'electron/*'],
  message: 'Only src/main/shell may import electron (see docs/architecture.md, Layers).',
};
const react = {
  group: ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*'],
  message: 'src/shared may not use React or the store.',
};
const intoMain = { group: ['**/main/**', '**/main'], message: 'This layer may not import from src/main.' };
const intoRenderer = {
  group: ['**/renderer/**', '**/renderer'],
  message: 'This layer may not import from src/renderer.',
};
const intoShell = {
  group: ['**/shell/**', '**/shell', './shell/*'],
  message: 'Only the Electron entry may import the shell.',
};
const intoPreload = { group: ['**/preload/**', '**/preload'], message: 'Nothing imports the preload.' };
const intoE2e = { group: ['**/e2e/**'], message: 'Source may not import e2e code.' };
/** Tests and benchmarks share their tools (peer launchers, the acoustic rig) through test/support, not each other. */
const testsApart = [
  { group: ['**/e2e/**', '**/e2e'], message: 'Import shared test tools from test/support, not from e2e.' },
  {
    group: ['**/bench/**', '**/bench'],
    message: 'Import shared test tools from test/support, not from bench.',
  },
];

/** @param {object[]} patterns */
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'release/**',
      'test-results/**',
      'playwright-report/**',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: restrict([
      nodeBuiltins,
      electron,
      react,
      intoMain,
      intoRenderer,
      intoE2e,
      {
        group: ['ws', 'libp2p', '@libp2p/*', 'better-sqlite3', 'music-metadata'],
        message: 'src/shared holds pure logic only.',
      },
    ]),
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/shell/**', 'src/main/preload/**'],
    rules: restrict([electron, intoRenderer, intoShell, intoPreload, intoE2e]),
  },
  {
    files: ['src/main/shell/**/*.ts'],
    rules: restrict([intoRenderer, intoPreload, intoE2e]),
  },
  {
    files: ['src/main/preload/**/*.ts'],
    rules: restrict([
      nodeBuiltins,
      intoRenderer,
      intoE2e,
      { regex: '^\\.\\./(?!\\.\\./shared/)', message: 'The preload may import only src/shared.' },
    ]),
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...restrict([nodeBuiltins, electron, intoMain, intoE2e]),
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['e2e/**/*.ts'],
    rules: restrict([electron, intoMain, intoRenderer, testsApart[1]]),
  },
  {
    files: ['bench/**/*.ts'],
    rules: restrict([testsApart[0]]),
  },
  {
    files: ['test/**/*.ts'],
    rules: restrict(testsApart),
  },
  {
    files: ['**/*.cjs', 'scripts/**/*.mjs', 'bin/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        URL: 'readonly',
      },
    },
  },
);
