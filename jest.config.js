// ESM-only libraries (jose, openid-client, oauth4webapi) are compiled to CommonJS for jest,
// because jest's module runtime cannot require(esm) on Node 20/22.
const esmOnly = ['jose', 'openid-client', 'oauth4webapi'];

/** @type {import('jest').Config} */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/packages/embedded-mongo'],
  modulePathIgnorePatterns: ['<rootDir>/packages/embedded-mongo/dist'],
  testRegex: '.*\\.(spec|e2e-spec|test)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
    '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', target: 'ES2022' } }],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  testEnvironment: 'node',
  testTimeout: 60000,
};
