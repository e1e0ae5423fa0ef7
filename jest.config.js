// Jest: "unit" runs pure-logic tests inside packages; "integration" starts real servers (test/).
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json" }],
  },
  moduleNameMapper: {
    "^@pdns-distribute/([a-z-]+)$": "<rootDir>/packages/$1/src/index.ts",
  },
};

module.exports = {
  // Global (not per project): integration tests start real servers.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/packages/*/test/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/test/**/*.test.ts"],
      slowTestThreshold: 30,
    },
  ],
};
