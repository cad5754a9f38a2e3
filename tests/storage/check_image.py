"""check_image.py: the host's side of the storage tests: looks at a FAT disk
image a guest wrote, with Debian's dosfstools and mtools, never with Lull's
own code.

  check_image.py manifest IMG LOG
      fsck.fat -n finds nothing to fix; every "file: PATH SIZE SEED" line of
      the guest's console LOG is in the image with exactly the bytes
      tests/storage/content.h gives; and the folders those paths are in hold
      no other file but those of "keep: PATH" lines (checked by the guest).
  check_image.py records IMG PATH LOG
      the crash test: on a copy of IMG, fsck.fat -a repairs what it must
      (printed); then PATH holds every record whose "synced N" line is in
      LOG, intact (records after it may be there or not).
Exits 0 when all is well, 1 with the differences listed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

RECORD_SIZE = 64


def content(seed, size):
    out = bytearray(size)
    for i in range(size):
        x = (seed ^ ((i >> 8) * 2654435761)) & 0xFFFFFFFF
        out[i] = ((x >> ((i & 3) * 8)) ^ i) & 0xFF
    return bytes(out)


def fsck(img, repair):
    args = ["fsck.fat", "-a" if repair else "-n", img]
    run = subprocess.run(args, capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


def copy_out(img, dest):
    subprocess.run(["mcopy", "-s", "-n", "-i", img, "::/", dest], check=True,
                   capture_output=True)


def files_under(top):
    found = {}
    for folder, _, names in os.walk(top):
        for name in names:
            path = os.path.join(folder, name)
            found["/" + os.path.relpath(path, top).lower()] = path
    return found


def check_manifest(img, log):
    problems = []
    code, report = fsck(img, repair=False)
    if code != 0:
        problems.append(f"fsck.fat -n exited {code}:\n{report}")
    manifest, kept = {}, set()
    for line in open(log, errors="replace"):
        if line.startswith("file: "):
            path, size, seed = line[6:].rstrip("\n").split("\t")
            manifest[path.lower()] = (path, int(size), int(seed))
        elif line.startswith("keep: "):
            kept.add(line[6:].rstrip("\n").lower())
    if not manifest:
        problems.append("the guest listed no files")
    with tempfile.TemporaryDirectory() as tmp:
        copy_out(img, tmp)
        on_disk = files_under(tmp)
        folders = {os.path.dirname(p) for p in manifest}
        for key, (path, size, seed) in sorted(manifest.items()):
            if key not in on_disk:
                problems.append(f"{path}: missing")
                continue
            data = open(on_disk[key], "rb").read()
            if data != content(seed, size):
                problems.append(f"{path}: {len(data)} bytes, not the {size} written")
        missing_kept = [p for p in kept if p not in on_disk]
        problems += [f"{p}: missing" for p in sorted(missing_kept)]
        extra = [p for p in on_disk if os.path.dirname(p) in folders and p not in manifest and p not in kept]
        problems += [f"{p}: on the disk but deleted by the guest" for p in sorted(extra)]
    print(f"{len(manifest)} files checked, {len(problems)} problems")
    return problems


def check_records(img, path, log):
    # The kill can cut the last line ("synced 4" then lull run's own
    # message on the same line): only whole lines count.
    synced = [int(m.group(1)) for m in (re.match(r"synced (\d+)$", l.rstrip("\n"))
                                        for l in open(log, errors="replace")) if m]
    last = max(synced) if synced else -1
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "disk.img")
        shutil.copyfile(img, copy)
        code, report = fsck(copy, repair=True)
        found = [l.strip() for l in report.splitlines() if l and not l.startswith(("fsck.fat", "/dev", copy))]
        run = subprocess.run(["mcopy", "-n", "-i", copy, "::" + path, "-"], capture_output=True)
        data = run.stdout if run.returncode == 0 else b""
    for n in range(last + 1):
        rec = data[n * RECORD_SIZE:(n + 1) * RECORD_SIZE]
        if rec != record(n):
            problems.append(f"record {n} (synced) is {'missing' if not rec else 'damaged'}")
            break
    print(f"{last + 1} records synced before the kill, {len(data) // RECORD_SIZE} on the disk; "
          f"fsck.fat -a exited {code}, reporting: {'; '.join(found[-4:]) or 'nothing'}")
    return problems


def record(n):
    text = f"record {n:08d} ".encode()
    return text + content(n, RECORD_SIZE - len(text) - 1) + b"\n"


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "manifest":
        problems = check_manifest(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "records":
        problems = check_records(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    for p in problems[:20]:
        print("problem:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
