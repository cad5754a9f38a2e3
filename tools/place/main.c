/*
 * main.c: lull place's command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "policy.h"

static const char usage[] =
	"usage: lull place [--policy FILE] [--mode shared|per-vm|numa] [options]\n"
	"\n"
	"Places every QEMU VM on this host (named by its -name) in a cgroup of its own\n"
	"under a parent it owns, and applies a policy: cpu weights by vCPU count, NUMA\n"
	"nodes chosen by free capacity, 1:1 pinning for the VMs that ask. Every interval\n"
	"it measures each VM's CPU use and steal (time its vCPU threads were runnable\n"
	"but waiting for a host CPU) and moves VMs off a NUMA node whose steal stays\n"
	"high to a node with room. Every decision is logged on stderr with its reason.\n"
	"Works with cgroup v2, v1 (cpu and cpuset mounted apart or together) and both.\n"
	"\n"
	"Options:\n"
	"  --policy FILE        the policy file (below); SIGHUP reloads it, and a bad\n"
	"                       new file leaves the running policy in place\n"
	"  --mode MODE          shared, per-vm or numa, over the file's mode\n"
	"  --interval SECONDS   how often to measure and rebalance (default 10)\n"
	"  --once               one pass (after a 1 s measurement), then exit\n"
	"  --dry-run            print the plan and the moves it would make; touch nothing\n"
	"  --json               print each pass's plan as one JSON line on stdout\n"
	"  --autonuma off       set kernel.numa_balancing to 0 (it is always reported,\n"
	"                       and turning it off recommended with more than one node)\n"
	"  --restore-on-exit    on SIGTERM/SIGINT, move the VMs back to the root cgroups\n"
	"                       and remove lull place's cgroups; without it they stay\n"
	"                       where they are when lull place exits\n"
	"  --only GLOB          manage only the VMs whose -name matches GLOB\n"
	"  --log FILE           append the log to FILE as well\n"
	"  --topology FILE.xml  an hwloc XML topology instead of this host's (dry runs)\n"
	"  --synthetic DESC     an hwloc synthetic topology, e.g.\n"
	"                       \"package:2 [numa] core:8 pu:2\" (dry runs, tests)\n"
	"  --proc DIR, --mountinfo FILE   where /proc and the mount table are (tests)\n"
	"\n"
	"Exit status: 0 when stopped by SIGTERM/SIGINT or after --once; 2 for bad\n"
	"options or a bad policy file (FILE:LINE: what is wrong); 1 when the host\n"
	"cannot be managed (no cpu cgroup controller, no topology).\n"
	"\n";

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "lull place: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(lull place --help for usage)\n");
	return 2;
}

static bool parse_seconds(const char *text, double *out)
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || *end || !(v >= 0.1 && v <= 86400))
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	enum { O_POLICY = 256, O_MODE, O_INTERVAL, O_ONCE, O_DRY, O_JSON, O_AUTONUMA, O_RESTORE,
	       O_ONLY, O_LOG, O_TOPOLOGY, O_SYNTHETIC, O_PROC, O_MOUNTINFO, O_HELP };
	static const struct option longs[] = {
		{"policy", required_argument, NULL, O_POLICY},
		{"mode", required_argument, NULL, O_MODE},
		{"interval", required_argument, NULL, O_INTERVAL},
		{"once", no_argument, NULL, O_ONCE},
		{"dry-run", no_argument, NULL, O_DRY},
		{"json", no_argument, NULL, O_JSON},
		{"autonuma", required_argument, NULL, O_AUTONUMA},
		{"restore-on-exit", no_argument, NULL, O_RESTORE},
		{"only", required_argument, NULL, O_ONLY},
		{"log", required_argument, NULL, O_LOG},
		{"topology", required_argument, NULL, O_TOPOLOGY},
		{"synthetic", required_argument, NULL, O_SYNTHETIC},
		{"proc", required_argument, NULL, O_PROC},
		{"mountinfo", required_argument, NULL, O_MOUNTINFO},
		{"help", no_argument, NULL, O_HELP},
		{0},
	};
	struct place_options o = {.interval_s = 10, .sample_s = 1, .proc_root = "/proc",
				  .mountinfo = "/proc/self/mountinfo"};
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case O_POLICY: o.policy_file = optarg; break;
		case O_MODE: o.mode = optarg; break;
		case O_INTERVAL:
			if (!parse_seconds(optarg, &o.interval_s))
				return bad("--interval wants seconds (0.1 to 86400), not \"%s\"", optarg);
			break;
		case O_ONCE: o.once = true; break;
		case O_DRY: o.dry_run = true; break;
		case O_JSON: o.json = true; break;
		case O_AUTONUMA:
			if (strcmp(optarg, "off"))
				return bad("--autonuma takes only \"off\" (it is always reported), not \"%s\"",
					   optarg);
			o.autonuma_off = true;
			break;
		case O_RESTORE: o.restore_on_exit = true; break;
		case O_ONLY: o.only = optarg; break;
		case O_LOG: o.log_file = optarg; break;
		case O_TOPOLOGY: o.topology_xml = optarg; break;
		case O_SYNTHETIC: o.synthetic = optarg; break;
		case O_PROC: o.proc_root = optarg; break;
		case O_MOUNTINFO: o.mountinfo = optarg; break;
		case 'h':
		case O_HELP:
			fputs(usage, stdout);
			fputs(POLICY_FORMAT_HELP, stdout);
			return 0;
		default:
			return bad("unknown or incomplete option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (o.topology_xml && o.synthetic)
		return bad("%s", "--topology and --synthetic exclude each other");
	if (o.interval_s < o.sample_s)
		o.sample_s = o.interval_s;
	struct policy policy;
	char err[512];
	if (place_load_policy(&o, &policy, err, sizeof err)) {
		fprintf(stderr, "lull place: %s\n", err);
		return 2;
	}
	if (o.log_file && log_open(o.log_file)) {
		perror(o.log_file);
		return 2;
	}
	int status = place_run(&o, &policy);
	log_close();
	return status;
}
