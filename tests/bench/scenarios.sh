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
	[sess]="device session over HTTP, 50 clients"
	[t2ka50]="threads = 2 vs worker_processes 2, keep-alive GET /ca.cer, 50 conns"
	[t2close50]="threads = 2 vs worker_processes 2, new connection per request, 50 conns"
)
declare -A leaf_name=([p256]="ECDSA P-256" [rsa]="RSA-2048")
for leaf in p256 rsa; do
	label[tclose50-$leaf]="HTTPS new connection per request, 50 conns, ${leaf_name[$leaf]} leaf"
	label[tka50-$leaf]="HTTPS keep-alive GET /ca.cer, 50 conns, ${leaf_name[$leaf]} leaf"
	label[tsess-$leaf]="device session over HTTPS, new TLS session, 50 clients, ${leaf_name[$leaf]} leaf"
	label[tsessr-$leaf]="device session over HTTPS, ticket offered (returning), 50 clients, ${leaf_name[$leaf]} leaf"
done

add() {
	R["$1"]+="$2 "
}

# run_scenario PASS SCENARIO SERVER PORT PIDS...
run_scenario() {
	local pass=$1 scen=$2 srv=$3 port=$4
	shift 4
	local url="http://127.0.0.1:$port/ca.cer" conns=50 extra=() out
	local t0 t1 c0 c1 req_s p50 p99 req bad res cpu other line sess=()
	case $scen in
	ka1) conns=1 ;;
	ka256) conns=256 ;;
	close50 | t2close50) extra=(-H "Connection: close") ;;
	page50) url="http://127.0.0.1:$port/" ;;
	tclose50-*)
		url="https://127.0.0.1:$port/ca.cer"
		extra=(-H "Connection: close")
		;;
	tka50-*) url="https://127.0.0.1:$port/ca.cer" ;;
	sess) sess=(-c 50) ;;
	tsess-*) sess=(-t -c 50) ;;
	tsessr-*) sess=(-t -r -c 50) ;;
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
	elif [ ${#sess[@]} -gt 0 ]; then
		run taskset -c "$CLIENT_CPU" "$session_load" "${sess[@]}" \
			-d "$DURATION" -a "$device_ua" -p "$port" $device_paths \
			>"$dir/run.out" 2>"$dir/run.err" ||
			die "session_load failed: $(cat "$dir/run.out" "$dir/run.err")"
		out=$(<"$dir/run.out")
		t1=$(cpu_ticks "$@")
		read -r c1 c1t <<<"$(core_ticks "$SERVER_CPU")"
		read -r req req_s p50 p99 bad res <<<"$(parse_session <<<"$out")"
		add "$pass $scen $srv rps" "$req_s"
		add "$pass $scen $srv p50" "$p50"
		add "$pass $scen $srv p99" "$p99"
		add "$pass $scen $srv bad" "$bad"
		add "$pass $scen $srv res" "$res"
		line=$(printf "%-8s %-14s %7s sessions/s  p50 %6s us  p99 %7s us  errors %s  resumed %s%%" \
			"$srv" "$scen" "$req_s" "$p50" "$p99" "$bad" "$res")
		[ "$bad" = 0 ] || line+="  ($(head -1 "$dir/run.err"))"
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
	# With threads = 2 the servers use the load generator's core too.
	[[ $scen == t2* ]] || add "$pass other" "$other"
	echo "$line  cpu ${cpu} us/req  others on core $SERVER_CPU ${other}%"
	# Keep the disk out of it: the log files are emptied between runs.
	: >"$dir/certpost.log"
	: >"$dir/nginx-access.log"
}


# idle_memory PASS KEY SERVER PID PORT [-t]: private memory (RssAnon) of
# PID before and while session_load holds 256 keep-alive connections open
# to PORT, each after one request.
idle_memory() {
	local pass=$1 key=$2 srv=$3 pid=$4 port=$5 base held p i
	shift 5
	base=$(anon_kib "$pid")
	taskset -c "$CLIENT_CPU" "$session_load" "$@" -i 256 -a "$device_ua" \
		-p "$port" /ca.cer >"$dir/idle.out" 2>&1 &
	p=$!
	pids+=("$p")
	for ((i = 0; i < 300; i++)); do
		grep -q '^idle=' "$dir/idle.out" && break
		sleep 0.1
	done
	held=$(anon_kib "$pid")
	stop_pid "$p"
	grep -q '^idle=256 errors=0' "$dir/idle.out" ||
		die "$srv did not hold 256 idle connections: $(cat "$dir/idle.out")"
	add "$pass $key $srv held" "$held"
	add "$pass $key $srv per" "$(awk -v a="$base" -v b="$held" 'BEGIN { printf "%.1f", (b - a) / 256 }')"
	echo "$srv  $key: RssAnon $base KiB before, $held KiB with 256 idle connections"
}

# same_bytes PATH URL...: every URL serves the same bytes, asked as
# curl asks (no Accept-Encoding) and as Safari asks (gzip taken).
same_bytes() {
	local path=$1 u h ae first first_url
	shift
	for ae in "Accept-Encoding:" "Accept-Encoding: gzip, deflate, br"; do
		first="" first_url=""
		for u in "$@"; do
			h=$(curl -kfsS -A "$device_ua" -H "$ae" "$u$path" |
				sha256sum) || die "$u$path failed"
			[ -n "$first" ] || { first=$h; first_url=$u; }
			[ "$h" = "$first" ] ||
				die "$u and $first_url serve different bytes for $path ($ae)"
		done
	done
}

# device_group PASS LEAF: certpost with an HTTPS listener and an nginx
# serving the device files over HTTP and TLS (tuned and default), both
# with LEAF's certificate; the HTTPS, device-session and idle-memory
# scenarios, in alternating rounds.
device_group() {
	local pass=$1 leaf=$2 yn=no cp ct np nt nd r scen path
	[ "$pass" = on ] && yn=yes
	read -r cp ct np nt nd <<<"$(free_ports 5)"
	certpost_conf "dev-$leaf.conf" "$yn" "$cp" "$dir/certpost.log" 1 "$ct" "$leaf"
	start_certpost "dev-$leaf.conf" "$cp"
	mirror_device "$cp"
	nginx_tls_conf nginx-dev.conf "$pass" "$np" "$nt" "$nd" "$leaf"
	start_nginx nginx-dev.conf "$np"
	for path in /ca.cer $device_paths; do
		same_bytes "$path" "http://127.0.0.1:$cp" "https://127.0.0.1:$ct" \
			"http://127.0.0.1:$np" "https://127.0.0.1:$nt" "https://127.0.0.1:$nd"
	done
	echo
	echo "## access log $pass, ${leaf_name[$leaf]} leaf: raw numbers per round"
	if part memory && [ "$leaf" = p256 ]; then
		idle_memory "$pass" mem-http certpost "$cp_pid" "$cp"
		idle_memory "$pass" mem-http nginx "$ng_worker" "$np"
		idle_memory "$pass" mem-https certpost "$cp_pid" "$ct" -t
		idle_memory "$pass" mem-https nginx "$ng_worker" "$nt" -t
	fi
	taskset -c "$CLIENT_CPU" wrk -t1 -c50 -d1s "https://127.0.0.1:$ct/ca.cer" >/dev/null
	taskset -c "$CLIENT_CPU" wrk -t1 -c50 -d1s "https://127.0.0.1:$nt/ca.cer" >/dev/null
	local scens=""
	part https && scens+=" tclose50-$leaf tka50-$leaf"
	part session && [ "$leaf" = p256 ] && scens+=" sess"
	part session && scens+=" tsess-$leaf tsessr-$leaf"
	for ((r = 1; r <= ROUNDS; r++)); do
		echo "round $r"
		for scen in $scens; do
			case $scen in
			sess)
				run_scenario "$pass" "$scen" certpost "$cp" "$cp_pid"
				run_scenario "$pass" "$scen" nginx "$np" "$ng_pid" $ng_workers
				continue
				;;
			esac
			run_scenario "$pass" "$scen" certpost "$ct" "$cp_pid"
			run_scenario "$pass" "$scen" nginx "$nt" "$ng_pid" $ng_workers
			# Keep-alive makes 50 handshakes: resumption cannot matter.
			[[ $scen == tka50-* ]] ||
				run_scenario "$pass" "$scen" nginx-default "$nd" "$ng_pid" $ng_workers
		done
	done
	stop_pid "$cp_pid"
	stop_pid "$ng_pid"
}

# threads_group PASS: certpost threads = 2 against nginx worker_processes
# 2, the servers on both cores, wrk beside them on CLIENT_CPU.
threads_group() {
	local pass=$1 yn=no cp np r scen both="$SERVER_CPU,$CLIENT_CPU"
	[ "$pass" = on ] && yn=yes
	read -r cp np <<<"$(free_ports 2)"
	certpost_conf t2.conf "$yn" "$cp" "$dir/certpost.log" 2
	start_certpost t2.conf "$cp" "$dir/certpost.out" "$both"
	[ -f "$dir/ca.headers" ] || mirror_plain "$cp"
	nginx_conf nginx-t2.conf "$pass" "$np" 2
	start_nginx nginx-t2.conf "$np" "$both"
	echo
	echo "## access log $pass, threads = 2 / worker_processes 2 on CPUs $both: raw numbers per round"
	for ((r = 1; r <= ROUNDS; r++)); do
		echo "round $r"
		for scen in t2ka50 t2close50; do
			run_scenario "$pass" "$scen" certpost "$cp" "$cp_pid"
			run_scenario "$pass" "$scen" nginx "$np" "$ng_pid" $ng_workers
		done
	done
	stop_pid "$cp_pid"
	stop_pid "$ng_pid"
}
