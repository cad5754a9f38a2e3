# checks.sh: steal you can see and act on, on this host's 2 cores (issue 17).
# Three Lull VMs spin (4 vCPUs that always want to run) beside one idle VM:
#   - `lull top --json` shows steal on every spinning vCPU and none on the
#     idle one;
#   - the `lull place` daemon moves them into its cgroups, and the CPU each
#     VM gets follows the weights of the policy: equal per VM under `per-vm`
#     (the 2-vCPU VM gets what a 1-vCPU VM gets), proportional to vCPUs
#     under `shared`, loaded by SIGHUP (it gets twice as much);
#   - the daemon remakes a cgroup removed behind its back, outlives a VM
#     that exits, and on SIGTERM gives the VMs back to the root cgroups.
# Sourced by tests/run.sh (uses its pass/fail); needs root for cgroups.

STEAL_GUEST=$BUILD/tests/steal/guest.elf

# Starts a VM in the background: steal_vm NAME SMP spin|idle; the VM ends
# by itself after 120 s. Sets STEAL_PIDS (lull run's pid per name).
steal_vm() {
	local log=$steal_tmp/$1.log
	"$LULL" run "$STEAL_GUEST" --name "$1" --smp "$2" -- "$3" 120 >"$log" 2>&1 &
	STEAL_PIDS[$1]=$!
}

# The QEMU process of a VM, by its -name.
qemu_of() {
	pgrep -f -- "-name $1,debug-threads=on" | head -n 1
}

# CPU time (ns) of the vCPU threads of a QEMU process.
vcpu_ns() {
	local t sum=0 run rest
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in "CPU "*) ;; *) continue ;; esac
		read -r run rest <"$t/schedstat" 2>/dev/null && sum=$((sum + run))
	done
	echo "$sum"
}

# share_ratio SECONDS: CPU the 2-vCPU VM got over that of a 1-vCPU VM,
# measured over SECONDS (the mean of the two 1-vCPU VMs).
share_ratio() {
	local a b c a0 b0 c0
	a=$(qemu_of "$steal_prefix-a") b=$(qemu_of "$steal_prefix-b") c=$(qemu_of "$steal_prefix-c")
	a0=$(vcpu_ns "$a") b0=$(vcpu_ns "$b") c0=$(vcpu_ns "$c")
	sleep "$1"
	python3 -c "import sys; a, b, c = (int(x) for x in sys.argv[1:]); print(f'{2 * a / (b + c):.2f}')" \
		"$(($(vcpu_ns "$a") - a0))" "$(($(vcpu_ns "$b") - b0))" "$(($(vcpu_ns "$c") - c0))"
}

# check_top_steal JSON: every spinning VM's vCPUs lose > 10% to steal, the
# idle VM's < 2%.
check_top_steal() {
	python3 - "$1" "$steal_prefix" <<'PY'
import json, sys
doc = json.loads(open(sys.argv[1]).read())
prefix = sys.argv[2]
vms = {vm["name"]: vm for vm in doc["vms"] if vm["name"].startswith(prefix + "-")}
problems = []
for name, spinning in (("a", True), ("b", True), ("c", True), ("idle", False)):
    vm = vms.get(f"{prefix}-{name}")
    if vm is None:
        problems.append(f"{name}: not in lull top's list")
        continue
    if len(vm["vcpus"]) != vm["smp"]:
        problems.append(f"{name}: {len(vm['vcpus'])} vCPU threads for -smp {vm['smp']}")
    for v in vm["vcpus"]:
        steal = v["steal_pct"]
        print(f"{name} vCPU {v['vcpu']}: cpu {v['cpu_pct']:.1f}% steal {steal:.1f}%")
        if spinning and steal <= 10:
            problems.append(f"{name} vCPU {v['vcpu']}: steal {steal:.1f}% (expected > 10%)")
        if not spinning and steal >= 2:
            problems.append(f"{name} vCPU {v['vcpu']}: steal {steal:.1f}% (expected < 2%)")
    guest = vm.get("guest")
    if not guest or len(guest["cores"]) != vm["smp"]:
        problems.append(f"{name}: the guest's own counters were not read")
    elif spinning and any(c["busy_pct"] < 90 for c in guest["cores"]):
        problems.append(f"{name}: the guest says a spinning core was not busy")
    elif not spinning and any(c["halted_pct"] < 90 for c in guest["cores"]):
        problems.append(f"{name}: the guest says its idle core was not halted")
for p in problems:
    print("problem:", p)
sys.exit(1 if problems else 0)
PY
}

run_steal_checks() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP steal: cgroups need root"
		return
	fi
	steal_tmp=$(mktemp -d)
	steal_prefix=steal$$
	declare -gA STEAL_PIDS=()
	steal_vm "$steal_prefix-a" 2 spin
	steal_vm "$steal_prefix-b" 1 spin
	steal_vm "$steal_prefix-c" 1 spin
	steal_vm "$steal_prefix-idle" 1 idle
	local name ok=1 out
	for name in a b c idle; do
		wait_for_line "$steal_tmp/$steal_prefix-$name.log" '^ready' 60 "${STEAL_PIDS[$steal_prefix-$name]}" || ok=
	done
	if [ -z "$ok" ]; then
		fail steal/vms-start "a VM did not start" "$(tail -n 5 "$steal_tmp"/*.log)"
	else
		"$LULL" top --once --json --interval 3 >"$steal_tmp/top.json" 2>"$steal_tmp/top.err"
		if out=$(check_top_steal "$steal_tmp/top.json" 2>&1); then
			pass "steal/top-shows-steal"
		else
			fail "steal/top-shows-steal" "lull top --json" "$out$(cat "$steal_tmp/top.err")"
		fi
		run_place_share_checks
	fi
	kill "${STEAL_PIDS[@]}" 2>/dev/null
	wait "${STEAL_PIDS[@]}" 2>/dev/null
	rm -rf "$steal_tmp"
}


# The daemon: `lull place` over this test's VMs, every second, with its
# cgroups under a parent of the test's own; the policy file says the mode.
start_place_daemon() {
	printf 'parent %s\nmode %s\n' "$steal_prefix" "$1" >"$steal_tmp/policy"
	"$LULL" place --policy "$steal_tmp/policy" --only "$steal_prefix-*" --interval 1 \
		--restore-on-exit >/dev/null 2>"$steal_tmp/place.log" &
	place_pid=$!
}

# in_place_cgroup NAME: the VM's QEMU process is in lull place's cgroup for it.
in_place_cgroup() {
	grep -q ":/$steal_prefix/vm-$1\$" "/proc/$(qemu_of "$1")/cgroup" 2>/dev/null
}

# The cpu controller's weight file of a VM's cgroup (v1 shares or v2 weight).
weight_of() {
	cat /sys/fs/cgroup/{cpu,cpu\,cpuacct,}/"$steal_prefix/vm-$1"/cpu.{shares,weight} 2>/dev/null | head -n 1
}

# until_true SECONDS CMD...: CMD succeeds within SECONDS (tried every 0.2 s).
until_true() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# weight_is NAME WEIGHT...: the VM's cgroup has one of the weights.
weight_is() {
	local name=$1 want
	shift
	for want in "$@"; do [ "$(weight_of "$name")" = "$want" ] && return 0; done
	return 1
}

all_in_place_cgroups() {
	local name
	for name in a b c idle; do in_place_cgroup "$steal_prefix-$name" || return 1; done
}

# check_share MODE WEIGHT LOW HIGH: once the 2-vCPU VM's cgroup has WEIGHT
# (as v1 shares or v2 weight), it gets between LOW and HIGH times the CPU of
# a 1-vCPU VM.
check_share() {
	local mode=$1 weight ratio
	if ! until_true 10 all_in_place_cgroups; then
		fail "steal/place-$mode" "the VMs are not all in /$steal_prefix/vm-NAME" "$(cat "$steal_tmp/place.log")"
		return
	fi
	if ! until_true 10 weight_is "$steal_prefix-a" $2; then
		fail "steal/place-$mode" "the 2-vCPU VM's weight is $(weight_of "$steal_prefix-a"), not one of $2" \
			"$(cat "$steal_tmp/place.log")"
		return
	fi
	sleep 1 # let the scheduler settle on the new weights
	ratio=$(share_ratio 6)
	if python3 -c "import sys; sys.exit(0 if $3 <= $ratio <= $4 else 1)"; then
		pass "steal/place-$mode (2-vCPU VM got ${ratio}x a 1-vCPU VM's CPU, expected $3-$4)"
	else
		fail "steal/place-$mode" "the 2-vCPU VM got ${ratio}x a 1-vCPU VM's CPU, expected $3-$4" \
			"$(cat "$steal_tmp/place.log")"
	fi
}

# What the daemon survives: a cgroup removed behind its back (it makes it
# again and puts the VM back), a VM that exits (it goes on), and on SIGTERM
# it gives the VMs back to the root cgroups and removes its own.
check_place_survives() {
	local b dir status=0
	b=$(qemu_of "$steal_prefix-b")
	for dir in /sys/fs/cgroup/*/"$steal_prefix/vm-$steal_prefix-b" /sys/fs/cgroup/"$steal_prefix/vm-$steal_prefix-b"; do
		[ -d "$dir" ] || continue
		echo "$b" >"${dir%/"$steal_prefix"/*}/cgroup.procs"
		rmdir "$dir"
	done
	if until_true 10 in_place_cgroup "$steal_prefix-b"; then
		pass "steal/place-remakes-vanished-cgroup"
	else
		fail "steal/place-remakes-vanished-cgroup" "VM b did not come back to its cgroup" "$(cat "$steal_tmp/place.log")"
	fi
	kill "${STEAL_PIDS[$steal_prefix-c]}"
	sleep 3
	if kill -0 "$place_pid" 2>/dev/null && grep -q "$steal_prefix-c" "$steal_tmp/place.log"; then
		pass "steal/place-outlives-vm"
	else
		fail "steal/place-outlives-vm" "the daemon stopped or said nothing when VM c exited" "$(cat "$steal_tmp/place.log")"
	fi
	kill -TERM "$place_pid"
	wait "$place_pid" || status=$?
	if [ "$status" = 0 ] && ! ls -d /sys/fs/cgroup/*/"$steal_prefix" /sys/fs/cgroup/"$steal_prefix" 2>/dev/null &&
		grep -qE '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/$' "/proc/$b/cgroup"; then
		pass "steal/place-restores-on-exit"
	else
		fail "steal/place-restores-on-exit" "exit $status, or cgroups left behind" \
			"$(ls -d /sys/fs/cgroup/*/"$steal_prefix" 2>&1; cat "/proc/$b/cgroup"; tail -n 5 "$steal_tmp/place.log")"
	fi
}

# Equal weight per VM (the seed's per-VM cgroups): the 2-vCPU VM gets what
# a 1-vCPU VM gets. Weights by vCPUs (`shared`, after SIGHUP reloads the
# policy file): twice as much.
run_place_share_checks() {
	local place_pid
	start_place_daemon per-vm
	check_share per-vm "1024 100" 0.7 1.4
	printf 'parent %s\nmode shared\n' "$steal_prefix" >"$steal_tmp/policy"
	kill -HUP "$place_pid"
	check_share shared "2048 200" 1.6 2.6
	check_place_survives
}
