# cc_checks.sh: `lull cc` as a build system's CC: it answers version
# queries as gcc does, compiles with musl's headers and Lull's include path,
# links objects, archives, -L/-l and -Xlinker into an image that boots, runs
# as `lull-cc` too, and refuses -shared. Sourced by tests/run.sh (uses
# expect_cli from checks.sh, and pass/fail, $LULL, $BUILD).

# cc_same LABEL WANT GOT: a check that two outputs are equal.
cc_same() {
	if [ "$2" = "$3" ]; then pass "cli/$1"; else fail "cli/$1" "got '$3', expected '$2'"; fi
}

run_cc_checks() {
	local tmp out rc lull
	tmp=$(mktemp -d)
	lull=$(realpath "$LULL")
	cc_same cc-version "$(gcc --version | head -1)" "$("$LULL" cc --version | head -1)"
	cc_same cc-dumpversion "$(gcc -dumpversion)" "$("$LULL" cc -dumpversion)"
	ln -s "$lull" "$tmp/lull-cc"
	cc_same cc-one-word "$(gcc -dumpversion)" "$("$tmp/lull-cc" -dumpversion)"
	# musl's headers, not glibc's; <lull/lull.h> on the path.
	out=$(printf '#include <lull/lull.h>\n#include <stdio.h>\n#ifdef __GLIBC__\nglibc\n#endif\n' |
		"$LULL" cc -E - 2>&1)
	if [ $? -ne 0 ] || grep -q '^glibc' <<<"$out"; then
		fail cli/cc-musl-headers "lull cc -E did not use musl's headers with <lull/lull.h>" "$out"
	else
		pass cli/cc-musl-headers
	fi

	printf 'int add(int a, int b) { return a + b; }\n' >"$tmp/add.c"
	printf '#include <stdio.h>\nint add(int, int);\nint main(void) { printf("sum %%d\\n", add(2, N)); return 7; }\n' \
		>"$tmp/main.c"
	if ! out=$(cd "$tmp" && "$lull" cc -c add.c 2>&1 && ar rc libadd.a add.o 2>&1 &&
		"$lull" cc -O1 -D N=3 main.c -L . -l add -Xlinker --gc-sections -o prog.elf 2>&1); then
		fail cli/cc-link "lull cc could not build the program" "$out"
	else
		out=$(timeout "${BOOT_TIMEOUT:-300}" "$LULL" run "$tmp/prog.elf" 2>&1)
		rc=$?
		if [ $rc -eq 7 ] && grep -q '^sum 5' <<<"$out"; then
			pass cli/cc-link
		else
			fail cli/cc-link "the image exited $rc, expected 7 with 'sum 5'" "$out"
		fi
	fi
	expect_cli cc-shared 1 "-shared: a Lull image is one whole program" "$LULL" cc -shared "$tmp/add.o" -o "$tmp/x.so"
	expect_cli cc-missing-source 1 "nosuch\.c: No such file" "$LULL" cc "$tmp/nosuch.c" -o "$tmp/z.elf"
	rm -rf "$tmp"
}
