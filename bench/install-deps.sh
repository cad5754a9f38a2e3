#!/bin/bash
# install-deps.sh: the Debian 12 packages that only the benchmarks need, on
# top of tools/install-deps.sh's: Debian's kernel (the Linux guests of
# `make bench-http`, `bench-disk` and `bench-apps`), cpio (their initramfs),
# gnuplot (the plots) and wrk (`make bench-apps` loads nginx with it). Not
# part of CI.
exec bash "$(dirname "$0")/../tools/install-deps.sh" linux-image-amd64 cpio gnuplot-nox procps wrk
