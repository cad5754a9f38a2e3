#!/bin/bash
# apps/nginx/build.sh: nginx 1.22 from Debian 12's source package (nginx),
# configured with the host's musl-gcc and built with `lull cc` and nginx's
# own Makefile into $BUILD/apps/nginx.elf, with its configuration and pages
# embedded (`make apps-nginx` runs it; run it as root the first time if apt
# has no deb-src entry yet, see apps/debian_source.sh). With
# APPS_TARGET=linux, the same nginx for Linux (musl-gcc, static) into
# $BUILD/bench/apps-linux/nginx.elf, beside the same tree in
# $BUILD/bench/apps-linux/nginx-root for its file system (the baseline of
# `make bench-apps`).
#
# The source is fetched once into $LULL_APPS_CACHE (default $BUILD/apps-cache)
# and built in $BUILD/apps/nginx/, so a second run only relinks the image
# (rm -rf $BUILD/apps/nginx configures and compiles nginx again). Every one
# of Debian's patches is applied (they fix nginx's source: security fixes,
# glibc detection); nginx's source is not changed otherwise.
#
# Why two compilers: nginx's ./configure has no cross-compiling mode; it
# compiles and runs test programs (auto/feature, auto/types/sizeof), which
# an image cannot be. musl-gcc (Debian's musl-tools) compiles against the
# same musl headers as lull cc, so the features and type sizes it finds are
# those of a Lull image; make then compiles and links with lull cc (APP_CC;
# objs/Makefile's LINK is $(CC), so CC on make's command line does both).
#
# ./configure options:
#   --with-cc=musl-gcc          above;
#   --prefix=/nginx             nginx.conf at /nginx/conf/nginx.conf, pages in
#                               /nginx/html: both in the embedded tree, read-only;
#   --error-log-path=stderr     the console (the errors before nginx.conf is read);
#   --pid-path, --lock-path, --http-log-path, --http-*-temp-path
#                               under /tmp (Lull's RAM file system): nginx writes
#                               its pid file at start and makes (mkdir, chown,
#                               chmod) its temp directories, so they must be
#                               writable; a disk mounted at /tmp holds them instead;
#   --user=nobody --group=nogroup  named in the embedded /etc/passwd and
#                               /etc/group (nginx looks them up because Lull's
#                               getuid is 0; one process never switches to them);
#   --without-http_rewrite_module --without-pcre
#                               no PCRE built for musl (rewrite and regex
#                               locations need it);
#   --without-http_gzip_module  no zlib built for musl;
#   --without-http_auth_basic_module
#                               it calls libc's crypt(), which Debian's musl
#                               does not have (configure finds none, but the
#                               module asks for it regardless);
#   --with-cc-opt=-I.../apps/nginx/include
#                               a <crypt.h>, which Debian's musl-dev does not
#                               ship and ngx_linux_config.h includes on every
#                               Linux build (see the header).
# Nothing else is left out: the proxy, FastCGI, uwsgi, SCGI and gRPC modules
# are built, and epoll is nginx's event method (found by configure).
#
# The embedded tree ($BUILD/apps/nginx-root): apps/nginx/nginx.conf, nginx's
# conf/mime.types and html/, apps/nginx/passwd and group as /etc's.
set -euo pipefail
cd "$(dirname "$0")/../.."
source apps/debian_source.sh
command -v musl-gcc >/dev/null || { echo "musl-gcc is missing (tools/install-deps.sh installs musl-tools)" >&2; exit 1; }
src=$(fetch_debian_source nginx "$CACHE")
work=$APPS_OUT/nginx
work_copy "$src" "$work" ./configure --with-cc=musl-gcc --prefix=/nginx \
	--error-log-path=stderr --pid-path=/tmp/nginx.pid --lock-path=/tmp/nginx.lock \
	--http-log-path=/tmp/nginx-access.log --http-client-body-temp-path=/tmp/nginx-client-body \
	--http-proxy-temp-path=/tmp/nginx-proxy --http-fastcgi-temp-path=/tmp/nginx-fastcgi \
	--http-uwsgi-temp-path=/tmp/nginx-uwsgi --http-scgi-temp-path=/tmp/nginx-scgi \
	--user=nobody --group=nogroup \
	--without-http_rewrite_module --without-pcre --without-http_gzip_module \
	--without-http_auth_basic_module --with-cc-opt="-I$PWD/apps/nginx/include"
root=$APPS_OUT/nginx-root
rm -rf "$root"
mkdir -p "$root/etc" "$root/nginx/conf"
cp apps/nginx/passwd apps/nginx/group "$root/etc/"
cp apps/nginx/nginx.conf "$work/conf/mime.types" "$root/nginx/conf/"
cp -r "$work/html" "$root/nginx/"
make -s -j"$(nproc)" -C "$work" -f objs/Makefile objs/nginx CC="${APP_CC[*]}"
if [ "$APPS_TARGET" = lull ]; then
	# The kernel may have changed since the last run: always link again,
	# with the embedded tree (lull cc has no --files).
	"$LULL" build $(find "$work/objs" -name '*.o' | sort) --files "$root" -o "$APPS_OUT/nginx.elf"
else
	cp --remove-destination "$work/objs/nginx" "$APPS_OUT/nginx.elf"
fi
echo "built $APPS_OUT/nginx.elf"
