#!/bin/bash
# http.sh: `make bench-http`, the seed experiment: host CPU of an HTTP
# server VM under bursts of requests and silence, beside a Linux guest
# running the same server and the floor guest that only halts.
#
# Three guests, one after the other, on the same QEMU machine (TCG, MACHINE,
# SMP vCPUs, MEM, a virtio-net NIC on the same network back end): (a)
# Lull's examples/httpd through `lull run`; (b) Debian's kernel with an
# initramfs whose /init starts the same httpd built for Linux; (c) the floor
# guest (halts forever, gets no requests). NET=tap (the default; needs
# root) gives each guest in turn the tap device TAP, on which the host is
# HOST_IP/24 and the guest GUEST_IP with a static address; NET=user is
# QEMU's user networking with host port PORT forwarded to guest port 80.
# For each RATE: CYCLES bursts of T seconds of requests then T seconds of
# silence (bench/loadgen: open loop, a new connection per request, or
# KEEPALIVE=1; "max" is closed loop with MAX_CLIENTS clients, on keep-alive
# connections unless MAX_KEEPALIVE=0). The qemu process's CPU time is
# sampled every 250 ms throughout. Writes the plots to
# docs/bench-http-RATE.png, the table to docs/BENCHMARKS.md and the
# headline to README.md; raw data stays in $BUILD/bench/http/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BENCH=bench-http

http_settings
SMP=${SMP:-2}
T=${T:-8}
CYCLES=${CYCLES:-3}
RATES=${RATES:-10 100 1000 max}
KEEPALIVE=${KEEPALIVE:-0}
# Keep-alive for the highest rate by default, so that it measures how fast
# the guest answers requests rather than how fast it sets up connections
# (MAX_KEEPALIVE=0 measures that). On NET=user it is needed besides: QEMU
# listens for forwarded connections with a backlog of 1, so a stream of new
# connections overflows it on the host and waits out SYN retransmissions.
MAX_KEEPALIVE=${MAX_KEEPALIVE:-1}
SETTLE=${SETTLE:-5}
SILENCE_SKIP=${SILENCE_SKIP:-1}
# The silence also ends this long before the next burst: CPU time at a
# window's edge is interpolated between samples, and the sample that spans
# the next burst's start would lend the silence part of the burst's CPU
# (with a 250 ms sample at 1000 req/s, 0.4% of a core).
SILENCE_GUARD=0.5
LINUX_KERNEL=${LINUX_KERNEL:-$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)}
LINUX_INITRD=${LINUX_INITRD:-$BUILD/bench/linux-guest/initramfs.cpio}
out=$BUILD/bench/http
GUESTS=(lull linux floor)
declare -A LABEL=([lull]="Lull httpd" [linux]="Linux + httpd" [floor]="floor (halts)")

awk -v t="$T" -v s="$SILENCE_SKIP" -v g="$SILENCE_GUARD" 'BEGIN { exit !(t > s + g) }' || {
	echo "bench-http: T ($T s) must be longer than SILENCE_SKIP ($SILENCE_SKIP s) + $SILENCE_GUARD s" >&2
	exit 2
}
[ -n "$LINUX_KERNEL" ] && [ -f "$LINUX_KERNEL" ] || {
	echo "bench-http: no Linux kernel in /boot: bash bench/install-deps.sh" >&2
	exit 1
}
command -v gnuplot >/dev/null || { echo "bench-http: gnuplot missing: bash bench/install-deps.sh" >&2; exit 1; }
# REPORT_ONLY=1 redoes the plots and tables from the last run's data (give
# it the same settings as that run).
REPORT_ONLY=${REPORT_ONLY:-0}
if [ "$REPORT_ONLY" != 1 ]; then
	rm -rf "$out"
	mkdir -p "$out"
fi

http_net
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	http_tap_down
}
trap cleanup EXIT
[ "$REPORT_ONLY" = 1 ] || http_tap_up

# The Linux and floor guests' NIC: qemu_cmd gives the rest of the flags
# `lull run` uses, so that they differ from the Lull guest only in what
# they boot.
NIC=(-netdev "$NETDEV" -device virtio-net-pci,netdev=net0)

# Starts guest $1 in the background; sets LAUNCHER (the process to stop).
start_guest() {
	local guest=$1
	case $guest in
	lull)
		start_lull_httpd "$BUILD/lull" "$BUILD/examples/httpd.elf" "$SMP" "$out/$guest.console"
		;;
	linux)
		qemu_cmd "$MACHINE" "$SMP" "$MEM" "$LINUX_KERNEL" "console=ttyS0 quiet panic=-1 $LINUX_NET"
		"${QEMU_CMD[@]}" -initrd "$LINUX_INITRD" "${NIC[@]}" >"$out/$guest.console" 2>&1 </dev/null &
		LAUNCHER=$!
		;;
	floor)
		qemu_cmd "$MACHINE" "$SMP" "$MEM" "$BUILD/bench/floor-halt.elf"
		"${QEMU_CMD[@]}" "${NIC[@]}" >"$out/$guest.console" 2>&1 </dev/null &
		LAUNCHER=$!
		;;
	esac
	pids+=("$LAUNCHER")
}

# The time line of a guest that gets no requests, in loadgen's format.
silent_run() {
	local start k line=""
	start=$(awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.3f", t + 0.01 }')
	for k in $(seq 0 $((CYCLES - 1))); do
		line+=$(awk -v s="$start" -v k="$k" -v t="$T" \
			'BEGIN { b = s + k * 2 * t; printf "%s%.3f:%.3f", k ? "," : "", b, b + t }')
	done
	sleep "$((2 * T * CYCLES))"
	echo "bursts=$line"
}

run_guest() {
	local guest=$1 rate
	echo "bench-http: $guest" >&2
	start_guest "$guest"
	[ "$guest" = floor ] || wait_http_ready "$guest" "$out/$guest.console" "$out/$guest-ready.txt"
	sample_guest "$guest" "$out/$guest.console" "$out/$guest.cpu"
	for rate in $RATES; do
		if [ "$guest" = floor ]; then
			silent_run >"$out/$guest-$rate.txt"
			continue
		fi
		loadgen_load "$rate" "$([ "$rate" = max ] && echo "$MAX_KEEPALIVE" || echo "$KEEPALIVE")"
		"$LOADGEN" --on "$T" --off "$T" --cycles "$CYCLES" --timeout "$TIMEOUT" "${LOADGEN_ARGS[@]}" \
			"$TARGET" >"$out/$guest-$rate.txt" 2>"$out/$guest-$rate.log"
		sed 's/^/  /' "$out/$guest-$rate.log" >&2
	done
	stop_http_guest "$guest" "$out/$guest.console" "$SAMPLER_PID"
}

[ "$REPORT_ONLY" = 1 ] || for guest in "${GUESTS[@]}"; do run_guest "$guest"; done

# Per guest and rate: "BURST% SILENCE% MS_PER_REQUEST" (bench/lib.sh's
# burst_cpu) and the CPU % series for the plot.
analyse() {
	burst_cpu "$out/$1.cpu" "$out/$1-$2.txt" "$T" "$SILENCE_SKIP" "$SILENCE_GUARD" "$out/$1-$2.series"
}

failed_of() { echo "$(field "$out/$1-$2.txt" errors) of $(field "$out/$1-$2.txt" scheduled)"; }
rows=() readme_rows=() notes=()
for guest in lull linux; do
	fault=$(grep -m1 -E 'fatal|Kernel panic' "$out/$guest.console" || true)
	[ -z "$fault" ] || notes+=("${LABEL[$guest]}: the VM stopped during the run: \`$fault\` (console in $out/$guest.console).")
done
rate_title() {
	if [ "$1" != max ]; then
		echo "$1 req/s"
	elif [ "$MAX_KEEPALIVE" = 1 ]; then
		echo "max (closed loop, $MAX_CLIENTS keep-alive clients)"
	else
		echo "max (closed loop, $MAX_CLIENTS clients)"
	fi
}
for rate in $RATES; do
	declare -A on=() off=() per=()
	for guest in "${GUESTS[@]}"; do
		read -r on[$guest] off[$guest] per[$guest] <<<"$(analyse "$guest" "$rate")"
		if [ "$guest" = floor ]; then
			rows+=("| $(rate_title "$rate") | ${LABEL[$guest]} | ${on[$guest]} | ${off[$guest]} | - | - | - | - | - |")
			continue
		fi
		res=$out/$guest-$rate.txt
		errs="$(field "$res" errors)"
		[ "$errs" = 0 ] || errs="$errs ($(for e in connect reset timeout status proto; do
			v=$(field "$res" "err_$e"); [ "$v" = 0 ] || printf '%s %s, ' "$v" "$e"; done | sed 's/, $//'))"
		rows+=("| $(rate_title "$rate") | ${LABEL[$guest]} | ${on[$guest]} | ${off[$guest]} | ${per[$guest]} | $(field "$res" achieved_rps) | $(field "$res" p50_ms) | $(field "$res" p99_ms) | $errs |")
	done
	readme_rows+=("| $(rate_title "$rate") | ${on[lull]} / ${off[lull]} | ${on[linux]} / ${off[linux]} | ${on[floor]} / ${off[floor]} | ${per[lull]} / ${per[linux]} | $(field "$out/lull-$rate.txt" achieved_rps) / $(field "$out/linux-$rate.txt" achieved_rps) | $(failed_of lull "$rate") / $(failed_of linux "$rate") |")

	# One PNG per rate: the three guests side by side on the same scale,
	# bursts shaded.
	ymax=$(cat "$out"/*-"$rate".series | awk 'BEGIN { m = 5 } $2 > m { m = $2 } END { print m * 1.1 }')
	{
		echo "set terminal pngcairo size 1500,420 font ',10'"
		echo "set output 'docs/bench-http-$rate.png'"
		echo "set multiplot layout 1,3 title \"Host CPU of the qemu process, $(rate_title "$rate"): $CYCLES x (${T} s burst, ${T} s silence); QEMU TCG $MACHINE, $SMP vCPUs\""
		echo "set xrange [0:$((2 * T * CYCLES))]; set yrange [0:$ymax]"
		echo "set xlabel 'seconds'; set ylabel 'CPU % of one host core'; set grid"
		for k in $(seq 0 $((CYCLES - 1))); do
			echo "set object $((k + 1)) rect from $((2 * k * T)),graph 0 to $(((2 * k + 1) * T)),graph 1 fc rgb '#ffe6cc' fs solid 1.0 noborder behind"
		done
		for guest in "${GUESTS[@]}"; do
			echo "set title '${LABEL[$guest]}: ${on[$guest]}% in bursts, ${off[$guest]}% in silence'"
			echo "plot '$out/$guest-$rate.series' using 1:2 with steps lw 1.5 lc rgb '#1f5fa8' notitle"
		done
		echo "unset multiplot"
	} | gnuplot
	unset on off per
done

ready_lull=$(field "$out/lull-ready.txt" ready_ms)
ready_linux=$(field "$out/linux-ready.txt" ready_ms)
loadmode=$([ "$KEEPALIVE" = 1 ] && echo "keep-alive connections" || echo "a new connection per request")
cmd="make bench-http"
[ "$T" = 8 ] && [ "$CYCLES" = 3 ] && [ "$RATES" = "10 100 1000 max" ] || cmd+=" T=$T CYCLES=$CYCLES RATES='$RATES'"
[ "$NET" = tap ] || cmd+=" NET=$NET"
{
	echo
	echo "## Host CPU under bursts of HTTP requests (\`make bench-http\`)"
	echo
	echo "The seed experiment: an HTTP server VM gets bursts of requests then silence,"
	echo "and the host CPU of its qemu process is watched. Three guests, one after the"
	echo "other, on QEMU TCG \`-M $MACHINE\`, $SMP vCPUs, $MEM, a virtio-net NIC $(net_words):"
	echo "(a) \`examples/httpd\` on Lull"
	echo "(\`lull run\`); (b) Debian's kernel ($(basename "$LINUX_KERNEL")) with an initramfs whose"
	echo "\`/init\` (bench/linux-guest/init.c) loads virtio-net and runs the same httpd built"
	echo "for Linux (static, musl); (c) the floor guest, which halts forever and gets no"
	echo "requests. Per rate: $CYCLES bursts of $T s then $T s of silence; bench/loadgen sends"
	echo "GET / ($loadmode) open loop, on a fixed schedule whatever the answers,"
	echo "with latency counted from each request's due time; \"max\" is closed loop with"
	echo "$MAX_CLIENTS clients$([ "$MAX_KEEPALIVE" = 1 ] && echo " on keep-alive connections"). A request unanswered after $TIMEOUT s fails."
	if [ "$NET" = user ]; then
		echo "QEMU's user networking takes forwarded connections from a host listen queue"
		echo "of 1 (\`ss -ltn\` shows it), so bursts of new connections overflow it and wait"
		echo "out 1 s SYN retransmissions: at high rates of new connections that, not the"
		echo "guest, limits both guests (hence keep-alive for the max probe)."
	fi
	echo
	echo "CPU % is of one host core (2 vCPUs can use 200%), from the run time of all qemu"
	echo "threads (/proc/PID/task/*/schedstat, to the microsecond) sampled every ${SAMPLE_MS} ms;"
	echo "\"in silence\" leaves out the first ${SILENCE_SKIP} s after each burst and the last ${SILENCE_GUARD} s"
	echo "before the next (a sample that spans a burst's start would lend it CPU of the"
	echo "burst)."
	echo "Host CPU-ms per request: the qemu process's CPU time over the"
	echo "rate's whole window (bursts and silences) divided by the requests answered 200."
	echo "Failed requests count as infinitely slow in the latency percentiles (inf)."
	echo "The load generator runs on the same 2 host cores as the VM."
	echo "Time from starting the guest to the first HTTP 200: Lull ${ready_lull} ms, Linux ${ready_linux} ms."
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) host cores. Reproduce: \`$cmd\`."
	echo
	[ ${#notes[@]} -eq 0 ] || { printf '**%s**\n' "${notes[@]}"; echo; }
	echo "| rate | guest | CPU % in bursts | CPU % in silence | host CPU-ms / request | achieved req/s | p50 ms | p99 ms | errors |"
	echo "|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	for rate in $RATES; do echo "![host CPU at $(rate_title "$rate")](bench-http-$rate.png)"; done
} >"$out/section.md"
update_section bench-http "$out/section.md"

{
	echo
	echo "Host CPU of the VM's qemu process under bursts of HTTP requests ($CYCLES x $T s"
	echo "on, $T s off; QEMU TCG, $SMP vCPUs, virtio-net $(net_words); CPU % of one host"
	echo "core, burst / silence),"
	echo "beside a Linux guest running the same server and a guest that only halts"
	echo "(\`$cmd\`, details in docs/BENCHMARKS.md). First HTTP 200 after boot:"
	echo "Lull ${ready_lull} ms, Linux ${ready_linux} ms."
	echo
	echo "| rate | Lull CPU % | Linux CPU % | floor CPU % | host CPU-ms / request, Lull / Linux | achieved req/s, Lull / Linux | failed requests, Lull / Linux |"
	echo "|---|---|---|---|---|---|---|"
	printf '%s\n' "${readme_rows[@]}"
} >"$out/readme.md"
update_section bench-http "$out/readme.md" README.md
cat "$out/section.md"
