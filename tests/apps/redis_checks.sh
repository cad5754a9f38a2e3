# redis_checks.sh: redis-server 7.0 from Debian's source
# (build/apps/redis-server.elf, built by apps/redis/build.sh with lull cc)
# serves the host's redis-cli and redis-benchmark (Debian's redis-tools) on
# 2 vCPUs, on each of $MACHINES: SET/GET/INCR/LPUSH/LRANGE answer as on
# Linux; BGSAVE, which needs fork, is an error reply and the server goes on;
# a short redis-benchmark completes; SIGTERM to `lull run` stops the VM.
# Sourced by tests/run.sh (uses pass/fail, free_port, wait_for_line,
# wait_for_exit, $LULL, $BUILD, $MACHINES).

# redis_expect NAME PORT EXPECTED COMMAND...: one redis-cli command whose
# output (without a tty: one line per value, errors as the message) must be
# EXPECTED.
redis_expect() {
	local name=$1 port=$2 want=$3 out
	shift 3
	out=$(timeout 30 redis-cli -p "$port" "$@" 2>&1)
	if [ "$out" != "$want" ]; then
		fail "apps/$name" "redis-cli $* answered differently" "expected:
$want
got:
$out"
	else
		pass "apps/$name"
	fi
}

run_redis_checks() {
	local redis=$BUILD/apps/redis-server.elf m port log pid out
	if [ ! -f "$redis" ]; then
		fail "apps/redis" "$redis is not built (make apps-redis)"
		return
	fi
	if ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null; then
		fail "apps/redis" "redis-cli and redis-benchmark are missing (tools/install-deps.sh installs redis-tools)"
		return
	fi
	log=$(mktemp)
	for m in $MACHINES; do
		port=$(free_port)
		"$LULL" run "$redis" --machine "$m" --smp 2 -p "$port:6379" \
			-- --port 6379 --bind 0.0.0.0 --protected-mode no --save '' >"$log" 2>&1 &
		pid=$!
		if ! wait_for_line "$log" 'Ready to accept connections' "${BOOT_TIMEOUT:-300}" "$pid"; then
			fail "apps/redis-start-$m" "redis-server did not get ready" "$(cat "$log")"
			kill "$pid" 2>/dev/null
			wait "$pid"
			continue
		fi
		pass "apps/redis-start-$m"
		redis_expect "redis-set-$m" "$port" OK set a 1
		redis_expect "redis-get-$m" "$port" 1 get a
		redis_expect "redis-incr-$m" "$port" 2 incr a
		redis_expect "redis-lpush-$m" "$port" 3 lpush list x y z
		redis_expect "redis-lrange-$m" "$port" $'z\ny\nx' lrange list 0 -1
		# Without fork Redis reports the failure (its log says why) and
		# keeps serving.
		out=$(timeout 30 redis-cli -p "$port" bgsave 2>&1)
		if [[ "$out" != ERR* ]] || ! grep -q "Can't save in background: fork" "$log"; then
			fail "apps/redis-bgsave-error-$m" "BGSAVE is not an error reply, or Redis did not log fork's failure" \
				"reply: $out
$(cat "$log")"
		else
			pass "apps/redis-bgsave-error-$m"
		fi
		redis_expect "redis-alive-after-bgsave-$m" "$port" 2 get a
		# About 5 s under TCG on an idle host; one line per test when done.
		# 10 clients: with the default 50, connections through QEMU's
		# user-mode network stalled for tens of seconds between tests.
		out=$(timeout 120 redis-benchmark -p "$port" -q -c 10 -n 10000 -t set,get,incr,lpush,lrange_100 2>&1 |
			tr '\r' '\n' | grep 'requests per second')
		if [ "$(grep -c 'requests per second' <<<"$out")" -ne 6 ]; then
			fail "apps/redis-benchmark-$m" "redis-benchmark did not complete its 6 tests" "$out"
		else
			pass "apps/redis-benchmark-$m"
		fi
		kill -TERM "$pid"
		if ! wait_for_exit "$pid" 30; then
			fail "apps/redis-sigterm-$m" "lull run still runs 30 s after SIGTERM" "$(cat "$log")"
			kill -KILL "$pid"
		fi
		wait "$pid"
		if [ $? -ne 143 ]; then
			fail "apps/redis-sigterm-$m" "lull run did not exit with 143 after SIGTERM" "$(cat "$log")"
		else
			pass "apps/redis-sigterm-$m"
		fi
	done
	rm -f "$log"
}
