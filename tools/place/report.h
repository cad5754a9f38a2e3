/*
 * report.h: a plan as people read it (a table) and as programs do (JSON).
 */
#ifndef LULL_PLACE_REPORT_H
#define LULL_PLACE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"
#include "policy.h"
#include "topology.h"

void report_plan(FILE *out, const struct plan *p, const struct topo *t, const struct policy *pol,
		 bool dry_run);
void report_plan_json(FILE *out, const struct plan *p, const struct topo *t,
		      const struct policy *pol, bool dry_run);

#endif
