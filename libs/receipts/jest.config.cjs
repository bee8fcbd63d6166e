module.exports = { ...require('../../jest.preset.cjs'), displayName: 'receipts', rootDir: __dirname };
