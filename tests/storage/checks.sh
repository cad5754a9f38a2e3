# checks.sh: storage from the outside (issue 13): guests on microvm and q35
# write FAT disks and shared folders, and the host judges the result with
# Debian's dosfstools and mtools, never with Lull's own FAT code:
#   files_many   1000 files in nested folders, renamed, half deleted:
#                fsck.fat -n clean, every file byte for byte, nothing more
#   host_files   files the host put in with mcopy, read in the guest
#   share_files  --share DIR: a host file read, guest files found in DIR
#   full_disk    ENOSPC on a small disk, and a clean fsck after it
#   read_only    --disk FILE:ro: EROFS for every change
#   writers      threads on both cores, own files and one O_APPEND file
#   crash        QEMU killed at random while the guest fsyncs records:
#                every record whose fsync returned is on the disk
# Sourced by tests/run.sh (uses its pass/fail).

STORAGE_TIMEOUT=${STORAGE_TIMEOUT:-300}
CRASH_RUNS=${CRASH_RUNS:-5}

storage_elf() { echo "$BUILD/tests/storage/$1.elf"; }

# storage_run LABEL LOG NAME MACHINE SMP [LULL_RUN_OPTIONS...] -- ARGS...:
# boots tests/storage/NAME.elf; passes when it exits 0 before the timeout.
storage_run() {
	local label=$1 log=$2 name=$3 machine=$4 smp=$5 rc
	shift 5
	timeout "$STORAGE_TIMEOUT" "$LULL" run "$(storage_elf "$name")" --machine "$machine" --smp "$smp" \
		"$@" >"$log" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 0 ] && return 0
	fail "$label" "the guest exited $rc" "$(grep -v '^file: ' "$log")"
	return 1
}

# storage_judge LABEL CMD...: passes when the host's check CMD exits 0.
storage_judge() {
	local label=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$label ($(tail -n 1 <<<"$out"))"; else fail "$label" "$*" "$out"; fi
}

check_files_many() {
	local machine=$1 fat=$2 img=$storage_tmp/many-$machine.img log=$storage_tmp/many-$machine.log
	local label="storage/files_many [$machine FAT$fat]"
	"$LULL" disk create "$img" 64M --fat "$fat" >/dev/null || { fail "$label" "lull disk create failed"; return; }
	storage_run "$label" "$log" files_many "$machine" 1 --disk "$img" -- /disk0 || return
	storage_judge "$label" python3 tests/storage/check_image.py manifest "$img" "$log"
}

check_host_files() {
	local machine=$1 img=$storage_tmp/host-$machine.img label="storage/host_files [$machine]"
	mkdir -p "$storage_tmp/host/Host Folder"
	python3 -c "import sys; sys.path.insert(0, 'tests/storage'); from check_image import content; \
sys.stdout.buffer.write(content(7, 300 * 1024))" \
		>"$storage_tmp/host/Host Folder/a rather long file name.bin"
	echo short >"$storage_tmp/host/Host Folder/SHORT.TXT"
	"$LULL" disk create "$img" 16M --from "$storage_tmp/host" >/dev/null || { fail "$label" "lull disk create --from failed"; return; }
	storage_run "$label" "$storage_tmp/host-$machine.log" host_files "$machine" 1 --disk "$img" -- /disk0 &&
		pass "$label"
}

check_share() {
	local machine=$1 dir=$storage_tmp/share-$machine label="storage/share_files [$machine]"
	mkdir -p "$dir"
	echo "written by the host" >"$dir/from host.txt"
	storage_run "$label" "$storage_tmp/share-$machine.log" share_files "$machine" 1 --share "$dir" -- /share || return
	if [ "$(cat "$dir/from guest.txt" 2>/dev/null)" = "written by the guest" ] &&
		[ "$(cat "$dir/guest folder/inner.txt" 2>/dev/null)" = "inside a folder" ]; then
		pass "$label"
	else
		fail "$label" "the guest's files are not in $dir after the VM exited" "$(ls -laR "$dir")"
	fi
}

check_full_disk() {
	local machine=$1 img=$storage_tmp/full-$machine.img label="storage/full_disk [$machine FAT12]"
	"$LULL" disk create "$img" 1M --fat 12 >/dev/null || { fail "$label" "lull disk create failed"; return; }
	storage_run "$label" "$storage_tmp/full-$machine.log" full_disk "$machine" 1 --disk "$img" -- /disk0 || return
	storage_judge "$label" fsck.fat -n "$img"
}

check_read_only() {
	local machine=$1 img=$storage_tmp/ro-$machine.img label="storage/read_only [$machine]" before
	mkdir -p "$storage_tmp/ro"
	printf 'written on the host\n' >"$storage_tmp/ro/hello.txt"
	"$LULL" disk create "$img" 4M --from "$storage_tmp/ro" >/dev/null || { fail "$label" "lull disk create failed"; return; }
	before=$(sha256sum <"$img")
	storage_run "$label" "$storage_tmp/ro-$machine.log" read_only "$machine" 1 --disk "$img:ro" -- /disk0 || return
	if [ "$(sha256sum <"$img")" = "$before" ]; then pass "$label"; else fail "$label" "the read-only image changed"; fi
}

check_writers() {
	local machine=$1 img=$storage_tmp/writers-$machine.img log=$storage_tmp/writers-$machine.log
	local label="storage/writers [$machine smp=2]"
	"$LULL" disk create "$img" 32M >/dev/null || { fail "$label" "lull disk create failed"; return; }
	storage_run "$label" "$log" writers "$machine" 2 --disk "$img" -- /disk0 || return
	storage_judge "$label" python3 tests/storage/check_image.py manifest "$img" "$log"
}

# One crash run: the guest fsyncs records until QEMU is killed (SIGKILL) at
# a random moment 1-4 s after its first "synced" line.
check_crash() {
	local machine=$1 run=$2 img=$storage_tmp/crash.img log=$storage_tmp/crash.log pid qemu
	local label="storage/crash [$machine run $run]"
	rm -f "$img"
	"$LULL" disk create "$img" 16M >/dev/null || { fail "$label" "lull disk create failed"; return; }
	"$LULL" run "$(storage_elf crash_writer)" --machine "$machine" --name "crash$$" --disk "$img" \
		-- /disk0/records.bin >"$log" 2>&1 </dev/null &
	pid=$!
	if ! wait_for_line "$log" '^synced ' 60 "$pid"; then
		kill "$pid" 2>/dev/null
		fail "$label" "the guest never synced a record" "$(cat "$log")"
		return
	fi
	sleep "$(python3 -c 'import random; print(round(random.uniform(1, 4), 2))')"
	qemu=$(pgrep -f -- "-name crash$$,debug-threads=on")
	kill -KILL $qemu 2>/dev/null
	wait "$pid" 2>/dev/null
	storage_judge "$label" python3 tests/storage/check_image.py records "$img" /records.bin "$log"
}

run_storage_checks() {
	storage_tmp=$(mktemp -d)
	local machine run
	for machine in $MACHINES; do
		check_files_many "$machine" "$([ "$machine" = microvm ] && echo 32 || echo 16)"
		check_host_files "$machine"
		check_share "$machine"
		check_full_disk "$machine"
		check_read_only "$machine"
		check_writers "$machine"
		for run in $(seq 1 "$CRASH_RUNS"); do
			check_crash "$machine" "$run"
		done
	done
	rm -rf "$storage_tmp"
}
