module.exports = { ...require('../../jest.preset.cjs'), displayName: 'alerting-domain', rootDir: __dirname };
