module.exports = { ...require('../../jest.preset.cjs'), displayName: 'validation-rules', rootDir: __dirname };
