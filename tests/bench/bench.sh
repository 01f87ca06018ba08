#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side-by-side benchmark of certpost against nginx serving the same bytes
# on loopback. A measurement, not a test: it exits 0 when a target is
# missed and says so in its "targets" section (see README.md beside it).
#
#   tests/bench/bench.sh PATH/TO/certpost      (deploy/dev.sh bench runs it)
#
# Environment: ROUNDS (3) alternating rounds per scenario, DURATION (5)
# seconds per run, ACCESS_LOG (both|off|on), SERVER_CPU (0) and CLIENT_CPU
# (1) the cores the servers and the load generators are pinned to, STARTS
# (10) start-up measurements, RELOADS (20) SIGHUPs, FLOOD_WORKERS (50),
# PARTS (plain https session memory threads) what to run, SESSION_LOAD
# the load generator of the device session.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PATH/TO/certpost" >&2
	exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
ACCESS_LOG=${ACCESS_LOG:-both}
STARTS=${STARTS:-10}
RELOADS=${RELOADS:-20}
FLOOD_WORKERS=${FLOOD_WORKERS:-50}
PARTS=${PARTS:-plain https session memory threads}
# part NAME: whether PARTS asks for it.
part() {
	[[ " $PARTS " == *" $1 "* ]]
}
session_load=${SESSION_LOAD:-$(dirname "$bin")/../tests/bench/session_load}
if part session || part memory; then
	[ -x "$session_load" ] || {
		echo "bench: no $session_load: build with -Dbench=true (deploy/dev.sh bench does) or set SESSION_LOAD" >&2
		exit 2
	}
fi
SERVER_CPU=${SERVER_CPU:-0}
if [ "$(nproc)" -ge 2 ]; then
	CLIENT_CPU=${CLIENT_CPU:-1}
else
	CLIENT_CPU=${CLIENT_CPU:-0}
	echo "bench: one CPU only: servers and load share it; ratios are" \
		"still comparable, absolute numbers are not" >&2
fi
for v in ROUNDS DURATION STARTS RELOADS FLOOD_WORKERS SERVER_CPU CLIENT_CPU; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]]; then
		echo "bench: $v must be a whole number, not '${!v}'" >&2
		exit 2
	fi
done
for v in ROUNDS DURATION STARTS RELOADS FLOOD_WORKERS; do
	if [ "${!v}" -lt 1 ]; then
		echo "bench: $v must be at least 1" >&2
		exit 2
	fi
done
case $ACCESS_LOG in
both) passes="off on" ;;
off | on) passes=$ACCESS_LOG ;;
*)
	echo "bench: ACCESS_LOG must be both, off or on" >&2
	exit 2
	;;
esac
for tool in wrk nginx taskset curl openssl python3 pgrep; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool is missing (deploy/dev.sh bench installs it)" >&2
		exit 2
	}
done
nginx_bin=$(command -v nginx)
clk_tck=$(getconf CLK_TCK)

. "$here/lib.sh"
. "$here/servers.sh"
. "$here/scenarios.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/certpost-bench.XXXXXX")
pids=()
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- set-up

read -r port_a port_b port_c port_d port_e <<<"$(free_ports 5)"
mkdir -p "$dir/www" "$dir/nginx-tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" \
	-out "$dir/ca.pem" -days 30 -subj "/CN=Bench Root" \
	-addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl x509 -in "$dir/ca.pem" -outform DER -out "$dir/ca.der"
# The HTTPS leaves both servers present, signed by the bench root.
make_leaf p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make_leaf rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
rm -f "$dir/ca.key" # only the certificate is served

# --------------------------------------------------------------- running

declare -A R   # "pass scenario server metric" -> values, one per round

echo "# certpost vs nginx, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "certpost: $("$bin" --version)  ($bin)"
echo "nginx:    $("$nginx_bin" -v 2>&1 | sed 's/.*: //')  wrk: $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
echo "machine:  $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
echo "setup:    servers on CPU $SERVER_CPU (certpost threads = 1, nginx worker_processes 1), load on CPU $CLIENT_CPU"
echo "          $ROUNDS rounds x ${DURATION}s per scenario, alternating certpost/nginx; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# plain_group PASS: the plain-HTTP scenarios, both servers on one core.
plain_group() {
	local pass=$1 yn=no path a b r scen
	[ "$pass" = on ] && yn=yes
	certpost_conf certpost.conf "$yn" "$port_a" "$dir/certpost.log"
	start_certpost certpost.conf "$port_a"
	[ -f "$dir/ca.headers" ] || mirror_plain "$port_a"
	nginx_conf nginx.conf "$pass" "$port_b"
	start_nginx nginx.conf "$port_b"
	for path in /ca.cer /; do
		a=$(curl -fsS "http://127.0.0.1:$port_a$path" | sha256sum)
		b=$(curl -fsS "http://127.0.0.1:$port_b$path" | sha256sum)
		[ "$a" = "$b" ] || die "certpost and nginx serve different bytes for $path"
	done
	echo
	echo "## access log $pass: raw numbers per round"
	# Warm-up, not counted.
	taskset -c "$CLIENT_CPU" wrk -t1 -c50 -d1s "http://127.0.0.1:$port_a/ca.cer" >/dev/null
	taskset -c "$CLIENT_CPU" wrk -t1 -c50 -d1s "http://127.0.0.1:$port_b/ca.cer" >/dev/null
	for ((r = 1; r <= ROUNDS; r++)); do
		echo "round $r"
		for scen in $scenarios; do
			run_scenario "$pass" "$scen" certpost "$port_a" "$cp_pid"
			run_scenario "$pass" "$scen" nginx "$port_b" "$ng_pid" "$ng_worker"
		done
	done
	add "$pass rss certpost kib" "$(peak_kib "$cp_pid")"
	add "$pass rss nginx kib" "$(peak_kib "$ng_worker")"
	add "$pass anon certpost kib" "$(anon_kib "$cp_pid")"
	add "$pass anon nginx kib" "$(anon_kib "$ng_worker")"
	echo "peak RSS (VmHWM): certpost $(peak_kib "$cp_pid") KiB, nginx worker" \
		"$(peak_kib "$ng_worker") KiB (+ master $(peak_kib "$ng_pid") KiB);" \
		"private (RssAnon): certpost $(anon_kib "$cp_pid") KiB, nginx worker" \
		"$(anon_kib "$ng_worker") KiB"
	stop_pid "$cp_pid"
	stop_pid "$ng_pid"
}

for pass in $passes; do
	part plain && plain_group "$pass"
	for leaf in p256 rsa; do
		if part https || part session || part memory; then
			device_group "$pass" "$leaf"
		fi
	done
	part threads && threads_group "$pass"
done


# ------------------------------------------------- start-up and reload

# startup LABEL KEY first_response.py-arguments...: prints every run,
# stores the median in R[KEY].
startup() {
	local label=$1 key=$2
	shift 2
	run taskset -c "$CLIENT_CPU" python3 "$here/first_response.py" \
		--runs "$STARTS" --cpu "$SERVER_CPU" "$@" >"$dir/run.out" ||
		die "start-up measurement of $label failed: $(cat "$dir/run.out")"
	echo "$label: $(grep -v median "$dir/run.out" | tr '\n' ' ')"
	R[$key]=$(sed -n 's/^median_ms=//p' "$dir/run.out")
}

echo
echo "## start-up, fork to the first 200 ($STARTS runs each, ms)"
startup "certpost --demo" "start demo certpost" --port "$port_c" \
	--path /healthz -- "$bin" --demo --listen "127.0.0.1:$port_c" \
	--https-listen "127.0.0.1:$port_d"
certpost_conf start.conf no "$port_c" "$dir/start.log"
startup "certpost --config (bench config)" "start conf certpost" \
	--port "$port_c" --path /healthz -- "$bin" --config "$dir/start.conf"
nginx_conf nginx-start.conf off "$port_c"
startup "nginx (bench config)" "start conf nginx" --port "$port_c" \
	--path /ca.cer -- "$nginx_bin" -p "$dir/" -c "$dir/nginx-start.conf" \
	-g "daemon off; pid $dir/nginx-start.pid;"

certpost_conf start-en.conf no "$port_c" "$dir/start-en.log"
printf '[page]\nlanguages = en\n' >>"$dir/start-en.conf"
startup "certpost --config (bench config, English only)" \
	"start conf en certpost" --port "$port_c" --path /healthz -- "$bin" \
	--config "$dir/start-en.conf"

# Every language against English alone: an idle reload's time and the
# resident set once the gzip forms are made (the compressor's log line).
echo
echo "## languages: every language served against English alone"
lang_figures() {
	local conf=$1 key=$2 out="$dir/lang-$2.err" times=""
	: >"$out"
	start_certpost "$conf" "$port_e" "$out"
	for ((j = 0; j < 500; j++)); do
		grep -q "gzip forms made" "$out" && break
		sleep 0.01
	done
	R[$key rss]=$(awk '/^VmRSS/ { print $2 }' "/proc/$cp_pid/status")
	for ((i = 1; i <= RELOADS; i++)); do
		kill -HUP "$cp_pid"
		for ((j = 0; j < 500; j++)); do
			[ "$(grep -c 'reloaded in' "$out")" -ge "$i" ] && break
			sleep 0.01
		done
	done
	times=$(grep -o 'reloaded in [0-9.]* ms' "$out" | awk '{ print $3 }' | tr '\n' ' ')
	R[$key reload]=$(median <<<"$times" | awk '{ if ($1 == "-") print "-"; else printf "%.2f", $1 }')
	echo "$key: RSS ${R[$key rss]} KiB after start, reloads (ms): $times"
	stop_pid "$cp_pid"
}
certpost_conf lang-all.conf no "$port_e" "$dir/lang-all.log"
certpost_conf lang-en.conf no "$port_e" "$dir/lang-en.log"
printf '[page]\nlanguages = en\n' >>"$dir/lang-en.conf"
lang_figures lang-all.conf "lang all"
lang_figures lang-en.conf "lang en"

echo
echo "## reload: $RELOADS x SIGHUP, access log to a file (ms, from certpost's log)"
# Daemon messages go to stderr, or to the log file in builds that send
# them there: look in both.
reloads() {
	{ cat "$dir/reload.err" "$dir/reload.log" 2>/dev/null |
		grep -o 'reloaded in [0-9.]* ms' || true; } | awk '{ print $3 }'
}
certpost_conf reload.conf yes "$port_e" "$dir/reload.log"
start_certpost reload.conf "$port_e" "$dir/reload.err"
# Idle: each SIGHUP after the previous reload was logged (signals that
# arrive together would be taken as one).
for ((i = 1; i <= RELOADS; i++)); do
	kill -HUP "$cp_pid"
	for ((j = 0; j < 500; j++)); do
		[ "$(reloads | wc -l)" -ge "$i" ] && break
		sleep 0.01
	done
done
idle=$(reloads | tr '\n' ' ')
echo "idle:       $idle"
R[reload idle]=$(median <<<"$idle" | awk '{ if ($1 == "-") print "-"; else printf "%.2f", $1 }')
: >"$dir/reload.log"
: >"$dir/reload.err"
# Under load: wrk at 50 connections must not see one failed request.
taskset -c "$CLIENT_CPU" wrk -t1 -c50 -d"${DURATION}s" --latency \
	"http://127.0.0.1:$port_e/ca.cer" >"$dir/wrk-reload.out" &
wrk_pid=$!
pids+=("$wrk_pid")
gap=$(awk -v d="$DURATION" -v n="$RELOADS" 'BEGIN { printf "%.3f", (d - 1) / n }')
sleep 0.5
for ((i = 1; i <= RELOADS; i++)); do
	kill -HUP "$cp_pid"
	sleep "$gap"
done
wait "$wrk_pid" || true
forget_pid "$wrk_pid"
sleep 0.2
loaded=$(reloads | tr '\n' ' ')
read -r rl_rps _ _ rl_req rl_bad <<<"$(parse_wrk <"$dir/wrk-reload.out")"
echo "under load: $loaded"
echo "            ($(reloads | wc -l) of $RELOADS reloads logged; wrk: $rl_req requests, $rl_rps req/s, $rl_bad non-2xx/socket errors)"
R[reload load]=$(median <<<"$loaded" | awk '{ if ($1 == "-") print "-"; else printf "%.2f", $1 }')
R[reload bad]=$rl_bad
stop_pid "$cp_pid"

# --------------------------------------------------------------- report

. "$here/report.sh"
