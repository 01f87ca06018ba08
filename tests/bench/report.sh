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
	# vs SERVER [SUFFIX]: a row of SCEN's METRIC, certpost against SERVER.
	vs() {
		row "log $pass: ${label[$scen]}${4:-}, $2" \
			"$(med "$pass $scen certpost $1")" "$(med "$pass $scen $3 $1")"
	}
	for leaf in p256 rsa; do
		part https || continue
		for scen in tclose50-$leaf tka50-$leaf; do
			vs rps req/s nginx
			[[ $scen == tka50-* ]] || vs rps req/s nginx-default " (nginx without session cache)"
			vs p50 "p50 µs" nginx
			vs p99 "p99 µs" nginx
		done
	done
	scens=""
	part session && scens="sess tsess-p256 tsessr-p256 tsess-rsa tsessr-rsa"
	for scen in $scens; do
		vs rps sessions/s nginx
		[ "$scen" = sess ] || vs rps sessions/s nginx-default " (nginx without session cache)"
		vs p50 "p50 session µs" nginx
		vs p99 "p99 session µs" nginx
		[ "$scen" = sess ] || vs res "% of sessions resumed" nginx
	done
	if part memory; then
		for key in http https; do
			row "log $pass: RssAnon MiB with 256 idle keep-alive connections, ${key^^}" \
				"$(mib "$(med "$pass mem-$key certpost held")")" \
				"$(mib "$(med "$pass mem-$key nginx held")")"
			row "log $pass: RssAnon KiB per idle ${key^^} connection (growth / 256)" \
				"$(med "$pass mem-$key certpost per")" "$(med "$pass mem-$key nginx per")"
		done
	fi
	if part threads; then
		for scen in t2ka50 t2close50; do
			vs rps "req/s (load generator on a server core)" nginx
			vs p99 "p99 µs" nginx
		done
	fi
done
row "start-up ms, certpost --demo (fork to first 200)" "${R[start demo certpost]}" "-"
row "start-up ms, bench config (fork to first 200)" \
	"${R[start conf certpost]}" "${R[start conf nginx]}"
row "reload ms, idle (certpost's own log line)" "${R[reload idle]}" "-"
row "start-up ms, bench config, English only (fork to first 200)" \
	"${R[start conf en certpost]}" "-"
row "reload ms, idle, every language / English only" \
	"${R[lang all reload]} / ${R[lang en reload]}" "-"
row "RSS KiB after start, every language / English only" \
	"${R[lang all rss]} / ${R[lang en rss]}" "-"
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
	# ratio_of SCEN [SERVER [METRIC]]: certpost's median over SERVER's.
	ratio_of() {
		ratio "$(med "$pass $1 certpost ${3:-rps}")" "$(med "$pass $1 ${2:-nginx} ${3:-rps}")"
	}
	for leaf in p256 rsa; do
		part https || continue
		target "HTTPS new-connection ratio, $leaf, log $pass" "$(ratio_of "tclose50-$leaf")" ">=" 1.0
		target "  same, against nginx without session cache" \
			"$(ratio_of "tclose50-$leaf" nginx-default)" ">=" 1.0
		target "HTTPS keep-alive@50 ratio, $leaf, log $pass" "$(ratio_of "tka50-$leaf")" ">=" 1.3
	done
	scens=""
	part session && scens="sess tsess-p256 tsessr-p256 tsess-rsa tsessr-rsa"
	for scen in $scens; do
		target "device session ratio, $scen, log $pass" "$(ratio_of "$scen")" ">=" 1.1
		target "device session p99 certpost/nginx, $scen, log $pass" \
			"$(ratio_of "$scen" nginx p99)" "<=" 1.0
	done
done
target "start-up ms (--demo)" "${R[start demo certpost]}" "<=" 25
target "reload ms (median, under load)" "${R[reload load]}" "<=" 5
target "failed requests during reloads" "${R[reload bad]}" "<=" 0
exit 0
