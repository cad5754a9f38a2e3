/*
 * cmdline.h: splitting the kernel command line into words.
 *
 * Words are separated by blanks; a double-quoted part may contain blanks, and
 * a backslash inside quotes escapes the next character ("a \"b\"" is one word
 * `a "b"`).
 */
#ifndef LULL_LIB_CMDLINE_H
#define LULL_LIB_CMDLINE_H

#include <stddef.h>

/* Splits `line` in place (it is modified) into at most max words; returns
 * the number of words found, which may exceed max (the rest are dropped). */
size_t cmdline_split(char *line, char **words, size_t max);

#endif
