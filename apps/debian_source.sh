# debian_source.sh: fetching an application's Debian source package once,
# for apps/NAME/build.sh (sourced, not run, from the repository's top), and
# what every recipe starts from: BUILD, the source cache CACHE, LULL, the
# lull executable by absolute path (applications' Makefiles run CC from
# their own subfolders), and the target: where the programs go (APPS_OUT)
# and the compiler that builds them (APP_CC). apt needs a deb-src entry for
# the archive the machine already installs from; Lull adds its own file,
# /etc/apt/sources.list.d/lull-deb-src.list, rather than touching the
# machine's, so removing that file undoes everything this does.

LULL_DEB_SRC_LIST=/etc/apt/sources.list.d/lull-deb-src.list

BUILD=${BUILD:-build}
CACHE=${LULL_APPS_CACHE:-$BUILD/apps-cache}
[ -x "$BUILD/lull" ] || { echo "$BUILD/lull is missing: run make first" >&2; exit 1; }
LULL=$(realpath "$BUILD/lull")

# APPS_TARGET=lull (the default): Lull images, with lull cc, in $BUILD/apps.
# APPS_TARGET=linux: the same sources as static Linux executables, in
# $BUILD/bench/apps-linux, the baselines of `make bench-apps`: the host's
# musl-gcc with the flags lull cc compiles with (tools/lull/app_toolchain.c),
# so that the two builds differ in what they link, not in how the code is
# compiled. Both are NAME.elf (a static Linux executable is an ELF file too).
# APP_CC is an array; Makefiles get it as one string, CC="${APP_CC[*]}".
# The recipes copy their results with cp --remove-destination: a Linux
# build may be running on the host, and a running executable cannot be
# written over in place (ETXTBSY), only replaced.
case ${APPS_TARGET:=lull} in
lull)
	APPS_OUT=$BUILD/apps
	APP_CC=("$LULL" cc)
	;;
linux)
	command -v musl-gcc >/dev/null || { echo "musl-gcc is missing (tools/install-deps.sh installs musl-tools)" >&2; exit 1; }
	APPS_OUT=$BUILD/bench/apps-linux
	APP_CC=(musl-gcc -static -no-pie -std=gnu11 -O2 -g -fno-omit-frame-pointer -fno-pie)
	;;
*)
	echo "APPS_TARGET=$APPS_TARGET: expected lull or linux" >&2
	exit 2
	;;
esac
mkdir -p "$APPS_OUT"

# One "deb-src [signed-by=K] URI SUITE COMPONENTS" line per suite of every
# "deb" entry apt knows, from one-line .list files and deb822 .sources
# files alike, so the sources come from the archive (and key) the machine's
# binaries come from.
deb_src_lines() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && [ "$f" != "$LULL_DEB_SRC_LIST" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# A stanza ends at a blank line; only those whose Types list "deb".
		awk 'function flush() {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					printf "deb-src %s%s %s %s\n", key == "" ? "" : "[signed-by=" key "] ", uris, s[i], comps
			}
			types = uris = suites = comps = key = enabled = ""
		}
		/^[[:space:]]*$/ { flush(); next }
		/^#/ { next }
		{ field = tolower($1); sub(/^[^:]*:[[:space:]]*/, "") }
		field == "types:" { types = $0 } field == "uris:" { uris = $0 }
		field == "suites:" { suites = $0 } field == "components:" { comps = $0 }
		field == "signed-by:" { key = $0 } field == "enabled:" { enabled = tolower($0) }
		END { flush() }' "$f"
	done
}

# Makes `apt-get source PKG` possible: adds the deb-src file if apt knows no
# source for PKG, and reads only that file's indexes (not the whole list
# again). Root is needed for both; without it, says what to run.
ensure_deb_src() {
	local pkg=$1
	[ -n "$(apt-cache showsrc "$pkg" 2>/dev/null)" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "apt knows no source package $pkg: adding $LULL_DEB_SRC_LIST and running apt-get update needs root;" >&2
		echo "run this script as root once (sudo $0), later runs use the cache" >&2
		return 1
	fi
	if [ ! -f "$LULL_DEB_SRC_LIST" ]; then
		local lines
		lines=$(deb_src_lines | sort -u)
		if [ -z "$lines" ]; then
			echo "no deb entries in /etc/apt/sources.list{,.d}: cannot tell which archive to take sources from" >&2
			return 1
		fi
		echo "adding $LULL_DEB_SRC_LIST:" >&2
		printf '# Added by Lull (apps/debian_source.sh): Debian sources for apps/.\n%s\n' "$lines" |
			tee "$LULL_DEB_SRC_LIST" >&2
	fi
	apt-get update -o Dir::Etc::sourcelist="$LULL_DEB_SRC_LIST" -o Dir::Etc::sourceparts=- \
		-o APT::Get::List-Cleanup=0 >&2 || return 1
	[ -n "$(apt-cache showsrc "$pkg" 2>/dev/null)" ] || {
		echo "apt still knows no source package $pkg after apt-get update" >&2
		return 1
	}
}

# download_source PKG DIR: the newest version of PKG's source package that
# the archive serves, into DIR. A mirror may list a version (a security
# update) whose files it does not have: apt then fails with 404, and the
# versions apt knows are tried newest first. Leaves no .dsc on failure.
download_source() {
	local pkg=$1 dir=$2 version
	(cd "$dir" && apt-get source --download-only "$pkg" >&2) && return 0
	rm -f "$dir"/*.dsc
	for version in $(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -ruV); do
		echo "trying $pkg $version instead" >&2
		(cd "$dir" && apt-get source --download-only "$pkg=$version" >&2) && return 0
		rm -f "$dir"/*.dsc
	done
	echo "no version of the source package $pkg could be downloaded" >&2
	return 1
}

# fetch_debian_source PKG CACHE [PATCH...]: downloads PKG's source package
# into CACHE/PKG once (dpkg-source checks the files against the .dsc), and
# unpacks it into CACHE/PKG/src with Debian's patches from debian/patches/series
# applied in order, except the PATCHes named: those that belong to Debian's
# own packaging (a libtool build, Debian's file layout) rather than to the
# program. Unpacks again only when that list changes. Prints the directory.
fetch_debian_source() {
	local pkg=$1 dir=$2/$1 patch
	shift 2
	local skipped="$*"
	if ! ls "$dir"/*.dsc >/dev/null 2>&1; then
		ensure_deb_src "$pkg" || return 1
		mkdir -p "$dir"
		download_source "$pkg" "$dir" || return 1
	fi
	if [ "$(cat "$dir/src/.lull-skipped-patches" 2>/dev/null)" != "skipped: $skipped" ]; then
		rm -rf "$dir/src"
		dpkg-source --skip-patches -x "$dir"/*.dsc "$dir/src" >&2 || return 1
		while read -r patch; do
			case "$patch" in '' | '#'*) continue ;; esac
			case " $skipped " in *" $patch "*) echo "not applying Debian's $patch" >&2; continue ;; esac
			echo "applying Debian's $patch" >&2
			patch -s -p1 -d "$dir/src" <"$dir/src/debian/patches/$patch" || return 1
		done <"$dir/src/debian/patches/series"
		echo "skipped: $skipped" >"$dir/src/.lull-skipped-patches"
	fi
	echo "$dir/src"
}

# work_copy SRC WORK [CMD...]: WORK becomes a copy of the unpacked source SRC
# to build in, kept (with its objects, for a fast rebuild) while it comes
# from the same unpacking, made again when the applied patches changed. CMD,
# if given, runs in a new copy (a configure step); the copy counts as made
# only when it succeeds, so a failed CMD runs again next time. Returns CMD's
# failure.
work_copy() {
	local src=$1 work=$2
	shift 2
	if [ ! -f "$work/.lull-from" ] || [ "$(cat "$work/.lull-from")" != "$(cat "$src/.lull-skipped-patches")" ]; then
		rm -rf "$work"
		mkdir -p "$work"
		cp -a "$src/." "$work/"
		if [ $# -gt 0 ]; then (cd "$work" && "$@") || return 1; fi
		cat "$src/.lull-skipped-patches" >"$work/.lull-from"
	fi
}
