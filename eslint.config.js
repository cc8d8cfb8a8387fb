// Lint rules, including the layering of STYLE.md: the renderer sees the DOM and never Node; core code
// never imports Electron; only main/app and preload may.
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

const NODE_MODULES_FORBIDDEN_IN_RENDERER = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'better-sqlite3',
  'onnxruntime-node',
  'electron',
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'build/**', 'prebuilds/**', 'release/**', 'node_modules/**', 'coverage/**', 'native/**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.cts', 'preload/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NODE_MODULES_FORBIDDEN_IN_RENDERER, message: 'The renderer runs in the DOM: no Node or Electron modules.' },
            {
              regex: '^(\\.\\./)+(main/(?!api/)|db/|models/|native/)',
              message: 'The renderer talks to the core only through the typed API (main/api).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**', 'db/**', 'models/**'],
    ignores: ['main/app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Core code is plain Node: only main/app and preload import electron.' }] },
      ],
    },
  },
);
