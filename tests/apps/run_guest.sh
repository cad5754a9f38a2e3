# run_guest.sh: the one-guest-run check the application checks share
# (tests/apps/*_checks.sh source it; uses fail/pass and $LULL from
# tests/run.sh).

# app_run NAME EXPECTED_STATUS REGEX LULL_RUN_ARGS...: one guest run whose
# exit status must be EXPECTED_STATUS and one of whose lines must match
# REGEX; the output is left in $app_out for further checks.
app_run() {
	local name=$1 want=$2 regex=$3 rc
	shift 3
	app_out=$(timeout "${BOOT_TIMEOUT:-300}" "$LULL" run "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "apps/$name" "exit status $rc, expected $want" "$app_out"
	elif ! grep -qE -- "$regex" <<<"$app_out"; then
		fail "apps/$name" "no line matches '$regex'" "$app_out"
	else
		pass "apps/$name"
		return 0
	fi
	return 1
}
