# lua_checks.sh: Lua 5.4 from Debian's source (build/apps/lua.elf, built by
# apps/lua/build.sh with lull cc) runs unmodified on Lull: tests/apps/lua/
# stdlib.lua checks string, table, math, os, io, coroutines and errors,
# given from a FAT disk (on each of $MACHINES) and from the embedded tree
# (the same objects relinked by `lull build --files`); the file it writes is
# read back on the host with mtools; io.tmpfile and os.tmpname work with
# no disk (the RAM file system at /tmp); a runtime error exits non-zero
# with Lua's message. Sourced by tests/run.sh (uses pass/fail, $LULL, $BUILD,
# $MACHINES).

source tests/apps/run_guest.sh

run_lua_checks() {
	local lua=$BUILD/apps/lua.elf objects=$BUILD/apps/lua/src tmp m done_line out
	if [ ! -f "$lua" ]; then
		fail "apps/lua" "$lua is not built (make apps-lua)"
		return
	fi
	tmp=$(mktemp -d)
	done_line='^lua stdlib: [0-9]+ checks passed'
	mkdir "$tmp/tree"
	cp tests/apps/lua/stdlib.lua "$tmp/tree/"
	for m in $MACHINES; do
		rm -f "$tmp/disk.img"
		"$LULL" disk create "$tmp/disk.img" 16M --from "$tmp/tree" >/dev/null
		app_run "lua-stdlib-disk-$m" 0 "$done_line" "$lua" --machine "$m" --disk "$tmp/disk.img" \
			-- /disk0/stdlib.lua /disk0 "$(date +%s)"
		if ! out=$(MTOOLS_SKIP_CHECK=1 mtype -i "$tmp/disk.img" ::/from-lua.txt 2>&1) ||
			[ "$out" != "5 squares: 1 4 9 16 25" ]; then
			fail "apps/lua-file-on-host-$m" "the file Lua wrote reads back differently on the host" "$out"
		else
			pass "apps/lua-file-on-host-$m"
		fi
	done

	if "$LULL" build "$objects/lua.o" "$objects/liblua.a" -lm --files tests/apps/lua \
		-o "$tmp/lua-files.elf" >"$tmp/build.log" 2>&1; then
		rm -f "$tmp/disk.img"
		"$LULL" disk create "$tmp/disk.img" 16M >/dev/null
		app_run lua-stdlib-embedded 0 "$done_line" "$tmp/lua-files.elf" --disk "$tmp/disk.img" \
			-- /stdlib.lua /disk0 "$(date +%s)"
	else
		fail "apps/lua-stdlib-embedded" "lull build of Lua's objects with --files failed" "$(cat "$tmp/build.log")"
	fi

	app_run lua-tmp-files 0 '^lua tmp ok$' "$lua" -- -e \
		"local f = assert(io.tmpfile()); f:write('temp'); f:seek('set'); assert(f:read('a') == 'temp'); local name = os.tmpname(); assert(name:find('^/tmp/')); local g = assert(io.open(name, 'w')); g:write('named'); g:close(); assert(io.open(name):read('a') == 'named'); assert(os.remove(name)); print('lua tmp ok')"
	app_run lua-runtime-error 1 "^app: \(command line\):1: attempt to index a nil value \(local 't'\)" \
		"$lua" -- -e "local t = nil; return t.field"
	app_run lua-missing-script 1 "cannot open /disk0/nope\.lua" "$lua" --disk "$tmp/disk.img" -- /disk0/nope.lua
	rm -rf "$tmp"
}
