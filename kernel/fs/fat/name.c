/*
 * name.c: FAT names: the UTF-8 names of the file-system layer against the
 * UTF-16 of VFAT long names and the 11 upper-case bytes of short (8.3)
 * names; which names are legal; how short names are made from long ones
 * (Windows' way: the base's first characters and a ~N tail, then a hash of
 * the long name when the first tails are taken); the long-name checksum.
 *
 * Case is folded for ASCII letters only. Short names' bytes above 0x7f
 * (an OEM code page on disk) are read as Latin-1.
 */
#include "fs/fat/fat_internal.h"

#include <string.h>

static bool illegal_in_long_name(uint32_t c)
{
	return c < 0x20 || (c < 0x80 && strchr("\"*/:<>?\\|", (int)c) && c != 0);
}

static bool illegal_in_short_name(uint8_t c)
{
	return c < 0x20 || strchr("\"*+,./:;<=>?[\\]|", c);
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The code point starting at s (advanced past it), or -1 if malformed. */
static int32_t utf8_decode(const char **s)
{
	const uint8_t *p = (const uint8_t *)*s;
	uint32_t c = p[0];
	unsigned extra = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 :
			 c >= 0xf0 && c < 0xf5 ? 3 : 4;

	if (extra == 4)
		return -1;
	if (extra)
		c &= 0x3f >> extra;
	for (unsigned i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3f);
	}
	static const uint32_t least[] = { 0, 0x80, 0x800, 0x10000 };
	if (c < least[extra] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return -1;
	*s = (const char *)p + 1 + extra;
	return (int32_t)c;
}

static size_t utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int fat_name_to_utf16(const char *name, uint16_t *units, unsigned *count)
{
	unsigned n = 0;
	size_t len = strlen(name);

	if (len == 0 || name[len - 1] == '.' || name[len - 1] == ' ')
		return -EINVAL;
	while (*name) {
		int32_t c = utf8_decode(&name);
		if (c < 0 || illegal_in_long_name((uint32_t)c))
			return -EINVAL;
		unsigned need = c >= 0x10000 ? 2 : 1;
		if (n + need > FAT_LFN_MAX_UNITS)
			return -ENAMETOOLONG;
		if (need == 2) {
			units[n++] = (uint16_t)(0xd800 + ((c - 0x10000) >> 10));
			units[n++] = (uint16_t)(0xdc00 + ((c - 0x10000) & 0x3ff));
		} else {
			units[n++] = (uint16_t)c;
		}
	}
	*count = n;
	return 0;
}

bool fat_utf16_to_name(const uint16_t *units, unsigned count, char *out, size_t size)
{
	size_t used = 0;

	if (count == 0)
		return false;
	for (unsigned i = 0; i < count; i++) {
		uint32_t c = units[i];
		if (c >= 0xdc00 && c < 0xe000)
			return false;
		if (c >= 0xd800 && c < 0xdc00) {
			if (i + 1 == count || units[i + 1] < 0xdc00 || units[i + 1] >= 0xe000)
				return false;
			c = 0x10000 + ((c - 0xd800) << 10) + (units[++i] - 0xdc00);
		}
		char bytes[4];
		size_t n = utf8_encode(c, bytes);
		if (illegal_in_long_name(c) || used + n >= size)
			return false;
		memcpy(out + used, bytes, n);
		used += n;
	}
	out[used] = 0;
	return !(used == 1 && out[0] == '.') && !(used == 2 && out[0] == '.' && out[1] == '.');
}

/* Appends a short name's part, trailing spaces dropped. */
static size_t short_part(const uint8_t *part, unsigned len, bool lower_case, char *out)
{
	size_t used = 0;

	while (len && part[len - 1] == ' ')
		len--;
	for (unsigned i = 0; i < len; i++) {
		uint8_t c = part[i];
		if (c >= 0x80)
			used += utf8_encode(c, out + used);
		else
			out[used++] = lower_case ? lower((char)c) : (char)c;
	}
	return used;
}

void fat_short_to_name(const struct fat_dirent *e, char *out)
{
	uint8_t base[8];

	memcpy(base, e->name, 8);
	if (base[0] == 0x05)
		base[0] = FAT_SLOT_DELETED;
	size_t used = short_part(base, 8, e->nt_case & FAT_CASE_LOWER_BASE, out);
	if (e->name[8] != ' ') {
		out[used++] = '.';
		used += short_part(e->name + 8, 3, e->nt_case & FAT_CASE_LOWER_EXT, out + used);
	}
	out[used] = 0;
}

bool fat_short_name_valid(const uint8_t name[11])
{
	if (name[0] == ' ')
		return false;
	for (unsigned i = 0; i < 11; i++) {
		if (i == 0 && name[0] == 0x05)
			continue;
		if (illegal_in_short_name(name[i]))
			return false;
	}
	return true;
}

uint8_t fat_lfn_checksum(const uint8_t name[11])
{
	uint8_t sum = 0;

	for (unsigned i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
	return sum;
}

bool fat_names_equal(const char *a, const char *b)
{
	while (*a && upper(*a) == upper(*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Upper, lower, or neither (no letters) case of s[0..len). */
static bool one_case(const char *s, size_t len, bool *is_lower)
{
	bool has_upper = false, has_lower = false;

	for (size_t i = 0; i < len; i++) {
		has_upper |= s[i] >= 'A' && s[i] <= 'Z';
		has_lower |= s[i] >= 'a' && s[i] <= 'z';
	}
	*is_lower = has_lower;
	return !(has_upper && has_lower);
}

static bool short_char(char c)
{
	return (uint8_t)c > 0x20 && (uint8_t)c < 0x7f && !illegal_in_short_name((uint8_t)c);
}

static const char *last_dot(const char *s)
{
	const char *dot = NULL;

	for (; *s; s++)
		if (*s == '.')
			dot = s;
	return dot;
}

/* Whether name is a short name but for case: BASE[.EXT]. */
static bool fits_short(const char *name, size_t *base_len)
{
	const char *dot = last_dot(name);
	size_t len = strlen(name);
	size_t base = dot ? (size_t)(dot - name) : len;
	size_t ext = dot ? len - base - 1 : 0;

	if (base == 0 || base > 8 || ext > 3 || (dot && ext == 0))
		return false;
	for (size_t i = 0; i < len; i++)
		if (i != base && !short_char(name[i]))
			return false;
	*base_len = base;
	return true;
}

/* Maps one part of a long name into a short name's field. */
static void lossy_part(const char *from, const char *end, uint8_t *out, unsigned size)
{
	unsigned used = 0;

	while (from < end && used < size) {
		uint8_t c = (uint8_t)*from;
		if (c >= 0x80) {
			out[used++] = '_';
			from++;
			while (from < end && ((uint8_t)*from & 0xc0) == 0x80)
				from++;
			continue;
		}
		from++;
		if (c == ' ' || c == '.')
			continue;
		out[used++] = short_char((char)c) ? (uint8_t)upper((char)c) : '_';
	}
}

enum fat_short_fit fat_short_from_name(const char *name, uint8_t out[11], uint8_t *nt_case)
{
	size_t base, len = strlen(name);
	bool lower_base, lower_ext;

	memset(out, ' ', 11);
	*nt_case = 0;
	if (fits_short(name, &base)) {
		for (size_t i = 0; i < base; i++)
			out[i] = (uint8_t)upper(name[i]);
		for (size_t i = base + 1; i < len; i++)
			out[8 + i - base - 1] = (uint8_t)upper(name[i]);
		if (!one_case(name, base, &lower_base) ||
		    (base < len && !one_case(name + base + 1, len - base - 1, &lower_ext)))
			return FAT_SHORT_NEEDS_LFN;
		*nt_case = (lower_base ? FAT_CASE_LOWER_BASE : 0) |
			   (base < len && lower_ext ? FAT_CASE_LOWER_EXT : 0);
		return FAT_SHORT_EXACT;
	}
	const char *start = name;
	while (*start == '.')
		start++;
	const char *dot = last_dot(start);
	lossy_part(start, dot ? dot : name + len, out, 8);
	if (dot)
		lossy_part(dot + 1, name + len, out + 8, 3);
	if (out[0] == ' ')
		out[0] = '_';
	return FAT_SHORT_LOSSY;
}

static uint16_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	while (*name)
		h = (h ^ (uint8_t)*name++) * 16777619u;
	return (uint16_t)(h ^ h >> 16);
}

void fat_short_with_tail(const uint8_t base[11], const char *name, unsigned n, uint8_t out[11])
{
	char prefix[8], tail[12];
	unsigned prefix_len = 0, tail_len = 0;
	static const char hex[] = "0123456789ABCDEF";

	while (prefix_len < 8 && base[prefix_len] != ' ')
		prefix_len++;
	memcpy(prefix, base, prefix_len);
	if (n > 4) {
		uint16_t h = name_hash(name);
		prefix_len = prefix_len < 2 ? prefix_len : 2;
		for (int shift = 12; shift >= 0; shift -= 4)
			prefix[prefix_len++] = hex[(h >> shift) & 0xf];
		n -= 4;
	}
	char digits[10];
	unsigned d = 0;
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	tail[tail_len++] = '~';
	while (d)
		tail[tail_len++] = digits[--d];
	if (prefix_len > 8 - tail_len)
		prefix_len = 8 - tail_len;
	memset(out, ' ', 11);
	memcpy(out, prefix, prefix_len);
	memcpy(out + prefix_len, tail, tail_len);
	memcpy(out + 8, base + 8, 3);
}
