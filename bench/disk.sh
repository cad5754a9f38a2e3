#!/bin/bash
# disk.sh: `make bench-disk`: bench/disk/diskbench.c in a Lull guest and, the
# same source built for Linux, in a Linux guest (Debian's kernel, vfat), one
# after the other in the same run, each on a fresh FAT32 image of the same
# size on virtio-blk (q35, SMP vCPUs, MEM, TCG; the drive options `lull run
# --disk` uses). Phases: sequential write of SIZE_MIB MiB with fsync,
# sequential read, RANDOM_WRITES 4 KiB writes each followed by fsync.
# Throughput is the guest's own clock; host CPU is the qemu process's
# (every thread's schedstat) between the lines the guest prints around each
# phase, stamped on the host as they arrive. Writes the table to
# docs/BENCHMARKS.md; raw data stays in $BUILD/bench/disk/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

BUILD=${BUILD:-build}
SMP=${SMP:-1}
MEM=${MEM:-256M}
SIZE_MIB=${SIZE_MIB:-64}
RANDOM_WRITES=${RANDOM_WRITES:-1000}
DISK_SIZE=${DISK_SIZE:-256M}
LINUX_KERNEL=${LINUX_KERNEL:-$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)}
LINUX_INITRD=${LINUX_INITRD:-$BUILD/bench/linux-guest/disk.cpio}
LULL=$BUILD/lull
out=$BUILD/bench/disk

[ -n "$LINUX_KERNEL" ] && [ -f "$LINUX_KERNEL" ] || {
	echo "bench-disk: no Linux kernel in /boot: bash bench/install-deps.sh" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$out"

run_lull() {
	"$LULL" disk create "$out/lull.img" "$DISK_SIZE" --fat 32 >/dev/null
	"$LULL" run "$BUILD/bench/diskbench.elf" --name bench-disk-lull --machine q35 --smp "$SMP" \
		--mem "$MEM" --disk "$out/lull.img" -- /disk0 "$SIZE_MIB" "$RANDOM_WRITES" </dev/null 2>&1 |
		stamp_console bench-disk-lull "$out/lull.console" "$out/lull.phases" '^phase '
}

# The Linux guest: the same machine, and the -drive options `lull run
# --disk` gives QEMU (tools/lull/cmd_run.c).
run_linux() {
	"$LULL" disk create "$out/linux.img" "$DISK_SIZE" --fat 32 >/dev/null
	qemu_cmd q35 "$SMP" "$MEM" "$LINUX_KERNEL" \
		"console=ttyS0 quiet panic=-1 run=diskbench disk=/dev/vda args=/disk0,$SIZE_MIB,$RANDOM_WRITES"
	"${QEMU_CMD[@]}" -name bench-disk-linux -initrd "$LINUX_INITRD" \
		-drive "file=$out/linux.img,format=raw,if=none,id=disk0,cache=writeback" \
		-device virtio-blk-pci,drive=disk0 </dev/null 2>&1 |
		stamp_console bench-disk-linux "$out/linux.console" "$out/linux.phases" '^phase '
}

echo "bench-disk: Lull guest"
run_lull
echo "bench-disk: Linux guest"
run_linux
python3 bench/disk/report.py "$out" >"$out/section.md"

cmd="make bench-disk"
[ "$SIZE_MIB" = 64 ] && [ "$RANDOM_WRITES" = 1000 ] || cmd+=" SIZE_MIB=$SIZE_MIB RANDOM_WRITES=$RANDOM_WRITES"
sed -i "s|@COMMAND@|$cmd|" "$out/section.md"
update_section bench-disk "$out/section.md"
cat "$out/section.md"
