module.exports = { ...require('../../jest.preset.cjs'), displayName: 'gerica-adapter', rootDir: __dirname };
