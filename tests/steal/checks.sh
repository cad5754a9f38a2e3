# checks.sh: steal you can see and act on, on this host's 2 cores (issue 17).
# Three Lull VMs spin (4 vCPUs that always want to run) beside one idle VM:
#   - `lull top --json` shows steal on every spinning vCPU and none on the
#     idle one;
#   - `lull place` moves them into its cgroups, and the CPU each VM gets
#     follows the weights of the policy: equal per VM under `per-vm` (the
#     2-vCPU VM gets what a 1-vCPU VM gets), proportional to vCPUs under
#     `shared` (it gets twice as much).
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


# place_once MODE: one pass of `lull place` over this test's VMs, with its
# cgroups under a parent of the test's own.
place_once() {
	printf 'parent %s\n' "$steal_prefix" >"$steal_tmp/policy"
	"$LULL" place --policy "$steal_tmp/policy" --mode "$1" --once --only "$steal_prefix-*" \
		>"$steal_tmp/place-$1.out" 2>"$steal_tmp/place-$1.log"
}

# in_place_cgroup NAME: the VM's QEMU process is in lull place's cgroup for it.
in_place_cgroup() {
	grep -q ":/$steal_prefix/vm-$1\$" "/proc/$(qemu_of "$1")/cgroup"
}

# check_share MODE LOW HIGH: after `lull place --mode MODE`, every VM is in
# its cgroup and the 2-vCPU VM gets between LOW and HIGH times the CPU of a
# 1-vCPU VM.
check_share() {
	local mode=$1 ratio name status=0
	place_once "$mode" || status=$?
	if [ "$status" -ne 0 ]; then
		fail "steal/place-$mode" "lull place exited $status" "$(cat "$steal_tmp/place-$mode.log")"
		return
	fi
	for name in a b c idle; do
		if ! in_place_cgroup "$steal_prefix-$name"; then
			fail "steal/place-$mode" "VM $name is not in /$steal_prefix/vm-$steal_prefix-$name" \
				"$(cat "/proc/$(qemu_of "$steal_prefix-$name")/cgroup"; cat "$steal_tmp/place-$mode.log")"
			return
		fi
	done
	sleep 1 # let the scheduler settle on the new weights
	ratio=$(share_ratio 6)
	if python3 -c "import sys; sys.exit(0 if $2 <= $ratio <= $3 else 1)"; then
		pass "steal/place-$mode (2-vCPU VM got ${ratio}x a 1-vCPU VM's CPU, expected $2-$3)"
	else
		fail "steal/place-$mode" "the 2-vCPU VM got ${ratio}x a 1-vCPU VM's CPU, expected $2-$3" \
			"$(cat "$steal_tmp/place-$mode.log")"
	fi
}

# Moves the test's VMs back to the root cgroups and removes lull place's.
place_cleanup() {
	local dir pid
	for dir in /sys/fs/cgroup/*/"$steal_prefix" /sys/fs/cgroup/"$steal_prefix"; do
		[ -d "$dir" ] || continue
		for pid in $(cat "$dir"/*/cgroup.procs 2>/dev/null); do
			echo "$pid" >"$(dirname "$dir")/cgroup.procs" 2>/dev/null
		done
		rmdir "$dir"/*/ "$dir" 2>/dev/null
	done
}

# Equal weight per VM (the seed's per-VM cgroups): the 2-vCPU VM gets what
# a 1-vCPU VM gets. Weights by vCPUs (`shared`): twice as much.
run_place_share_checks() {
	check_share per-vm 0.7 1.4
	check_share shared 1.6 2.6
	place_cleanup
}
