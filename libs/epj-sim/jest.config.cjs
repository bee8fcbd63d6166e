module.exports = { ...require('../../jest.preset.cjs'), displayName: 'epj-sim', rootDir: __dirname };
