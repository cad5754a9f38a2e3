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
	else
		fail "http/lull" "$BUILD/examples/httpd.elf is not built (make BUILD=$BUILD examples)"
	fi
	rm -rf "$tmp"
}
