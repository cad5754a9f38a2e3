#!/bin/bash
# install-deps.sh: the Debian 12 packages that only the benchmarks need, on
# top of tools/install-deps.sh's: Debian's kernel (the Linux guest of
# `make bench-http`), cpio (its initramfs) and gnuplot (the plots). Not part
# of CI.
exec bash "$(dirname "$0")/../tools/install-deps.sh" linux-image-amd64 cpio gnuplot-nox procps
