// Native-ESM Jest over @swc/jest (see TOOLCHAIN: Jest 30 on Node 22 runs with --experimental-vm-modules).
const swc = {
  swcrc: false, // .swcrc excludes specs from builds; tests carry their own options
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2023',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    // light-my-request (behind Fastify's inject) require()s `cookie` 2, which is ESM-only: Node 22 can require
    // ESM but Jest's registry cannot before Node 24.9, so compile that one package to CommonJS for Jest.
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { swcrc: false, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  moduleNameMapper: {
    '^@ragops/(gateway|ingest|embedding|retrieval|generation)$': '<rootDir>/services/$1/src/index.ts',
    // The evaluation service's package name differs from its folder: @ragops/evaluation is the metrics lib.
    '^@ragops/evaluation-service$': '<rootDir>/services/evaluation/src/index.ts',
    '^@ragops/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    // Subpath entry points (e.g. @ragops/testing/doubles): libs/<lib>/src/<name>.ts.
    '^@ragops/([a-z-]+)/([a-z-]+)$': '<rootDir>/libs/$1/src/$2.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

export default {
  rootDir: '.',
  // Integration suites share one NATS and Redis; keep workers modest on a 2-core machine.
  maxWorkers: 2,
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,apps,bench}/*/src/**/*.spec.ts', '<rootDir>/bench/src/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{libs,services,apps}/*/test/**/*.spec.ts'] },
  ],
};
