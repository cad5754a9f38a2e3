#!/bin/bash
# make_fat_corpus.sh: the seed inputs of fuzz_fat (tests/fuzz/corpus-fat/):
# FAT12, FAT16 and FAT32 volumes and an MBR-partitioned disk made by
# mkfs.fat and filled by mtools (short and long names, nested folders, an
# empty and a deleted file), each stored in fuzz_fat's sparse input format
# (only the sectors that are not all zeros), so each is a few KiB.
# Usage: bash tests/fuzz/make_fat_corpus.sh [OUTPUT_DIR]
set -euo pipefail

out=${1:-$(dirname "$0")/corpus-fat}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# fill IMAGE_SPEC: the same small tree in every volume.
fill() {
	local i=$1
	printf 'hello\n' >"$work/short"
	seq 1 400 >"$work/numbers"
	mmd -i "$i" ::Docs ::Docs/Nested
	mcopy -i "$i" "$work/short" ::README.TXT
	mcopy -i "$i" "$work/numbers" "::A file with a long name.txt"
	mcopy -i "$i" "$work/numbers" "::Docs/Nested/deep file.log"
	mcopy -i "$i" /dev/null ::EMPTY
	mcopy -i "$i" "$work/short" ::GONE.TXT
	mdel -i "$i" ::GONE.TXT
}

# sparse IMAGE FLAGS WRITES OUTPUT: fuzz_fat's input format.
sparse() {
	python3 - "$@" <<'PY'
import struct, sys
image, flags, writes, output = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = open(image, 'rb').read()
records, run = [], None
for s in range(len(data) // 512):
    sector = data[s * 512:(s + 1) * 512]
    if sector.count(0) == 512:
        run = None
        continue
    if run is None or run[0] + len(run[1]) // 512 != s:
        run = [s, bytearray()]
        records.append(run)
    run[1] += sector
with open(output, 'wb') as f:
    f.write(bytes([flags, writes]))
    for start, body in records:
        f.write(struct.pack('<IH', start, len(body) // 512) + bytes(body))
PY
}

make_volume() { # NAME SIZE_KIB MKFS_OPTIONS...
	local name=$1 size=$2
	shift 2
	mkfs.fat -C "$work/$name.img" -n FUZZ "$@" "$size" >/dev/null
	fill "$work/$name.img"
}

make_volume fat12 1024 -F 12
make_volume fat16 4096 -F 16 -s 1
make_volume fat32 34000 -F 32 -s 1

truncate -s 2M "$work/mbr.img"
mkfs.fat --offset 63 "$work/mbr.img" 1000 >/dev/null 2>&1
fill "$work/mbr.img@@32256"
printf '\x80\x00\x00\x00\x06\x00\x00\x00\x3f\x00\x00\x00\xd0\x07\x00\x00' |
	dd of="$work/mbr.img" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$work/mbr.img" bs=1 seek=510 conv=notrunc status=none

sparse "$work/fat12.img" 0 0 "$out/fat12"
sparse "$work/fat16.img" 0 0 "$out/fat16"
sparse "$work/fat32.img" 0 0 "$out/fat32"
sparse "$work/mbr.img" 0 0 "$out/mbr-fat12"
sparse "$work/fat16.img" 1 0 "$out/fat16-read-only"
sparse "$work/fat32.img" 0 5 "$out/fat32-failing-writes"
ls -l "$out"
