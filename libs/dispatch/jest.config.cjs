module.exports = { ...require('../../jest.preset.cjs'), displayName: 'dispatch-lib', rootDir: __dirname };
