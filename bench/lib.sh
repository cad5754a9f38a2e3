# lib.sh: helpers shared by the benchmark scripts (sourced, not run).

# The QEMU command every benchmarked guest runs with, so that guests differ
# only in their image: the same flags `lull run` uses (TCG, never KVM).
# usage: qemu_cmd MACHINE SMP MEM IMAGE [APPEND]
qemu_cmd() {
	local machine=$1 smp=$2 mem=$3 image=$4 append=${5:-}
	QEMU_CMD=(qemu-system-x86_64 -M "$machine" -accel tcg -cpu max -m "$mem" -smp "$smp"
		-nodefaults -no-reboot -display none -serial stdio -monitor none
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$image")
	[ -n "$append" ] && QEMU_CMD+=(-append "$append")
	return 0
}

# wait_for_line FILE REGEX SECONDS [PID]: until FILE has a matching line;
# fails at the time limit, or as soon as process PID has exited.
wait_for_line() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			grep -qE -- "$2" "$1" 2>/dev/null
			return
		fi
		sleep 0.2
	done
	return 1
}

# CPU time (utime + stime of all threads, in clock ticks) of a process.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# CPU time in nanoseconds of a process's live threads, from each thread's
# /proc/PID/task/TID/schedstat: the tick counts above move in 10 ms steps,
# too coarse for guests that use well under 0.1% of a CPU.
cpu_ns() {
	local f run rest sum=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r run rest <"$f" 2>/dev/null && sum=$((sum + run))
	done
	echo "$sum"
}

# The pid of the qemu process started with -name NAME (as `lull run --name
# NAME` starts it, with ",debug-threads=on" after the name), or nothing.
qemu_pid_named() {
	pgrep -f -- "^qemu-system.* -name $1(,| |\$)" | head -n 1 || true
}

# stamp_console NAME CONSOLE STAMPS REGEX < console: copies a guest's console
# to CONSOLE and appends each line matching REGEX to STAMPS, followed by the
# host's time (ns) and the CPU time (ns) of the qemu process named NAME when
# the line arrived: the guest marks the phases, the host measures them.
stamp_console() {
	local name=$1 console=$2 stamps=$3 regex=$4 line qemu=
	while IFS= read -r line; do
		line=${line%$'\r'} # a serial console ends its lines with CR LF
		printf '%s\n' "$line" >>"$console"
		if [[ $line =~ $regex ]]; then
			[ -n "$qemu" ] || qemu=$(qemu_pid_named "$name")
			printf '%s %s %s\n' "$line" "$(date +%s%N)" "$(cpu_ns "$qemu")" >>"$stamps"
		fi
	done
}

# Replaces the text between "<!-- NAME:begin -->" and "<!-- NAME:end -->"
# in DOC (default docs/BENCHMARKS.md) with the contents of a file (appends
# the section if it is not there yet).
# usage: update_section NAME FILE [DOC]
update_section() {
	local name=$1 file=$2 doc=${3:-docs/BENCHMARKS.md}
	[ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
	if ! grep -q "<!-- $name:begin -->" "$doc"; then
		printf '\n<!-- %s:begin -->\n<!-- %s:end -->\n' "$name" "$name" >>"$doc"
	fi
	awk -v name="$name" -v file="$file" '
		$0 == "<!-- " name ":begin -->" { print; while ((getline line < file) > 0) print line; skip = 1; next }
		$0 == "<!-- " name ":end -->" { skip = 0 }
		!skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
}

# The settings bench/http.sh and bench/http-scaling.sh share, from the
# environment or these defaults: the build, the VM (MACHINE, MEM), its
# network (http_net's), the closed-loop load (MAX_CLIENTS), when a request
# fails (TIMEOUT seconds) and how long a guest may take to answer at all
# (READY_LIMIT); and the host programs they run.
http_settings() {
	BUILD=${BUILD:-build}
	MACHINE=${MACHINE:-q35}
	MEM=${MEM:-256M}
	NET=${NET:-tap}
	TAP=${TAP:-lullbench0}
	HOST_IP=${HOST_IP:-10.213.0.1}
	GUEST_IP=${GUEST_IP:-10.213.0.2}
	PORT=${PORT:-18080}
	MAX_CLIENTS=${MAX_CLIENTS:-32}
	TIMEOUT=${TIMEOUT:-2}
	READY_LIMIT=${READY_LIMIT:-120}
	SAMPLE_MS=250
	LOADGEN=$BUILD/bench/loadgen
	SAMPLER=$BUILD/bench/cpu_sampler
}

# The HTTP benchmarks' guest network, by NET: tap, the tap device TAP on which the host is HOST_IP/24
# and the guest GUEST_IP with a static address; user, QEMU's user
# networking with host port PORT forwarded to guest port 80. Sets TARGET
# (loadgen's HOST:PORT), NETDEV (QEMU's -netdev), LULL_NET (`lull run`'s
# options) and LINUX_NET (the Linux guest's kernel arguments). BENCH names
# the benchmark in messages.
http_net() {
	case $NET in
	tap)
		TARGET=$GUEST_IP:80
		NETDEV="tap,id=net0,ifname=$TAP,script=no,downscript=no"
		LULL_NET=(--net "tap:$TAP" -- "lull.ip=$GUEST_IP" lull.mask=255.255.255.0)
		LINUX_NET="guest_ip=$GUEST_IP"
		;;
	user)
		TARGET=127.0.0.1:$PORT
		NETDEV="user,id=net0,hostfwd=tcp::$PORT-:80"
		LULL_NET=(-p "$PORT:80")
		LINUX_NET=""
		;;
	*)
		echo "$BENCH: NET=$NET: expected tap or user" >&2
		exit 2
		;;
	esac
}

# The guest network of http_net, in words for the reports.
net_words() {
	if [ "$NET" = tap ]; then
		echo "on a tap device (host $HOST_IP/24, guest $GUEST_IP, static addresses)"
	else
		echo "on QEMU's user networking with a host port forwarded to port 80"
	fi
}

# For NET=tap, makes the tap device TAP unless it exists (then it is the
# caller's, with the host's address on it already) and sets MADE_TAP=1;
# http_tap_down removes it.
http_tap_up() {
	MADE_TAP=0
	[ "$NET" = tap ] && ! ip link show "$TAP" >/dev/null 2>&1 || return 0
	[ "$(id -u)" = 0 ] || { echo "$BENCH: NET=tap needs root to make $TAP (or run with NET=user)" >&2; exit 1; }
	ip tuntap add dev "$TAP" mode tap
	MADE_TAP=1
	ip addr add "$HOST_IP/24" dev "$TAP"
	ip link set "$TAP" up
	# Without it, a probe sent before the guest is up leaves the host's
	# ARP entry unresolved and the first answer waits for the next ARP
	# retry, up to a second later: the host's ARP timer, not the guest's
	# start-up, would set the time to the first 200. QEMU gives every
	# guest's first NIC this address.
	ip neigh replace "$GUEST_IP" lladdr 52:54:00:12:34:56 dev "$TAP" nud permanent
}

http_tap_down() {
	[ "${MADE_TAP:-0}" = 0 ] || ip link del "$TAP" 2>/dev/null || true
}

# Starts an httpd image with a `lull` tool in the background, on MACHINE
# with MEM and the network of http_net; sets LAUNCHER.
# usage: start_lull_httpd LULL IMAGE SMP CONSOLE
start_lull_httpd() {
	"$1" run "$2" --smp "$3" --mem "$MEM" --machine "$MACHINE" "${LULL_NET[@]}" >"$4" 2>&1 </dev/null &
	LAUNCHER=$!
}

# Waits (READY_LIMIT seconds at most) until the guest at TARGET answers
# 200, writing loadgen's ready_ms line to READY; else shows the end of the
# guest's console and exits.
# usage: wait_http_ready NAME CONSOLE READY
wait_http_ready() {
	"$LOADGEN" --wait-ready "$READY_LIMIT" --cycles 0 "$TARGET" >"$3" && return 0
	echo "$BENCH: $1 never answered; its console:" >&2
	tail -n 30 "$2" >&2
	exit 1
}

# Sets QEMU_PID to the qemu process of LAUNCHER: the launcher itself or,
# for `lull run`, its child.
# usage: launcher_qemu NAME CONSOLE
launcher_qemu() {
	QEMU_PID=$LAUNCHER
	[ "$(cat "/proc/$LAUNCHER/comm" 2>/dev/null)" = qemu-system-x86 ] && return 0
	local i
	for i in $(seq 200); do
		QEMU_PID=$(pgrep -P "$LAUNCHER" -x qemu-system-x86 || true)
		[ -n "$QEMU_PID" ] && return 0
		sleep 0.01
	done
	echo "$BENCH: no qemu process for $1 (see $2)" >&2
	exit 1
}

# Finds the guest's qemu process (launcher_qemu), records its CPU time
# into CPU_FILE every SAMPLE_MS and waits SETTLE seconds; sets QEMU_PID and
# SAMPLER_PID and adds both to the caller's pids, which it kills on exit.
# usage: sample_guest NAME CONSOLE CPU_FILE
sample_guest() {
	launcher_qemu "$1" "$2"
	"$SAMPLER" "$QEMU_PID" "$SAMPLE_MS" >"$3" &
	SAMPLER_PID=$!
	pids+=("$QEMU_PID" "$SAMPLER_PID")
	sleep "$SETTLE"
}

# Stops the guest of LAUNCHER and QEMU_PID and its CPU sampler, saying so
# first if its VM had already stopped.
# usage: stop_http_guest NAME CONSOLE SAMPLER_PID
stop_http_guest() {
	if ! kill -0 "$QEMU_PID" 2>/dev/null; then
		echo "$BENCH: $1's VM stopped during the run; its console ends:" >&2
		tail -n 20 "$2" | sed 's/^/  /' >&2
	fi
	# `lull run` passes SIGTERM on to its qemu.
	kill "$LAUNCHER" "$QEMU_PID" 2>/dev/null || true
	wait "$LAUNCHER" 2>/dev/null || true
	wait "$3" 2>/dev/null || true
}

# Sets LOADGEN_ARGS to bench/loadgen's load options for RATE: requests a
# second, open loop, or "max", closed loop with MAX_CLIENTS clients; on
# keep-alive connections when KEEP_ALIVE is 1, else a new connection per
# request.
# usage: loadgen_load RATE KEEP_ALIVE
loadgen_load() {
	if [ "$1" = max ]; then
		LOADGEN_ARGS=(--rate 0 --connections "$MAX_CLIENTS")
	else
		LOADGEN_ARGS=(--rate "$1")
	fi
	[ "$2" != 1 ] || LOADGEN_ARGS+=(--keep-alive)
}

# key=value from a loadgen output file.
field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }

# From a cpu_sampler file and the loadgen file of the same run, prints
# "BURST% SILENCE% MS_PER_REQUEST", or "- - -" when the samples end before
# the run does (the VM stopped). Each burst is followed by OFF seconds of
# silence, of which the first SKIP and last GUARD seconds are not counted
# as silence; CPU time at a window's edges is interpolated between samples.
# CPU-ms per request is the CPU time of the whole run (bursts and
# silences) over the requests answered 200. With SERIES, also writes there
# the CPU % series relative to the first burst, for a plot.
# usage: burst_cpu CPU_FILE LOADGEN_FILE OFF SKIP GUARD [SERIES]
burst_cpu() {
	awk -v bursts="$(field "$2" bursts)" -v T="$3" -v skip="$4" -v guard="$5" \
		-v ok="$(field "$2" ok)" -v series="${6:-/dev/null}" '
	function cpu_at(t,   i) {
		for (i = 2; i <= n && ts[i] < t; i++);
		if (i > n) i = n;
		return cs[i - 1] + (cs[i] - cs[i - 1]) * (t - ts[i - 1]) / (ts[i] - ts[i - 1]);
	}
	{ n++; ts[n] = $1; cs[n] = $2 }
	END {
		nb = split(bursts, b, ",");
		for (k = 1; k <= nb; k++) {
			split(b[k], e, ":");
			on_ms += cpu_at(e[2]) - cpu_at(e[1]); on_s += e[2] - e[1];
			off_ms += cpu_at(e[2] + T - guard) - cpu_at(e[2] + skip);
			off_s += T - guard - skip;
			if (k == 1) first = e[1];
		}
		split(b[nb], e, ":"); last = e[2] + T;
		for (i = 2; i <= n; i++)
			if (ts[i] > first && ts[i - 1] < last)
				printf "%.3f %.2f\n", ts[i - 1] - first,
					100 * (cs[i] - cs[i - 1]) / 1000 / (ts[i] - ts[i - 1]) > series;
		if (n < 2 || ts[n] < last - 0.5) {
			print "- - -";
			exit;
		}
		total = cpu_at(last) - cpu_at(first);
		per_request = ok > 0 ? sprintf("%.3f", total / ok) : "-";
		printf "%.1f %.2f %s\n", 100 * on_ms / 1000 / on_s, 100 * off_ms / 1000 / off_s, per_request;
	}' "$1"
}
