# SPDX-License-Identifier: MIT
# bench.sh's report: the medians of R as a markdown table (certpost,
# nginx, ratio) and the targets, met or missed. Sourced at the end.

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
