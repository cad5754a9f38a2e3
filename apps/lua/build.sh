#!/bin/bash
# apps/lua/build.sh: the Lua 5.4 interpreter from Debian 12's source package
# (lua5.4), built with `lull cc` and Lua's own Makefile into
# $BUILD/apps/lua.elf (`make apps-lua` runs it; run it as root the first time
# if apt has no deb-src entry yet, see apps/debian_source.sh); with
# APPS_TARGET=linux, for Linux with musl-gcc into $BUILD/bench/apps-linux/.
#
# The source is fetched once into $LULL_APPS_CACHE (default $BUILD/apps-cache)
# and built in $BUILD/apps/lua/, so a second run only relinks the image
# (rm -rf $BUILD/apps/lua compiles Lua again, e.g. after lull cc's flags
# change).
# Debian's patches are applied except two that are Debian's packaging, not
# Lua: 0001-build-system (a libtool build of shared libraries, replacing
# Lua's Makefile) and 0002-lua-modules-paths (module paths under
# /usr/lib/<multiarch>, from a header debian/rules generates). Lua's source
# is not changed otherwise.
#
# Lua's Makefile is run as `make -C src posix ALL=lua CC="lull cc"`:
#   posix   LUA_USE_POSIX (mkstemp, popen, ...) without LUA_USE_DLOPEN,
#           since an image is static, and without readline;
#   ALL=lua only the interpreter (luac is not needed in a guest);
#   CC      lull cc (APP_CC), which compiles with Lull's flags and links the
#           image.
set -euo pipefail
cd "$(dirname "$0")/../.."
source apps/debian_source.sh
src=$(fetch_debian_source lua5.4 "$CACHE" 0001-build-system.patch 0002-lua-modules-paths.patch)
work=$APPS_OUT/lua
work_copy "$src" "$work"
# The kernel may have changed since the last run: always link again.
rm -f "$work/src/lua"
make -s -C "$work/src" posix ALL=lua CC="${APP_CC[*]}"
cp --remove-destination "$work/src/lua" "$APPS_OUT/lua.elf"
echo "built $APPS_OUT/lua.elf"
