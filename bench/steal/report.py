"""report.py: bench-steal's figures from its raw data (bench/steal.sh).

usage: report.py OUT_DIR PREFIX CONFIG...
Reads OUT_DIR/CONFIG-top.jsonl (`lull top --json`, one sample a line) and
OUT_DIR/CONFIG-web.txt (bench/loadgen's key=value line); prints one
tab-separated row per config and VM: config, VM, steal per vCPU p50 and p99,
CPU %, fairness (big's CPU per vCPU over small's), web p50 and p99 ms.
"""
import json
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
        for vm in VMS:
            print("\t".join([config, vm, f"{percentile(steal[vm], 50):.2f}",
                             f"{percentile(steal[vm], 99):.2f}", f"{mean[vm]:.2f}",
                             f"{fairness:.2f}", web.get("p50_ms", "-"), web.get("p99_ms", "-")]))


main()
