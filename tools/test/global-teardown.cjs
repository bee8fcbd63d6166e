'use strict';
// Stops the broker if this test run started it (KEEP_KAFKA=1 keeps it for the next run).
module.exports = async () => {
  if (globalThis.__HUB_TEST_KAFKA_STARTED__ && process.env.KEEP_KAFKA !== '1') {
    await require('../kafka/kafka.cjs').stop({ log: (m) => process.stderr.write(`[test teardown] ${m}\n`) });
  }
};
