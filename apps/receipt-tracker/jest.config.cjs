module.exports = { ...require('../../jest.preset.cjs'), displayName: 'receipt-tracker', rootDir: __dirname };
