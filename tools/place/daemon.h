/*
 * daemon.h: lull place's loop: measure, plan, apply, log, wait; SIGHUP
 * reloads the policy file, SIGTERM and SIGINT end it.
 */
#ifndef LULL_PLACE_DAEMON_H
#define LULL_PLACE_DAEMON_H

#include <stdbool.h>

#include "policy.h"

struct place_options {
	const char *policy_file;  /* NULL: the defaults */
	const char *mode;         /* overrides the file's mode; NULL: keep */
	double interval_s;
	double sample_s;          /* the first measurement's length */
	bool once, dry_run, json, restore_on_exit, autonuma_off;
	const char *topology_xml, *synthetic;
	const char *only;         /* manage only VMs whose name matches; NULL: all */
	const char *log_file;
	const char *proc_root;
	const char *mountinfo;
};

/* The policy the options name; -1 with the reason in err. */
int place_load_policy(const struct place_options *o, struct policy *out, char *err,
		      size_t err_size);
/* Runs until a signal ends it (or once). Returns the exit status. */
int place_run(const struct place_options *o, const struct policy *initial);

#endif
