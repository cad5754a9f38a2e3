/*
 * fat_time.c: FAT's timestamps (local date and time in 16-bit fields,
 * 1980 to 2107, two-second steps) from and to the guest's clock. The guest
 * has no time zone, so FAT's local time is taken as UTC.
 */
#include "fs/fat/fat_internal.h"

#include "arch.h"

#define SECONDS_PER_DAY 86400
#define DAYS_1970_TO_1980 3652
#define FAT_YEAR_BASE 1980
#define FAT_YEAR_LAST 2107

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

struct fat_timestamp fat_time_now(void)
{
	uint64_t ns = arch_boot_wallclock_ns() + arch_clock_ns();
	int64_t secs = (int64_t)(ns / 1000000000u);
	int64_t first = (int64_t)DAYS_1970_TO_1980 * SECONDS_PER_DAY;
	int64_t last = days_from_civil(FAT_YEAR_LAST, 12, 31) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1;
	int64_t y;
	unsigned m, d;

	if (secs < first)
		secs = first;
	if (secs > last)
		secs = last;
	civil_from_days(secs / SECONDS_PER_DAY, &y, &m, &d);
	unsigned s = (unsigned)(secs % SECONDS_PER_DAY);
	return (struct fat_timestamp){
		.date = (uint16_t)((y - FAT_YEAR_BASE) << 9 | m << 5 | d),
		.time = (uint16_t)((s / 3600) << 11 | (s / 60 % 60) << 5 | (s % 60) / 2),
		.centiseconds = (uint8_t)((s % 2) * 100 + (ns / 10000000u) % 100),
	};
}

int64_t fat_time_to_unix(uint16_t date, uint16_t time)
{
	unsigned m = (date >> 5) & 0xf, d = date & 0x1f;
	unsigned hours = time >> 11, minutes = (time >> 5) & 0x3f, seconds = (time & 0x1f) * 2;

	if (m < 1 || m > 12 || d < 1)
		return (int64_t)DAYS_1970_TO_1980 * SECONDS_PER_DAY;
	if (hours > 23 || minutes > 59 || seconds > 59)
		hours = minutes = seconds = 0;
	int64_t days = days_from_civil(FAT_YEAR_BASE + (date >> 9), m, d);
	return days * SECONDS_PER_DAY + hours * 3600 + minutes * 60 + seconds;
}
