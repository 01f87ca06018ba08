#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the browser test's npm dependencies (playwright-core only, pinned in
# package.json and package-lock.json) into tests/browser/node_modules when they
# are missing or not the pinned version. Quiet; does nothing when they are
# there. Downloads no browser: the test uses Debian's /usr/bin/chromium.
# Exits non-zero when they cannot be installed (no npm, registry out of
# reach); deploy/dev.sh carries on and the browser test reports skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 1
cd "$here" || exit 1

pinned() {
	sed -n 's/^ *"playwright-core": *"\([^"]*\)".*/\1/p' package.json | head -n 1
}
installed() {
	sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
		node_modules/playwright-core/package.json 2>/dev/null | head -n 1
}

want=$(pinned)
[ -n "$want" ] && [ "$(installed)" = "$want" ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
	echo "tests/browser/setup.sh: npm not found (Debian package npm); the browser test will report skipped" >&2
	exit 1
fi

log=$(mktemp) || exit 1
# playwright-core has no install script; --ignore-scripts keeps it that way.
if ! timeout 300 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
	--fetch-retries=1 --fetch-timeout=60000 >"$log" 2>&1; then
	echo "tests/browser/setup.sh: npm ci failed; the browser test will report skipped:" >&2
	tail -n 5 "$log" | sed 's/^/  /' >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
if [ "$(installed)" != "$want" ]; then
	echo "tests/browser/setup.sh: node_modules has playwright-core '$(installed)', want '$want'" >&2
	exit 1
fi
echo "tests/browser/setup.sh: installed playwright-core $want" >&2
