# SPDX-License-Identifier: MIT
# Helpers of bench.sh: processes, ports, /proc readings, wrk's output,
# medians and the report's rows. Sourced, never run; the caller sets dir,
# pids (an array) and R (an associative array) first.

# Stops every process this script started, then removes the temp dir.
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$dir"
}

forget_pid() {
	local p keep=()
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

# Runs a command in the background and waits for it, so that a signal to
# this script runs the cleanup at once instead of after the command.
run() {
	local p rc=0
	"$@" &
	p=$!
	pids+=("$p")
	wait "$p" || rc=$?
	forget_pid "$p"
	return "$rc"
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# Prints N free loopback TCP ports.
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Waits until http://127.0.0.1:PORT/PATH answers 200, or PID dies.
wait_http() {
	local port=$1 path=$2 pid=$3 i
	for ((i = 0; i < 200; i++)); do
		curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port$path" \
			2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget_pid "$1"
}

# utime + stime, in clock ticks, summed over the given processes.
cpu_ticks() {
	local p t=0 n
	for p in "$@"; do
		n=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")
		t=$((t + n))
	done
	echo "$t"
}

# "busy total" ticks of one core, from /proc/stat.
core_ticks() {
	awk -v c="cpu$1" '$1 == c {
		print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# Peak resident set (VmHWM) of a process, in KiB.
peak_kib() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# Private (anonymous) resident memory of a process now, in KiB: what it
# costs beyond the shared libraries every process maps.
anon_kib() {
	awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"
}

# wrk's output to "req_s p50_us p99_us requests bad" (bad: non-2xx/3xx
# responses plus socket errors).
parse_wrk() {
	awk '
	function us(v) {
		if (v ~ /us$/) return v + 0
		if (v ~ /ms$/) return (v + 0) * 1000
		if (v ~ /m$/) return (v + 0) * 60e6
		if (v ~ /s$/) return (v + 0) * 1e6
		return v + 0
	}
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = us($2) }
	/^ +99%/ { p99 = us($2) }
	/ requests in / { req = $1 }
	/Non-2xx or 3xx responses:/ { bad += $NF }
	/Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
	END { printf "%.0f %.0f %.0f %d %d\n", rps, p50, p99, req, bad }'
}

median() {
	tr ' ' '\n' | awk 'NF' | sort -g | awk '
	{ a[NR] = $1 }
	END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print a[(NR + 1) / 2]
		else print (a[NR / 2] + a[NR / 2 + 1]) / 2
	}'
}

# ---------------------------------------------------------- report

med() {
	median <<<"${R[$1]:-}"
}

# ratio A B: A/B with two decimals, "-" when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"
		else printf "%.2f", a / b }'
}

row() {
	printf "| %s | %s | %s | %s |\n" "$1" "$2" "$3" "$(ratio "$2" "$3")"
}

mib() {
	awk -v k="$1" 'BEGIN { if (k == "-" || k == "") print "-"; else printf "%.1f", k / 1024 }'
}

# target DESCRIPTION VALUE OP LIMIT
target() {
	local verdict
	verdict=$(awk -v v="$2" -v op="$3" -v l="$4" 'BEGIN {
		if (v == "-" || v == "") { print "not measured"; exit }
		ok = (op == ">=") ? v + 0 >= l + 0 : v + 0 <= l + 0
		print ok ? "met" : "missed" }')
	printf -- "- %-58s %10s (target %s %s): %s\n" "$1" "$2" "$3" "$4" "$verdict"
}

# session_load's line to "sessions sessions_per_s p50_us p99_us errors
# resumed_percent".
parse_session() {
	awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%d %d %d %d %d %.0f\n", v["sessions"], v["sessions_per_s"],
			v["p50_us"], v["p99_us"], v["errors"],
			(v["sessions"] > 0 ? v["resumed"] * 100 / v["sessions"] : 0)
	}'
}
