module.exports = { ...require('../../jest.preset.cjs'), displayName: 'api-auth', rootDir: __dirname };
