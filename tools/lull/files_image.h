/* files_image.h: `lull build --files DIR`: a directory tree as a blob in the
 * image (the layout is kernel/fs/embedded_format.h). */
#ifndef LULL_TOOL_FILES_IMAGE_H
#define LULL_TOOL_FILES_IMAGE_H

#include <stdbool.h>

/* Walks dir and writes the blob to blob_path and an assembly file that
 * includes it to asm_path. On a problem (missing directory, unreadable file,
 * symlink leading outside dir, tree over the limits) it says what and where
 * on stderr and returns false. */
bool files_image_write(const char *dir, const char *blob_path, const char *asm_path);

#endif
