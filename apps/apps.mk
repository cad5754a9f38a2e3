# apps.mk: real applications built from Debian's source packages with
# `lull cc` (apps/NAME/build.sh), into build/apps/NAME.elf. The sources are
# cached in $LULL_APPS_CACHE (default build/apps-cache).

.PHONY: apps apps-lua apps-sqlite apps-redis apps-nginx

apps: apps-lua apps-sqlite apps-redis apps-nginx

# Always run: build.sh knows whether Lua's objects are current, and links
# again so that the image has the kernel of this tree.
apps-lua: $(KERNEL_ARTIFACTS) $(BUILD)/lull $(BUILD)/lull-cc
	BUILD=$(BUILD) apps/lua/build.sh

# Always run, as for Lua: build.sh compiles SQLite once and links the
# shell and speedtest1 again.
apps-sqlite: $(KERNEL_ARTIFACTS) $(BUILD)/lull
	BUILD=$(BUILD) apps/sqlite/build.sh

# Always run, as for Lua: build.sh compiles Redis and its vendored
# libraries once and links redis-server again.
apps-redis: $(KERNEL_ARTIFACTS) $(BUILD)/lull
	BUILD=$(BUILD) apps/redis/build.sh

# Always run, as for Lua: build.sh configures and compiles nginx once and
# links the image (with its embedded tree) again.
apps-nginx: $(KERNEL_ARTIFACTS) $(BUILD)/lull
	BUILD=$(BUILD) apps/nginx/build.sh

# lull cc as one word, for build systems that run CC without a shell.
$(BUILD)/lull-cc: $(BUILD)/lull
	ln -sf lull $@
