#!/bin/bash
# install-deps.sh: installs the Debian 12 packages Lull needs to build, run
# and test, when they are missing, and the packages named as arguments
# (bench/install-deps.sh adds the benchmarks'). Uses sudo when not root.
set -euo pipefail

# grub-pc-bin, grub-common, xorriso and mtools: the test of the Multiboot2 entry.
# dosfstools and mtools: `lull disk create` (mkfs.fat, mcopy) and the FAT tests
# (fsck.fat, mdir).
# iproute2, iputils-ping, curl, python3: the network tests against Linux.
# clang and libclang-rt-14-dev: the fuzzers (libFuzzer).
# dpkg-dev and patch: apps/ unpacks Debian source packages (dpkg-source).
# tcl8.6: SQLite's build makes its amalgamation (sqlite3.c) and shell.c with
# tclsh (apps/sqlite/build.sh); sqlite3: the SQLite checks read the database
# a guest wrote with Debian's sqlite3 shell.
# redis-tools: the Redis checks talk to a guest's redis-server with redis-cli
# and redis-benchmark.
# libhwloc-dev: `lull place` reads the host topology with hwloc.
# dnsmasq-base: the DHCP server of the network tests (/usr/sbin/dnsmasq, no
# system service).
PACKAGES=(gcc make libc6-dev binutils musl-tools musl-dev qemu-system-x86 libcmocka-dev
	grub-pc-bin grub-common xorriso mtools dosfstools
	iproute2 iputils-ping curl python3 clang libclang-rt-14-dev dnsmasq-base libhwloc-dev
	dpkg-dev patch tcl8.6 sqlite3 redis-tools)

PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
