/*
 * embedded_format.h: the layout of the file tree that `lull build --files`
 * embeds in an image, shared by the tool that writes it and the kernel that
 * reads it.
 *
 * One blob, little-endian, every offset relative to its start: a header,
 * the entry table, the paths, then the file contents. Entries are sorted by
 * path (bytewise, as strcmp), so the kernel finds a path by binary search;
 * entry 0 is the root directory, whose path is "". A path has no leading
 * slash and is stored NUL-terminated ("css/site.css"). The kernel checks
 * every field before it trusts the blob.
 */
#ifndef LULL_FS_EMBEDDED_FORMAT_H
#define LULL_FS_EMBEDDED_FORMAT_H

#include <stdint.h>

#define EMBEDDED_FS_MAGIC "LullFS1" /* with its NUL: 8 bytes */
#define EMBEDDED_FS_SYMBOL "lull_embedded_files"
#define EMBEDDED_FS_END_SYMBOL "lull_embedded_files_end"
#define EMBEDDED_FS_SECTION ".rodata.lull_files"

/* Limits the tool enforces; the kernel relies only on its own checks. */
#define EMBEDDED_FS_MAX_ENTRIES 65536
#define EMBEDDED_FS_MAX_PATH 1023 /* bytes, without the NUL */
#define EMBEDDED_FS_MAX_BYTES (64ULL << 20)

enum embedded_fs_kind {
	EMBEDDED_FS_FILE = 1,
	EMBEDDED_FS_DIRECTORY = 2,
};

struct embedded_fs_header {
	char magic[8];
	uint32_t count; /* entries */
	uint32_t reserved;
	uint64_t size; /* of the whole blob */
};

struct embedded_fs_entry {
	uint32_t path_offset;
	uint32_t path_length; /* without the NUL */
	uint32_t parent;      /* entry index of the containing directory */
	uint32_t kind;        /* enum embedded_fs_kind */
	uint64_t data_offset; /* files only */
	uint64_t size;        /* bytes of a file; 0 for a directory */
	int64_t mtime;        /* seconds since the epoch */
	int64_t mtime_nsec;
};

#endif
