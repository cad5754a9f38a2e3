#!/bin/bash
# idle.sh: host CPU used by an idle Lull VM, beside a guest that only halts.
#
# Six guests, one after the other, each with 2 vCPUs on the same QEMU
# machine (TCG): (a) the floor guest, halting forever with interrupts off;
# (a') the same after stopping the PIT that firmware leaves ticking;
# (b) one thread in a 1 s nanosleep loop; (c) 100 threads blocked in sleeps,
# futexes and joins; (d) every thread in the polling API; (e) one thread per
# core spinning (the ceiling). For each: the qemu process's CPU time over
# DURATION seconds after SETTLE seconds of start-up, as % of one host CPU and
# as a ratio to (a), from the threads' schedstat (nanoseconds) and from
# utime+stime (10 ms ticks). The Lull guests then print their counters.
# Writes the table to docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

DURATION=${DURATION:-30}
SETTLE=${SETTLE:-3}
MACHINE=${MACHINE:-microvm}
BUILD=${BUILD:-build}
HZ=$(getconf CLK_TCK)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

declare -A pct ticks_pct
measure() {
	local key=$1 image=$2 append=${3:-}
	qemu_cmd "$MACHINE" 2 256M "$image" "$append"
	"${QEMU_CMD[@]}" >"$out/$key.log" 2>&1 </dev/null &
	local pid=$!
	sleep "$SETTLE"
	local t0 t1 n0 n1
	t0=$(cpu_ticks $pid)
	n0=$(cpu_ns $pid)
	sleep "$DURATION"
	t1=$(cpu_ticks $pid)
	n1=$(cpu_ns $pid)
	pct[$key]=$(awk -v d=$((n1 - n0)) -v s="$DURATION" 'BEGIN { printf "%.4f", 100 * d / 1e9 / s }')
	ticks_pct[$key]=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v s="$DURATION" 'BEGIN { printf "%.2f", 100 * d / hz / s }')
	if [ -n "$append" ]; then
		wait $pid || true # the guest prints its counters and exits on its own
	else
		kill $pid
		wait $pid 2>/dev/null || true
	fi
	echo "  $key: ${pct[$key]}% of a host CPU (${ticks_pct[$key]}% by ticks)" >&2
}

guest_seconds=$((SETTLE + DURATION + 1))
echo "bench-idle: $MACHINE, 2 vCPUs, ${DURATION}s per guest" >&2
measure a "$BUILD/bench/floor-halt.elf"
measure a2 "$BUILD/bench/floor-halt-nopit.elf"
measure b "$BUILD/bench/idle-sleep_loop.elf" "$guest_seconds"
measure c "$BUILD/bench/idle-many_blocked.elf" "$guest_seconds"
measure d "$BUILD/bench/idle-polling.elf" "$guest_seconds"
measure e "$BUILD/bench/idle-busy.elf"

ratio() { awk -v x="${pct[$1]}" -v f="${pct[a]}" 'BEGIN { if (f > 0) printf "%.2f", x / f; else printf "n/a" }'; }
{
	echo
	echo "## Idle cost (\`make bench-idle\`)"
	echo
	echo "Host CPU of the qemu process over ${DURATION} s after ${SETTLE} s of start-up; QEMU TCG,"
	echo "\`-M $MACHINE\`, 2 vCPUs, 256 MiB. \"schedstat\" sums the run time (ns) of all its"
	echo "threads from /proc/PID/task/*/schedstat; \"ticks\" is utime+stime of all its threads"
	echo "from /proc/PID/stat, in 10 ms steps (0.03% is one tick over 30 s)."
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) host cores. Reproduce: \`make bench-idle\`."
	echo
	echo "| guest | host CPU % (schedstat) | ratio to (a) | host CPU % (ticks) |"
	echo "|---|---|---|---|"
	echo "| (a) floor: halts forever, interrupts off | ${pct[a]} | 1.00 | ${ticks_pct[a]} |"
	echo "| (a') floor, after stopping the PIT as Lull does | ${pct[a2]} | $(ratio a2) | ${ticks_pct[a2]} |"
	echo "| (b) Lull, one thread in a 1 s nanosleep loop | ${pct[b]} | $(ratio b) | ${ticks_pct[b]} |"
	echo "| (c) Lull, 100 threads blocked (sleeps, futexes, joins) | ${pct[c]} | $(ratio c) | ${ticks_pct[c]} |"
	echo "| (d) Lull, all threads in the polling API | ${pct[d]} | $(ratio d) | ${ticks_pct[d]} |"
	echo "| (e) ceiling: one thread per core spinning | ${pct[e]} | $(ratio e) | ${ticks_pct[e]} |"
	echo
	echo "Lull's own per-core counters over each run (from \`lull_cpu_stats\`):"
	echo
	echo '```'
	for k in b c d; do
		echo "($k)"
		grep '^core ' "$out/$k.log" || echo "(no counters: the guest did not finish)"
	done
	echo '```'
} >"$out/section.md"
update_section bench-idle "$out/section.md"
cat "$out/section.md"
