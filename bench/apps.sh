#!/bin/bash
# apps.sh: `make bench-apps` (issue 14): real applications on Lull against
# the same sources built the same way for Linux (apps/NAME/build.sh with
# APPS_TARGET=linux: static, musl-gcc, lull cc's compile flags) in a guest
# of Debian's kernel, one guest after the other in the same run, on the same
# QEMU machine (TCG, MACHINE, SMP vCPUs, MEM, QEMU user networking with a
# host port forward, a virtio-blk disk with `lull run --disk`'s options):
#   Redis 7.0    redis-benchmark from the host, SET then GET, REDIS_REQUESTS
#                requests with each number of clients in REDIS_CLIENTS;
#   SQLite 3.40  speedtest1 --size SPEEDTEST_SIZE in memory (--memdb) and on
#                a file of a FAT disk;
#   nginx 1.22   wrk from the host for WRK_S seconds on its index.html with
#                each number of connections in WRK_CONNECTIONS;
# and, for the servers, the host CPU of the idle guest over IDLE_S seconds
# after start-up, beside the floor guest (halts forever) of bench-http.
# Host CPU is the qemu process's (every thread's schedstat), read before and
# after each load. A load that does not finish in its time limit is reported
# as stalled; the script never waits for a guest without a limit, and stops
# every qemu it started when it exits or is interrupted. Writes the tables to
# docs/BENCHMARKS.md; raw data stays in $BUILD/bench/apps/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD=${BUILD:-build}
MACHINE=${MACHINE:-q35}
SMP=${SMP:-2}
MEM=${MEM:-512M}
PORT=${PORT:-18090}
APPS=${APPS:-redis sqlite nginx}
REDIS_REQUESTS=${REDIS_REQUESTS:-50000}
# 10 clients first: with 50, QEMU's user networking can stall (on either
# guest) and leave connections that never close behind it.
REDIS_CLIENTS=${REDIS_CLIENTS:-10 50}
REDIS_LIMIT=${REDIS_LIMIT:-90}
SPEEDTEST_SIZE=${SPEEDTEST_SIZE:-50}
SPEEDTEST_LIMIT=${SPEEDTEST_LIMIT:-900}
WRK_S=${WRK_S:-12}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-1 32}
IDLE_S=${IDLE_S:-20}
# Start-up work that ends after the first answer (Linux's deferred module
# and timer work, Redis's first cron runs) is not idleness.
SETTLE=${SETTLE:-3}
READY_LIMIT=${READY_LIMIT:-180}
DISK_SIZE=256M
LINUX_KERNEL=${LINUX_KERNEL:-$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)}
LINUX_INITRD=${LINUX_INITRD:-$BUILD/bench/linux-guest/apps.cpio}
LULL=$BUILD/lull
LULL_APPS=$BUILD/apps
SAMPLER=$BUILD/bench/cpu_sampler
out=$BUILD/bench/apps
GUESTS=(lull linux)

fail() {
	echo "bench-apps: $*" >&2
	exit 1
}
[ -n "$LINUX_KERNEL" ] && [ -f "$LINUX_KERNEL" ] || fail "no Linux kernel in /boot: bash bench/install-deps.sh"
for tool in redis-benchmark redis-cli wrk curl timeout; do
	command -v "$tool" >/dev/null || fail "$tool is missing: bash bench/install-deps.sh"
done
for file in "$LINUX_INITRD" "$SAMPLER" "$LULL_APPS/redis-server.elf" "$LULL_APPS/speedtest1.elf" \
	"$LULL_APPS/nginx.elf" "$BUILD/bench/floor-halt.elf"; do
	[ -f "$file" ] || fail "$file is missing: run make bench-apps, which builds it"
done
if [ -n "$(ss -Hltn "sport = :$PORT")" ]; then
	fail "port $PORT is taken on the host: give another, e.g. make bench-apps PORT=18190"
fi
# REPORT_ONLY=1 writes the section again from the last run's results.
REPORT_ONLY=${REPORT_ONLY:-0}
if [ "$REPORT_ONLY" != 1 ]; then
	rm -rf "$out"
	mkdir -p "$out"
	fi

launched=()
stop_all() {
	local p
	for p in "${launched[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# record GUEST KEY VALUE, and the VALUE back with result GUEST KEY ("-" when
# the run did not give it).
record() { printf '%s %s %s\n' "$1" "$2" "$3" >>"$out/results"; }
result() { awk -v g="$1" -v k="$2" '$1 == g && $2 == k { v = $3 } END { print v == "" ? "-" : v }' "$out/results"; }

# Host time in ms, for time limits and start-up times.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start_server GUEST APP GUEST_PORT LINUX_ARGS [LULL_OPTION...] [-- APP_ARG...]:
# boots APP's server (Lull: build/apps/APP.elf through `lull run`; Linux:
# /bin/APP, with LINUX_ARGS as init's args=) with host port PORT forwarded to
# GUEST_PORT; sets QEMU_PID, which is what is measured and stopped.
start_server() {
	local guest=$1 app=$2 guest_port=$3 linux_args=$4
	shift 4
	local name=bench-apps-$guest
	case $guest in
	lull)
		"$LULL" run "$LULL_APPS/$app.elf" --name "$name" --machine "$MACHINE" --smp "$SMP" --mem "$MEM" \
			-p "$PORT:$guest_port" "$@" >"$out/$guest-$app.console" 2>&1 </dev/null &
		;;
	linux)
		qemu_cmd "$MACHINE" "$SMP" "$MEM" "$LINUX_KERNEL" "console=ttyS0 quiet panic=-1 run=bin/$app args=$linux_args"
		"${QEMU_CMD[@]}" -name "$name" -initrd "$LINUX_INITRD" \
			-netdev "user,id=net0,hostfwd=tcp::$PORT-:$guest_port" -device virtio-net-pci,netdev=net0 \
			>"$out/$guest-$app.console" 2>&1 </dev/null &
		;;
	esac
	launched+=($!)
	find_qemu "$name" || fail "$guest $app: no qemu process (see $out/$guest-$app.console)"
}

# find_qemu NAME: sets QEMU_PID to the qemu process named NAME once it has
# started (within 5 s), and has it stopped on exit.
find_qemu() {
	local i
	for i in $(seq 100); do
		QEMU_PID=$(qemu_pid_named "$1")
		if [ -n "$QEMU_PID" ]; then
			launched+=("$QEMU_PID")
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# wait_ready GUEST APP PROBE...: runs PROBE until it succeeds (the server
# answers) or READY_LIMIT passes or the VM stops; records the start-up time.
wait_ready() {
	local guest=$1 app=$2
	shift 2
	local start
	start=$(now_ms)
	until "$@" >/dev/null 2>&1; do
		kill -0 "$QEMU_PID" 2>/dev/null || fail "$guest $app: the VM stopped; its console ends: $(tail -n 20 "$out/$guest-$app.console")"
		[ $(($(now_ms) - start)) -lt $((READY_LIMIT * 1000)) ] ||
			fail "$guest $app: no answer in $READY_LIMIT s; its console ends: $(tail -n 20 "$out/$guest-$app.console")"
		sleep 0.2
	done
	record "$guest" "$app-ready-ms" "$(($(now_ms) - start))"
}

# measure_idle GUEST KEY: the host CPU (% of one core) of the guest over
# IDLE_S seconds, SETTLE seconds after it answered.
measure_idle() {
	sleep "$SETTLE"
	local before after
	before=$(cpu_ns "$QEMU_PID")
	sleep "$IDLE_S"
	after=$(cpu_ns "$QEMU_PID")
	record "$1" "$2" "$(awk -v d=$((after - before)) -v s="$IDLE_S" 'BEGIN { printf "%.3f", 100 * d / 1e9 / s }')"
}

# QEMU ends at once on SIGTERM (and `lull run` when its QEMU has ended).
stop_server() {
	kill "$QEMU_PID" 2>/dev/null || true
	wait
}

# record_cpu_per GUEST KEY CPU_NS OPERATIONS: host CPU-ms per operation.
record_cpu_per() {
	record "$1" "$2" "$(awk -v ns="$3" -v n="$4" 'BEGIN { if (n > 0) printf "%.4f", ns / 1e6 / n; else print "-" }')"
}

redis_answers() {
	[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]
}

bench_redis() {
	local guest=$1 clients test before after
	start_server "$guest" redis-server 6379 "--port,6379,--bind,0.0.0.0,--protected-mode,no,--save," \
		-- --port 6379 --bind 0.0.0.0 --protected-mode no --save ''
	wait_ready "$guest" redis-server redis_answers
	measure_idle "$guest" redis-idle
	for clients in $REDIS_CLIENTS; do
		for test in set get; do
			local key=redis-$test-$clients csv=$out/$guest-redis-$test-$clients.csv
			echo "bench-apps: $guest redis $test, $clients clients" >&2
			before=$(cpu_ns "$QEMU_PID")
			local status=0
			timeout -k 5 "$REDIS_LIMIT" redis-benchmark -h 127.0.0.1 -p "$PORT" -c "$clients" \
				-n "$REDIS_REQUESTS" -t "$test" --csv >"$csv" 2>"$out/$guest-redis-$test-$clients.err" ||
				status=$?
			after=$(cpu_ns "$QEMU_PID")
			case $status in
			0)
				record "$guest" "$key-rps" "$(awk -F'"' 'NR == 2 { printf "%.0f", $4 }' "$csv")"
				record_cpu_per "$guest" "$key-cpu" $((after - before)) "$REDIS_REQUESTS"
				;;
			124 | 137) record "$guest" "$key-rps" stalled ;;
			*) record "$guest" "$key-rps" failed ;;
			esac
		done
	done
	stop_server
}

# speedtest1's last line when every test ran: the total time (guest clock).
SPEEDTEST_TOTAL='^ +TOTAL\.+ +[0-9]+\.[0-9]+s$'

# One speedtest1 run in MODE (memory or disk) to its end; records the total
# time and the host CPU between its first line and its TOTAL line. The
# console's lines give the times; the CPU at those times comes from
# cpu_sampler's series, since the qemu process may already be ending when
# the TOTAL line is read (and its threads' schedstat with it).
bench_speedtest() {
	local guest=$1 mode=$2 name=bench-apps-$guest
	local console=$out/$guest-speedtest-$mode.console stamps=$out/$guest-speedtest-$mode.stamps
	local disk=$out/$guest-speedtest.img
	echo "bench-apps: $guest speedtest1 --size $SPEEDTEST_SIZE, $mode" >&2
	# The same arguments for both; the Linux guest's init takes them as
	# args=A,B,... and its environment from the kernel command line.
	local lull_opts=() app_args=(--size "$SPEEDTEST_SIZE") linux_params="" linux_disk=()
	if [ "$mode" = disk ]; then
		rm -f "$disk"
		"$LULL" disk create "$disk" "$DISK_SIZE" >/dev/null
		lull_opts=(--disk "$disk" -- SQLITE_TMPDIR=/disk0)
		app_args+=(/disk0/speedtest1.db)
		linux_params="disk=/dev/vda SQLITE_TMPDIR=/disk0"
		linux_disk=(-drive "file=$disk,format=raw,if=none,id=disk0,cache=writeback"
			-device virtio-blk-pci,drive=disk0)
	else
		app_args+=(--memdb)
	fi
	local linux_args
	linux_args=$(IFS=,; echo "${app_args[*]}")
	local limit=(timeout -k 10 "$SPEEDTEST_LIMIT")
	case $guest in
	lull)
		"${limit[@]}" "$LULL" run "$LULL_APPS/speedtest1.elf" --name "$name" --machine "$MACHINE" \
			--smp "$SMP" --mem "$MEM" "${lull_opts[@]}" -- "${app_args[@]}" </dev/null 2>&1 |
			stamp_console "$name" "$console" "$stamps" "^-- Speedtest1|$SPEEDTEST_TOTAL" &
		;;
	linux)
		qemu_cmd "$MACHINE" "$SMP" "$MEM" "$LINUX_KERNEL" \
			"console=ttyS0 quiet panic=-1 run=bin/speedtest1 args=$linux_args $linux_params"
		"${limit[@]}" "${QEMU_CMD[@]}" -name "$name" -initrd "$LINUX_INITRD" "${linux_disk[@]}" </dev/null 2>&1 |
			stamp_console "$name" "$console" "$stamps" "^-- Speedtest1|$SPEEDTEST_TOTAL" &
		;;
	esac
	local run=$! samples=$out/$guest-speedtest-$mode.cpu
	: >"$samples"
	if find_qemu "$name"; then
		"$SAMPLER" "$QEMU_PID" 100 >"$samples" &
	fi
	wait "$run" || true
	# A time limit stops `lull run`, not always the qemu it started.
	local left
	left=$(qemu_pid_named "$name")
	[ -z "$left" ] || kill -KILL "$left"
	wait
	# A stamped line is the console's line, the host's time (ns) and a CPU
	# time that is not used here.
	local total
	total=$(awk '/^ +TOTAL\./ { t = $(NF - 2); sub(/s$/, "", t) } END { print t }' "$stamps" 2>/dev/null || true)
	if [ -z "$total" ]; then
		record "$guest" "speedtest-$mode-s" "unfinished"
		echo "bench-apps: $guest speedtest1 ($mode) did not finish; its console ends:" >&2
		tail -n 10 "$console" | sed 's/^/  /' >&2
		return
	fi
	record "$guest" "speedtest-$mode-s" "$total"
	# The same interval by the host's clock, to check the guest's.
	record "$guest" "speedtest-$mode-host-s" "$(awk '{ t[NR] = $(NF - 1) } END { printf "%.3f", (t[NR] - t[1]) / 1e9 }' "$stamps")"
	record "$guest" "speedtest-$mode-cpu-ms" "$(awk -v stamps="$stamps" '
		function cpu_at(t,   i) {
			if (t >= ts[n]) return cs[n];
			for (i = 2; i < n && ts[i] < t; i++);
			return cs[i - 1] + (cs[i] - cs[i - 1]) * (t - ts[i - 1]) / (ts[i] - ts[i - 1]);
		}
		{ n++; ts[n] = $1; cs[n] = $2 }
		END {
			while ((getline line < stamps) > 0) { split(line, w, " "); t[++k] = w[length(w) - 1] / 1e9 }
			if (n < 2) { print "-"; exit }
			printf "%.0f", cpu_at(t[k]) - cpu_at(t[1]);
		}' "$samples")"
}

bench_sqlite() {
	bench_speedtest "$1" memory
	bench_speedtest "$1" disk
}

# nginx's /var/nginx: on Lull a FAT disk (see apps/nginx/build.sh); in the
# Linux guest the initramfs, which is writable.
bench_nginx() {
	local guest=$1 connections before after
	local var=$out/nginx-var.img
	rm -f "$var"
	"$LULL" disk create "$var" 32M >/dev/null
	start_server "$guest" nginx 80 "" --disk "$var" --mount /var/nginx
	local url=http://127.0.0.1:$PORT/index.html
	wait_ready "$guest" nginx curl -fsS -m 5 -o /dev/null "$url"
	measure_idle "$guest" nginx-idle
	for connections in $WRK_CONNECTIONS; do
		local key=nginx-$connections log=$out/$guest-nginx-$connections.wrk
		echo "bench-apps: $guest nginx, $connections connections" >&2
		before=$(cpu_ns "$QEMU_PID")
		if timeout -k 5 $((WRK_S + 30)) wrk -t $((connections < 2 ? connections : 2)) -c "$connections" \
			-d "${WRK_S}s" "$url" >"$log" 2>&1; then
			after=$(cpu_ns "$QEMU_PID")
			local requests
			requests=$(awk '/requests in/ { print $1 }' "$log")
			record "$guest" "$key-rps" "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$log")"
			local errors
			errors=$(awk '/Socket errors|Non-2xx/ { sub(/^ +/, ""); gsub(/ /, "_"); print }' "$log")
			[ -z "$errors" ] || record "$guest" "$key-errors" "$errors"
			record_cpu_per "$guest" "$key-cpu" $((after - before)) "$requests"
		else
			record "$guest" "$key-rps" "stalled"
		fi
	done
	stop_server
}

# The floor guest of bench-http (it halts forever, the PIT ticking as
# firmware left it), with the same NIC.
bench_floor() {
	echo "bench-apps: floor guest" >&2
	qemu_cmd "$MACHINE" "$SMP" "$MEM" "$BUILD/bench/floor-halt.elf"
	"${QEMU_CMD[@]}" -name bench-apps-floor -netdev "user,id=net0,hostfwd=tcp::$PORT-:80" \
		-device virtio-net-pci,netdev=net0 >"$out/floor.console" 2>&1 </dev/null &
	launched+=($!)
	QEMU_PID=$!
	measure_idle floor idle
	stop_server
}

# The host's load: load averages, and how busy its cores were over the run
# (/proc/stat, every process: this benchmark's guests and load generators
# and whatever else ran).
host_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
load_average() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' /; }
if [ "$REPORT_ONLY" != 1 ]; then
	record host load-before "$(load_average)"
	read -r busy0 all0 <<<"$(host_busy_ticks)"
	started=$(now_ms)
	for app in $APPS; do
		for guest in "${GUESTS[@]}"; do "bench_$app" "$guest"; done
	done
	bench_floor
	read -r busy1 all1 <<<"$(host_busy_ticks)"
	record host load-after "$(load_average)"
	record host minutes $((($(now_ms) - started + 30000) / 60000))
	record host busy "$(awk -v b=$((busy1 - busy0)) -v a=$((all1 - all0)) -v n="$(nproc)" 'BEGIN { printf "%.0f", 100 * n * b / a }')"
	date -u +%Y-%m-%d >"$out/date"
fi

# ratio A B: A / B to two places, or "-" unless both are numbers.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2fx", a / b; else print "-" }'
}

# with_unit VALUE UNIT: a figure with its unit; "stalled" and the like alone.
with_unit() {
	if [[ $1 =~ ^[0-9.]+$ ]]; then echo "$1 $2"; else echo "$1"; fi
}

# row LABEL UNIT LULL LINUX CPU_LULL CPU_LINUX [higher|lower]: a table row;
# the speed ratio is Lull's over Linux's when higher is better, Linux's
# over Lull's when lower is (a time), so above 1 is Lull ahead either way.
row() {
	local speed
	if [ "${7:-higher}" = higher ]; then speed=$(ratio "$3" "$4"); else speed=$(ratio "$4" "$3"); fi
	echo "| $1 | $(with_unit "$3" "$2") | $(with_unit "$4" "$2") | $speed | $5 | $6 | $(ratio "$5" "$6") |"
}

cmd="make bench-apps"
for setting in APPS REDIS_REQUESTS REDIS_CLIENTS SPEEDTEST_SIZE WRK_S WRK_CONNECTIONS IDLE_S MACHINE SMP MEM; do
	default=$(sed -n "s/^$setting=\${$setting:-\(.*\)}$/\1/p" "$0")
	[ "${!setting}" = "$default" ] || cmd+=" $setting='${!setting}'"
done
rows=()
for app in $APPS; do
	case $app in
	redis)
		for clients in $REDIS_CLIENTS; do
			for test in set get; do
				key=redis-$test-$clients
				rows+=("$(row "Redis ${test^^}, $clients clients, $REDIS_REQUESTS requests" req/s \
					"$(result lull "$key-rps")" "$(result linux "$key-rps")" \
					"$(result lull "$key-cpu")" "$(result linux "$key-cpu")")")
			done
		done
		;;
	sqlite)
		for mode in memory disk; do
			rows+=("$(row "SQLite speedtest1 --size $SPEEDTEST_SIZE, $mode (total time; CPU-ms of the whole run)" s \
				"$(result lull "speedtest-$mode-s")" "$(result linux "speedtest-$mode-s")" \
				"$(result lull "speedtest-$mode-cpu-ms")" "$(result linux "speedtest-$mode-cpu-ms")" lower)")
		done
		;;
	nginx)
		for connections in $WRK_CONNECTIONS; do
			rows+=("$(row "nginx, wrk -c $connections, ${WRK_S} s, index.html" req/s \
				"$(result lull "nginx-$connections-rps")" "$(result linux "nginx-$connections-rps")" \
				"$(result lull "nginx-$connections-cpu")" "$(result linux "nginx-$connections-cpu")")")
		done
		;;
	esac
done
idle_rows=()
for app in $APPS; do
	[ "$app" = sqlite ] && continue
	idle_rows+=("| $app | $(result lull "$app-idle") | $(result linux "$app-idle") | $(result floor idle) | $(result lull "$([ "$app" = redis ] && echo redis-server || echo nginx)-ready-ms") | $(result linux "$([ "$app" = redis ] && echo redis-server || echo nginx)-ready-ms") |")
done
errors=$(awk '$2 ~ /^nginx-[0-9]+-errors$/ { split($2, k, "-"); gsub(/_/, " ", $3); printf "%s, %s connections: %s; ", $1, k[2], $3 }' "$out/results")

{
	echo
	echo "## Applications: Lull vs a Linux guest (\`make bench-apps\`)"
	echo
	echo "The same Debian sources built the same way for both: apps/NAME/build.sh"
	echo "with lull cc for Lull, and with APPS_TARGET=linux for Linux (the host's"
	echo "musl-gcc, static, lull cc's compile flags), run in a guest of Debian's"
	echo "kernel ($(basename "$LINUX_KERNEL"), an initramfs whose /init is"
	echo "bench/linux-guest/init.c). Both on QEMU TCG \`-M $MACHINE\`, $SMP vCPUs, $MEM,"
	echo "virtio-net on QEMU's user networking with a host port forward, one guest"
	echo "after the other in the same run; the load generators (Debian's"
	echo "redis-benchmark and wrk) run on the host, on the same cores. Host CPU is"
	echo "the qemu process's (all threads, schedstat) over each load, per request;"
	echo "for speedtest1, over the whole run (its first line to its TOTAL line)."
	echo "\"stalled\": the load had not ended after its limit (redis-benchmark"
	echo "${REDIS_LIMIT} s); \"failed\": the load generator gave up with an error"
	echo "(in $out)."
	echo
	echo "| load | Lull | Linux | speed, Lull / Linux | host CPU-ms per request, Lull | Linux | CPU ratio |"
	echo "|---|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	if [ ${#idle_rows[@]} -gt 0 ]; then
		echo
		echo "Idle: host CPU % of one core over $IDLE_S s, from $SETTLE s after the first"
		echo "answer, beside the floor guest (halts forever; the PIT that firmware"
		echo "programs keeps ticking); start-up to the first answer in ms."
		echo
		echo "| server | idle, Lull | idle, Linux | floor | start-up, Lull | start-up, Linux |"
		echo "|---|---|---|---|---|---|"
		printf '%s\n' "${idle_rows[@]}"
	fi
	[ -z "$errors" ] || { echo; echo "wrk's errors (a timeout is a request unanswered after wrk's 2 s): ${errors%; }."; }
	echo
	echo "Measured $(cat "$out/date") on $(nproc) host cores in $(result host minutes) minutes;"
	echo "host load average (1/5/15 min) $(result host load-before) before and $(result host load-after) after;"
	echo "the host's cores were busy $(result host busy)% of one core on average over the run"
	echo "(this benchmark and everything else). Reproduce: \`$cmd\`."
} >"$out/section.md"
update_section bench-apps "$out/section.md"
cat "$out/section.md"
