"""report.py: bench-disk's table from its raw data (bench/disk.sh).

usage: report.py OUT_DIR
Reads OUT_DIR/{lull,linux}.phases: lines "phase NAME begin HOST_NS CPU_NS"
and "phase NAME end UNITS SECONDS HOST_NS CPU_NS". Prints the markdown
section for docs/BENCHMARKS.md (with @COMMAND@ for the command).
"""
import sys

PHASES = (("seq_write", "sequential write", "MiB/s", "CPU-ms/MiB"),
          ("seq_read", "sequential read", "MiB/s", "CPU-ms/MiB"),
          ("random_fsync", "4 KiB write + fsync", "fsyncs/s", "CPU-ms/fsync"))


def phases(path):
    found, begun = {}, {}
    try:
        lines = open(path, newline="").read().split("\n")
    except OSError:
        return found
    for line in lines:
        words = line.split()  # also drops a serial console's CR
        if len(words) == 5 and words[2] == "begin":
            begun[words[1]] = int(words[4])
        elif len(words) == 7 and words[1] in begun:
            units, seconds, cpu = float(words[3]), float(words[4]), int(words[6])
            found[words[1]] = (units / seconds, (cpu - begun[words[1]]) / 1e6 / units)
    return found


def main():
    out = sys.argv[1]
    lull, linux = phases(f"{out}/lull.phases"), phases(f"{out}/linux.phases")
    print()
    print("## Disk: Lull vs a Linux guest (`@COMMAND@`)")
    print()
    print("One run on this host, QEMU TCG, q35, the same FAT32 image size on")
    print("virtio-blk for both guests, the same program (bench/disk/diskbench.c);")
    print("throughput by the guest's clock, host CPU of the whole qemu process per")
    print("unit. A missing figure means that guest did not finish the phase.")
    print()
    print("| phase | Lull | Linux | Lull / Linux | host CPU, Lull | host CPU, Linux | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    for key, label, rate, cost in PHASES:
        a, b = lull.get(key), linux.get(key)
        cell = lambda v, i, fmt: fmt.format(v[i]) if v else "-"
        ratio = lambda i: f"{a[i] / b[i]:.2f}x" if a and b and b[i] else "-"
        print(f"| {label} | {cell(a, 0, '{:.1f}')} {rate} | {cell(b, 0, '{:.1f}')} {rate} | {ratio(0)} "
              f"| {cell(a, 1, '{:.2f}')} {cost} | {cell(b, 1, '{:.2f}')} {cost} | {ratio(1)} |")


main()
