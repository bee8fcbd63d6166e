module.exports = { ...require('../../jest.preset.cjs'), displayName: 'plo', rootDir: __dirname };
