module.exports = { ...require('../../jest.preset.cjs'), displayName: 'alerting-feature', rootDir: __dirname };
