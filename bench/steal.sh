#!/bin/bash
# steal.sh: `make bench-steal`, the seed's steal experiment on this host: an
# over-committed mix of Lull VMs (5 vCPUs on the host's cores) under three
# placements, one after the other, in the same run:
#   none     every VM where it starts (the root cgroup): the baseline;
#   per-vm   `lull place --mode per-vm`: a cgroup per VM, equal weights
#            (the common default the seed blames: large VMs lose);
#   shared   `lull place --mode shared`: a cgroup per VM weighted by its
#            vCPUs, so every vCPU competes equally (the seed's fix).
# The mix: "big" spins on 2 vCPUs, "small" spins on 1, "web" is
# examples/httpd on 1 vCPU answering bursts of requests (bench/loadgen:
# RATE req/s for 2 s, then 2 s of silence), "idle" sleeps on 1 vCPU.
# `lull top --json` samples every VM each second for T seconds. Reports per
# VM: steal per vCPU (p50/p99 over the samples), CPU; the fairness between
# the 2-vCPU and the 1-vCPU spinning VM (CPU per vCPU, 1.0 = fair); web's
# request latency. Writes docs/bench-steal-*.png and the table in
# docs/BENCHMARKS.md; raw data stays in $BUILD/bench/steal/. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD=${BUILD:-build}
T=${T:-24}
RATE=${RATE:-20}
PORT=${PORT:-18081}
CONFIGS=${CONFIGS:-none per-vm shared}
LULL=$BUILD/lull
GUEST=$BUILD/tests/steal/guest.elf
WEB=$BUILD/examples/httpd.elf
LOADGEN=$BUILD/bench/loadgen
out=$BUILD/bench/steal
PREFIX=bsteal

[ "$(id -u)" = 0 ] || { echo "bench-steal: needs root (cgroups)" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "bench-steal: gnuplot missing: bash bench/install-deps.sh" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# run_config NAME: the four VMs, the placement, T seconds of samples and load.
run_config() {
	local config=$1 lifetime=$((T + 60)) place=
	pids=()
	"$LULL" run "$GUEST" --name "$PREFIX-big" --smp 2 -- spin "$lifetime" >"$out/$config-big.log" 2>&1 &
	pids+=($!)
	"$LULL" run "$GUEST" --name "$PREFIX-small" -- spin "$lifetime" >"$out/$config-small.log" 2>&1 &
	pids+=($!)
	"$LULL" run "$GUEST" --name "$PREFIX-idle" -- idle "$lifetime" >"$out/$config-idle.log" 2>&1 &
	pids+=($!)
	"$LULL" run "$WEB" --name "$PREFIX-web" -p "$PORT:80" >"$out/$config-web.log" 2>&1 &
	pids+=($!)
	"$LOADGEN" --wait-ready 120 --cycles 0 "127.0.0.1:$PORT" >/dev/null
	if [ "$config" != none ]; then
		printf 'parent %s\n' "$PREFIX" >"$out/policy"
		"$LULL" place --policy "$out/policy" --mode "$config" --only "$PREFIX-*" --interval 5 \
			--restore-on-exit 2>"$out/$config-place.log" &
		place=$!
		sleep 3 # its first pass comes after a 1 s measurement
	fi
	# The host's busy time over the window, to tell the VMs' load from any other.
	head -n 1 /proc/stat >"$out/$config-host.stat"
	"$LULL" top --json --interval 1 --count "$T" >"$out/$config-top.jsonl" &
	local top=$!
	"$LOADGEN" --rate "$RATE" --on 2 --off 2 --cycles $((T / 4)) --timeout 5 \
		"127.0.0.1:$PORT" >"$out/$config-web.txt" 2>/dev/null
	wait "$top"
	head -n 1 /proc/stat >>"$out/$config-host.stat"
	[ -z "$place" ] || { kill "$place"; wait "$place" || true; }
	cleanup
}

for config in $CONFIGS; do
	echo "bench-steal: $config ($T s)"
	run_config "$config"
done

# One row per config and VM: steal per vCPU p50/p99, CPU %, and the config's
# fairness and web latency.
python3 bench/steal/report.py "$out" "$PREFIX" $CONFIGS >"$out/rows.tsv"

{
	echo "set terminal pngcairo size 960,460 font ',10'"
	echo "set style data histograms; set style histogram clustered gap 1; set style fill solid border -1"
	echo "set key top right; set grid ytics; set yrange [0:*]; set xtics rotate by -40; set bmargin 5"
	echo "set output 'docs/bench-steal-steal.png'"
	echo "set title 'Steal per vCPU, p50 and p99 over ${T} 1-s samples (make bench-steal)'"
	echo "set ylabel '% of the time runnable but waiting'"
	echo "plot '$out/rows.tsv' using 3:xtic(sprintf('%s %s', strcol(1), strcol(2))) title 'p50', '' using 4 title 'p99'"
	echo "set output 'docs/bench-steal-cpu.png'"
	echo "set title 'Host CPU per VM (make bench-steal)'"
	echo "set ylabel '% of one host CPU'"
	echo "plot '$out/rows.tsv' using 5:xtic(sprintf('%s %s', strcol(1), strcol(2))) title 'CPU'"
} | gnuplot

cmd="make bench-steal"
[ "$T" = 24 ] && [ "$RATE" = 20 ] || cmd+=" T=$T RATE=$RATE"
{
	echo
	echo "## Steal under three placements (\`$cmd\`)"
	echo
	echo "One run, on this host ($(nproc) CPUs), QEMU TCG, Lull guests on microvm."
	echo "Four VMs, 5 vCPUs: big (2 vCPUs spinning), small (1 spinning), web"
	echo "(examples/httpd, $RATE req/s for 2 s then 2 s of silence, user networking),"
	echo "idle (sleeping). Steal is each vCPU thread's run-queue wait"
	echo "(schedstat's run_delay growth), as \`lull top\` shows it; p50/p99 over"
	echo "$T samples of 1 s. Fairness: the big VM's CPU per vCPU over the small"
	echo "VM's (1.00 = every vCPU got the same)."
	echo
	echo "| placement | VM | steal p50 % | steal p99 % | CPU % |"
	echo "|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %.1f | %.1f | %.1f |\n", $1, $2, $3, $4, $5 }' "$out/rows.tsv"
	echo
	echo "| placement | fairness big/small | web p50 ms | web p99 ms | host busy % | of which not these VMs % |"
	echo "|---|---|---|---|---|---|"
	awk -F'\t' '!seen[$1]++ { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $6, $7, $8, $9, $10 }' "$out/rows.tsv"
	echo
	echo "![steal](bench-steal-steal.png) ![cpu](bench-steal-cpu.png)"
} >"$out/section.md"
update_section bench-steal "$out/section.md"
cat "$out/section.md"
