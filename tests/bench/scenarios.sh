# SPDX-License-Identifier: MIT
# bench.sh's scenarios: one run of one scenario against one server, its
# raw line and the values it adds to R. Sourced after lib.sh.

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

