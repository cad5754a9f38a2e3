#!/bin/bash
# apps/sqlite/build.sh: SQLite 3.40 from Debian 12's source package (sqlite3),
# built with `lull cc` into two images: $BUILD/apps/sqlite3.elf (the sqlite3
# shell) and $BUILD/apps/speedtest1.elf (SQLite's benchmark, test/speedtest1.c).
# `make apps-sqlite` runs it; run it as root the first time if apt has no
# deb-src entry yet (see apps/debian_source.sh). With APPS_TARGET=linux, the
# same two programs for Linux with musl-gcc into $BUILD/bench/apps-linux/
# (speedtest1 is the baseline of `make bench-apps`).
#
# The source is fetched once into $LULL_APPS_CACHE (default $BUILD/apps-cache).
# In $BUILD/apps/sqlite/, SQLite's own build makes the amalgamation (sqlite3.c,
# one file holding the library) and shell.c with the host's gcc and tclsh8.6
# (package tcl8.6): `./configure && make sqlite3.c shell.c`, configure being
# used for nothing else. The three C files are compiled with lull cc once;
# later runs only link the images again, because the kernel may have changed
# (rm -rf $BUILD/apps/sqlite compiles again, e.g. after lull cc's flags change).
#
# Debian's patches that fix SQLite are applied (41, 42, 0001-0003, and 20,
# which only changes the Hurd's locking). Skipped as Debian's packaging, not
# SQLite: its libtool and cross-build changes to Makefile.in and configure.ac
# (10-520466, 10-520478, 30-cross, 32-dynamic_link, 40-amalgamation_configure,
# 10-665363, which only edits configure.ac), lemon's template at Debian's
# path (02), and Debian's larger maximum default page size (31, a choice for
# Firefox's databases). SQLite's source is not changed otherwise.
#
# Compile options (everything else is SQLite's default):
#   -DSQLITE_THREADSAFE=1          serialized, SQLite's default, said aloud:
#                                  Lull runs threads, and PRAGMA threads may
#                                  start sorter threads;
#   -DSQLITE_OMIT_LOAD_EXTENSION   an image is static: no dlopen, so no
#                                  load_extension() or .load;
#   the shell is built without readline or editline (neither is defined):
#   it reads lines with fgets.
set -euo pipefail
cd "$(dirname "$0")/../.."
source apps/debian_source.sh

command -v tclsh8.6 >/dev/null || { echo "tclsh8.6 is missing: run tools/install-deps.sh" >&2; exit 1; }
src=$(fetch_debian_source sqlite3 "$CACHE" 10-520466-libsqlite3-depends-on-libdl.patch \
	10-520478-squash-bad-deps.patch 30-cross.patch 10-665363-disable-malloc-usable-size.patch \
	31-increase_SQLITE_MAX_DEFAULT_PAGE_SIZE_to_32k.patch 32-dynamic_link.patch \
	02-use-packaged-lempar.c.patch 40-amalgamation_configure.patch)
work=$APPS_OUT/sqlite
work_copy "$src" "$work" sh -c './configure --disable-tcl >configure.log 2>&1 && make -s sqlite3.c shell.c' ||
	{ echo "making SQLite's amalgamation failed (see $work/configure.log)" >&2; exit 1; }

OPTIONS=(-DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION)
# compile OBJECT SOURCE: once, and again only if SOURCE is newer.
compile() {
	[ "$work/$1" -nt "$2" ] || "${APP_CC[@]}" -c "${OPTIONS[@]}" -I"$work" "$2" -o "$work/$1"
}
compile sqlite3.o "$work/sqlite3.c"
compile shell.o "$work/shell.c"
compile speedtest1.o "$work/test/speedtest1.c"
"${APP_CC[@]}" -o "$APPS_OUT/sqlite3.elf" "$work/shell.o" "$work/sqlite3.o"
"${APP_CC[@]}" -o "$APPS_OUT/speedtest1.elf" "$work/speedtest1.o" "$work/sqlite3.o"
echo "built $APPS_OUT/sqlite3.elf $APPS_OUT/speedtest1.elf"
