module.exports = { ...require('../../jest.preset.cjs'), displayName: 'ops-console', rootDir: __dirname };
