#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The developer and CI entry point: installs what is missing, builds, runs.
#
#   deploy/dev.sh demo [ARGS]     build and run the built-in demo (foreground);
#                                 ARGS go to certpost (--listen ADDR:PORT)
#   deploy/dev.sh test            build and run every test suite
#   deploy/dev.sh bench           side-by-side benchmark against nginx
#   deploy/dev.sh fuzz SECONDS    run each libFuzzer target for SECONDS
#   deploy/dev.sh build           just build
#   deploy/dev.sh deb             build the Debian package into dist/ (lintian)
#   deploy/dev.sh package-test    build the package, install it into a clean
#                                 root of this release, use it, purge it
#   deploy/dev.sh trixie [CMD]    run "deploy/dev.sh CMD" (default: test) in a
#                                 Debian 13 root made with mmdebstrap, kept in
#                                 $CERTPOST_ROOTS (/var/tmp/certpost-roots)
#
# Environment: CERTPOST_SANITIZE=1 builds with ASan+UBSan (in build-asan/),
# CERTPOST_WERROR=1 turns warnings into errors, BUILD_DIR overrides the
# build directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build_deps=(meson ninja-build pkg-config gcc python3 openssl
	libmicrohttpd-dev libssl-dev libmagic-dev libinih-dev libqrencode-dev zlib1g-dev
	libgettextpo-dev
	libcmocka-dev libcurl4-openssl-dev)
test_deps=(groff man-db scdoc systemd iproute2 slowhttptest valgrind python3-yaml
	nginx haproxy testssl.sh)
# The browser test's: it reports "skipped" when they cannot be had.
browser_deps=(chromium libnss3-tools fonts-dejavu-core fonts-ipafont-gothic fonts-wqy-microhei)
bench_deps=(wrk nginx util-linux procps curl python3)
fuzz_deps=(clang)

# Installs the Debian packages of "$@" that are not installed yet.
need() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "dev.sh: installing ${missing[*]}" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "dev.sh: run as root (or install: apt-get install ${missing[*]})" >&2
		exit 1
	fi
	# apt-get update only when the lists are missing or a day old.
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
		apt-get update -qq
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

build() {
	local dir=${BUILD_DIR:-build} opts=()
	if [ "${CERTPOST_SANITIZE:-0}" = 1 ]; then
		dir=${BUILD_DIR:-build-asan}
		opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
	fi
	[ "${CERTPOST_WERROR:-0}" = 1 ] && opts+=(--werror)
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
	else
		meson setup "$dir" "${opts[@]}" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
	BUILD="$dir"
}

cmd=${1:-}
case "$cmd" in
demo)
	need "${build_deps[@]}"
	build
	# Extra arguments go to certpost (--listen, --https-listen, --debug).
	if [ $# -eq 1 ] && (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
		echo "dev.sh: 127.0.0.1:8080 is in use; pick other ports:" >&2
		echo "  deploy/dev.sh demo --listen 127.0.0.1:8081 --https-listen 127.0.0.1:8444" >&2
		exit 1
	fi
	echo "dev.sh: open http://127.0.0.1:8080/ (or the --listen given; Ctrl-C stops)" >&2
	exec "$BUILD/server/certpost" --demo "${@:2}"
	;;
test)
	need "${build_deps[@]}" "${test_deps[@]}"
	# Node.js may come from elsewhere (with its own npm, which Debian's
	# npm package conflicts with): install only what is missing.
	opt=("${browser_deps[@]}")
	command -v node >/dev/null || opt+=(nodejs)
	command -v npm >/dev/null || opt+=(npm)
	( need "${opt[@]}" ) ||
		echo "dev.sh: browser test packages unavailable; it will report skipped" >&2
	build
	"$top/tests/browser/setup.sh" || echo "dev.sh: browser test set-up failed; it will report skipped" >&2
	log=$(mktemp)
	set +e
	meson test -C "$BUILD" --print-errorlogs --num-processes 2 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	xfail=$(sed -n 's/^Unexpected Pass: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	timeout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	rm -f "$log"
	fail=$(( ${fail:-0} + ${xfail:-0} + ${timeout:-0} ))
	[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
	echo "${ok:-0} passed, $fail failed, ${skip:-0} skipped"
	exit "$rc"
	;;
bench)
	need "${build_deps[@]}" "${bench_deps[@]}"
	BUILD_DIR=${BUILD_DIR:-build-release}
	dir=$BUILD_DIR
	# -Dbench=true: the device-session load generator, without the tests.
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" -Dbench=true >/dev/null
	else
		meson setup "$dir" --buildtype=release -Dtests=false -Dbench=true >/dev/null
	fi
	ninja -C "$dir" >/dev/null
	SESSION_LOAD=${SESSION_LOAD:-$dir/tests/bench/session_load} \
		exec "$top/tests/bench/bench.sh" "$dir/server/certpost" "${@:2}"
	;;
fuzz)
	need "${build_deps[@]}" "${fuzz_deps[@]}"
	# libFuzzer's runtime is versioned with clang (14 on Debian 12, 19 on 13).
	need "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
	seconds=${2:-60}
	dir=${BUILD_DIR:-build-fuzz}
	[ -f "$dir/build.ninja" ] || CC=clang meson setup "$dir" -Dfuzz=true -Dtests=false \
		-Db_lundef=false >/dev/null
	ninja -C "$dir" >/dev/null
	exec "$top/tests/fuzz/run.sh" "$dir" "$seconds"
	;;
build)
	need "${build_deps[@]}"
	build
	echo "dev.sh: built $BUILD/server/certpost" >&2
	;;
deb)
	need dpkg-dev debhelper fakeroot lintian
	# The package's own Build-Depends, from debian/control.
	( cd "$top" && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq \
		--no-install-recommends ./ >/dev/null )
	exec "$top/tests/deploy/package_build.sh" "$top" "${CERTPOST_DIST:-$top/dist}"
	;;
package-test)
	need mmdebstrap dpkg-dev iproute2
	"$0" deb
	exec "$top/tests/deploy/package_test.sh" "${CERTPOST_DIST:-$top/dist}"
	;;
trixie)
	# The same commands on Debian 13, in a root made from Debian's own
	# packages and reused between runs. The tree is bind-mounted at /src
	# and built in build-trixie*/, beside the host's build directories.
	# Exits 77 (skipped) when the root cannot be made.
	need mmdebstrap
	roots=${CERTPOST_ROOTS:-/var/tmp/certpost-roots}
	root=$roots/trixie
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		mkdir -p "$roots"
		rm -rf "$root.new"
		echo "dev.sh: making a Debian 13 root in $root (mmdebstrap)" >&2
		if ! mmdebstrap --quiet --variant=apt --include=ca-certificates \
			trixie "$root.new" http://deb.debian.org/debian >"$roots/mmdebstrap.log" 2>&1; then
			echo "dev.sh: skipped: mmdebstrap could not make a Debian 13 root:" >&2
			tail -n 5 "$roots/mmdebstrap.log" | sed 's/^/  /' >&2
			rm -rf "$root.new"
			exit 77
		fi
		mv "$root.new" "$root"
	fi
	sub=${2:-test}
	case "$sub" in
	test | build | demo) bdir=build-trixie ;;
	*) bdir=build-trixie-$sub ;;
	esac
	[ "${CERTPOST_SANITIZE:-0}" = 1 ] && bdir=$bdir-asan
	# A private mount namespace: the mounts go away with the command.
	exec unshare --mount --propagation private -- bash -ec '
		root=$1 top=$2 bdir=$3
		shift 3
		# A mount point at /, as on a booted system: "ip netns" and
		# the tests that make namespaces need one.
		mount --bind "$root" "$root"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs tmpfs "$root/run"
		mount -t tmpfs tmpfs "$root/tmp"
		mkdir -p "$root/src"
		mount --bind "$top" "$root/src"
		cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		# The root trusts the certificate authorities this machine
		# added locally, so npm and apt reach what they reach here.
		if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
			mkdir -p "$root/usr/local/share/ca-certificates"
			cp /usr/local/share/ca-certificates/*.crt \
				"$root/usr/local/share/ca-certificates/"
			chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
		fi
		exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
			CI="${CI:-}" CERTPOST_WERROR="${CERTPOST_WERROR:-0}" \
			CERTPOST_SANITIZE="${CERTPOST_SANITIZE:-0}" BUILD_DIR="$bdir" \
			CERTPOST_DIST=/src/dist/trixie \
			${PARTS:+PARTS="$PARTS"} ${ROUNDS:+ROUNDS="$ROUNDS"} \
			${DURATION:+DURATION="$DURATION"} \
			${ACCESS_LOG:+ACCESS_LOG="$ACCESS_LOG"} \
			/src/deploy/dev.sh "$@"
	' bash "$root" "$top" "$bdir" "$sub" "${@:3}"
	;;
*)
	sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
