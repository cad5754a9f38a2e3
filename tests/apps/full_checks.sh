# full_checks.sh: the applications' own long test suites, for
# `make test-apps-full` (ONLY=apps-full in tests/run.sh; not part of
# `make test`):
# - Redis's test suite (`./runtest` from Debian's source) against
#   redis-server in a Lull guest, as an external server: tests tagged
#   external:skip skip themselves, replication (needs:repl) is left out. The
#   counts are printed. tests/apps/redis_suite_exceptions.txt lists, each
#   with its cause, the tests skipped (they cannot run against a server
#   without fork, and their Tcl error would end their whole unit) and the
#   known failures; any other failure fails the check, and a listed failure
#   that passes is reported so that the list stays true. The guest is reached through a tap
#   device (root), not QEMU's user networking: that one forwards what the
#   host sends on several connections newest connection first (seen in a
#   packet capture), and tests that send a command on each of three
#   connections and expect them served in that order would wait forever.
# - SQLite's speedtest1 at its full size (100) in memory and on a FAT disk,
#   with the rollback journal and in WAL mode.
# Sourced by tests/run.sh (uses pass/fail, free_port, wait_for_line,
# wait_for_exit, app_run, $LULL, $BUILD).

source tests/apps/run_guest.sh

REDIS_EXCEPTIONS=tests/apps/redis_suite_exceptions.txt
REDIS_TAP=lullredis0
REDIS_HOST_IP=10.77.0.1
REDIS_GUEST_IP=10.77.0.2

# The test names of one kind (skip, fails) in $REDIS_EXCEPTIONS.
redis_listed() {
	awk -F '\t' -v kind="$1" '$1 == kind { print $2 }' "$REDIS_EXCEPTIONS"
}

# The names of the failed tests in a runtest log, one per line.
redis_failed_tests() {
	sed -n 's/^\[\(err\|exception\|aborted\)\]: \(.*\) in tests\/.*/\2/p' "$1" | sort -u
}

run_redis_suite() {
	local src=$BUILD/apps/redis log out port pid disk known failed unknown fixed counts
	if [ ! -x "$src/runtest" ] || [ ! -f "$BUILD/apps/redis-server.elf" ]; then
		fail apps-full/redis-suite "Redis is not built (make apps-redis)"
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		fail apps-full/redis-suite "needs root for its tap device"
		return
	fi
	ip link del "$REDIS_TAP" 2>/dev/null
	if ! ip tuntap add dev "$REDIS_TAP" mode tap || ! ip addr add "$REDIS_HOST_IP/24" dev "$REDIS_TAP" ||
		! ip link set "$REDIS_TAP" up; then
		fail apps-full/redis-suite "cannot make the tap device $REDIS_TAP"
		return
	fi
	log=$(mktemp)
	out=$(mktemp)
	disk=$(mktemp)
	rm -f "$disk"
	"$LULL" disk create "$disk" 256M >/dev/null
	port=6379
	# The suite's own servers run with tests/assets/default.conf; the
	# options below are the ones of it that tests rely on.
	"$LULL" run "$BUILD/apps/redis-server.elf" --smp 2 --mem 1G --net "tap:$REDIS_TAP" \
		--disk "$disk" --mount /data \
		-- "lull.ip=$REDIS_GUEST_IP" lull.mask=255.255.255.0 \
		--port 6379 --bind 0.0.0.0 --protected-mode no --dir /data --save '' \
		--enable-debug-command yes --enable-protected-configs yes --notify-keyspace-events KEA \
		--latency-monitor-threshold 1 >"$log" 2>&1 &
	pid=$!
	if ! wait_for_line "$log" 'Ready to accept connections' "${BOOT_TIMEOUT:-300}" "$pid"; then
		fail apps-full/redis-suite "redis-server did not get ready" "$(cat "$log")"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		rm -f "$log" "$out" "$disk"
		ip link del "$REDIS_TAP"
		return
	fi
	# One runtest per unit: an exception (a Tcl error, e.g. from a test that
	# needs a replica) ends only its unit, which is then listed as aborted.
	# The integration tests run src/redis-cli and src/redis-benchmark from
	# the source tree, which holds Lull's objects: Debian's redis-tools are
	# the same version.
	local tool
	for tool in redis-cli redis-benchmark; do
		[ -e "$src/src/$tool" ] || ln -s "$(command -v "$tool")" "$src/src/$tool"
	done
	local unit units unit_out skipfile
	unit_out=$(mktemp)
	skipfile=$(mktemp)
	redis_listed skip >"$skipfile"
	units=$(sed -n '/^set ::all_tests {/,/^}/{/^ /p}' "$src/tests/test_helper.tcl")
	for unit in ${REDIS_SUITE_UNITS:-$units}; do
		(cd "$src" && timeout "${REDIS_UNIT_TIMEOUT:-900}" ./runtest --host "$REDIS_GUEST_IP" --port "$port" \
			--single "$unit" --tags -needs:repl --timeout 300 --skipfile "$skipfile" \
			${REDIS_SUITE_ARGS:-}) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$unit_out" # no colours
		cat "$unit_out" >>"$out"
		if ! grep -q "done\]: $unit " "$unit_out"; then
			echo "[aborted]: unit $unit in tests/" >>"$out"
		fi
		echo "redis suite: $unit: $(grep -c '^\[ok\]' "$unit_out") ok, $(grep -c '^\[\(err\|exception\)\]' "$unit_out") failed"
	done
	rm -f "$unit_out" "$skipfile"
	kill -TERM "$pid"
	wait_for_exit "$pid" 60 || kill -KILL "$pid"
	wait "$pid"
	ip link del "$REDIS_TAP"
	counts=$(awk '
		/^\[ok\]/ { ok++ } /^\[err\]/ { err++ } /^\[exception\]/ { exc++ }
		/^\[skip\]/ { skip++ } /^\[ignore\]/ { ign++ } /^\[aborted\]/ { ab++ }
		END { printf "%d ok, %d err, %d exception, %d skipped, %d ignored, %d units aborted", ok, err, exc, skip, ign, ab }' "$out")
	echo "redis suite: $counts"
	known=$(redis_listed fails | sort -u)
	failed=$(redis_failed_tests "$out")
	unknown=$(comm -23 <(echo "$failed") <(echo "$known") | sed '/^$/d')
	fixed=$(comm -13 <(echo "$failed") <(echo "$known") | sed '/^$/d')
	if [ -n "$unknown" ]; then
		fail apps-full/redis-suite "failures not in $REDIS_EXCEPTIONS ($counts)" \
			"$unknown
$(grep -A3 '^\[\(err\|exception\)\]' "$out")
---- the guest's console, last lines ----
$(tail -30 "$log")"
	else
		pass "apps-full/redis-suite ($counts)"
	fi
	[ -z "$fixed" ] || echo "note: listed in $REDIS_EXCEPTIONS as failing but passed now:
$fixed"
	rm -f "$log" "$out" "$disk"
}

run_sqlite_full() {
	local speed=$BUILD/apps/speedtest1.elf tmp total mode
	if [ ! -f "$speed" ]; then
		fail apps-full/sqlite "$speed is not built (make apps-sqlite)"
		return
	fi
	tmp=$(mktemp -d)
	total='^ +TOTAL\.+ +[0-9]+\.[0-9]+s$'
	app_run full-speedtest-memory 0 "$total" "$speed" --mem 512M -- --memdb
	grep -E "$total" <<<"$app_out"
	for mode in delete wal; do
		rm -f "$tmp/disk.img"
		"$LULL" disk create "$tmp/disk.img" 256M >/dev/null
		app_run "full-speedtest-$mode" 0 "$total" "$speed" --mem 512M --disk "$tmp/disk.img" \
			-- SQLITE_TMPDIR=/disk0 -- --journal "$mode" /disk0/test.db
		grep -E "$total" <<<"$app_out"
	done
	rm -rf "$tmp"
}

run_full_app_checks() {
	run_sqlite_full
	run_redis_suite
}
