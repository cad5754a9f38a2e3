/* cmdline.c: command-line word splitting (see cmdline.h). */
#include "lib/cmdline.h"

#include <stdbool.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t cmdline_split(char *line, char **words, size_t max)
{
	size_t count = 0;
	char *in = line;

	for (;;) {
		while (is_blank(*in))
			in++;
		if (!*in)
			return count;

		char *out = in;
		char *word = out;
		bool quoted = false;
		while (*in && (quoted || !is_blank(*in))) {
			if (*in == '"') {
				quoted = !quoted;
				in++;
			} else if (quoted && *in == '\\' && in[1]) {
				*out++ = in[1];
				in += 2;
			} else {
				*out++ = *in++;
			}
		}
		bool more = *in != '\0';
		if (more)
			in++;
		*out = '\0';
		if (count < max)
			words[count] = word;
		count++;
		if (!more)
			return count;
	}
}
