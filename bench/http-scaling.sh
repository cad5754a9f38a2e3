#!/bin/bash
# http-scaling.sh: `make bench-http-scaling`, Lull's httpd before and after
# a change, in the same run: host CPU per request at fixed rates and the
# highest rate, with 1, 2 and 4 vCPUs (issue 16's measure of the network
# stack's rework).
#
# "base" is Lull (the `lull` tool and examples/httpd) built from the git
# revision BASE in a temporary worktree under $BUILD, removed afterwards;
# "new" is this tree's build. Default BASE: main when the stack's rework
# began (BASE_DEFAULT below), so that the lead can re-run it once the work
# is merged; BASE=main against this tree's main measures the bench's own
# noise (both sides the same code).
#
# For each ROUND, each SMPS setting and each side, one VM (`lull run`, QEMU
# TCG, MACHINE, MEM, virtio-net on the network of bench/lib.sh's http_net)
# gets each of LOADS in turn: a number is that many requests a second, open
# loop, a new connection per request; max-keepalive is closed loop with
# MAX_CLIENTS clients on keep-alive connections (the data path: reads,
# writes, ACKs); max-newconn is the same with a new connection per request
# (the connection path too: SYN, accept queue, FIN, TIME_WAIT). Each load
# is one burst of T seconds then OFF seconds of quiet; CPU-ms per request
# is the qemu process's CPU time over both over the requests answered 200.
# Sides alternate base, new in odd rounds and new, base in even ones (with
# the SMPS order reversed too), so that drift of the shared machine falls
# on both alike. A round with failed requests measured a stall, so it
# counts in the failures only; beside each cell, the host CPU that other
# users of the machine took meanwhile tells how noisy it was. With the same
# code on both sides the run measures the bench's own noise, and says so.
# Writes the table to docs/BENCHMARKS.md and the plot to
# docs/bench-http-scaling.png; raw data stays in $BUILD/bench/http-scaling/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BENCH=bench-http-scaling

# main at 131e0e8: what the stack's rework (issue 16) branches from.
BASE_DEFAULT=131e0e82194b8a6458ae8b1c81afca19bc67c3c4
BASE=${BASE:-$BASE_DEFAULT}
http_settings
SMPS=${SMPS:-1 2 4}
ROUNDS=${ROUNDS:-3}
LOADS=${LOADS:-100 1000 max-keepalive max-newconn}
T=${T:-5}
OFF=${OFF:-2}
SETTLE=${SETTLE:-2}
out=$BUILD/bench/http-scaling
SIDES=(base new)

awk -v t="$T" -v o="$OFF" 'BEGIN { exit !(t > 0 && o >= 1) }' || {
	echo "$BENCH: T ($T) must be positive and OFF ($OFF) at least 1 s" >&2
	exit 2
}
for load in $LOADS; do
	[[ $load =~ ^([1-9][0-9]*|max-keepalive|max-newconn)$ ]] || {
		echo "$BENCH: LOADS: $load: expected a rate, max-keepalive or max-newconn" >&2
		exit 2
	}
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "$BENCH: ROUNDS=$ROUNDS: expected a positive number" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "$BENCH: gnuplot missing: bash bench/install-deps.sh" >&2; exit 1; }
base_rev=$(git rev-parse --verify --quiet "$BASE^{commit}") || {
	echo "$BENCH: BASE=$BASE is not a git revision" >&2
	exit 2
}

http_net
[ "${REPORT_ONLY:-0}" = 1 ] || { rm -rf "$out"; mkdir -p "$out"; }
base_src=$out/base-src
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	http_tap_down
	if [ -d "$base_src" ]; then
		git worktree remove --force "$base_src" 2>/dev/null || true
		git worktree prune
	fi
}
trap cleanup EXIT
[ "${REPORT_ONLY:-0}" = 1 ] || http_tap_up

# Each side's `lull` and httpd.elf, copied into $out/SIDE/ so that a build
# during the run changes neither. The base is built as its own Makefile
# builds it, into its worktree's build/, whatever this make's settings.
prepare_sides() {
	local started=$EPOCHSECONDS
	echo "$BENCH: building base ($(git log -1 --format='%h %s' "$base_rev" | cut -c1-60))" >&2
	git worktree add --detach "$base_src" "$base_rev" >"$out/base-build.log" 2>&1
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$base_src" BUILD=build -j"$(nproc)" \
		build/lull build/examples/httpd.elf >>"$out/base-build.log" 2>&1; then
		echo "$BENCH: the base did not build; the end of $out/base-build.log:" >&2
		tail -n 20 "$out/base-build.log" >&2
		exit 1
	fi
	mkdir -p "$out/base" "$out/new"
	cp "$base_src/build/lull" "$base_src/build/examples/httpd.elf" "$out/base/"
	git worktree remove --force "$base_src"
	cp "$BUILD/lull" "$BUILD/examples/httpd.elf" "$out/new/"
	echo "$BENCH: base built in $((EPOCHSECONDS - started)) s" >&2
}

# Busy time of the whole host in clock ticks: all but idle and iowait.
host_busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Runs one load against the VM of QEMU_PID into RUN-LOAD.txt (and .log),
# and writes to RUN-LOAD.others the host CPU that neither this VM nor the
# load generator used meanwhile, in % of one core: other users of this
# shared machine, which explain many outliers.
# usage: run_load RUN LOAD
run_load() {
	local run=$1 load=$2 busy0 qemu0 t0 user sys TIMEFORMAT='%U %S'
	case $load in
	max-keepalive) loadgen_load max 1 ;;
	max-newconn) loadgen_load max 0 ;;
	*) loadgen_load "$load" 0 ;;
	esac
	busy0=$(host_busy_ticks) qemu0=$(cpu_ns "$QEMU_PID") t0=$EPOCHREALTIME
	{ time "$LOADGEN" --on "$T" --off "$OFF" --cycles 1 --timeout "$TIMEOUT" "${LOADGEN_ARGS[@]}" \
		"$TARGET" >"$run-$load.txt" 2>"$run-$load.log"; } 2>"$run-$load.time"
	read -r user sys <"$run-$load.time"
	awk -v b0="$busy0" -v b1="$(host_busy_ticks)" -v q0="$qemu0" -v q1="$(cpu_ns "$QEMU_PID")" \
		-v t0="$t0" -v t1="$EPOCHREALTIME" -v hz="$(getconf CLK_TCK)" -v user="$user" -v sys="$sys" \
		'BEGIN {
			others = 100 * ((b1 - b0) / hz - (q1 - q0) / 1e9 - user - sys) / (t1 - t0);
			# Whole ticks against nanoseconds: an idle machine can come out a hair below 0.
			printf "%.0f\n", others < 0 ? 0 : others;
		}' \
		>"$run-$load.others"
	sed 's/^/  /' "$run-$load.log" >&2
}

# One VM of SIDE with SMP vCPUs through every load of LOADS; appends
# "SIDE SMP LOAD ROUND CPU_MS_PER_REQUEST ACHIEVED_RPS ERRORS OTHERS%" per
# load to $out/results.
run_vm() {
	local side=$1 smp=$2 round=$3 load cpu
	local run=$out/$side-smp$smp-r$round
	echo "$BENCH: round $round, $smp vCPU, $side" >&2
	start_lull_httpd "$out/$side/lull" "$out/$side/httpd.elf" "$smp" "$run.console"
	pids+=("$LAUNCHER")
	wait_http_ready "$side" "$run.console" "$run-ready.txt"
	sample_guest "$side" "$run.console" "$run.cpu"
	for load in $LOADS; do run_load "$run" "$load"; done
	stop_http_guest "$side" "$run.console" "$SAMPLER_PID"
	for load in $LOADS; do
		read -r _ _ cpu <<<"$(burst_cpu "$run.cpu" "$run-$load.txt" "$OFF" 0 0)"
		echo "$side $smp $load $round $cpu $(field "$run-$load.txt" achieved_rps)" \
			"$(field "$run-$load.txt" errors) $(cat "$run-$load.others")" >>"$out/results"
	done
}

# Odd rounds: SMPS in order, base before new; even rounds: both reversed.
run_rounds() {
	local round smp side smps sides
	for round in $(seq "$ROUNDS"); do
		smps=$SMPS sides=("${SIDES[@]}")
		if [ $((round % 2)) = 0 ]; then
			smps=$(echo "$SMPS" | tr ' ' '\n' | tac | tr '\n' ' ')
			sides=("${SIDES[1]}" "${SIDES[0]}")
		fi
		for smp in $smps; do
			for side in "${sides[@]}"; do run_vm "$side" "$smp" "$round"; done
		done
	done
}

# Per SMP and LOAD, one table row ($out/rows: each side's median over the
# rounds without failed requests, with the lowest and highest, and new
# over base; the failed requests of all rounds); per side and
# max load, the plot's data ($out/plot-SIDE-LOAD: "SMP MEDIAN MIN MAX" in
# req/s); and in $out/summary, key=value: each side's max rate at each
# further SMPS over the first (scale_SIDE_LOAD_SMP), and the noise: the
# largest spread between one side's rounds (highest - lowest over the
# median, in %) of CPU-ms per request (spread_cpu) and of the max rates
# (spread_rps), and the range of new over base across the cells.
summarise() {
	awk -v smps="$SMPS" -v loads="$LOADS" -v rounds="$ROUNDS" -v dir="$out" '
	# Sets s_n, s_mid (the median), s_lo and s_hi of one cell'"'"'s rounds.
	function stat(side, smp, load, col,   k, v, i, n, vs) {
		for (k = 1; k <= rounds; k++) {
			v = val[side, smp, load, k, col];
			if (v == "" || v == "-") continue;
			for (i = ++n; i > 1 && vs[i - 1] > v + 0; i--) vs[i] = vs[i - 1];
			vs[i] = v + 0;
		}
		s_n = n;
		if (!n) return 0;
		s_lo = vs[1]; s_hi = vs[n];
		s_mid = n % 2 ? vs[(n + 1) / 2] : (vs[n / 2] + vs[n / 2 + 1]) / 2;
		if (n > 1 && s_mid > 0 && 100 * (s_hi - s_lo) / s_mid > spread[col])
			spread[col] = 100 * (s_hi - s_lo) / s_mid;
		return n;
	}
	function cell(side, smp, load, col, fmt) {
		if (!stat(side, smp, load, col)) return "-";
		mid[side] = s_mid;
		if (s_n == 1) return sprintf(fmt, s_mid);
		return sprintf(fmt " (" fmt "-" fmt ")", s_mid, s_lo, s_hi);
	}
	function ratio(col,   r) {
		if (!mid["base"] || !mid["new"]) return "-";
		r = mid["new"] / mid["base"];
		if (!(col in rlo) || r < rlo[col]) rlo[col] = r;
		if (!(col in rhi) || r > rhi[col]) rhi[col] = r;
		return sprintf("%.2f", r);
	}
	# "N (K of ROUNDS rounds)" of one side'"'"'s failed requests, or 0.
	function failed(side, smp, load) {
		if (!err[side, smp, load]) return 0;
		return sprintf("%d (%d of %d rounds)", err[side, smp, load], err_rounds[side, smp, load], rounds);
	}
	# A round with failed requests measured a stall, not the rate or the
	# CPU a request takes: it counts in the failed requests only.
	{
		val[$1, $2, $3, $4, "others"] = $8;
		if ($7 > 0) {
			err[$1, $2, $3] += $7; err_rounds[$1, $2, $3]++;
			next;
		}
		val[$1, $2, $3, $4, "cpu"] = $5; val[$1, $2, $3, $4, "rps"] = $6;
	}
	END {
		nsmp = split(smps, smp, " "); nload = split(loads, load, " ");
		for (i = 1; i <= nsmp; i++)
			for (j = 1; j <= nload; j++) {
				l = load[j]; max = l ~ /^max/;
				delete mid; cpu_b = cell("base", smp[i], l, "cpu", "%.3f"); cpu_n = cell("new", smp[i], l, "cpu", "%.3f");
				cpu_r = ratio("cpu");
				delete mid; rps_b = cell("base", smp[i], l, "rps", "%.0f"); rps_n = cell("new", smp[i], l, "rps", "%.0f");
				rps_r = max ? ratio("rps") : "-";
				others_b = stat("base", smp[i], l, "others") ? s_mid : "-";
				others_n = stat("new", smp[i], l, "others") ? s_mid : "-";
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |\n", smp[i],
					l, cpu_b, cpu_n, cpu_r, rps_b, rps_n, rps_r, failed("base", smp[i], l),
					failed("new", smp[i], l), others_b, others_n > dir "/rows";
				if (!max) continue;
				for (s = 1; s <= 2; s++) {
					side = s == 1 ? "base" : "new";
					if (!stat(side, smp[i], l, "rps")) continue;
					printf "%s %.0f %.0f %.0f\n", smp[i], s_mid, s_lo, s_hi > dir "/plot-" side "-" l;
					if (i == 1) first[side, l] = s_mid;
					else if (first[side, l] > 0)
						printf "scale_%s_%s_%s=%.2f\n", side, l, smp[i], s_mid / first[side, l] > dir "/summary";
				}
			}
		printf "spread_cpu=%.0f\nspread_rps=%.0f\n", spread["cpu"], spread["rps"] > dir "/summary";
		printf "ratio_cpu=%.2f-%.2f\nratio_rps=%.2f-%.2f\n", rlo["cpu"], rhi["cpu"], rlo["rps"], rhi["rps"] > dir "/summary";
	}' "$out/results"
}

# What was measured, for the report: the revisions, whether they differ in
# what the guest or `lull run` is built from, and the run's length.
record_run() {
	local new_desc same=0
	new_desc="$(git rev-parse --short HEAD)"
	[ -z "$(git status --porcelain -- kernel include tools examples)" ] ||
		new_desc+=" with uncommitted changes"
	git diff --quiet "$base_rev" -- kernel include tools examples && same=1
	{
		echo "BASE_GIVEN='$BASE'"
		echo "BASE_DESC='$(git log -1 --format='%h (%cs)' "$base_rev")'"
		echo "NEW_DESC='$new_desc'"
		echo "SAME_CODE=$same"
		echo "RUN_S=$1"
	} >"$out/meta"
}

# A load's name in the table and the plot.
load_title() {
	case $1 in
	max-keepalive) echo "max, keep-alive" ;;
	max-newconn) echo "max, new connections" ;;
	*) echo "$1 req/s" ;;
	esac
}

# Max rate against vCPUs, base and new, per max load: the median with the
# lowest and highest round as error bars.
plot_max_rates() {
	local plots=() load side
	for load in $LOADS; do
		[[ $load = max-* ]] || continue
		for side in "${SIDES[@]}"; do
			[ -s "$out/plot-$side-$load" ] || continue
			# Base dashed and a little left, new solid and a little
			# right, so that their bars do not hide each other.
			plots+=("'$out/plot-$side-$load' using (\$1$([ "$side" = base ] && echo - || echo +)0.04):2:3:4 \
				with yerrorlines lw 2 pt 7 dt $([ "$side" = base ] && echo 2 || echo 1) \
				lc rgb '$([ "$load" = max-keepalive ] && echo '#1f5fa8' || echo '#d9730d')' \
				title '$side ($(load_title "$load"))'")
		done
	done
	[ ${#plots[@]} -gt 0 ] || return 0
	{
		echo "set terminal pngcairo size 900,560 font ',10'"
		echo "set output 'docs/bench-http-scaling.png'"
		echo "set title \"Lull httpd, highest rate against vCPUs: base $BASE_DESC_SHORT, new $NEW_DESC$VALIDATION\\n(QEMU TCG on $(nproc) host cores; median of $ROUNDS rounds, bars: lowest and highest)\""
		echo "set xlabel 'vCPUs'; set ylabel 'requests answered per second'; set grid"
		echo "set xtics ($(echo "$SMPS" | sed 's/ /, /g')); set xrange [0.5:$(echo "$SMPS" | tr ' ' '\n' | sort -n | tail -n 1).5]"
		echo "set yrange [0:*]; set key below"
		echo "plot $(IFS=,; echo "${plots[*]}")"
	} | gnuplot
}

# "LOAD: base A, new B" for each max load's scale at SMP vCPUs over the first.
scale_words() {
	local smp=$1 load words=()
	for load in $LOADS; do
		[[ $load = max-* ]] || continue
		words+=("$(load_title "$load"): base $(scale_of base "$load" "$smp"), new $(scale_of new "$load" "$smp")")
	done
	local IFS=';'
	echo "${words[*]}" | sed 's/;/; /g'
}
field_line() { sed -n "s/^$1=//p" "$out/summary"; }
# "1.23x", or "-" when a side has no rate without failures at either count.
scale_of() {
	local v
	v=$(field_line "scale_$1_$2_$3")
	if [ -n "$v" ]; then echo "${v}x"; else echo -; fi
}

# The run's section of docs/BENCHMARKS.md.
write_section() {
	local first_smp cmd
	first_smp=${SMPS%% *}
	cmd="make bench-http-scaling"
	[ "$BASE_GIVEN" = "$BASE_DEFAULT" ] || cmd+=" BASE=$BASE_GIVEN"
	[ "$SMPS $ROUNDS $T $OFF" = "1 2 4 3 5 2" ] || cmd+=" SMPS='$SMPS' ROUNDS=$ROUNDS T=$T OFF=$OFF"
	[ "$LOADS" = "100 1000 max-keepalive max-newconn" ] || cmd+=" LOADS='$LOADS'"
	[ "$NET" = tap ] || cmd+=" NET=$NET"
	echo
	echo "## Lull's httpd before and after, 1 to 4 vCPUs (\`make bench-http-scaling\`)"
	echo
	if [ "$SAME_CODE" = 1 ]; then
		echo "**Validation run: base and new are built from the same kernel, tool and httpd"
		echo "sources, so every difference between them below is the bench's own noise.**"
		echo
	fi
	echo "Issue 16's measure of the network stack's rework: \`examples/httpd\` built from"
	echo "base = $BASE_DESC and from new = $NEW_DESC"
	echo "(each with its own \`lull run\`), measured in the same run: for each of $ROUNDS rounds,"
	echo "each vCPU count ($SMPS) and each side, one VM (QEMU TCG \`-M $MACHINE\`, $MEM,"
	echo "virtio-net $(net_words)) gets each load in turn: one burst of $T s then $OFF s of"
	echo "quiet. \"N req/s\" is bench/loadgen's open loop, a new connection per request;"
	echo "\"max, keep-alive\" is closed loop with $MAX_CLIENTS clients on keep-alive connections"
	echo "(the data path); \"max, new connections\" is closed loop with $MAX_CLIENTS clients and a"
	echo "new connection per request (connection set-up, accept and TIME_WAIT too)."
	echo "Sides alternate (base first in odd rounds, new first in even ones, vCPU"
	echo "counts reversed too), so that drift of the shared machine falls on both."
	echo "Host CPU-ms per request: the qemu process's CPU time over the burst and the"
	echo "quiet after it over the requests answered 200 (as \`make bench-http\`)."
	echo "Each cell: median over the rounds without failed requests (lowest-highest);"
	echo "new/base: of the medians. A round with failed requests measured a stall, not"
	echo "the rate: it counts only in the failed requests (all rounds' sum, and in how"
	echo "many rounds). Others' host CPU: what the host's"
	echo "cores did meanwhile besides this VM and the load generator (other users of the"
	echo "machine), in % of one core, median over the rounds: where it is high, so is"
	echo "the noise."
	echo
	local cores most
	cores=$(nproc) most=$(echo "$SMPS" | tr ' ' '\n' | sort -n | tail -n 1)
	echo "Under TCG each vCPU is a host thread, and this host has $cores cores, shared"
	echo "with the load generator (and other users' VMs): the rate cannot grow past"
	echo "$cores vCPUs$([ "$most" -le "$cores" ] || echo " ($most vCPUs on $cores cores cannot scale past $cores)"), and even $cores vCPUs compete with the load generator."
	echo
	echo "Noise in this run: between one side's rounds, CPU-ms per request spread by up"
	echo "to $(field_line spread_cpu)% and max rate by up to $(field_line spread_rps)% (highest - lowest over the median)."
	if [ "$SAME_CODE" = 1 ]; then
		echo "With the same code on both sides, new/base ranged $(field_line ratio_cpu) for CPU-ms per"
		echo "request and $(field_line ratio_rps) for max rate: differences within these are not findings."
	else
		echo "New/base ranged $(field_line ratio_cpu) for CPU-ms per request and $(field_line ratio_rps) for max rate."
	fi
	local smp
	for smp in ${SMPS#"$first_smp"}; do
		echo "Max rate at $smp vCPUs over $first_smp: $(scale_words "$smp")."
	done
	echo "Run time $((RUN_S / 60)) min $((RUN_S % 60)) s (building the base included)."
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) host cores. Reproduce: \`$cmd\`"
	echo "(default BASE: $(git rev-parse --short "$BASE_DEFAULT"), main before the rework)."
	echo
	echo "| vCPUs | load | CPU-ms/request, base | new | new/base | req/s, base | new | new/base | failed requests, base / new | others' host CPU %, base / new |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	local vcpus load rest
	while IFS='|' read -r _ vcpus load rest; do
		echo "|$vcpus| $(load_title $load) |$rest"
	done <"$out/rows"
	echo
	echo "![max rate against vCPUs, base and new](bench-http-scaling.png)"
}

# REPORT_ONLY=1 redoes the table and plot from the last run's data (give
# it the same settings as that run).
if [ "${REPORT_ONLY:-0}" != 1 ]; then
	started=$EPOCHSECONDS
	prepare_sides
	run_rounds
	record_run $((EPOCHSECONDS - started))
fi
source "$out/meta"
BASE_DESC_SHORT=${BASE_DESC%% *}
VALIDATION=$([ "$SAME_CODE" = 1 ] && echo " (same code: validation)" || true)
rm -f "$out"/rows "$out"/plot-* "$out"/summary
summarise
plot_max_rates
write_section >"$out/section.md"
update_section bench-http-scaling "$out/section.md"
cat "$out/section.md"
