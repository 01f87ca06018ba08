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
# (10) start-up measurements, RELOADS (20) SIGHUPs, FLOOD_WORKERS (50).
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
rm -f "$dir/ca.key" # only the certificate is served
openssl x509 -in "$dir/ca.pem" -outform DER -out "$dir/ca.der"

# --------------------------------------------------------------- running

declare -A R   # "pass scenario server metric" -> values, one per round
scenarios="ka1 ka50 ka256 close50 page50 deny"
declare -A label=(
	[ka1]="keep-alive GET /ca.cer, 1 conn"
	[ka50]="keep-alive GET /ca.cer, 50 conns"
	[ka256]="keep-alive GET /ca.cer, 256 conns"
	[close50]="new connection per request, 50 conns"
	[page50]="keep-alive GET /, 50 conns"
	[deny]="denied source 127.0.0.2, 50 workers"
)

add() {
	R["$1"]+="$2 "
}

# run_scenario PASS SCENARIO SERVER PORT PIDS...
run_scenario() {
	local pass=$1 scen=$2 srv=$3 port=$4
	shift 4
	local url="http://127.0.0.1:$port/ca.cer" conns=50 extra=() out
	local t0 t1 c0 c1 req_s p50 p99 req bad cpu other line
	case $scen in
	ka1) conns=1 ;;
	ka256) conns=256 ;;
	close50) extra=(-H "Connection: close") ;;
	page50) url="http://127.0.0.1:$port/" ;;
	esac
	t0=$(cpu_ticks "$@")
	read -r c0 c0t <<<"$(core_ticks "$SERVER_CPU")"
	if [ "$scen" = deny ]; then
		run taskset -c "$CLIENT_CPU" python3 "$here/deny_flood.py" \
			--port "$port" --duration "$DURATION" \
			--concurrency "$FLOOD_WORKERS" >"$dir/run.out" || true
		out=$(<"$dir/run.out")
		t1=$(cpu_ticks "$@")
		read -r c1 c1t <<<"$(core_ticks "$SERVER_CPU")"
		req_s=$(sed -n 's/.*turned_away_per_s=\([0-9]*\).*/\1/p' <<<"$out")
		req=$(sed -n 's/.*turned_away=\([0-9]*\).*/\1/p' <<<"$out")
		bad=$(sed -n 's/.*served=\([0-9]*\) errors=\([0-9]*\).*/\1 served, \2 errors/p' <<<"$out")
		[ -n "$req_s" ] || die "deny_flood.py failed: $out"
		add "$pass $scen $srv rps" "$req_s"
		line=$(printf "%-8s %-8s %9s turned away/s  (%s)" "$srv" "$scen" "$req_s" "$bad")
	else
		run taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" \
			-d"${DURATION}s" --latency "${extra[@]}" "$url" \
			>"$dir/run.out"
		out=$(<"$dir/run.out")
		t1=$(cpu_ticks "$@")
		read -r c1 c1t <<<"$(core_ticks "$SERVER_CPU")"
		read -r req_s p50 p99 req bad <<<"$(parse_wrk <<<"$out")"
		add "$pass $scen $srv rps" "$req_s"
		add "$pass $scen $srv p50" "$p50"
		add "$pass $scen $srv p99" "$p99"
		add "$pass $scen $srv bad" "$bad"
		line=$(printf "%-8s %-8s %9s req/s  p50 %6s us  p99 %7s us  errors %s" \
			"$srv" "$scen" "$req_s" "$p50" "$p99" "$bad")
	fi
	cpu=$(awk -v d=$((t1 - t0)) -v n="$req" -v hz="$clk_tck" \
		'BEGIN { printf "%.2f", (n > 0 ? d * 1e6 / hz / n : 0) }')
	[ "$scen" = ka50 ] && add "$pass $scen $srv cpu" "$cpu"
	# Other processes on the servers' core during the run: drift shows.
	other=$(awk -v b=$((c1 - c0)) -v t=$((c1t - c0t)) -v s=$((t1 - t0)) \
		'BEGIN { o = t > 0 ? (b - s) * 100 / t : 0; printf "%.0f", (o < 0 ? 0 : o) }')
	add "$pass other" "$other"
	echo "$line  cpu ${cpu} us/req  others on core $SERVER_CPU ${other}%"
	# Keep the disk out of it: the log files are emptied between runs.
	: >"$dir/certpost.log"
	: >"$dir/nginx-access.log"
}

echo "# certpost vs nginx, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "certpost: $("$bin" --version)  ($bin)"
echo "nginx:    $("$nginx_bin" -v 2>&1 | sed 's/.*: //')  wrk: $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
echo "machine:  $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
echo "setup:    servers on CPU $SERVER_CPU (certpost threads = 1, nginx worker_processes 1), load on CPU $CLIENT_CPU"
echo "          $ROUNDS rounds x ${DURATION}s per scenario, alternating certpost/nginx; load average $(cut -d' ' -f1-3 /proc/loadavg)"

first=1
for pass in $passes; do
	yn=no
	[ "$pass" = on ] && yn=yes
	certpost_conf certpost.conf "$yn" "$port_a" "$dir/certpost.log"
	start_certpost certpost.conf "$port_a"
	if [ "$first" = 1 ]; then
		# Serve nginx the very bytes certpost serves (wrk sends no
		# User-Agent: the same page variant).
		curl -fsS -D "$dir/ca.headers" -o "$dir/ca.served" \
			"http://127.0.0.1:$port_a/ca.cer"
		curl -fsS -H 'User-Agent:' -D "$dir/page.headers" \
			-o "$dir/www/index.html" "http://127.0.0.1:$port_a/"
		cmp -s "$dir/ca.served" "$dir/ca.der" ||
			die "certpost's /ca.cer is not the test CA's DER"
		first=0
	fi
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

echo
echo "## results: medians of $ROUNDS rounds, ${DURATION}s each"
echo
for pass in $passes; do
	echo "Other processes kept CPU $SERVER_CPU busy $(med "$pass other")% of the" \
		"time during the median log-$pass run (0 on a quiet machine)."
done
echo
echo "| scenario | certpost median | nginx median | ratio (certpost/nginx) |"
echo "| --- | ---: | ---: | ---: |"
for pass in $passes; do
	for scen in $scenarios; do
		unit="req/s"
		[ "$scen" = deny ] && unit="turned away/s"
		row "log $pass: ${label[$scen]}, $unit" \
			"$(med "$pass $scen certpost rps")" "$(med "$pass $scen nginx rps")"
	done
	for scen in ka1 ka50 ka256 close50 page50; do
		for q in p50 p99; do
			row "log $pass: ${label[$scen]}, $q µs" \
				"$(med "$pass $scen certpost $q")" "$(med "$pass $scen nginx $q")"
		done
	done
	row "log $pass: server CPU µs/request (keep-alive, 50 conns)" \
		"$(med "$pass ka50 certpost cpu")" "$(med "$pass ka50 nginx cpu")"
	row "log $pass: peak RSS MiB (VmHWM; nginx: the worker)" \
		"$(mib "$(med "$pass rss certpost kib")")" "$(mib "$(med "$pass rss nginx kib")")"
	row "log $pass: private memory MiB after the load (RssAnon)" \
		"$(mib "$(med "$pass anon certpost kib")")" "$(mib "$(med "$pass anon nginx kib")")"
done
row "start-up ms, certpost --demo (fork to first 200)" "${R[start demo certpost]}" "-"
row "start-up ms, bench config (fork to first 200)" \
	"${R[start conf certpost]}" "${R[start conf nginx]}"
row "reload ms, idle (certpost's own log line)" "${R[reload idle]}" "-"
row "reload ms, under keep-alive 50-conn load" "${R[reload load]}" "-"
row "failed requests during the reloads under load" "${R[reload bad]}" "-"


echo
echo "## targets"
for pass in $passes; do
	limit=2.0
	[ "$pass" = on ] && limit=1.6
	target "keep-alive@50 ratio, log $pass" \
		"$(ratio "$(med "$pass ka50 certpost rps")" "$(med "$pass ka50 nginx rps")")" ">=" "$limit"
	target "new-connection@50 ratio, log $pass" \
		"$(ratio "$(med "$pass close50 certpost rps")" "$(med "$pass close50 nginx rps")")" ">=" 1.1
	for scen in ka1 ka50 ka256 close50; do
		# A p99 over the few requests a stalled server answered says
		# nothing: a throughput collapse counts as a miss.
		tput=$(ratio "$(med "$pass $scen certpost rps")" "$(med "$pass $scen nginx rps")")
		if awk -v t="$tput" 'BEGIN { exit !(t != "-" && t + 0 < 0.5) }'; then
			printf -- "- %-58s %10s (target <= 1.0): missed (throughput only %s of nginx's)\n" \
				"p99 certpost/nginx, ${scen}, log $pass" \
				"$(ratio "$(med "$pass $scen certpost p99")" "$(med "$pass $scen nginx p99")")" "$tput"
			continue
		fi
		target "p99 certpost/nginx, ${scen}, log $pass" \
			"$(ratio "$(med "$pass $scen certpost p99")" "$(med "$pass $scen nginx p99")")" "<=" 1.0
	done
	target "CPU µs/request (keep-alive@50), log $pass" "$(med "$pass ka50 certpost cpu")" "<=" 10
	target "peak RSS MiB, log $pass" "$(mib "$(med "$pass rss certpost kib")")" "<=" 6
done
target "start-up ms (--demo)" "${R[start demo certpost]}" "<=" 20
target "reload ms (median, under load)" "${R[reload load]}" "<=" 5
target "failed requests during reloads" "${R[reload bad]}" "<=" 0
exit 0
