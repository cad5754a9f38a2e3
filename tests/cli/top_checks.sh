# top_checks.sh: `lull top` refuses bad options with a clear message and
# exit status 2, and its --once --json output is one valid JSON document.
# Sourced by tests/run.sh after checks.sh (uses expect_cli, pass, fail).

run_top_checks() {
	local empty out
	empty=$(mktemp -d)
	expect_cli top-unknown-option 2 "unknown option --frobnicate" "$LULL" top --frobnicate
	expect_cli top-bad-interval 2 "--interval abc" "$LULL" top --interval abc --once
	expect_cli top-zero-interval 2 "--interval 0" "$LULL" top --interval 0 --once
	expect_cli top-bad-count 2 "--count 1.5" "$LULL" top --count 1.5
	expect_cli top-bad-sort 2 "sort by cpu, steal or name" "$LULL" top --sort memory --once
	expect_cli top-missing-value 2 "--sort needs a value" "$LULL" top --sort
	expect_cli top-missing-proc 1 "cannot read $empty/none" "$LULL" top --once --proc "$empty/none"
	if out=$("$LULL" top --help 2>&1) && grep -q -- "--json" <<<"$out"; then
		pass cli/top-help
	else
		fail cli/top-help "lull top --help failed or lists no --json" "$out"
	fi
	out=$("$LULL" top --once --json --interval 0.1 --proc "$empty" 2>&1)
	if [ "$(wc -l <<<"$out")" = 1 ] && python3 -m json.tool <<<"$out" >/dev/null &&
		grep -q '"vms":\[\]' <<<"$out"; then
		pass cli/top-once-json-empty
	else
		fail cli/top-once-json-empty "not one JSON document with no VMs" "$out"
	fi
	out=$("$LULL" top --count 2 --json --interval 0.1 2>&1)
	if [ "$(wc -l <<<"$out")" = 2 ] && while read -r doc; do python3 -m json.tool <<<"$doc" >/dev/null || exit 1; done <<<"$out"; then
		pass cli/top-count-json
	else
		fail cli/top-count-json "--count 2 --json did not print two JSON documents" "$out"
	fi
	rm -rf "$empty"
}
