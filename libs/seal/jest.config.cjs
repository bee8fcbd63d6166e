module.exports = { ...require('../../jest.preset.cjs'), displayName: 'seal', rootDir: __dirname };
