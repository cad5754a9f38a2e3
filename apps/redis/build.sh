#!/bin/bash
# apps/redis/build.sh: redis-server 7.0 from Debian 12's source package
# (redis), built with `lull cc` and Redis's own Makefile into
# $BUILD/apps/redis-server.elf (`make apps-redis` runs it; run it as root the
# first time if apt has no deb-src entry yet, see apps/debian_source.sh);
# with APPS_TARGET=linux, for Linux with musl-gcc into
# $BUILD/bench/apps-linux/ (the baseline of `make bench-apps`).
#
# The source is fetched once into $LULL_APPS_CACHE (default $BUILD/apps-cache)
# and built in $BUILD/apps/redis/, so a second run only relinks the image
# (rm -rf $BUILD/apps/redis compiles Redis again, e.g. after lull cc's flags
# change).
# Debian's patches are applied (security fixes and portability fixes to
# Redis's source and Makefiles) except three: two are Debian's packaging,
# not Redis: debian-packaging/0001-Set-Debian-configuration-defaults
# (redis.conf for Debian's daemon layout: a guest is given its options on the
# command line) and 0004-Add-support-for-USE_SYSTEM_JEMALLOC-flag (linking
# Debian's libjemalloc, which an image does not have); and
# 0003-Use-get_current_dir_name-over-PATHMAX (for GNU/Hurd) is wrong outside
# glibc: it gives libc's malloc'd string to zfree, which with musl and
# MALLOC=libc expects Redis's size header, so a failed SAVE crashed in free.
# Redis's source is not changed otherwise.
#
# Redis's Makefile is run as `make -C src redis-server` with:
#   MALLOC=libc      musl's malloc: the vendored jemalloc needs its own
#                    ./configure run, and zmalloc works on any malloc;
#   BUILD_TLS=no     no OpenSSL in an image;
#   USE_SYSTEMD=no   no libsystemd (nor a service manager);
#   CC               lull cc (APP_CC), which compiles with Lull's flags,
#                    links the image, and also builds the vendored hiredis,
#                    linenoise, Lua, hdr_histogram and fpconv as static
#                    archives (make passes command-line variables on to
#                    deps/'s Makefiles).
set -euo pipefail
cd "$(dirname "$0")/../.."
source apps/debian_source.sh
src=$(fetch_debian_source redis "$CACHE" debian-packaging/0001-Set-Debian-configuration-defaults.patch \
	0004-Add-support-for-USE_SYSTEM_JEMALLOC-flag.patch 0003-Use-get_current_dir_name-over-PATHMAX.patch)
work=$APPS_OUT/redis
work_copy "$src" "$work"
# The kernel may have changed since the last run: always link again.
rm -f "$work/src/redis-server"
# src/mkreleasehdr.sh asks git for a commit: without GIT_DIR it would find
# Lull's repository around $BUILD and report Lull's commit as Redis's.
GIT_DIR=/nonexistent make -s -j"$(nproc)" -C "$work/src" redis-server MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no CC="${APP_CC[*]}"
cp --remove-destination "$work/src/redis-server" "$APPS_OUT/redis-server.elf"
echo "built $APPS_OUT/redis-server.elf"
