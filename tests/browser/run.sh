#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the browser test, or reports it skipped (TAP "1..0 # SKIP") when
# something it needs is missing: never a pass without a browser.
#
#   run.sh TEST_PAGE_MJS CERTPOST_BIN
#
# Needs node 20+ (NODE overrides), Debian's chromium (CERTPOST_CHROMIUM
# overrides /usr/bin/chromium) and playwright-core in tests/browser/node_modules
# (tests/browser/setup.sh installs it).
test_file=$1
bin=$2
here=$(dirname "$test_file")

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

node=${NODE:-$(command -v node 2>/dev/null)}
if [ -z "$node" ] || ! [ -x "$node" ]; then
	skip "node not found (Debian package nodejs)"
fi
"$node" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
	skip "node $("$node" --version) is older than 20"
chromium=${CERTPOST_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "$chromium not found (Debian package chromium)"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
	skip "playwright-core not installed in $here/node_modules (run tests/browser/setup.sh)"
[ -x "$bin" ] || { echo "Bail out! certpost binary $bin not found"; exit 1; }
exec "$node" "$test_file" "$bin"
