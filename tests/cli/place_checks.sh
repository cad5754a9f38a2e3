# place_checks.sh: `lull place` refuses bad input with file:line and the
# documented exit status, prints a plan in a dry run, and keeps running on
# a bad policy reload. Sourced by tests/run.sh (uses pass/fail, expect_cli
# from checks.sh).

# expect_place_stdout LABEL REGEX CMD...: CMD exits 0 and stdout matches.
expect_place_stdout() {
	local label=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then fail "cli/$label" "exit status $rc, expected 0" "$out"; return; fi
	if ! grep -qE -- "$pattern" <<<"$out"; then fail "cli/$label" "output does not match /$pattern/" "$out"; return; fi
	pass "cli/$label"
}

# A SIGHUP with a broken policy file keeps the running policy; SIGTERM
# ends the daemon with status 0.
place_reload_check() {
	local tmp=$1 pid out rc
	printf 'mode numa\n' >"$tmp/live.policy"
	"$LULL" place --dry-run --interval 0.2 --policy "$tmp/live.policy" --proc "$tmp/proc" \
		--synthetic "package:2 [numa] core:2 pu:1" 2>"$tmp/reload.log" >/dev/null &
	pid=$!
	sleep 0.5
	printf 'mode numa\nsustain three\n' >"$tmp/live.policy"
	kill -HUP "$pid"
	sleep 0.5
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "cli/place-reload-bad-policy" "the daemon died on SIGHUP" "$(cat "$tmp/reload.log")"
		return
	fi
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	out=$(cat "$tmp/reload.log")
	if [ "$rc" != 0 ]; then fail "cli/place-reload-bad-policy" "exit status $rc after SIGTERM" "$out"; return; fi
	if ! grep -q "policy not reloaded, the previous one stays: .*live.policy:2: sustain" <<<"$out"; then
		fail "cli/place-reload-bad-policy" "no log line saying the bad file was refused" "$out"
		return
	fi
	pass "cli/place-reload-bad-policy"
}

run_place_checks() {
	local tmp synth="package:2 group:2 [numa] core:4 pu:2"
	tmp=$(mktemp -d)
	mkdir -p "$tmp/proc/sys/kernel"
	echo 1 >"$tmp/proc/sys/kernel/numa_balancing"
	printf 'mode numa\nvm db-* pinned\n\nmode shared\n' >"$tmp/twice.policy"
	printf 'vm web-* weight lots\n' >"$tmp/weight.policy"
	printf 'steal-threshold 10\nfrobnicate\n' >"$tmp/unknown.policy"
	: >"$tmp/mountinfo"
	expect_cli place-policy-twice 2 "twice.policy:4: mode given twice \(first on line 1\)" \
		"$LULL" place --dry-run --once --policy "$tmp/twice.policy"
	expect_cli place-policy-weight 2 "weight.policy:1: weight: \"lots\" is not an integer" \
		"$LULL" place --dry-run --once --policy "$tmp/weight.policy"
	expect_cli place-policy-unknown 2 "unknown.policy:2: unknown directive \"frobnicate\"" \
		"$LULL" place --dry-run --once --policy "$tmp/unknown.policy"
	expect_cli place-policy-missing 2 "no-such.policy: No such file" \
		"$LULL" place --policy "$tmp/no-such.policy"
	expect_cli place-bad-mode 2 "--mode must be shared, per-vm or numa" "$LULL" place --mode fair
	expect_cli place-bad-interval 2 "--interval wants seconds" "$LULL" place --interval 0
	expect_cli place-bad-option 2 "unknown or incomplete option \"--frob\"" "$LULL" place --frob
	expect_cli place-bad-synthetic 1 "not an hwloc synthetic topology" \
		"$LULL" place --dry-run --once --synthetic "banana:3" --proc "$tmp/proc"
	expect_cli place-no-cgroups 1 "no cgroup hierarchy with the cpu controller" \
		"$LULL" place --once --mountinfo "$tmp/mountinfo" --proc "$tmp/proc" --synthetic "$synth"
	expect_cli place-autonuma-report 0 "numa_balancing is 1 \(on\) with 4 NUMA nodes.*recommended" \
		"$LULL" place --dry-run --once --synthetic "$synth" --proc "$tmp/proc"
	expect_place_stdout place-help "Policy file .*" "$LULL" place --help
	expect_place_stdout place-dry-run-plan "dry run: plan: mode numa, 4 nodes" \
		"$LULL" place --dry-run --once --mode numa --synthetic "$synth" --proc "$tmp/proc"
	expect_place_stdout place-dry-run-json '^\{"dry_run":true,"mode":"shared".*"nodes":\[\{"index":0' \
		"$LULL" place --dry-run --once --json --synthetic "$synth" --proc "$tmp/proc"
	place_reload_check "$tmp"
	rm -rf "$tmp"
}
