#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs each libFuzzer target for SECONDS on a throw-away copy of its corpus
# (the repository's corpus does not churn) and saves every input that
# crashed, leaked, hung or ran out of memory into tests/fuzz/regress/<target>/,
# where the replay tests pick it up.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS
#
# BUILD_DIR was set up with CC=clang -Dfuzz=true (deploy/dev.sh fuzz does).
# Environment: FUZZ_TARGETS="cidr template" runs only those; FUZZ_JOBS=N
# runs N targets at once (default: one per CPU); FUZZ_REGRESS_DIR saves
# findings elsewhere; FUZZ_KEEP=1 keeps the work directory (grown corpora,
# logs) and prints where it is.
# Exit: 0 when nothing was found, 1 when a target crashed (or failed), 2 on
# bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
all_targets=(config cidr forwarded useragent template encoding lang)

usage() {
	sed -n '7,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

[ $# -eq 2 ] || usage
build=$(cd "$1" && pwd) || usage
secs=$2
case "$secs" in '' | *[!0-9]*) usage ;; esac
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
regress=${FUZZ_REGRESS_DIR:-$here/regress}

# Longest input libFuzzer builds per target: past what each parser can
# tell apart, well under the target's own bound.
max_len() {
	case "$1" in
	cidr) echo 128 ;;
	forwarded | useragent | encoding) echo 2048 ;;
	# 3 selector bytes, then room for lang.c's 32 ranges and past them.
	lang) echo 4096 ;;
	*) echo 8192 ;;
	esac
}

for t in "${targets[@]}"; do
	if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
		echo "run.sh: no $build/tests/fuzz/fuzz_$t (set up the build" \
			"with CC=clang -Dfuzz=true)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/certpost-fuzz.XXXXXX")
cleanup() {
	if [ "${FUZZ_KEEP:-0}" = 1 ]; then
		echo "run.sh: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
# Interrupted: stop the fuzzers we started, by their process ids.
stop() {
	local p
	for p in "$work"/*/pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	exit 130
}
trap stop INT TERM

# Fuzzes target $1 and leaves a one-line result in $work/$1/result, the
# findings in $work/$1/artifacts/. Never fails itself.
run_target() {
	local t=$1 dir=$work/$1 args rc=0
	mkdir -p "$dir/corpus" "$dir/artifacts"
	cp -R "$here/corpus/$t/." "$dir/corpus/"
	# Known crashers are seeds too: until fixed they end the run at once.
	[ -d "$regress/$t" ] && cp -R "$regress/$t/." "$dir/corpus/"
	# The real page templates seed the template target from static/.
	[ "$t" = template ] && cp "$here/../../static/"*.html "$dir/corpus/"
	rm -f "$dir/corpus"/.git*
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-max_len="$(max_len "$t")" -print_final_stats=1
		-artifact_prefix="$dir/artifacts/")
	[ -f "$here/$t.dict" ] && args+=(-dict="$here/$t.dict")
	# UBSan is built not to recover; this also covers a stray recover.
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout --kill-after=30 $((secs + 300)) \
		"$build/tests/fuzz/fuzz_$t" "${args[@]}" "$dir/corpus" \
		>"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	wait $! || rc=$?
	echo "$rc" >"$dir/rc"
}

# A summary line from the log: runs, coverage, corpus, findings.
report() {
	local t=$1 dir=$work/$1 rc last runs cov ft corp files found=0 f
	rc=$(cat "$dir/rc" 2>/dev/null || echo 99)
	last=$(grep -E '^#[0-9]+.* cov: ' "$dir/log" | tail -1 || true)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" |
		tail -1)
	[ -n "$runs" ] || runs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	files=$(find "$dir/corpus" -type f | wc -l)
	for f in "$dir/artifacts"/crash-* "$dir/artifacts"/leak-* \
		"$dir/artifacts"/timeout-* "$dir/artifacts"/oom-*; do
		[ -e "$f" ] || continue
		found=$((found + 1))
		mkdir -p "$regress/$t"
		if [ -e "$regress/$t/${f##*/}" ]; then
			echo "  $t: known finding again: $regress/$t/${f##*/}"
		else
			cp "$f" "$regress/$t/"
			echo "  $t: NEW finding saved: $regress/$t/${f##*/}"
		fi
	done
	printf '%-10s runs %-10s cov %-5s ft %-6s corpus %s (%s files)  crashes %d' \
		"$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$files" \
		"$found"
	if [ "$found" -gt 0 ] || [ "$rc" -ne 0 ]; then
		printf '  FAILED (exit %s)\n' "$rc"
		# The reason and the stack, without libFuzzer's chatter.
		grep -E -A40 'ERROR: |check failed|SUMMARY: |runtime error' \
			"$dir/log" | grep -v '^INFO:' | head -60 | sed 's/^/    /'
		return 1
	fi
	echo
}

echo "run.sh: fuzzing ${targets[*]} for $secs s each, $jobs at a time"
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	run_target "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
	report "$t" || failed=1
done
exit "$failed"
