# lib.sh: helpers shared by the benchmark scripts (sourced, not run).

# The QEMU command every benchmarked guest runs with, so that guests differ
# only in their image: the same flags `lull run` uses (TCG, never KVM).
# usage: qemu_cmd MACHINE SMP MEM IMAGE [APPEND]
qemu_cmd() {
	local machine=$1 smp=$2 mem=$3 image=$4 append=${5:-}
	QEMU_CMD=(qemu-system-x86_64 -M "$machine" -accel tcg -cpu max -m "$mem" -smp "$smp"
		-nodefaults -no-reboot -display none -serial stdio -monitor none
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$image")
	[ -n "$append" ] && QEMU_CMD+=(-append "$append")
	return 0
}

# CPU time (utime + stime of all threads, in clock ticks) of a process.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# CPU time in nanoseconds of a process's live threads, from each thread's
# /proc/PID/task/TID/schedstat: the tick counts above move in 10 ms steps,
# too coarse for guests that use well under 0.1% of a CPU.
cpu_ns() {
	local f run rest sum=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r run rest <"$f" 2>/dev/null && sum=$((sum + run))
	done
	echo "$sum"
}

# Replaces the text between "<!-- NAME:begin -->" and "<!-- NAME:end -->"
# in DOC (default docs/BENCHMARKS.md) with the contents of a file (appends
# the section if it is not there yet).
# usage: update_section NAME FILE [DOC]
update_section() {
	local name=$1 file=$2 doc=${3:-docs/BENCHMARKS.md}
	[ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
	if ! grep -q "<!-- $name:begin -->" "$doc"; then
		printf '\n<!-- %s:begin -->\n<!-- %s:end -->\n' "$name" "$name" >>"$doc"
	fi
	awk -v name="$name" -v file="$file" '
		$0 == "<!-- " name ":begin -->" { print; while ((getline line < file) > 0) print line; skip = 1; next }
		$0 == "<!-- " name ":end -->" { skip = 0 }
		!skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
}
