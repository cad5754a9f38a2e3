# stop_checks.sh: `lull run` asked to stop (SIGTERM, SIGINT) hands the
# application SIGTERM: a handler runs and the program's own exit status
# comes back; without a handler the kernel ends it (143); a program that
# ignores SIGTERM is stopped after --stop-timeout, and a second signal
# stops it at once. Sourced by tests/run.sh (uses pass/fail, wait_for_line,
# wait_for_exit, $LULL, $BUILD, $MACHINES).

# stop_case LABEL MODE SIGNALS WANT_STATUS REGEX [LULL_RUN_OPTIONS...]: boots the
# guest in MODE, sends lull run each of SIGNALS (comma-separated, a second
# apart) once it is ready, and checks the exit status and the output.
stop_case() {
	local label=$1 mode=$2 signals=$3 want=$4 regex=$5 log pid rc sig
	shift 5
	log=$(mktemp)
	"$LULL" run "$BUILD/tests/cli/stop_request.elf" "$@" -- "$mode" >"$log" 2>&1 &
	pid=$!
	if ! wait_for_line "$log" '^ready' "${BOOT_TIMEOUT:-300}" "$pid"; then
		fail "cli/$label" "the guest did not get ready" "$(cat "$log")"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		rm -f "$log"
		return
	fi
	for sig in ${signals//,/ }; do
		kill "-$sig" "$pid"
		sleep 1
	done
	if ! wait_for_exit "$pid" 60; then
		fail "cli/$label" "lull run still runs 60 s after $signals" "$(cat "$log")"
		kill -KILL "$pid"
	fi
	wait "$pid"
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$regex" "$log"; then
		fail "cli/$label" "exit status $rc (expected $want), or no line matches '$regex'" "$(cat "$log")"
	else
		pass "cli/$label"
	fi
	rm -f "$log"
}

run_stop_checks() {
	local m
	mkdir -p "$BUILD/tests/cli"
	if ! "$LULL" build tests/cli/guests/stop_request.c -o "$BUILD/tests/cli/stop_request.elf" >/dev/null; then
		fail cli/stop-build "lull build tests/cli/guests/stop_request.c failed"
		return
	fi
	for m in $MACHINES; do
		stop_case "stop-handler-$m" handle TERM 3 '^got signal 15: saved' --machine "$m" --smp 2
		stop_case "stop-sigint-$m" handle INT 3 '^got signal 15: saved' --machine "$m"
	done
	stop_case stop-default default TERM 143 'terminated by signal 15'
	stop_case stop-ignored ignore TERM 143 'did not stop within 2 s' --stop-timeout 2
	stop_case stop-second-signal ignore TERM,TERM 143 '^ready'
	stop_case stop-timeout-zero handle TERM 143 '^ready' --stop-timeout 0
}
