#!/bin/bash
# idle.sh: host CPU used by an idle Lull VM, beside a guest that only halts.
#
# Five guests, one after the other, each with 2 vCPUs on the same QEMU
# machine (TCG): (a) the floor guest, halting forever with interrupts off;
# (b) one thread in a 1 s nanosleep loop; (c) 100 threads blocked in sleeps,
# futexes and joins; (d) every thread in the polling API; (e) one thread per
# core spinning (the ceiling). For each: the qemu process's utime+stime over
# DURATION seconds after SETTLE seconds of start-up, as % of one host CPU and
# as a ratio to (a). The Lull guests then print their per-core counters.
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

declare -A pct
measure() {
	local key=$1 image=$2 append=${3:-}
	qemu_cmd "$MACHINE" 2 "$image" "$append"
	"${QEMU_CMD[@]}" >"$out/$key.log" 2>&1 </dev/null &
	local pid=$!
	sleep "$SETTLE"
	local t0 t1
	t0=$(cpu_ticks $pid)
	sleep "$DURATION"
	t1=$(cpu_ticks $pid)
	pct[$key]=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v s="$DURATION" 'BEGIN { printf "%.2f", 100 * d / hz / s }')
	if [ -n "$append" ]; then
		wait $pid || true # the guest prints its counters and exits on its own
	else
		kill $pid
		wait $pid 2>/dev/null || true
	fi
	echo "  $key: ${pct[$key]}% of a host CPU" >&2
}

guest_seconds=$((SETTLE + DURATION + 1))
echo "bench-idle: $MACHINE, 2 vCPUs, ${DURATION}s per guest" >&2
measure a "$BUILD/bench/floor-halt.elf"
measure b "$BUILD/bench/idle-sleep_loop.elf" "$guest_seconds"
measure c "$BUILD/bench/idle-many_blocked.elf" "$guest_seconds"
measure d "$BUILD/bench/idle-polling.elf" "$guest_seconds"
measure e "$BUILD/bench/idle-busy.elf"

ratio() { awk -v x="${pct[$1]}" -v f="${pct[a]}" 'BEGIN { if (f > 0) printf "%.2f", x / f; else printf "n/a" }'; }
{
	echo
	echo "## Idle cost (\`make bench-idle\`)"
	echo
	echo "Host CPU of the qemu process (utime+stime of all its threads, from /proc), over"
	echo "${DURATION} s after ${SETTLE} s of start-up; QEMU TCG, \`-M $MACHINE\`, 2 vCPUs, 256 MiB."
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) host cores. Reproduce: \`make bench-idle\`."
	echo
	echo "| guest | host CPU % | ratio to (a) |"
	echo "|---|---|---|"
	echo "| (a) floor: halts forever, interrupts off | ${pct[a]} | 1.00 |"
	echo "| (b) Lull, one thread in a 1 s nanosleep loop | ${pct[b]} | $(ratio b) |"
	echo "| (c) Lull, 100 threads blocked (sleeps, futexes, joins) | ${pct[c]} | $(ratio c) |"
	echo "| (d) Lull, all threads in the polling API | ${pct[d]} | $(ratio d) |"
	echo "| (e) ceiling: one thread per core spinning | ${pct[e]} | $(ratio e) |"
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
