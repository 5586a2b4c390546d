// Mocha's spec reporter, plus a stats file so test/run-all.sh can print one closing line for all suites.
const Mocha = require('mocha');
const fs = require('node:fs');

class CountingSpec extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const file = process.env.RO_TEST_STATS;
      if (!file) return;
      const s = runner.stats;
      fs.appendFileSync(
        file,
        JSON.stringify({
          suite: process.env.RO_TEST_SUITE || 'mocha',
          passed: s.passes,
          failed: s.failures,
          skipped: s.pending,
        }) + '\n',
      );
    });
  }
}
module.exports = CountingSpec;
