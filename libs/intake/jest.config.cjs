module.exports = { ...require('../../jest.preset.cjs'), displayName: 'intake-feature', rootDir: __dirname };
