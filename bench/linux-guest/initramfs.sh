#!/bin/bash
# initramfs.sh: builds a Linux guest's initramfs for the benchmarks: a newc
# cpio archive holding /init (bench/linux-guest/init.c, static), the files
# named as SRC=DEST (a program, a document root: directories are copied
# whole), and the named modules of Debian's kernel with their dependencies
# from modules.dep, numbered in load order under /modules.
#
# usage: initramfs.sh OUT.cpio KERNEL_VERSION INIT "MODULE..." [SRC=DEST...]
#   e.g. initramfs.sh http.cpio 6.1.0-1-amd64 init "virtio_pci virtio_net" \
#        build/httpd-linux=/httpd examples/httpd/www=/www
set -euo pipefail

usage="usage: initramfs.sh OUT.cpio KERNEL_VERSION INIT \"MODULE...\" [SRC=DEST...]"
[ $# -ge 4 ] || { echo "$usage" >&2; exit 2; }
out=$1 kver=$2 init=$3 modules=$4
shift 4
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || {
	echo "initramfs.sh: $moddir/modules.dep missing: install linux-image-amd64 (bash bench/install-deps.sh)" >&2
	exit 1
}
command -v cpio >/dev/null || { echo "initramfs.sh: cpio missing: apt-get install cpio" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/modules"
cp "$init" "$stage/init"
for file in "$@"; do
	src=${file%%=*} dest=$stage/${file#*=}
	[ "$src" != "$file" ] && [ -e "$src" ] || { echo "initramfs.sh: $file: expected SRC=DEST with SRC present" >&2; exit 2; }
	mkdir -p "$(dirname "$dest")"
	if [ -d "$src" ]; then mkdir -p "$dest" && cp -r "$src/." "$dest/"; else cp "$src" "$dest"; fi
done

# Depth first through modules.dep, each module after what it needs.
declare -A deps seen
while IFS=: read -r mod rest; do
	deps[$mod]=$rest
done <"$moddir/modules.dep"
order=()
visit() {
	local m=$1 d
	[ -n "${seen[$m]:-}" ] && return
	seen[$m]=1
	[ -n "${deps[$m]+x}" ] || { echo "initramfs.sh: $m not in modules.dep" >&2; exit 1; }
	for d in ${deps[$m]}; do visit "$d"; done
	order+=("$m")
}
for want in $modules; do
	path=$(grep -oE "^[^:]*/$want\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | tr -d :)
	[ -n "$path" ] || { echo "initramfs.sh: no $want module for $kver" >&2; exit 1; }
	visit "$path"
done

# finit_module wants a plain .ko here: decompress what Debian compressed.
i=10
for m in "${order[@]}"; do
	name=$i-$(basename "${m%%.ko*}").ko
	case $m in
	*.xz) xz -dc "$moddir/$m" ;;
	*.zst) zstd -dc "$moddir/$m" ;;
	*.gz) gzip -dc "$moddir/$m" ;;
	*) cat "$moddir/$m" ;;
	esac >"$stage/modules/$name"
	i=$((i + 1))
done

tmp=$out.tmp
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$tmp"
mv "$tmp" "$out"
echo "initramfs.sh: $out: modules ${order[*]##*/}" >&2
