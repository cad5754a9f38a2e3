/* path.c: path resolution over the embedded tree (see path.h). */
#include "fs/path.h"

#include "fs/embedded_fs.h"
#include "lib/errno.h"

#include <stdbool.h>
#include <string.h>

/* The entry named `name` (len bytes) in directory dir. */
static long child(uint32_t dir, const char *name, size_t len)
{
	char candidate[EMBEDDED_FS_MAX_PATH + 1];
	const char *prefix = embedded_fs_path(dir);
	size_t prefix_len = strlen(prefix);
	size_t total = prefix_len + (prefix_len ? 1 : 0) + len;

	if (total > EMBEDDED_FS_MAX_PATH)
		return -ENOENT; /* longer than any stored path */
	memcpy(candidate, prefix, prefix_len);
	if (prefix_len)
		candidate[prefix_len++] = '/';
	memcpy(candidate + prefix_len, name, len);
	candidate[total] = '\0';
	return embedded_fs_find(candidate);
}

long path_resolve(uint32_t base, const char *path)
{
	uint32_t cur = *path == '/' ? EMBEDDED_FS_ROOT : base;
	const char *p = path;

	if (!*path)
		return -ENOENT;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - name);
		if (len > PATH_NAME_MAX)
			return -ENAMETOOLONG;
		if (!embedded_fs_is_dir(cur))
			return -ENOTDIR;
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			cur = embedded_fs_entry(cur)->parent; /* the root is its own parent */
			continue;
		}
		long next = child(cur, name, len);
		if (next < 0)
			return next;
		cur = (uint32_t)next;
	}
	if (p > path && p[-1] == '/' && !embedded_fs_is_dir(cur))
		return -ENOTDIR;
	return cur;
}
