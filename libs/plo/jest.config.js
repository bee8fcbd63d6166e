module.exports = { ...require('../../jest.preset.js'), displayName: 'plo', rootDir: __dirname };
