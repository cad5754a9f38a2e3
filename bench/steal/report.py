"""report.py: bench-steal's figures from its raw data (bench/steal.sh).

usage: report.py OUT_DIR PREFIX CONFIG...
Reads OUT_DIR/CONFIG-top.jsonl (`lull top --json`, one sample a line) and
OUT_DIR/CONFIG-web.txt (bench/loadgen's key=value line) and
OUT_DIR/CONFIG-host.stat (/proc/stat's cpu line before and after); prints
one tab-separated row per config and VM: config, VM, steal per vCPU p50 and
p99, CPU %, fairness (big's CPU per vCPU over small's), web p50 and p99 ms,
the host's busy % (of one CPU) and how much of it was not these VMs.
"""
import json
import os
import sys

VMS = ("big", "small", "web", "idle")


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def loadgen_fields(path):
    try:
        words = open(path).read().split()
    except OSError:
        return {}
    return dict(w.split("=", 1) for w in words if "=" in w)


def host_busy_pct(path):
    """% of one CPU the host was busy between the two /proc/stat lines."""
    try:
        before, after = (list(map(int, l.split()[1:])) for l in open(path).read().splitlines()[:2])
    except (OSError, ValueError):
        return float("nan")
    delta = [a - b for a, b in zip(after, before)]
    total, idle = sum(delta), delta[3] + delta[4]
    cpus = os.cpu_count() or 1
    return 100.0 * cpus * (total - idle) / total if total else float("nan")


def main():
    out, prefix, configs = sys.argv[1], sys.argv[2], sys.argv[3:]
    for config in configs:
        steal = {vm: [] for vm in VMS}
        cpu = {vm: [] for vm in VMS}
        with open(f"{out}/{config}-top.jsonl") as f:
            for line in f:
                for vm in json.loads(line)["vms"]:
                    short = vm["name"].removeprefix(prefix + "-")
                    if short in steal and vm["smp"]:
                        steal[short].append(vm["vcpu_steal_pct"] / vm["smp"])
                        cpu[short].append(vm["cpu_pct"])
        mean = {vm: sum(v) / len(v) if v else float("nan") for vm, v in cpu.items()}
        fairness = (mean["big"] / 2) / mean["small"] if mean["small"] else float("nan")
        web = loadgen_fields(f"{out}/{config}-web.txt")
        busy = host_busy_pct(f"{out}/{config}-host.stat")
        others = busy - sum(v for v in mean.values() if v == v)
        for vm in VMS:
            print("\t".join([config, vm, f"{percentile(steal[vm], 50):.2f}",
                             f"{percentile(steal[vm], 99):.2f}", f"{mean[vm]:.2f}",
                             f"{fairness:.2f}", web.get("p50_ms", "-"), web.get("p99_ms", "-"),
                             f"{busy:.0f}", f"{others:.0f}"]))


main()
