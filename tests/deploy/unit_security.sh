#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage: unit_security.sh UNIT
# Keeps the unit's sandbox from eroding: `systemd-analyze security` must
# rate its exposure 2.0 or better (systemd 252 rates it 1.3; --threshold
# takes tenths). Exit 77 = skipped.
set -u

unit=$1
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "unit_security: systemd-analyze not installed; skipped"
	exit 77
fi
out=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1)
rc=$?
echo "$out" | grep 'Overall exposure level'
if [ $rc -ne 0 ]; then
	echo "not ok: exposure above 2.0, or the unit did not parse:"
	echo "$out" | grep -v '^✓'
	exit 1
fi
