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

# The pid of the qemu process started with -name NAME (as `lull run --name
# NAME` starts it, with ",debug-threads=on" after the name), or nothing.
qemu_pid_named() {
	pgrep -f -- "^qemu-system.* -name $1(,| |\$)" | head -n 1 || true
}

# stamp_console NAME CONSOLE STAMPS REGEX < console: copies a guest's console
# to CONSOLE and appends each line matching REGEX to STAMPS, followed by the
# host's time (ns) and the CPU time (ns) of the qemu process named NAME when
# the line arrived: the guest marks the phases, the host measures them.
stamp_console() {
	local name=$1 console=$2 stamps=$3 regex=$4 line qemu=
	while IFS= read -r line; do
		line=${line%$'\r'} # a serial console ends its lines with CR LF
		printf '%s\n' "$line" >>"$console"
		if [[ $line =~ $regex ]]; then
			[ -n "$qemu" ] || qemu=$(qemu_pid_named "$name")
			printf '%s %s %s\n' "$line" "$(date +%s%N)" "$(cpu_ns "$qemu")" >>"$stamps"
		fi
	done
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
