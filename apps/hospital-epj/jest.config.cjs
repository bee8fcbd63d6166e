module.exports = { ...require('../../jest.preset.cjs'), displayName: 'hospital-epj', rootDir: __dirname };
