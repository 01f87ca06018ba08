#!/bin/sh
# SPDX-License-Identifier: MIT
# Renders each manual page given with groff (tbl for the tables) and fails
# on any warning: groff exits 0 after most warnings, so stderr must be
# empty too. Exit 77 = skipped (no groff, or scdoc missing: no pages).
set -u

if [ $# -eq 0 ]; then
	echo "man_lint: no pages built (scdoc not installed); skipped"
	exit 77
fi
if ! command -v groff >/dev/null 2>&1; then
	echo "man_lint: groff not installed; skipped"
	exit 77
fi

err=$(mktemp) || exit 99
trap 'rm -f "$err"' EXIT
status=0
for page in "$@"; do
	if [ ! -s "$page" ]; then
		echo "not ok: $page: missing or empty"
		status=1
		continue
	fi
	# man(1) and lintian run tbl only when the first line asks.
	if grep -q '^\.TS' "$page" && [ "$(head -n 1 "$page")" != "'\\\" t" ]; then
		echo "not ok: $page has tables but no '\\\" t first line (tbl would not run)"
		status=1
		continue
	fi
	if ! groff -t -ww -z -man "$page" 2>"$err" || [ -s "$err" ]; then
		echo "not ok: $page renders with warnings:"
		cat "$err"
		status=1
	else
		echo "ok: $page"
	fi
done
exit $status
