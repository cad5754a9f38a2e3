# checks.sh: examples/httpd seen from a client (tests/http/checks.py): first
# the Linux build on the host, which checks the server's logic alone and
# quickly, then the Lull image under QEMU behind a forwarded host port,
# serving its embedded tree, then the same files from a FAT disk.
# Sourced by tests/run.sh (uses its pass/fail, free_port, BUILD and LULL).

# http_check LABEL PORT PID LOG [WWW]: waits for the server's "listening"
# line in LOG, runs the client against PORT (the files it serves are those
# of WWW, default examples/httpd/www), then stops the server (PID).
http_check() {
	local label=$1 port=$2 pid=$3 log=$4 www=${5:-examples/httpd/www} out rc
	for _ in $(seq 1 120); do
		grep -q "^httpd: listening" "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if ! grep -q "^httpd: listening" "$log"; then
		fail "$label" "the server did not start" "$(cat "$log")"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return
	fi
	out=$(timeout 120 python3 tests/http/checks.py 127.0.0.1 "$port" "$www" 2>&1)
	rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ $rc -eq 0 ]; then
		pass "$label ($(grep -o '[0-9]* requests' <<<"$out"))"
	else
		fail "$label" "checks.py exited $rc" "$(grep -v '^ok ' <<<"$out"; echo '-- server --'; tail -n 20 "$log")"
	fi
}

run_http_checks() {
	local tmp port
	tmp=$(mktemp -d)
	if [ -x "$BUILD/httpd-linux" ]; then
		port=$(free_port)
		"$BUILD/httpd-linux" "$port" examples/httpd/www >"$tmp/linux.log" 2>&1 </dev/null &
		http_check "http/linux" "$port" $! "$tmp/linux.log"
	else
		fail "http/linux" "$BUILD/httpd-linux is not built (make BUILD=$BUILD $BUILD/httpd-linux)"
	fi
	if [ -f "$BUILD/examples/httpd.elf" ]; then
		port=$(free_port)
		"$LULL" run "$BUILD/examples/httpd.elf" --smp 2 -p "$port:80" >"$tmp/lull.log" 2>&1 </dev/null &
		http_check "http/lull [smp=2]" "$port" $! "$tmp/lull.log"
		# FAT keeps times to 2 s: the copies get an even second, which it can hold.
		mkdir -p "$tmp/disk"
		cp -r examples/httpd/www "$tmp/disk/www"
		find "$tmp/disk/www" -exec touch -d @1767225600 {} +
		if "$LULL" disk create "$tmp/www.img" 16M --from "$tmp/disk" >"$tmp/disk.log" 2>&1; then
			port=$(free_port)
			"$LULL" run "$BUILD/examples/httpd.elf" --disk "$tmp/www.img" -p "$port:80" -- 80 /disk0/www \
				>"$tmp/disk.log" 2>&1 </dev/null &
			http_check "http/lull from a FAT disk" "$port" $! "$tmp/disk.log" "$tmp/disk/www"
		else
			fail "http/lull from a FAT disk" "lull disk create failed" "$(cat "$tmp/disk.log")"
		fi
		[ "$(id -u)" = 0 ] && http_burst_check "$tmp"
	else
		fail "http/lull" "$BUILD/examples/httpd.elf is not built (make BUILD=$BUILD examples)"
	fi
	rm -rf "$tmp"
}

# A burst of new connections at 1000 a second on one vCPU, through a tap
# device (root): HTTP_BURST_RUNS VMs in turn, each must answer every
# request. Receive once stopped for good in about one such VM in five,
# when QEMU's TCG elided the guest's store-load fence against the device
# thread (arch/x86_64/device_barrier.c).
http_burst_check() {
	local tmp=$1 tap=lullburst$$ run pid out failed_runs=0 first=
	if ! ip tuntap add "$tap" mode tap || ! ip addr add 10.215.0.1/24 dev "$tap" ||
		! ip link set "$tap" up; then
		fail http/burst-1vcpu "cannot create tap device $tap"
		ip link del "$tap" 2>/dev/null
		return
	fi
	for run in $(seq 1 "${HTTP_BURST_RUNS:-4}"); do
		"$LULL" run "$BUILD/examples/httpd.elf" --machine q35 --net "tap:$tap" -- \
			lull.ip=10.215.0.2 lull.mask=255.255.255.0 >"$tmp/burst.log" 2>&1 </dev/null &
		pid=$!
		out=$("$BUILD/bench/loadgen" --wait-ready 60 --cycles 0 10.215.0.2:80 2>&1 &&
			"$BUILD/bench/loadgen" --rate 1000 --on 8 --timeout 2 10.215.0.2:80 2>&1)
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		if ! grep -q " errors=0 " <<<"$out"; then
			failed_runs=$((failed_runs + 1))
			[ -n "$first" ] || first="run $run: $(tail -n 2 <<<"$out")"
		fi
	done
	ip link del "$tap"
	if [ "$failed_runs" = 0 ]; then
		pass "http/burst-1vcpu (${HTTP_BURST_RUNS:-4} VMs x 8000 requests at 1000/s, every one answered)"
	else
		fail http/burst-1vcpu "$failed_runs VMs left requests unanswered" "$first"
	fi
}
