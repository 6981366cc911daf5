// The layers of the product, as eslint-plugin-boundaries sees them (docs/architecture.md explains why):
//   shells (electron/main, preload, services/host, services/cli) → app → features → infrastructure → shared,
// with the sandbox, its test PKI and the fake data generators as a tool layer that only the composition
// (app/embedded-sandbox.ts) and tests may import. Imports go down, never up or sideways, except the few
// sideways edges listed below. Tests and test support (`*.test.ts`, `testing/` folders), e2e, bench and
// scripts may import anything; product code never imports them.

const SERVICES = 'electron/services';

/** Features and the other features each may use (a DAG: no cycle). */
export const FEATURES = {
  worklist: [],
  // Onboarding builds on the work list (reprise, status forcing).
  onboarding: ['worklist'],
  sync: [],
  // The dashboard counts on the work list itself: same masking, same rules as the list a tile opens.
  dashboard: ['worklist'],
  // The organisation mode (settings, desk migration, admin session): over the stores, no other feature.
  organisation: [],
};

/**
 * The write side of the outbox, open to every feature: a feature writes its outbox row in the same transaction as
 * the change it reports (the sync engine then sends it).
 */
const OUTBOX_WRITER = `${SERVICES}/sync/outbox/status-outbox.ts`;

/** Infrastructure modules and the other infrastructure modules each may use (a DAG: no cycle). */
export const INFRASTRUCTURE = {
  db: [],
  logging: [],
  secrets: [],
  cda: [],
  // Bodies read from the wire under one byte limit, decoded once.
  http: [],
  // CSV writing, formula-leading cells neutralised.
  export: [],
  fhir: [],
  journal: ['db'],
  environments: ['secrets'],
  certs: ['secrets'],
  transport: ['certs', 'secrets', 'http'],
};

const TEST_FILES = [
  '**/*.test.ts',
  '**/*.test.tsx',
  `${SERVICES}/**/testing/**`,
  // A measurement script, run by hand with tsx.
  `${SERVICES}/cda/cda-parse-bench.ts`,
];

const elements = [
  { type: 'tooling', pattern: ['e2e', 'bench', 'scripts', 'bin'], partialMatch: false },
  { type: 'shell', pattern: ['electron/main', 'electron/preload', `${SERVICES}/host`, `${SERVICES}/cli`] },
  { type: 'tool', pattern: [`${SERVICES}/sandbox`, `${SERVICES}/pki`, `${SERVICES}/cda/fake`] },
  { type: 'app', pattern: `${SERVICES}/app` },
  ...Object.keys(FEATURES).map((name) => ({ type: `feature/${name}`, pattern: `${SERVICES}/${name}` })),
  ...Object.keys(INFRASTRUCTURE).map((name) => ({ type: `infrastructure/${name}`, pattern: `${SERVICES}/${name}` })),
  { type: 'shared', pattern: 'shared' },
  { type: 'renderer', pattern: 'renderer' },
];

export const boundariesSettings = {
  'boundaries/elements': elements,
  'boundaries/files': [{ category: 'test', pattern: TEST_FILES }],
  'boundaries/include': ['electron/**', 'shared/**', 'renderer/**', 'e2e/**', 'bench/**', 'scripts/**'],
  'import/resolver': { node: { extensions: ['.ts', '.tsx', '.mts', '.mjs', '.js', '.json'] } },
};

const to = (...types) => ({ to: { element: { types: { anyOf: types } } } });
const policy = (fromType, allowed, message) => ({
  from: { element: { type: fromType } },
  allow: to(...allowed),
  message,
});

const BELOW_FEATURES = ['infrastructure/*', 'shared'];

const isTest = { file: { categories: 'test' } };

export const layerPolicies = [
  { from: isTest, allow: [{ to: { element: { types: '**' } } }, { to: isTest }] },
  { from: { element: { type: 'tooling' } }, allow: [{ to: { element: { types: '**' } } }, { to: isTest }] },
  policy('shell', ['shell', 'app', 'feature/*', ...BELOW_FEATURES], 'Une coquille ne dépend pas du bac à sable.'),
  policy('app', ['app', 'feature/*', ...BELOW_FEATURES], 'app/ compose les fonctionnalités.'),
  // The one place the product starts the sandbox.
  {
    from: { element: { type: 'app' }, file: { path: `${SERVICES}/app/embedded-sandbox.ts` } },
    allow: to('tool'),
  },
  policy('tool', ['tool', ...BELOW_FEATURES], ''),
  ...Object.entries(FEATURES).map(([name, others]) =>
    policy(`feature/${name}`, [`feature/${name}`, ...others.map((o) => `feature/${o}`), ...BELOW_FEATURES], ''),
  ),
  { from: { element: { type: 'feature/*' } }, allow: { to: { file: { path: OUTBOX_WRITER } } } },
  ...Object.entries(INFRASTRUCTURE).map(([name, others]) =>
    policy(
      `infrastructure/${name}`,
      [`infrastructure/${name}`, ...others.map((o) => `infrastructure/${o}`), 'shared'],
      '',
    ),
  ),
  policy('shared', ['shared'], ''),
  policy('renderer', ['renderer', 'shared'], ''),
  // Product code never imports a test or a test helper (tests and tooling may).
  {
    from: [{ file: { categories: '!test' }, element: { types: '!tooling' } }],
    disallow: { to: { file: { categories: 'test' } } },
    message: 'Le code du produit n’importe ni test ni outil de test.',
  },
];
