#!/bin/bash
# switch.sh: `make bench-switch`, lull-switch against the per-VM back ends
# QEMU offers (issue 15): pairs of Lull VMs exchanging traffic, and the host
# CPU all of it costs. Needs root (tap devices, a bridge).
#
# For each back end in BACKENDS and each count N in VMS, N VMs (QEMU TCG,
# microvm, 1 vCPU, MEM each, virtio-net, static addresses, their own MACs)
# run bench/switch/pair.c: N/2 servers and N/2 clients, each client paired
# with one server. Back ends:
#   switch  lull-switch with its default workers (one per host core), each
#           VM on a vhost-user port (`lull run --net switch:DIR/NAME`);
#   switch1 the same with one worker (--workers 1): on a host of 2 cores,
#           the default's two polling workers compete with the vCPUs;
#   tap     a tap device per VM (QEMU's tap netdev, `--net tap:IF`), all on
#           one Linux bridge.
# QEMU's user networking cannot join two VMs (each QEMU has its own
# private network), so it is measured idle only, as is `none` (no NIC): the
# floor an idle back end is compared with.
#
# Per (back end, N): first N VMs that only listen (idle: IDLE_S seconds
# after SETTLE), then, with fresh VMs, the pairs: a request/response phase
# (RR_S seconds of MSG-byte round trips, one outstanding per pair) and a
# bulk phase (BULK_S seconds of a one-way stream per pair). The clients
# start each phase together (a barrier in the first server); the host
# stamps the first client's begin and end lines with its clock and the CPU
# time of every qemu process and of the switch (their threads' schedstat).
# N=1 has no pair: idle only.
#
# Settings (environment, or make's command line): VMS ("1 2 4 8"),
# BACKENDS ("switch switch1 tap"), IDLE_BACKENDS ("none user switch tap"), RR_S (8),
# BULK_S (8), MSG (64 bytes), IDLE_S (10), SETTLE (2), MEM (64M),
# WORKERS (lull-switch --workers; default: its own), SWITCH_ARGS (more
# lull-switch options for both, e.g. "--sleep-max-us 100"), BOOT_LIMIT (120 s),
# REPORT_ONLY=1 (redo the report from the last run's data).
# Writes docs/bench-switch-throughput.png, docs/bench-switch-cpu.png and
# the bench-switch section of docs/BENCHMARKS.md; raw data in
# $BUILD/bench/switch/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD=${BUILD:-build}
VMS=${VMS:-1 2 4 8}
BACKENDS=${BACKENDS:-switch switch1 tap}
IDLE_BACKENDS=${IDLE_BACKENDS:-none user switch tap}
RR_S=${RR_S:-8}
BULK_S=${BULK_S:-8}
MSG=${MSG:-64}
IDLE_S=${IDLE_S:-10}
SETTLE=${SETTLE:-2}
MEM=${MEM:-64M}
WORKERS=${WORKERS:-}
SWITCH_ARGS=${SWITCH_ARGS:-}
BOOT_LIMIT=${BOOT_LIMIT:-120}
REPORT_ONLY=${REPORT_ONLY:-0}
GUEST=$BUILD/bench/switch-pair.elf
SWITCH=$BUILD/lull-switch
BRIDGE=lbsw$$br
out=$BUILD/bench/switch
declare -A LABEL=([switch]="lull-switch" [switch1]="lull-switch, 1 worker" [tap]="tap + bridge" [user]="user networking" [none]="no NIC")

for n in $VMS; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 32 ] ||
		{ echo "bench-switch: VMS: $n is not a count from 1 to 32" >&2; exit 2; }
done
command -v gnuplot >/dev/null || { echo "bench-switch: gnuplot missing: bash bench/install-deps.sh" >&2; exit 1; }

launchers=()
switch_pid=
switch_dir=
taps=()
cleanup() {
	[ ${#launchers[@]} -eq 0 ] || kill "${launchers[@]}" 2>/dev/null || true
	[ ${#launchers[@]} -eq 0 ] || wait "${launchers[@]}" 2>/dev/null || true
	launchers=()
	if [ -n "$switch_pid" ]; then
		kill "$switch_pid" 2>/dev/null || true
		wait "$switch_pid" 2>/dev/null || true
	fi
	switch_pid=
	[ -z "$switch_dir" ] || rm -rf "$switch_dir"
	switch_dir=
	local tap
	for tap in "${taps[@]}"; do ip link del "$tap" 2>/dev/null || true; done
	taps=()
	ip link del "$BRIDGE" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$REPORT_ONLY" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "bench-switch: needs root (tap devices and a bridge)" >&2; exit 1; }
	rm -rf "$out"
	mkdir -p "$out"
fi

# Sets up back end $1 for $2 VMs: the switch, or a bridge with a tap each.
backend_up() {
	local backend=$1 n=$2 k
	case $backend in
	switch | switch1)
		local workers=$WORKERS
		[ "$backend" = switch ] || workers=1
		switch_dir=$(mktemp -d /tmp/lull-bench-switch.XXXXXX)
		"$SWITCH" start --socket-dir "$switch_dir" ${workers:+--workers "$workers"} $SWITCH_ARGS \
			>"$run.switch-log" 2>&1 &
		switch_pid=$!
		wait_for_line "$run.switch-log" "serving" 10 "$switch_pid" ||
			{ echo "bench-switch: lull-switch did not start (see $run.switch-log)" >&2; exit 1; }
		;;
	tap)
		ip link add "$BRIDGE" type bridge
		ip link set "$BRIDGE" up
		for k in $(seq 0 $((n - 1))); do
			taps+=("lbsw$$t$k")
			ip tuntap add dev "lbsw$$t$k" mode tap
			ip link set "lbsw$$t$k" master "$BRIDGE"
			ip link set "lbsw$$t$k" up
		done
		;;
	esac
}

# vm BACKEND INDEX ARGS...: VM number INDEX (its address 10.0.0.INDEX+1,
# MAC 52:54:00:bb:00:INDEX) running pair.c with ARGS, in the background,
# its console in $run.vmINDEX (through stamp_phases for the first client).
vm() {
	local backend=$1 index=$2 net
	shift 2
	case $backend in
	switch | switch1) net=(--net "switch:$switch_dir/vm$index") ;;
	tap) net=(--net "tap:${taps[$index]}") ;;
	user) net=(--net user) ;;
	none) net=() ;;
	esac
	local cmd=(timeout 900 "$BUILD/lull" run "$GUEST" --mem "$MEM" --stats --stop-timeout 0 "${net[@]}"
		--mac "$(printf '52:54:00:bb:00:%02x' "$index")" --name "bsw$$-vm$index"
		-- "lull.ip=10.0.0.$((index + 1))" lull.mask=255.255.255.0 "$@")
	if [ "$1" = client ] && [ ! -e "$run.stamps" ]; then
		: >"$run.stamps"
		"${cmd[@]}" </dev/null > >(stamp_phases "$run.vm$index" "$run.stamps" "$run.pids") 2>&1 &
	else
		"${cmd[@]}" </dev/null >"$run.vm$index" 2>&1 &
	fi
	launchers+=($!)
}

# The pids of every qemu process of this run and of the switch, into
# FILE: one pgrep, since the first client's "rr begin" waits for it.
write_pids() {
	{
		pgrep -f -- "^qemu-system.* -name bsw$$-vm[0-9]+," || true
		[ -z "$switch_pid" ] || echo "$switch_pid"
	} >"$1"
}

# "HOST_NS CPU_NS SWITCH_NS": now, the CPU time of the processes in file
# $1, and the switch's part of it.
stamp() {
	local pid sum=0
	for pid in $(cat "$1"); do sum=$((sum + $(cpu_ns "$pid"))); done
	echo "$(date +%s%N) $sum $([ -z "$switch_pid" ] && echo 0 || cpu_ns "$switch_pid")"
}

# stamp_phases CONSOLE STAMPS PIDS < console: copies a client's console to
# CONSOLE and stamps its phase lines into STAMPS as they arrive. Every VM
# runs by the first (all clients have passed the barrier): the pids are
# taken then.
stamp_phases() {
	local console=$1 stamps=$2 pids=$3 line
	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$console"
		if [[ $line =~ ^(rr|bulk)\ (begin|end)$ ]]; then
			[ -s "$pids" ] || write_pids "$pids"
			echo "$line $(stamp "$pids")" >>"$stamps"
		fi
	done
}

# Waits for every VM's line REGEX (a VM that ends or never says it is fatal).
wait_all() {
	local regex=$1 k
	for k in "${!launchers[@]}"; do
		wait_for_line "$run.vm$k" "$regex" "$BOOT_LIMIT" "${launchers[$k]}" || {
			echo "bench-switch: VM $k ($run.vm$k) never said '$regex'; it ends:" >&2
			tail -n 15 "$run.vm$k" >&2
			exit 1
		}
	done
}

# N VMs that only listen: "START END" stamps over IDLE_S.
run_idle() {
	local backend=$1 n=$2 k
	run=$out/idle-$backend-$n
	backend_up "$backend" "$n"
	for k in $(seq 0 $((n - 1))); do vm "$backend" "$k" server 0; done
	wait_all "pair: serving"
	write_pids "$run.pids"
	sleep "$SETTLE"
	{ stamp "$run.pids"; sleep "$IDLE_S"; stamp "$run.pids"; } >"$run.stamps"
	cleanup
}

# N/2 pairs: servers 0..P-1, clients P..2P-1 (client P+i talks to server
# i; server 0 is the barrier). The first client's phase lines are stamped
# as they arrive (stamp_phases).
run_pairs() {
	local backend=$1 n=$2 pairs=$(($2 / 2)) k
	run=$out/pairs-$backend-$n
	backend_up "$backend" "$n"
	for k in $(seq 0 $((pairs - 1))); do vm "$backend" "$k" server "$pairs"; done
	wait_all "pair: serving"
	for k in $(seq 0 $((pairs - 1))); do
		vm "$backend" $((pairs + k)) client "10.0.0.$((k + 1))" 10.0.0.1 "$RR_S" "$BULK_S" "$MSG"
	done
	for k in $(seq "$pairs" $((2 * pairs - 1))); do
		wait "${launchers[$k]}" && wait_for_line "$run.vm$k" '^bulk [0-9]+ bytes' 10 || {
			echo "bench-switch: client $k failed; its console ends:" >&2
			tail -n 15 "$run.vm$k" >&2
			exit 1
		}
	done
	[ -z "$switch_pid" ] || "$SWITCH" stats --socket-dir "$switch_dir" >"$run.switch-stats" 2>&1 || true
	cleanup
}

if [ "$REPORT_ONLY" != 1 ]; then
	for n in $VMS; do
		for backend in $IDLE_BACKENDS; do
			echo "bench-switch: $n VMs idle, ${LABEL[$backend]}" >&2
			run_idle "$backend" "$n"
		done
		[ "$n" -ge 2 ] || continue
		for backend in $BACKENDS; do
			echo "bench-switch: $((n / 2 * 2)) VMs in pairs, ${LABEL[$backend]}" >&2
			run_pairs "$backend" "$n"
		done
	done
fi

source bench/switch/report.sh
