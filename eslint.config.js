// Lint: typescript-eslint's recommended rules, no import cycles, and the layers of docs/architecture.md:
// a folder may import only from folders below it.
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** Lowest first. app, cli and bench (and src/index.ts) sit on top and may import anything. */
const LAYERS = [
  'util',
  'engine',
  'metrics',
  'config',
  'features',
  'data',
  'models',
  'weighting',
  'pretrain',
  'training',
  'fusion',
  'report',
];
const layerZones = LAYERS.map((layer, i) => ({
  target: `./src/${layer}`,
  from: [...LAYERS.slice(i + 1), 'app', 'cli', 'bench'].map((l) => `./src/${l}`),
  message: `src/${layer} sits below this folder (layers: ${LAYERS.join(' → ')} → app/cli)`,
}));

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'assembly/', '.cache/', 'runs/', 'bench/'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    plugins: { 'import-x': importX },
    // sources import './x.js' for './x.ts' (NodeNext)
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // tests reach into internals and parsed JSON
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
