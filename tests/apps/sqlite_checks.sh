# sqlite_checks.sh: SQLite 3.40 from Debian's source (build/apps/sqlite3.elf
# and speedtest1.elf, built by apps/sqlite/build.sh with lull cc) runs
# unmodified on Lull: speedtest1 --size 10 in memory and on a file of a FAT
# disk, in the default (rollback journal) mode and in WAL mode, on each of
# $MACHINES, and once more in WAL mode with --exclusive (where SQLite keeps
# its wal-index in heap memory rather than in the mapped -shm file); the
# sqlite3 shell runs tests/apps/sqlite/fruit.sql and fails with a non-zero
# status on an SQL error; a shell session writes in WAL mode and a second
# VM on the same disk reads the rows back. Every database file a guest
# leaves is copied off the disk with mtools and judged by Debian's sqlite3
# on the host (rows, journal mode, PRAGMA integrity_check). Sourced by
# tests/run.sh (uses pass/fail, $LULL, $BUILD, $MACHINES).
#
# WAL in SQLite's default locking mode maps the -shm file MAP_SHARED and
# takes fcntl record locks on it. Temporary files (VACUUM's) go to /tmp,
# the RAM file system, as SQLite chooses by default.

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

# sqlite_speedtest SPEEDTEST IMAGE NAME MACHINE JOURNAL_MODE ARGS...:
# speedtest1 --size 10 ARGS on a new FAT disk, judged on the host.
sqlite_speedtest() {
	local speed=$1 img=$2 name=$3 machine=$4 mode=$5
	shift 5
	rm -f "$img"
	"$LULL" disk create "$img" 32M >/dev/null
	app_run "sqlite-speedtest-$name" 0 "$total" "$speed" --machine "$machine" --disk "$img" \
		-- --size 10 "$@" /disk0/test.db &&
		sqlite_host_check "sqlite-speedtest-$name-on-host" "$img" test.db \
			"PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM z2;" \
			"$mode"$'\nok\n5000'
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
			sqlite_speedtest "$speed" "$tmp/disk.img" "$mode-$m" "$m" "$mode" --journal "$mode"
		done
	done
	sqlite_speedtest "$speed" "$tmp/disk.img" wal-exclusive "${MACHINES%% *}" wal --exclusive --journal wal

	rm -f "$tmp/disk.img"
	"$LULL" disk create "$tmp/disk.img" 16M >/dev/null
	app_run sqlite-shell-wal-write 0 '^wal$' "$shell" --disk "$tmp/disk.img" -- /disk0/wal.db \
		"PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t SELECT value FROM generate_series(1, 1000); BEGIN; UPDATE t SET x = x * 2 WHERE x > 500; COMMIT;" &&
		app_run sqlite-shell-wal-read-in-second-vm 0 '^wal\|1000\|875750$' "$shell" \
			--disk "$tmp/disk.img" -- /disk0/wal.db \
			"SELECT (SELECT * FROM pragma_journal_mode) || '|' || count(*) || '|' || sum(x) FROM t;" &&
		sqlite_host_check sqlite-shell-wal-db-on-host "$tmp/disk.img" wal.db \
			"PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*), sum(x) FROM t;" \
			$'wal\nok\n1000|875750'

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
