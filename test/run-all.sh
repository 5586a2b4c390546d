#!/usr/bin/env bash
# Every test: sets up the test bed, builds, type-checks, lints, checks formatting, the dependency rules and unused
# code, then runs the unit suite (twice: now, and under a shifted clock and zone), the integration and the VS Code
# suites.
# Ends with one line "N passed, N failed" summed over all suites; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export RO_TEST_STATS=${RO_TEST_STATS:-$PWD/test/.artifacts/stats.jsonl}
mkdir -p test/.artifacts && : >"$RO_TEST_STATS"
status=0
step() { echo; echo "=== $1"; }
fail() { echo "FAILED: $1"; status=1; }

step "test bed"; bash test/testbed/setup.sh || { echo "the test bed could not be set up"; exit 1; }
step "build"; node esbuild.mjs || fail build
step "type check"; npx tsc --noEmit -p . || fail typecheck
step "lint (ESLint)"; npx eslint --max-warnings 0 . || fail eslint
step "format (Prettier)"; npm run --silent format:check || fail format
step "dependency rules (dependency-cruiser)"; npm run --silent depcruise || fail "dependency rules"
step "unused code and dependencies (knip)"; npm run --silent knip || fail "unused code (knip)"
step "bundle tests"; node test/build.mjs || fail "test bundle"
step "unit tests"; RO_TEST_SUITE=unit npx mocha --config test/.mocharc.unit.json || fail "unit tests"
# The unit suite again at another date and zone (10 s before a new year at UTC+14, so the run crosses midnight,
# a month, a year and a date line): no test may depend on today's date or the machine's zone. libfaketime shifts
# every clock call of the process (Node and the git it runs), so the product's own clock is shifted too.
step "unit tests under a shifted clock (faketime '2031-12-31 23:59:50', TZ=Pacific/Kiritimati)"
RO_TEST_SUITE=unit-shifted-clock TZ=Pacific/Kiritimati faketime '2031-12-31 23:59:50' \
  npx mocha --config test/.mocharc.unit.json || fail "unit tests under a shifted clock"
step "integration tests"; RO_TEST_SUITE=integration npx mocha --config test/.mocharc.integration.json || fail "integration tests"
if [ -f test/extension/run.mjs ]; then
  step "VS Code tests"; RO_TEST_SUITE=vscode node test/extension/run.mjs || fail "VS Code tests"
fi

node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const sum = (k) => lines.reduce((a, l) => a + l[k], 0);
for (const l of lines) console.log(`  ${l.suite}: ${l.passed} passed, ${l.failed} failed, ${l.skipped} skipped`);
console.log(`${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
if (sum("failed") > 0) process.exitCode = 1;
' "$RO_TEST_STATS" || status=1
exit $status
