# connect_checks.sh: many clients connecting at once to a guest through
# QEMU's user networking, as a new user would try a server (sourced by
# tests/run.sh, which defines pass, fail, free_port, wait_for_line, BUILD
# and LULL; needs no root). examples/echo (a thread per connection,
# backlog 128) runs on `--smp 2`; CONNECT_CONNECTIONS host clients connect
# at the same moment, each sends CONNECT_BYTES and reads them back
# (tests/net/linux_peer.py echo-client), CONNECT_ROUNDS times in a row on
# one VM per machine type. A single reset, short echo or timeout fails the
# check. Issue 16 found one connection reset in about one run of four.

CONNECT_ROUNDS=${CONNECT_ROUNDS:-20}
CONNECT_CONNECTIONS=${CONNECT_CONNECTIONS:-20}
CONNECT_BYTES=${CONNECT_BYTES:-200000}

# concurrent_connect_check MACHINE
concurrent_connect_check() {
	local machine=$1 port log pid round out failed_rounds=0 first_failure=
	port=$(free_port)
	log=$(mktemp)
	timeout 1800 "$LULL" run "$BUILD/examples/echo.elf" --machine "$machine" --smp 2 \
		-p "$port:7000" -- 7000 >"$log" 2>&1 &
	pid=$!
	if ! wait_for_line "$log" "listening on 7000" 120 "$pid"; then
		fail "net/concurrent-connects-$machine" "the echo server did not start" "$(cat "$log")"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$log"
		return
	fi
	for round in $(seq 1 "$CONNECT_ROUNDS"); do
		if ! out=$(python3 tests/net/linux_peer.py echo-client 127.0.0.1 "$port" \
			"$CONNECT_CONNECTIONS" "$CONNECT_BYTES" 120 2>&1); then
			failed_rounds=$((failed_rounds + 1))
			[ -n "$first_failure" ] || first_failure="round $round: $out"
		fi
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local what="$CONNECT_ROUNDS rounds of $CONNECT_CONNECTIONS simultaneous connections x $CONNECT_BYTES bytes"
	if [ "$failed_rounds" = 0 ]; then
		pass "net/concurrent-connects-$machine ($what)"
	else
		fail "net/concurrent-connects-$machine" "$failed_rounds of $what failed" \
			"$first_failure"$'\n-- guest --\n'"$(tail -n 20 "$log")"
	fi
	rm -f "$log"
}

run_connect_checks() {
	concurrent_connect_check microvm
	concurrent_connect_check q35
}
