// Lint rules enforce the layering described in docs/architecture.md a second time (the first is tsconfig
// references): shared/ is pure TypeScript, electron/services never imports electron, renderer/ never imports Node or
// electron, and inside electron/services the layers below (boundaries) only ever import downwards.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import { boundariesSettings, layerPolicies } from './eslint.layers.mjs';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'tls',
  'child_process',
  'worker_threads',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tmp-*',
      'out/',
      'dist/',
      'test-results/',
      'playwright-report/',
      'e2e/artifacts/',
      'bench/results/',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      globals: { ...globals.node },
      // Type-aware rules: each file is checked with the tsconfig project that includes it.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // An async method implementing a Promise-returning interface stays async: a throw becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']",
          message: 'Pas de .only dans les tests.',
        },
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='skip']",
          message: 'Pas de test ignoré.',
        },
      ],
    },
  },
  {
    // Tests read parsed JSON and vitest's asymmetric matchers, typed any; product code gets no any past the checker.
    files: ['**/*.test.{ts,tsx}', '**/testing/**', 'e2e/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  // Plain JavaScript files (configs, bin, scripts) are in no tsconfig project.
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.{ts,tsx,mts,mjs}'],
    plugins: { boundaries },
    settings: boundariesSettings,
    rules: { 'boundaries/dependencies': ['error', { default: 'disallow', policies: layerPolicies }] },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', ...nodeBuiltins], message: 'shared/ est du TypeScript pur : ni Node ni Electron.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ ne dépend d’aucune autre couche.' },
            { group: ['react', 'react-dom'], message: 'shared/ ne dépend pas de React.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron'], message: 'Le code métier ne dépend jamais d’Electron : injectez la capacité.' },
            {
              group: ['**/electron/main/**', '**/electron/preload/**', '**/renderer/**'],
              message: 'Les services ne dépendent que de shared/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/**', '**/main/**', ...nodeBuiltins],
              message: 'Le preload n’expose que le contrat partagé.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', ...nodeBuiltins], message: 'Le renderer n’a accès ni à Node ni à Electron.' },
            { group: ['**/electron/**'], message: 'Le renderer passe par le contrat IPC (shared/ipc).' },
          ],
        },
      ],
    },
  },
);
