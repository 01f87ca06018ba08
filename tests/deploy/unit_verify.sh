#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage: unit_verify.sh UNIT CERTPOST_BINARY
# Runs `systemd-analyze verify` on UNIT exactly as written. verify insists
# that every Exec*= program exists, and this build's binary is not yet at
# /usr/sbin: so the unit is checked inside a scratch root (--root) holding
# systemd's own units, the built binary at the unit's path for it, and the
# host's copy of every other program the unit runs (/bin/kill). Fails on a
# non-zero exit or on any message. Exit 77 = skipped.
set -u

unit=$1
bin=$2
name=$(basename "$unit")

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "unit_verify: systemd-analyze not installed; skipped"
	exit 77
fi
sysunits=
for d in /usr/lib/systemd/system /lib/systemd/system; do
	if [ -e "$d/sysinit.target" ]; then
		sysunits=$d
		break
	fi
done
if [ -z "$sysunits" ]; then
	echo "unit_verify: systemd's own units not found; skipped"
	exit 77
fi

root=$(mktemp -d) || exit 99
trap 'rm -rf "$root"' EXIT
# A merged-/usr root, as Debian has been since 12: systemd 257 (Debian 13)
# looks for its units under /usr/lib only, 252 under either.
mkdir -p "$root/usr/lib/systemd" "$root/usr/bin" "$root/usr/sbin" \
	"$root/etc/systemd/system" || exit 99
for d in bin sbin lib; do
	ln -s "usr/$d" "$root/$d" || exit 99
done
cp -R "$sysunits" "$root/usr/lib/systemd/system" || exit 99
cp "$unit" "$root/etc/systemd/system/$name" || exit 99

# The programs of Exec*= lines, without the special prefixes (-@:+!).
# systemd 252 checks only the first command of each Exec*= list, so a
# missing program is reported here too.
missing=
progs=$(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$unit" | sort -u)
for p in $progs; do
	mkdir -p "$root$(dirname "$p")" 2>/dev/null || [ -d "$root$(dirname "$p")" ] || exit 99
	if [ "$(basename "$p")" = certpost ]; then
		cp "$bin" "$root$p" || exit 99
	elif [ -x "$p" ]; then
		cp "$p" "$root$p" || exit 99
	else
		missing="$missing $p"
	fi
done

out=$(systemd-analyze verify --man=no --generators=no --root="$root" \
	"$name" 2>&1)
rc=$?
[ -n "$missing" ] && out="$out${out:+
}no such program:$missing"
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "not ok: systemd-analyze verify $unit (exit $rc):"
	echo "$out"
	exit 1
fi
echo "ok: systemd-analyze verify $unit"
