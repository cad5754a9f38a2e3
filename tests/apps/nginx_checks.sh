# nginx_checks.sh: nginx 1.22 from Debian's source (built by
# apps/nginx/build.sh with lull cc) serves the host's curl on 2 vCPUs, on
# each of $MACHINES: a 1 MiB file from the embedded tree arrives byte-exact
# (sendfile into the TCP socket), a missing path is a 404, two requests on
# one curl command line share one keep-alive connection, and SIGTERM to
# `lull run` stops the VM. Without the writable disk for /var/nginx, nginx
# stops at start with a clear error. Sourced by tests/run.sh (uses
# pass/fail, free_port, wait_for_line, wait_for_exit, $LULL, $BUILD,
# $MACHINES).

source tests/apps/run_guest.sh

# The image: nginx's objects linked again with build.sh's embedded tree
# plus the 1 MiB file (random, so that a misplaced block shows).
nginx_test_image() {
	local tmp=$1 root=$BUILD/apps/nginx-root
	cp -r "$root" "$tmp/root"
	head -c 1048576 /dev/urandom >"$tmp/root/nginx/html/big.bin"
	"$LULL" build $(find "$BUILD/apps/nginx/objs" -name '*.o' | sort) --files "$tmp/root" \
		-o "$tmp/nginx.elf" >"$tmp/build.log" 2>&1
}

# nginx_serves_checks M PORT TMP: the requests, against a started guest.
nginx_serves_checks() {
	local m=$1 port=$2 tmp=$3 want got code out
	want=$(sha256sum <"$tmp/root/nginx/html/big.bin")
	got=$(timeout 60 curl -sf "http://127.0.0.1:$port/big.bin" | sha256sum)
	if [ "$got" != "$want" ]; then
		fail "apps/nginx-1mb-file-$m" "the 1 MiB file's sha256 differs" "want $want, got $got"
	else
		pass "apps/nginx-1mb-file-$m"
	fi
	code=$(timeout 30 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/missing")
	if [ "$code" != 404 ]; then
		fail "apps/nginx-404-$m" "a missing path answered $code"
	else
		pass "apps/nginx-404-$m"
	fi
	# curl reuses the connection for the second URL only if nginx kept it
	# open after the first response; it says so on stderr.
	out=$(timeout 60 curl -sv -o /dev/null -o "$tmp/index.html" "http://127.0.0.1:$port/big.bin" \
		"http://127.0.0.1:$port/index.html" 2>&1)
	if ! grep -q 'Re-using existing connection' <<<"$out" || [ "$(grep -c '^< HTTP/1.1 200' <<<"$out")" -ne 2 ] ||
		! grep -q 'Welcome to nginx!' "$tmp/index.html"; then
		fail "apps/nginx-keepalive-$m" "two requests did not share one connection, or failed" "$out"
	else
		pass "apps/nginx-keepalive-$m"
	fi
}

run_nginx_checks() {
	local m port tmp log pid
	if [ ! -f "$BUILD/apps/nginx.elf" ]; then
		fail "apps/nginx" "$BUILD/apps/nginx.elf is not built (make apps-nginx)"
		return
	fi
	tmp=$(mktemp -d)
	if ! nginx_test_image "$tmp"; then
		fail "apps/nginx" "linking nginx with the test's files failed" "$(cat "$tmp/build.log")"
		rm -rf "$tmp"
		return
	fi
	log=$tmp/console.log
	app_run nginx-read-only-var 1 'mkdir\(\) "/var/nginx/[a-z_]*" failed \(30: Read-only file system\)' \
		"$tmp/nginx.elf"
	for m in $MACHINES; do
		port=$(free_port)
		"$LULL" disk create "$tmp/var.img" 4M --force >/dev/null
		"$LULL" run "$tmp/nginx.elf" --machine "$m" --smp 2 -p "$port:80" \
			--disk "$tmp/var.img" --mount /var/nginx >"$log" 2>&1 &
		pid=$!
		# nginx listens before it reports the limits, its last line at start.
		if ! wait_for_line "$log" 'getrlimit\(RLIMIT_NOFILE\)' "${BOOT_TIMEOUT:-300}" "$pid"; then
			fail "apps/nginx-start-$m" "nginx did not start" "$(cat "$log")"
			kill "$pid" 2>/dev/null
			wait "$pid"
			continue
		fi
		pass "apps/nginx-start-$m"
		nginx_serves_checks "$m" "$port" "$tmp"
		kill -TERM "$pid"
		if ! wait_for_exit "$pid" 30; then
			fail "apps/nginx-sigterm-$m" "lull run still runs 30 s after SIGTERM" "$(cat "$log")"
			kill -KILL "$pid"
		fi
		wait "$pid"
		if [ $? -ne 143 ]; then
			fail "apps/nginx-sigterm-$m" "lull run did not exit with 143 after SIGTERM" "$(cat "$log")"
		else
			pass "apps/nginx-sigterm-$m"
		fi
	done
	rm -rf "$tmp"
}
