// The package's own `npm test`: unit specs beside the code (src/**/*.spec.ts) and the driver
// suites against a running server (test/**/*.e2e-spec.ts), which import the built package.
/** @type {import('jest').Config} */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testEnvironment: 'node',
  testTimeout: 60000,
};
