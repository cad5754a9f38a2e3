# redis_checks.sh: redis-server 7.0 from Debian's source
# (build/apps/redis-server.elf, built by apps/redis/build.sh with lull cc)
# serves the host's redis-cli and redis-benchmark (Debian's redis-tools) on
# 2 vCPUs, on each of $MACHINES: SET/GET/INCR/LPUSH/LRANGE answer as on
# Linux; BGSAVE, which needs fork, is an error reply and the server goes on;
# a short redis-benchmark completes; SAVE writes dump.rdb to a FAT disk,
# SIGTERM to `lull run` reaches Redis, which saves again and exits 0, and a
# new VM on the same disk loads what both saves wrote.
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

# redis_start LABEL PORT DISK: boots redis-server on 2 vCPUs with its
# directory on DISK (mounted at /data, no automatic saves); sets $pid and
# fills $log. Fails LABEL and returns 1 when it does not get ready.
redis_start() {
	local label=$1 port=$2 disk=$3
	: >"$log" # now: the job's own redirection may come after the first look
	"$LULL" run "$BUILD/apps/redis-server.elf" --machine "$m" --smp 2 -p "$port:6379" \
		--disk "$disk" --mount /data \
		-- --port 6379 --bind 0.0.0.0 --protected-mode no --dir /data --save '' >"$log" 2>&1 &
	pid=$!
	if ! wait_for_line "$log" 'Ready to accept connections' "${BOOT_TIMEOUT:-300}" "$pid"; then
		fail "apps/$label" "redis-server did not get ready" "$(cat "$log")"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		return 1
	fi
	pass "apps/$label"
}

# redis_stop LABEL: SIGTERM to lull run reaches Redis's handler: Redis
# shuts down (saving when save points are set) and exits 0.
redis_stop() {
	kill -TERM "$pid"
	if ! wait_for_exit "$pid" 60; then
		fail "apps/$1" "lull run still runs 60 s after SIGTERM" "$(cat "$log")"
		kill -KILL "$pid"
	fi
	wait "$pid"
	local rc=$?
	if [ $rc -ne 0 ] || ! grep -q 'ready to exit, bye bye' "$log"; then
		fail "apps/$1" "Redis did not shut down on SIGTERM (lull run exited $rc)" "$(cat "$log")"
	else
		pass "apps/$1"
	fi
}

run_redis_checks() {
	local redis=$BUILD/apps/redis-server.elf m port log pid out disk
	if [ ! -f "$redis" ]; then
		fail "apps/redis" "$redis is not built (make apps-redis)"
		return
	fi
	if ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null; then
		fail "apps/redis" "redis-cli and redis-benchmark are missing (tools/install-deps.sh installs redis-tools)"
		return
	fi
	log=$(mktemp)
	disk=$(mktemp)
	for m in $MACHINES; do
		port=$(free_port)
		rm -f "$disk"
		if ! "$LULL" disk create "$disk" 64M >/dev/null; then
			fail "apps/redis-disk-$m" "lull disk create failed"
			continue
		fi
		redis_start "redis-start-$m" "$port" "$disk" || continue
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
		# SAVE writes /data/dump.rdb; a key set afterwards reaches the disk
		# only through the save Redis makes on SIGTERM once save points exist.
		redis_expect "redis-save-$m" "$port" OK save
		redis_expect "redis-set-after-save-$m" "$port" OK set after-save yes
		redis_expect "redis-save-points-$m" "$port" OK config set save "3600 1"
		redis_stop "redis-sigterm-saves-$m"
		if grep -q 'DB saved on disk' "$log"; then
			pass "apps/redis-shutdown-save-$m"
		else
			fail "apps/redis-shutdown-save-$m" "Redis did not save at shutdown" "$(cat "$log")"
		fi
		# A new VM on the same disk loads dump.rdb.
		redis_start "redis-restart-$m" "$port" "$disk" || continue
		redis_expect "redis-reloaded-$m" "$port" 2 get a
		redis_expect "redis-reloaded-list-$m" "$port" $'z\ny\nx' lrange list 0 -1
		redis_expect "redis-reloaded-shutdown-save-$m" "$port" yes get after-save
		redis_stop "redis-sigterm-$m"
	done
	rm -f "$log" "$disk"
}
