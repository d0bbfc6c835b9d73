/** Jest with @swc/jest: TypeScript with decorator metadata (type-graphql, inversify). */
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swcOptions] },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  // Two cores: one worker per core keeps the heavy numeric tests from starving each other.
  maxWorkers: 2,
};
