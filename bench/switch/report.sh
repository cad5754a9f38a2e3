# report.sh: the report of bench/switch.sh (sourced by it, with its
# settings and $out): from the raw data in $out, the plots
# docs/bench-switch-*.png and the bench-switch section of docs/BENCHMARKS.md.

# idle_pct BACKEND N: "ALL% SWITCH%": host CPU % of one core over the idle
# window, and the switch's part of it.
idle_pct() {
	awk 'NR == 1 { t = $1; c = $2; s = $3 } NR == 2 { printf "%.3f %.3f", 100 * ($2 - c) / ($1 - t), 100 * ($3 - s) / ($1 - t) }' \
		"$out/idle-$1-$2.stamps"
}

# pair_metrics BACKEND N: "REQ_PER_S P50_US P99_US RR_CPU% US_PER_REQ MB_PER_S
# BULK_CPU% MS_PER_MB KICKS_PER_1000_TX IRQS_PER_1000_RX RR_SWITCH_CPU%
# BULK_SWITCH_CPU%" from the stamps
# and the clients' consoles. Latency percentiles come from the clients'
# merged histograms (8 buckets per power of two: within 9%).
pair_metrics() {
	local run=$out/pairs-$1-$2 pairs=$(($2 / 2)) k clients=()
	for k in $(seq "$pairs" $((2 * pairs - 1))); do clients+=("$run.vm$k"); done
	awk '
	function bucket_mid(b,   lo) {
		if (b < 8)
			return b;
		lo = (8 + b % 8) * 2 ^ (int(b / 8) - 3);
		return sqrt(lo * (lo + 2 ^ (int(b / 8) - 3)));
	}
	function percentile(p,   b, seen) {
		for (b = 0; b < 512; b++) {
			seen += h[b];
			if (seen >= p * requests)
				return bucket_mid(b) / 1000;
		}
	}
	FILENAME ~ /stamps$/ { t[$1 " " $2] = $3; c[$1 " " $2] = $4; sw[$1 " " $2] = $5; next }
	/^rr [0-9]+ requests in [0-9]+ ns/ {
		rate += $2 / $5 * 1e9;
		for (i = 8; i <= NF; i++) {
			split($i, kv, ":");
			h[kv[1]] += kv[2];
			requests += kv[2];
		}
	}
	/^bulk [0-9]+ bytes in [0-9]+ ns/ { mbps += $2 / $5 * 1e3 }
	/stats: eth0 rx/ {
		for (i = 1; i < NF; i++) {
			if ($i == "rx" || $i == "tx")
				frames[$i] += $(i + 1);
			else if ($(i + 1) ~ /^kicks/)
				kicks += $i;
			else if ($(i + 1) ~ /^interrupts/)
				irqs += $i;
		}
	}
	function cores(cpu, phase) {
		return (cpu[phase " end"] - cpu[phase " begin"]) / (t[phase " end"] - t[phase " begin"]);
	}
	END {
		rr = cores(c, "rr"); bulk = cores(c, "bulk");
		printf "%.0f %.0f %.0f %.1f %.1f %.1f %.1f %.2f %.1f %.0f %.1f %.1f\n", rate, percentile(0.5),
			percentile(0.99), 100 * rr, rr * 1e6 / rate, mbps, 100 * bulk, bulk * 1e3 / mbps,
			1000 * kicks / frames["tx"], 1000 * irqs / frames["rx"], 100 * cores(sw, "rr"),
			100 * cores(sw, "bulk");
	}' "$run.stamps" "${clients[@]}"
}

pair_counts=()
for n in $VMS; do [ "$n" -lt 2 ] || pair_counts+=("$n"); done
for backend in $BACKENDS; do
	: >"$out/$backend.dat"
	for n in "${pair_counts[@]}"; do echo "$n $(pair_metrics "$backend" "$n")" >>"$out/$backend.dat"; done
done
for backend in $IDLE_BACKENDS; do
	for n in $VMS; do echo "$n $(idle_pct "$backend" "$n")"; done >"$out/idle-$backend.dat"
done

# Throughput per host CPU, each switch back end over the tap bridge, and
# the p99s' ratio: $out/ratio-BACKEND.dat, "N RR_RATIO BULK_RATIO P99_RATIO".
switches=()
if [[ " $BACKENDS " == *" tap "* ]]; then
	for backend in $BACKENDS; do
		[[ $backend == switch* ]] || continue
		switches+=("$backend")
		awk 'NR == FNR { rr[$1] = $2 / $5; bulk[$1] = $7 / $8; p99[$1] = $4; next }
			$1 in rr { printf "%s %.2f %.2f %.2f\n", $1, rr[$1] / ($2 / $5), bulk[$1] / ($7 / $8), p99[$1] / $4 }' \
			"$out/$backend.dat" "$out/tap.dat" >"$out/ratio-$backend.dat"
	done
fi

declare -A COLOR=([switch]="#1f5fa8" [switch1]="#16a085" [tap]="#c0392b" [user]="#27ae60" [none]="#555555")
# plot_lines COLUMN: a gnuplot plot command over the pair back ends.
plot_lines() {
	local backend sep=""
	printf 'plot '
	for backend in $BACKENDS; do
		printf "%s'%s' using 1:%s with linespoints lw 2 pt 7 lc rgb '%s' title '%s'" "$sep" \
			"$out/$backend.dat" "$1" "${COLOR[$backend]}" "${LABEL[$backend]}"
		sep=", "
	done
	echo
}
xtics="set xtics ($(printf '%s,' $VMS | sed 's/,$//')); set xrange [0.5:$(($(printf '%s\n' $VMS | sort -n | tail -n 1) + 1))]"
{
	echo "set terminal pngcairo size 1400,900 font ',10'"
	echo "set output 'docs/bench-switch-throughput.png'"
	echo "set multiplot layout 2,2 title \"Pairs of Lull VMs (QEMU TCG microvm, 1 vCPU, $MEM each) on $(nproc) host cores\""
	echo "set grid; set key top left; set xlabel 'VMs'; $xtics; set yrange [0:*]"
	echo "set title 'request/response ($MSG B, one outstanding per pair): all pairs'; set ylabel 'requests / s'"
	plot_lines 2
	echo "set title 'bulk stream (one per pair): all pairs'; set ylabel 'MB / s'"
	plot_lines 7
	echo "set title 'request latency, p99 over all pairs'; set ylabel 'µs'"
	plot_lines 4
	if [ ${#switches[@]} -gt 0 ]; then
		echo "set title 'throughput per host CPU ÷ that of tap + bridge (goal 1.35)'; set key bottom right; set ylabel 'ratio'"
		printf 'plot 1.35 with lines dt 2 lc rgb "#888888" title "goal", 1 with lines lc rgb "#bbbbbb" notitle'
		for backend in "${switches[@]}"; do
			printf ", '%s' using 1:2 with linespoints lw 2 pt 7 lc rgb '%s' title '%s: requests'" \
				"$out/ratio-$backend.dat" "${COLOR[$backend]}" "${LABEL[$backend]}"
			printf ", '%s' using 1:3 with linespoints lw 2 pt 5 dt 3 lc rgb '%s' title '%s: MB'" \
				"$out/ratio-$backend.dat" "${COLOR[$backend]}" "${LABEL[$backend]}"
		done
		echo
	fi
	echo "unset multiplot"
} | gnuplot
{
	echo "set terminal pngcairo size 1500,420 font ',10'"
	echo "set output 'docs/bench-switch-cpu.png'"
	echo "set multiplot layout 1,3 title \"Host CPU of all qemu processes and the switch (% of one host core; $(nproc) cores)\""
	echo "set grid; set key bottom right; set xlabel 'VMs'; $xtics; set yrange [0:*]; set ylabel 'CPU %'"
	echo "set title 'during request/response'"
	plot_lines 5
	echo "set title 'during the bulk stream'"
	plot_lines 8
	echo "set title 'idle: all VMs attached, no traffic'; set key top left"
	printf 'plot '
	sep=""
	for backend in $IDLE_BACKENDS; do
		printf "%s'%s' using 1:2 with linespoints lw 2 pt 7 lc rgb '%s' title '%s'" "$sep" \
			"$out/idle-$backend.dat" "${COLOR[$backend]}" "${LABEL[$backend]}"
		sep=", "
	done
	echo
	echo "unset multiplot"
} | gnuplot

cmd="make bench-switch"
[ "$VMS" = "1 2 4 8" ] || cmd+=" VMS='$VMS'"
for setting in "RR_S 8" "BULK_S 8" "MSG 64" "IDLE_S 10" "MEM 64M"; do
	read -r name default <<<"$setting"
	[ "${!name}" = "$default" ] || cmd+=" $name=${!name}"
done
[ -z "$WORKERS" ] || cmd+=" WORKERS=$WORKERS"
[ -z "$SWITCH_ARGS" ] || cmd+=" SWITCH_ARGS='$SWITCH_ARGS'"
{
	echo
	echo "## Pairs of VMs on lull-switch and on a tap bridge (\`make bench-switch\`)"
	echo
	echo "Issue 15's benchmark: N Lull VMs (QEMU TCG \`-M microvm\`, 1 vCPU, $MEM each,"
	echo "virtio-net, static addresses) run bench/switch/pair.c as N/2 servers and N/2"
	echo "clients, each client paired with a server, on (a) \`lull-switch\` with its"
	echo "default workers (one per host core), each VM a vhost-user port, (a') the same"
	echo "switch with one worker, and (b) a tap device per VM (QEMU's tap back end) on"
	echo "one Linux bridge. The guests and"
	echo "their flags are the same but for \`--net\`. QEMU's user networking cannot"
	echo "join two VMs (each QEMU has its own private network behind its own NAT), so"
	echo "it appears only in the idle figures, beside VMs with no NIC at all. The"
	echo "clients start each phase together (a barrier in the first server): $RR_S s of"
	echo "request/response ($MSG-byte messages echoed, one outstanding per pair, as"
	echo "netperf's TCP_RR; latency measured in the client), then $BULK_S s of one-way"
	echo "bulk TCP per pair (64 KiB writes, counted until the server has read it all)."
	echo "Host CPU is the run time of every thread of every qemu process and of the"
	echo "switch (\`/proc/PID/task/*/schedstat\`), read when the first client prints"
	echo "each phase's start and end; idle is $IDLE_S s with N VMs that only listen"
	echo "(after $SETTLE s to settle). \"CPU %\" is of one host core; the host has $(nproc)."
	echo "Kicks and interrupts are the clients' driver counters over the whole run."
	echo "Measured $(date -u +%Y-%m-%d). Reproduce (as root): \`$cmd\`."
	echo
	echo "| VMs | back end | req/s | p50 µs | p99 µs | CPU % (RR), switch's part | host CPU µs / request | MB/s | CPU % (bulk), switch's part | host CPU ms / MB | kicks / 1000 frames sent | interrupts / 1000 frames received |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for n in "${pair_counts[@]}"; do
		for backend in $BACKENDS; do
			awk -v n="$n" -v label="${LABEL[$backend]}" -v sw="$([[ $backend == switch* ]] && echo 1)" '$1 == n {
				printf "| %s | %s | %s | %s | %s | %s%s | %s | %s | %s%s | %s | %s | %s |\n", n, label,
					$2, $3, $4, $5, sw ? " (" $12 ")" : "", $6, $7, $8, sw ? " (" $13 ")" : "", $9, $10, $11 }' "$out/$backend.dat"
		done
	done
	if [ ${#switches[@]} -gt 0 ]; then
		echo
		echo "Against the tap bridge (the goal: ≥ 1.35x the throughput per host CPU, a lower p99):"
		echo
		echo "| VMs | back end | requests per host CPU-second ÷ tap's | MB per host CPU-second ÷ tap's | p99 ÷ tap's |"
		echo "|---|---|---|---|---|"
		for n in "${pair_counts[@]}"; do
			for backend in "${switches[@]}"; do
				awk -v n="$n" -v label="${LABEL[$backend]}" '$1 == n {
					printf "| %s | %s | %s | %s | %s |\n", n, label, $2, $3, $4 }' "$out/ratio-$backend.dat"
			done
		done
	fi
	echo
	echo "Idle host CPU % (one core) with all VMs attached and no traffic:"
	echo
	printf '| VMs |'
	for backend in $IDLE_BACKENDS; do printf ' %s |' "${LABEL[$backend]}"; done
	printf '\n|---|'
	for backend in $IDLE_BACKENDS; do printf -- '---|'; done
	echo
	for n in $VMS; do
		printf '| %s |' "$n"
		for backend in $IDLE_BACKENDS; do
			printf ' %s |' "$(awk -v n="$n" -v sw="$([ "$backend" = switch ] && echo 1)" '$1 == n {
				print $2 (sw ? " (switch " $3 ")" : "") }' "$out/idle-$backend.dat")"
		done
		echo
	done
	echo
	echo "![throughput, latency and throughput per CPU against the number of VMs](bench-switch-throughput.png)"
	echo "![host CPU against the number of VMs](bench-switch-cpu.png)"
} >"$out/section.md"
update_section bench-switch "$out/section.md"
cat "$out/section.md"
