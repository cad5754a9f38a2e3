/*
 * autonuma.c: reporting and, when asked, turning off kernel.numa_balancing.
 */
#include "autonuma.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

int autonuma_check(const char *proc_root, size_t node_count, bool turn_off, bool dry_run)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/sys/kernel/numa_balancing", proc_root);
	FILE *f = fopen(path, "re");
	int value = -1;
	if (f) {
		if (fscanf(f, "%d", &value) != 1)
			value = -1;
		fclose(f);
	}
	if (value < 0) {
		log_msg("autonuma: %s is absent or unreadable: this kernel has no automatic NUMA "
			"balancing to turn off", path);
		return 0;
	}
	if (value == 0) {
		log_msg("autonuma: kernel.numa_balancing is 0 (off), as placement wants");
		return 0;
	}
	if (!turn_off) {
		if (node_count > 1)
			log_msg("autonuma: kernel.numa_balancing is %d (on) with %zu NUMA nodes: it "
				"migrates VMs' threads and memory behind lull place's back; "
				"recommended: --autonuma off (or sysctl kernel.numa_balancing=0)",
				value, node_count);
		else
			log_msg("autonuma: kernel.numa_balancing is %d (on); with one NUMA node it has "
				"nothing to move", value);
		return 0;
	}
	if (dry_run) {
		log_msg("autonuma: kernel.numa_balancing is %d; would set it to 0 (dry run)", value);
		return 0;
	}
	f = fopen(path, "we");
	bool ok = f && fputs("0\n", f) >= 0;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		log_msg("autonuma: could not set kernel.numa_balancing to 0: %s", strerror(errno));
		return -1;
	}
	log_msg("autonuma: set kernel.numa_balancing to 0 (was %d), as --autonuma off asked", value);
	return 0;
}
