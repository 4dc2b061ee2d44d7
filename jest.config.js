const { existsSync } = require('node:fs');

// ESM-only libraries (jose, openid-client, oauth4webapi) are compiled to CommonJS for jest,
// because jest's module runtime cannot require(esm) on Node 20/22.
const esmOnly = ['jose', 'openid-client', 'oauth4webapi'];

// Workspace packages keep the same shape: src/**/*.spec.ts are unit tests, test/** integration.
const withPackages = existsSync(`${__dirname}/packages`);

/** What every tier shares; each tier below only says which files are its own. */
const base = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: __dirname,
  roots: ['<rootDir>/src', '<rootDir>/test', ...(withPackages ? ['<rootDir>/packages'] : [])],
  // A workspace package's build output is not a second copy of its tests or modules.
  modulePathIgnorePatterns: ['<rootDir>/packages/[^/]+/dist'],
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
    '^.+\\.m?js$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          isolatedModules: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          target: 'ES2022',
        },
      },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  testEnvironment: 'node',
};

/**
 * One jest project per tier; the folder decides the tier (see README, "Tests"). `npm test` runs
 * them all, `npm run test:<tier>` one (`jest --selectProjects <tier>`).
 */
const tiers = {
  // No database, no build, no network.
  unit: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/packages/*/src/**/*.spec.ts'],
  // Services against the in-process embedded database.
  integration: [
    '<rootDir>/test/integration/**/*.spec.ts',
    '<rootDir>/packages/*/test/**/*.e2e-spec.ts',
  ],
  // The whole AppModule over HTTP, in-process.
  e2e: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  // Real OS processes from dist/: start-up failures, crash, scale-out, hostile barrages.
  resilience: ['<rootDir>/test/resilience/**/*.e2e-spec.ts'],
  browser: ['<rootDir>/test/browser/**/*.e2e-spec.ts'],
};

const setupOf = (tier) => (tier === 'resilience' ? 'build-dist' : 'build-db-package');

/** @type {import('jest').Config} */
module.exports = {
  // A global option: inside a project jest ignores it.
  testTimeout: 60000,
  projects: Object.entries(tiers).map(([name, testMatch]) => ({
    ...base,
    displayName: name,
    testMatch,
    // Only the tier that spawns dist/ builds it, once, and only when src/ is newer than dist/;
    // the tiers that start the embedded database rebuild its package when it is stale.
    ...(name === 'unit' ? {} : { globalSetup: `<rootDir>/test/support/${setupOf(name)}.ts` }),
  })),
};
