#!/bin/bash
# install-deps.sh: the Debian 12 packages that only the benchmarks need, on
# top of tools/install-deps.sh: Debian's kernel (the Linux guest of
# `make bench-http`), cpio (its initramfs) and gnuplot (the plots). Not part
# of CI. Uses sudo when not run as root.
set -euo pipefail

PACKAGES=(linux-image-amd64 cpio gnuplot-nox procps)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "bench/install-deps: all packages present"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "bench/install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "bench/install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
