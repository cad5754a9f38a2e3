/*
 * path.h: resolving a path, as the application gives it, to an entry of the
 * embedded tree.
 */
#ifndef LULL_FS_PATH_H
#define LULL_FS_PATH_H

#include <stdint.h>

#define PATH_NAME_MAX 255

/* Resolves path from the directory entry `base` (from the root when it
 * starts with '/'). "." and ".." are followed component by component, and
 * ".." at the root stays there, so no path leads out of the tree. Returns
 * the entry index, or -ENOENT, -ENOTDIR (a file used as a directory, or a
 * trailing slash after a file) or -ENAMETOOLONG. */
long path_resolve(uint32_t base, const char *path);

#endif
