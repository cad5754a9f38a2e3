/*
 * clock.c: time from the TSC.
 *
 * The TSC frequency comes from CPUID when the CPU or hypervisor states it
 * (leaf 0x15, or the hypervisor leaf 0x40000010 in kHz); otherwise we count
 * TSC cycles across 2 ms of the PIT, which every PC-compatible QEMU machine
 * has. Wall-clock time is read once from the CMOS RTC at boot.
 */
#include "arch.h"
#include "x86.h"
#include "x86_init.h"

#include "console.h"

#define PIT_HZ 1193182
#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
#define CALIBRATION_TICKS (PIT_HZ / 500)
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint64_t tsc_at_boot;
static uint64_t tsc_hz;
static uint64_t ns_per_tsc_q32; /* nanoseconds per TSC tick, 32.32 fixed point */
static uint64_t wallclock_at_boot_ns;

static uint64_t tsc_hz_from_cpuid(void)
{
	uint32_t max_leaf = cpuid(0, 0).eax;

	if (max_leaf >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (cpuid(1, 0).ecx & (1u << 31)) { /* running under a hypervisor */
		if (cpuid(0x40000000, 0).eax >= 0x40000010) {
			uint32_t khz = cpuid(0x40000010, 0).eax;
			if (khz)
				return (uint64_t)khz * 1000;
		}
	}
	return 0;
}

static uint16_t pit_read_channel0(void)
{
	outb(PIT_COMMAND, 0x00); /* latch channel 0 */
	uint8_t lo = inb(PIT_CHANNEL0);
	uint8_t hi = inb(PIT_CHANNEL0);
	return (uint16_t)(hi << 8 | lo);
}

static uint64_t tsc_hz_from_pit(void)
{
	/* Channel 0, lobyte/hibyte, mode 0 (one shot), counting down from
	 * 65535: once it reaches zero it stops generating events, so the PIT
	 * costs the host nothing afterwards (a periodic mode would keep the
	 * emulator's timer busy forever). Its interrupt line is masked. */
	outb(PIT_COMMAND, 0x30);
	outb(PIT_CHANNEL0, 0xff);
	outb(PIT_CHANNEL0, 0xff);

	uint16_t start = pit_read_channel0();
	uint64_t tsc_start = rdtsc();
	uint64_t tsc_end;
	uint16_t elapsed;
	do {
		elapsed = (uint16_t)(start - pit_read_channel0());
		tsc_end = rdtsc();
	} while (elapsed < CALIBRATION_TICKS);
	return (tsc_end - tsc_start) * PIT_HZ / elapsed;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static unsigned from_bcd(uint8_t v, bool bcd)
{
	return bcd ? (unsigned)(v >> 4) * 10 + (v & 0xf) : v;
}

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t days_since_epoch(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static uint64_t rtc_read_ns(void)
{
	while (cmos_read(0x0a) & 0x80) /* update in progress */
		cpu_relax();
	uint8_t status_b = cmos_read(0x0b);
	bool bcd = !(status_b & 0x04);
	unsigned sec = from_bcd(cmos_read(0x00), bcd);
	unsigned min = from_bcd(cmos_read(0x02), bcd);
	uint8_t hour_raw = cmos_read(0x04);
	unsigned day = from_bcd(cmos_read(0x07), bcd);
	unsigned month = from_bcd(cmos_read(0x08), bcd);
	unsigned year = from_bcd(cmos_read(0x09), bcd) + 2000;
	unsigned hour = from_bcd(hour_raw & 0x7f, bcd);

	if (!(status_b & 0x02) && (hour_raw & 0x80)) /* 12-hour clock, PM */
		hour = (hour % 12) + 12;
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return 0;
	int64_t days = days_since_epoch(year, month, day);
	return ((uint64_t)days * 86400 + hour * 3600 + min * 60 + sec) * 1000000000ULL;
}

void x86_clock_init(void)
{
	tsc_at_boot = rdtsc();
	tsc_hz = tsc_hz_from_cpuid();
	if (!tsc_hz)
		tsc_hz = tsc_hz_from_pit();
	ns_per_tsc_q32 = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / tsc_hz);
	wallclock_at_boot_ns = rtc_read_ns();
}

uint64_t arch_clock_ns(void)
{
	uint64_t delta = rdtsc() - tsc_at_boot;
	return (uint64_t)(((unsigned __int128)delta * ns_per_tsc_q32) >> 32);
}

uint64_t arch_boot_wallclock_ns(void)
{
	return wallclock_at_boot_ns;
}

/* QEMU (TCG and KVM alike) starts each vCPU's TSC at 0 with the VM, so the
 * TSC read at boot is the time the VM ran before the kernel's clock began. */
void arch_set_vm_start_wallclock(uint64_t ns)
{
	wallclock_at_boot_ns = ns + (uint64_t)(((unsigned __int128)tsc_at_boot * ns_per_tsc_q32) >> 32);
}

uint64_t x86_tsc_at_ns(uint64_t ns)
{
	/* Rounded up, so that a TSC deadline never fires before ns. */
	return tsc_at_boot + (uint64_t)(((unsigned __int128)ns * tsc_hz + 999999999) / 1000000000);
}
