#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage: package_build.sh SRCDIR OUTDIR
# Builds the Debian package from a copy of SRCDIR (so the checkout is not
# written to) with dpkg-buildpackage, puts certpost_<version>_<arch>.deb in
# OUTDIR, and runs lintian on it: any error or warning fails the build.
# The Build-Depends must be installed (deploy/dev.sh deb does that).
set -eu

src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
tree=$work/certpost-$ver
mkdir "$tree"
# The sources, without build directories, results or fetched modules.
(cd "$src" && tar --exclude='./build*' --exclude=./dist --exclude=./.git \
	--exclude=./tests/browser/node_modules \
	--exclude=./tests/browser/artifacts -cf - .) | tar -xf - -C "$tree"

if ! (cd "$tree" && dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1); then
	echo "package_build: dpkg-buildpackage failed:" >&2
	tail -n 30 "$work/build.log" >&2
	exit 1
fi
deb=certpost_${ver}_${arch}.deb
mv "$work/$deb" "$out/$deb"
echo "package_build: $out/$deb"

# --fail-on: lintian itself exits 0 after warnings otherwise.
echo "package_build: lintian $deb"
if ! lintian --fail-on error,warning --display-info "$out/$deb"; then
	echo "package_build: lintian reports errors or warnings" >&2
	exit 1
fi
echo "package_build: lintian clean (no error, no warning)"
