// Root jest config: every app and lib with a jest.config.cjs is a project; the broker
// and database are prepared once for the whole run (tools/test/global-setup.cjs).
const fs = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs'].flatMap((dir) =>
  fs.existsSync(path.join(__dirname, dir))
    ? fs
        .readdirSync(path.join(__dirname, dir))
        .map((name) => path.join(__dirname, dir, name, 'jest.config.cjs'))
        .filter((file) => fs.existsSync(file))
    : [],
);

module.exports = {
  projects,
  globalSetup: '<rootDir>/tools/test/global-setup.cjs',
  globalTeardown: '<rootDir>/tools/test/global-teardown.cjs',
  // Integration tests wait on a real broker and database; unit tests never get near this.
  testTimeout: 60000,
};
