/* app.h: starting the application's main thread the way Linux starts a
 * static program, so that musl's _start works unchanged. */
#ifndef LULL_APP_H
#define LULL_APP_H

#include <stdbool.h>

#include <stdint.h>

/* The main thread's stack (getrlimit's RLIMIT_STACK). */
#define MAIN_STACK_SIZE (1UL << 20)

struct kernel_options {
	bool print_stats;                /* lull.stats=1 */
	uint32_t ip, netmask, gateway;   /* lull.ip= lull.mask= lull.gw=, 0 if absent */
	bool no_dhcp;                    /* lull.dhcp=0: QEMU's defaults without lull.ip= */
};

/* Set from the command line by app_parse_cmdline(). */
extern struct kernel_options kernel_options;

/* Splits the command line into kernel options, environment and arguments. */
void app_parse_cmdline(char *cmdline, struct kernel_options *options);
/* Builds the initial stack and makes the main thread ready to run _start. */
void app_start(void);

#endif
