#!/bin/bash
# boot.sh: time from starting qemu to the application's first line of output,
# for the hello example and for the floor guest (prints one character and
# exits), on microvm and q35, RUNS times each, under TCG. Writes the table to
# docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

RUNS=${RUNS:-10}
BUILD=${BUILD:-build}
TIMER=$BUILD/bench/first_output
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints "min median mean" of the numbers in a file, one per line.
summary() {
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f", v[1], m, s / NR }'
}

image_of() { if [ "$1" = hello ]; then echo "$BUILD/examples/hello.elf"; else echo "$BUILD/bench/floor-exit.elf"; fi; }

rows=()
for machine in microvm q35; do
	# Floor and hello alternate run by run so that both see the same host noise.
	for guest in floor hello; do : >"$out/$machine-$guest"; done
	for _ in $(seq "$RUNS"); do
		for guest in floor hello; do
			qemu_cmd "$machine" 1 256M "$(image_of $guest)"
			"$TIMER" "${QEMU_CMD[@]}" </dev/null >>"$out/$machine-$guest"
		done
	done
	for guest in floor hello; do
		read -r min median mean <<<"$(summary "$out/$machine-$guest")"
		echo "  $machine $guest: min $min ms, median $median ms, mean $mean ms" >&2
		rows+=("| $machine | $guest | $min | $median | $mean |")
	done
done

{
	echo
	echo "## Boot time (\`make bench-boot\`)"
	echo
	echo "Milliseconds from starting qemu-system-x86_64 to the end of the guest's first"
	echo "line on the serial console, $RUNS runs each, QEMU TCG, 1 vCPU, 256 MiB."
	echo "\`floor\` is a guest that prints one character and exits (the cost of QEMU and"
	echo "its firmware alone); \`hello\` is \`examples/hello\`. Measured $(date -u +%Y-%m-%d)."
	echo "Reproduce: \`make bench-boot\`."
	echo
	echo "| machine | guest | min | median | mean |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} >"$out/section.md"
update_section bench-boot "$out/section.md"
cat "$out/section.md"
