# sqlite_checks.sh: SQLite 3.40 from Debian's source (build/apps/sqlite3.elf
# and speedtest1.elf, built by apps/sqlite/build.sh with lull cc) runs
# unmodified on Lull: speedtest1 --size 10 in memory and on a file of a FAT
# disk, in the default (rollback journal) mode and in WAL mode, on each of
# $MACHINES; the sqlite3 shell runs tests/apps/sqlite/fruit.sql and fails
# with a non-zero status on an SQL error. Every database file a guest leaves
# is copied off the disk with mtools and judged by Debian's sqlite3 on the
# host (rows, journal mode, PRAGMA integrity_check). Sourced by tests/run.sh
# (uses pass/fail, $LULL, $BUILD, $MACHINES).
#
# WAL runs with speedtest1's --exclusive (PRAGMA locking_mode=EXCLUSIVE
# before journal_mode=WAL): Lull cannot map a file MAP_SHARED, which WAL's
# -shm wal-index needs; in exclusive mode SQLite keeps the wal-index in heap
# memory. Temporary files (VACUUM's) go to the disk: SQLITE_TMPDIR=/disk0,
# since an image's own tree is read-only.

source tests/apps/run_guest.sh

# sqlite_host_check NAME IMAGE FILE SQL EXPECTED: FILE copied off the FAT
# IMAGE, SQL run on it by the host's sqlite3 must print EXPECTED.
sqlite_host_check() {
	local name=$1 img=$2 file=$3 sql=$4 want=$5 dir out
	dir=$(mktemp -d)
	if ! out=$(MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "::/$file" "$dir/$file" 2>&1) ||
		! out=$(sqlite3 "$dir/$file" "$sql" 2>&1) || [ "$out" != "$want" ]; then
		fail "apps/$name" "the host's sqlite3 read '$out' from $file, expected '$want'" "$sql"
	else
		pass "apps/$name"
	fi
	rm -rf "$dir"
}

run_sqlite_checks() {
	local shell=$BUILD/apps/sqlite3.elf speed=$BUILD/apps/speedtest1.elf tmp m mode total
	if [ ! -f "$shell" ] || [ ! -f "$speed" ]; then
		fail "apps/sqlite" "$shell or $speed is not built (make apps-sqlite)"
		return
	fi
	tmp=$(mktemp -d)
	# speedtest1's last line when every test ran: the total time. At
	# --size 10 its table z2 ends with 5000 rows.
	total='^ +TOTAL\.+ +[0-9]+\.[0-9]+s$'
	for m in $MACHINES; do
		app_run "sqlite-speedtest-memory-$m" 0 "$total" "$speed" --machine "$m" -- --size 10 --memdb
		for mode in delete wal; do
			rm -f "$tmp/disk.img"
			"$LULL" disk create "$tmp/disk.img" 32M >/dev/null
			local journal=()
			[ "$mode" = wal ] && journal=(--exclusive --journal wal)
			app_run "sqlite-speedtest-$mode-$m" 0 "$total" "$speed" --machine "$m" --disk "$tmp/disk.img" \
				-- SQLITE_TMPDIR=/disk0 -- --size 10 "${journal[@]}" /disk0/test.db &&
				sqlite_host_check "sqlite-speedtest-$mode-$m-on-host" "$tmp/disk.img" test.db \
					"PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM z2;" \
					"$mode"$'\nok\n5000'
		done
	done

	rm -f "$tmp/disk.img"
	"$LULL" disk create "$tmp/disk.img" 16M --from tests/apps/sqlite >/dev/null
	app_run sqlite-shell-script 0 '^total\|6\|45$' "$shell" --disk "$tmp/disk.img" \
		-- /disk0/fruit.db ".read /disk0/fruit.sql" &&
		sqlite_host_check sqlite-shell-db-on-host "$tmp/disk.img" fruit.db \
			"SELECT group_concat(name || '=' || qty, ' ') FROM fruit; PRAGMA integrity_check;" \
			$'apple=3 pear=5 plum=7 apple-2=6 pear-2=10 plum-2=14\nok'
	app_run sqlite-shell-sql-error 1 'no such table: nope' "$shell" --disk "$tmp/disk.img" \
		-- /disk0/fruit.db "SELECT * FROM nope"
	rm -rf "$tmp"
}
