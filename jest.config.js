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
  // jcampconverter and two of its dependencies ship only ES modules: Jest's CommonJS runtime
  // needs them compiled (Node itself loads them with require()).
  transformIgnorePatterns: ['/node_modules/(?!(jcampconverter|ensure-string|dynamic-typing|ml-array-median|is-any-array|median-quickselect|ml-spectra-processing)/)'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  // Two cores: one worker per core keeps the heavy numeric tests from starving each other.
  maxWorkers: 2,
};
