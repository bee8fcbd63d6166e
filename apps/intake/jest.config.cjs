module.exports = { ...require('../../jest.preset.cjs'), displayName: 'intake', rootDir: __dirname };
