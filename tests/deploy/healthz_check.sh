#!/bin/sh
# SPDX-License-Identifier: MIT
# Usage: healthz_check.sh HEALTHZ CONTAINER_CONF CERTPOST_BINARY
# Checks the container's HEALTHCHECK (deploy/container/healthz) against the
# real daemon: it must pass on a running certpost, including with the
# image's own configuration (which must allow the check's 127.0.0.1), and
# fail when the port is closed, when the answer is not 200, and when
# certpost drops the client. Exit 77 = skipped, 99 = harness error.
set -u

healthz=$1
conf=$2
bin=$3

for tool in bash openssl python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "healthz_check: $tool not installed; skipped"
		exit 77
	fi
done

dir=$(mktemp -d) || exit 99
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
failed=0

# Starts "$bin" "$@" in the background, waits until it is ready, and sets
# pid and port (of the first plain-HTTP listener, port 0 given by the
# caller). Each run logs to a new file, so an old log cannot be misread.
runs=0
start() {
	runs=$((runs + 1))
	log=$dir/log.$runs
	"$bin" "$@" 2>"$log" &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		if grep -q ' ready in ' "$log" 2>/dev/null; then
			port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
				"$log" | head -1)
			[ -n "$port" ] && return 0
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "harness: certpost did not start:"
	cat "$log"
	exit 99
}

stop() {
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	if [ $rc -ne 0 ]; then
		echo "not ok: certpost exited $rc on SIGTERM"
		failed=1
	fi
}

expect() {
	want=$1
	what=$2
	shift 2
	if bash "$healthz" "$@" 2>"$dir/err"; then got=pass; else got=fail; fi
	if [ "$got" = "$want" ]; then
		echo "ok: healthz $what: ${got}ed"
	else
		echo "not ok: healthz $what: ${got}ed, expected to $want"
		cat "$dir/err"
		failed=1
	fi
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
	-out "$dir/ca.pem" -days 30 -subj "/CN=healthz test root" \
	-addext basicConstraints=critical,CA:TRUE >/dev/null 2>&1 || exit 99
rm -f "$dir/key.pem"

# The demo (loopback clients allowed).
start --demo --listen 127.0.0.1:0 --https-listen 127.0.0.1:0
expect pass "on the demo" "$port"
stop
expect fail "on a closed port" "$port"

# The image's configuration, with the CA where the test put it.
sed "s|/etc/certpost/ca.pem|$dir/ca.pem|" "$conf" >"$dir/image.conf"
start --config "$dir/image.conf" --listen 127.0.0.1:0
expect pass "with the image's certpost.conf" "$port"
stop

# A client outside the allow list is dropped: the check must fail.
sed '/^allow = 127\.0\.0\.1$/d' "$dir/image.conf" >"$dir/noloop.conf"
start --config "$dir/noloop.conf" --listen 127.0.0.1:0
expect fail "when certpost drops the client" "$port"
stop

# Something else answering 404.
python3 -u -m http.server --bind 127.0.0.1 0 >"$dir/http.log" 2>&1 &
pid=$!
i=0
port=
while [ -z "$port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	port=$(sed -n 's|.*port \([0-9]*\).*|\1|p' "$dir/http.log" | head -1)
	i=$((i + 1))
done
[ -n "$port" ] || { echo "harness: http.server did not start"; exit 99; }
expect fail "on a 404" "$port"
kill "$pid"
wait "$pid" 2>/dev/null
pid=

exit $failed
