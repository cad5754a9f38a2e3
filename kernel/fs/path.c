/*
 * path.c: folding a path into the absolute form the file-system layer
 * resolves (see vfs.h). There are no symbolic links, so ".." can be folded
 * without looking at the disk; the root is its own parent, so no path
 * leads out of "/".
 */
#include "fs/vfs.h"

#include "lib/errno.h"

#include <string.h>

/* The length of the folded path out[0..len) without its last component. */
static size_t parent_length(const char *out, size_t len)
{
	while (len > 1 && out[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

static bool is_dots(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

int vfs_path_fold(const char *base, const char *path, char *out, bool *must_be_dir)
{
	size_t len = *path == '/' ? 1 : strlen(base);
	bool dir = false;

	if (!*path)
		return -ENOENT;
	memcpy(out, *path == '/' ? "/" : base, len);
	for (const char *p = path; *p;) {
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t name_len = (size_t)(p - name);
		while (*p == '/')
			p++;
		dir = !name_len || *(p - 1) == '/' || is_dots(name, name_len);
		if (name_len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (!name_len || (name_len == 1 && name[0] == '.'))
			continue;
		if (name_len == 2 && name[0] == '.' && name[1] == '.') {
			len = parent_length(out, len);
			continue;
		}
		size_t sep = len > 1 ? 1 : 0;
		if (len + sep + name_len >= VFS_PATH_MAX)
			return -ENAMETOOLONG;
		if (sep)
			out[len++] = '/';
		memcpy(out + len, name, name_len);
		len += name_len;
	}
	out[len] = '\0';
	*must_be_dir = dir;
	return 0;
}
