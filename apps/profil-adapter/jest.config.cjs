module.exports = { ...require('../../jest.preset.cjs'), displayName: 'profil-adapter', rootDir: __dirname };
