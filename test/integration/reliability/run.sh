#!/usr/bin/env bash
# The reliability suite alone (faults, hostile content, load, secrets, fuzzing), then its figures table.
# Needs the test bed (bash test/testbed/setup.sh) and root (a second dockerd, a tmpfs, a bridge).
#   bash test/integration/reliability/run.sh        # RO_FUZZ_RUNS=1000 for a longer fuzz
set -euo pipefail
cd "$(dirname "$0")/../../.."
rm -f test/.artifacts/reliability-figures.jsonl
node esbuild.mjs
node test/build.mjs test/unit/fuzz test/integration/reliability
npx mocha --timeout 120000 --reporter test/reporter.js 'out/test/unit/fuzz/**/*.test.js'
npx mocha --require out/test/integration/hooks.js --timeout 300000 --reporter test/reporter.js 'out/test/integration/reliability/**/*.test.js'
node test/integration/reliability/figures.mjs
