/* util.h: what the lull subcommands share: messages, child processes,
 * temporary directories and where the tool's resources are. */
#ifndef LULL_TOOL_UTIL_H
#define LULL_TOOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses of the tool itself. */
#define EXIT_USAGE 2
#define EXIT_GUEST_FAULT 125
#define EXIT_NOT_FOUND 127

/* Prints "lull CMD: message" to stderr. */
void tool_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs argv (NULL-terminated) and waits; returns its exit status, or -1 if
 * it could not be started or died from a signal. Echoes it when verbose. */
int run_command(char *const argv[], bool verbose);

/* Runs argv and returns its first line of output (malloc'd), or NULL. */
char *command_output_line(char *const argv[]);

/* Creates a private temporary directory; returns its path (malloc'd). */
char *make_temp_dir(void);
/* Removes a directory tree; used for temporary directories only. */
void remove_tree(const char *path);

/* The directory that holds lib/liblull.a, lib/lull.ld and include/: $LULL_HOME,
 * or the directory of this executable. */
const char *lull_home(void);

/* malloc'd concatenation of the strings up to NULL. */
char *concat(const char *first, ...) __attribute__((sentinel));

/* A growable NULL-terminated argument vector. */
struct argv_builder {
	char **items;
	size_t count, capacity;
};
void argv_add(struct argv_builder *a, const char *item);
void argv_add_all(struct argv_builder *a, const char *const *items, size_t count);
void argv_free(struct argv_builder *a);

/* The executable `name` in $PATH, then in the ':'-separated `more_dirs`
 * (NULL: none): its path (malloc'd), or NULL. */
char *find_program(const char *name, const char *more_dirs);

bool file_exists(const char *path);
bool has_suffix(const char *s, const char *suffix);

#endif
