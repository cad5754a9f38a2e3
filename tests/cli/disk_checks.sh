# disk_checks.sh: `lull run --disk/--share/--mount` and `lull disk create`
# refuse bad input with a clear message and the documented exit status, and
# `lull disk create` makes an image that fsck.fat finds clean and mtools
# reads back. Sourced by tests/run.sh (uses expect_cli from checks.sh, and
# pass/fail, $LULL, $BUILD).

# The image `lull disk create --from` made holds the tree, byte for byte.
check_disk_image_holds() {
	local label=$1 img=$2 tree=$3 out
	if ! out=$(fsck.fat -n "$img" 2>&1); then
		fail "cli/$label" "fsck.fat -n finds the image damaged" "$out"
		return
	fi
	if ! out=$(MTOOLS_SKIP_CHECK=1 mdir -/ -b -i "$img" ::/ 2>&1) ||
		! grep -q "sub/deeper/random.bin" <<<"$out"; then
		fail "cli/$label" "mdir does not list sub/deeper/random.bin" "$out"
		return
	fi
	rm -rf "$tree.back"
	mkdir "$tree.back"
	if ! out=$(MTOOLS_SKIP_CHECK=1 mcopy -s -i "$img" ::/ "$tree.back/" 2>&1) ||
		! out=$(diff -r "$tree" "$tree.back" 2>&1); then
		fail "cli/$label" "the files mcopy reads back differ from the tree" "$out"
		return
	fi
	pass "cli/$label"
}

run_disk_checks() {
	local tmp hello i
	tmp=$(mktemp -d)
	hello=$BUILD/tests/boot/hello.elf
	for i in 0 1 2 3 4; do truncate -s 1M "$tmp/d$i.img"; done
	: >"$tmp/empty.img"

	expect_cli run-disk-missing 2 "no-such\.img: no such file" "$LULL" run "$hello" --disk "$tmp/no-such.img"
	expect_cli run-disk-missing-ro 2 "no-such\.img: no such file" "$LULL" run "$hello" --disk "$tmp/no-such.img:ro"
	expect_cli run-disk-directory 2 "not a regular file" "$LULL" run "$hello" --disk "$tmp"
	expect_cli run-disk-empty 2 "smaller than one 512-byte sector" "$LULL" run "$hello" --disk "$tmp/empty.img"
	expect_cli run-disk-flag-typo 2 "unknown flag ':rw'.*FILE:ro" "$LULL" run "$hello" --disk "$tmp/d0.img:rw"
	expect_cli run-disk-flag-case 2 "unknown flag ':RO'" "$LULL" run "$hello" --disk "$tmp/d0.img:RO"
	expect_cli run-disk-no-value 2 "--disk needs a value" "$LULL" run "$hello" --disk
	expect_cli run-disk-fifth 2 "at most 4 disks" "$LULL" run "$hello" --disk "$tmp/d0.img" \
		--disk "$tmp/d1.img" --disk "$tmp/d2.img" --disk "$tmp/d3.img" --disk "$tmp/d4.img"
	expect_cli run-disk-fifth-share 2 "at most 4 disks" "$LULL" run "$hello" --disk "$tmp/d0.img" \
		--disk "$tmp/d1.img" --disk "$tmp/d2.img" --disk "$tmp/d3.img" --share "$tmp"
	expect_cli run-disk-twice 2 "attached twice" "$LULL" run "$hello" --disk "$tmp/d0.img" \
		--mount /a --disk "$tmp/../$(basename "$tmp")/d0.img:ro"
	expect_cli run-mount-relative 2 "--mount data: expected an absolute path" \
		"$LULL" run "$hello" --disk "$tmp/d0.img" --mount data
	expect_cli run-mount-dotdot 2 "--mount /a/\.\./b: expected" "$LULL" run "$hello" --disk "$tmp/d0.img" --mount /a/../b
	expect_cli run-mount-root 2 "--mount /: expected" "$LULL" run "$hello" --disk "$tmp/d0.img" --mount /
	expect_cli run-mount-colon 2 "--mount /a:b: expected" "$LULL" run "$hello" --disk "$tmp/d0.img" --mount /a:b
	expect_cli run-mount-reused 2 "both be mounted at /data" "$LULL" run "$hello" \
		--disk "$tmp/d0.img" --mount /data --disk "$tmp/d1.img" --mount /data/
	expect_cli run-mount-default-taken 2 "both be mounted at /disk1" "$LULL" run "$hello" \
		--disk "$tmp/d0.img" --mount /disk1 --disk "$tmp/d1.img"
	expect_cli run-mount-not-after-disk 2 "--mount must come right after --disk" \
		"$LULL" run "$hello" --disk "$tmp/d0.img" --stats --mount /data
	expect_cli run-mount-alone 2 "--mount must come right after --disk" "$LULL" run "$hello" --mount /data
	expect_cli run-share-file 2 "--share .*d0\.img: not a directory" "$LULL" run "$hello" --share "$tmp/d0.img"
	expect_cli run-share-missing 2 "no-such-dir: no such directory" "$LULL" run "$hello" --share "$tmp/no-such-dir"
	mkdir "$tmp/big"
	truncate -s 600M "$tmp/big/huge.bin"
	expect_cli run-share-too-big 2 "holds 600 MiB.*504 MiB" "$LULL" run "$hello" --share "$tmp/big"

	expect_cli disk-no-subcommand 2 "usage: lull disk create" "$LULL" disk
	expect_cli disk-unknown-subcommand 2 "unknown subcommand 'make'" "$LULL" disk make x.img 1M
	expect_cli disk-create-no-size 2 "expected FILE and SIZE" "$LULL" disk create "$tmp/new.img"
	expect_cli disk-create-bad-size 2 "SIZE lots" "$LULL" disk create "$tmp/new.img" lots
	expect_cli disk-create-bad-fat 2 "--fat 24: expected 12, 16 or 32" "$LULL" disk create "$tmp/new.img" 8M --fat 24
	expect_cli disk-create-exists 2 "d0\.img exists \(--force replaces it\)" "$LULL" disk create "$tmp/d0.img" 8M
	expect_cli disk-create-over-directory 2 "not a regular file" "$LULL" disk create "$tmp/big" 8M --force
	expect_cli disk-create-from-missing 2 "no-such-dir: no such directory" \
		"$LULL" disk create "$tmp/new.img" 8M --from "$tmp/no-such-dir"
	expect_cli disk-create-from-file 2 "not a directory" "$LULL" disk create "$tmp/new.img" 8M --from "$tmp/d0.img"
	mkdir -p "$tmp/clash"
	touch "$tmp/clash/notes.txt" "$tmp/clash/NOTES.TXT"
	expect_cli disk-create-case-clash 2 "differ only in case" "$LULL" disk create "$tmp/new.img" 8M --from "$tmp/clash"
	mkdir -p "$tmp/special"
	mkfifo "$tmp/special/pipe"
	expect_cli disk-create-special-file 2 "pipe: not a regular file or directory" \
		"$LULL" disk create "$tmp/new.img" 8M --from "$tmp/special"
	mkdir -p "$tmp/toobig"
	head -c 3000000 /dev/urandom >"$tmp/toobig/random.bin"
	expect_cli disk-create-tree-too-big 1 "mcopy failed" "$LULL" disk create "$tmp/new.img" 1M --from "$tmp/toobig"
	if [ -e "$tmp/new.img" ]; then
		fail "cli/disk-create-failed-leaves-nothing" "a failed create left new.img behind" ""
	else
		pass "cli/disk-create-failed-leaves-nothing"
	fi
	expect_cli disk-create-fat32-too-small 1 "mkfs.fat failed" "$LULL" disk create "$tmp/new.img" 4M --fat 32
	mkdir -p "$tmp/nothing"
	expect_cli disk-create-no-tools 127 "apt-get install dosfstools mtools" \
		env PATH="$tmp/nothing" "$(realpath "$LULL")" disk create "$tmp/new.img" 8M

	# A tree with long names, nested folders and a binary file, in both
	# FAT sizes a small image can have, then replaced with --force.
	mkdir -p "$tmp/tree/sub/deeper"
	echo "hello from the host" >"$tmp/tree/hello.txt"
	echo "a long name" >"$tmp/tree/A file with a long name.text"
	head -c 300000 /dev/urandom >"$tmp/tree/sub/deeper/random.bin"
	for fat in 12 16; do
		if "$LULL" disk create "$tmp/fat$fat.img" 16M --fat "$fat" --from "$tmp/tree" 2>"$tmp/err"; then
			check_disk_image_holds "disk-create-from-fat$fat" "$tmp/fat$fat.img" "$tmp/tree"
		else
			fail "cli/disk-create-from-fat$fat" "lull disk create failed" "$(cat "$tmp/err")"
		fi
	done
	echo "replaced" >"$tmp/tree/hello.txt"
	if "$LULL" disk create "$tmp/fat16.img" 40M --fat 32 --from "$tmp/tree" --force 2>"$tmp/err"; then
		check_disk_image_holds disk-create-force-fat32 "$tmp/fat16.img" "$tmp/tree"
	else
		fail "cli/disk-create-force-fat32" "lull disk create --force failed" "$(cat "$tmp/err")"
	fi
	rm -rf "$tmp"
}
