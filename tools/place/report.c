/*
 * report.c: printing a plan.
 */
#include "report.h"

#include "qmp.h"

static const char *mask_text(const struct cpumask *m, char *buf, size_t size)
{
	if (cpumask_format(m, buf, size) < 0)
		snprintf(buf, size, "(%u CPUs)", cpumask_count(m));
	return buf;
}

void report_plan(FILE *out, const struct plan *p, const struct topo *t, const struct policy *pol,
		 bool dry_run)
{
	char a[1024], b[256];
	fprintf(out, "%splan: mode %s, %zu node%s, cgroups under %s\n", dry_run ? "dry run: " : "",
		policy_mode_name(pol->mode), t->node_count, t->node_count == 1 ? "" : "s", pol->parent);
	for (size_t n = 0; n < p->node_count; n++) {
		const struct plan_node *pn = &p->nodes[n];
		fprintf(out, "node %zu (os %u): CPUs %s, capacity %.0f%%", n, t->nodes[n].os_index,
			mask_text(&t->nodes[n].pus, a, sizeof a), pn->capacity_pct);
		if (pol->mode == MODE_NUMA)
			fprintf(out, ", demand %.0f%%, steal %.0f%% of demand, hot for %u interval%s",
				pn->demand_pct, pn->steal_ratio, pn->hot_streak,
				pn->hot_streak == 1 ? "" : "s");
		fputc('\n', out);
	}
	fprintf(out, "%-16s %7s %5s %7s %6s %5s %-12s %-5s %s\n", "VM", "PID", "vCPUs", "demand",
		"weight", "node", "CPUs", "mems", "why");
	for (size_t i = 0; i < p->vm_count; i++) {
		const struct plan_vm *v = &p->vms[i];
		char node[16];
		snprintf(node, sizeof node, v->node >= 0 ? "%d" : "all", v->node);
		fprintf(out, "%-16s %7d %5d %6.0f%% %6u %5s %-12s %-5s %s\n", v->name, (int)v->pid,
			v->vcpus, v->demand_pct, v->weight, node, mask_text(&v->cpus, a, sizeof a),
			mask_text(&v->mems, b, sizeof b), v->reason);
	}
	if (!p->vm_count)
		fprintf(out, "(no QEMU VMs found)\n");
	for (size_t m = 0; m < p->move_count; m++)
		fprintf(out, "%smove %s: node %d -> node %d: %s\n", dry_run ? "would " : "",
			p->moves[m].name, p->moves[m].from, p->moves[m].to, p->moves[m].reason);
	for (size_t i = 0; i < p->note_count; i++)
		fprintf(out, "note: %s\n", p->notes[i]);
}

static void json_mask(FILE *out, const struct cpumask *m)
{
	char buf[4096];
	cpumask_format(m, buf, sizeof buf);
	qmp_json_write_string(out, buf);
}

void report_plan_json(FILE *out, const struct plan *p, const struct topo *t,
		      const struct policy *pol, bool dry_run)
{
	fprintf(out, "{\"dry_run\":%s,\"mode\":\"%s\",\"parent\":", dry_run ? "true" : "false",
		policy_mode_name(pol->mode));
	qmp_json_write_string(out, pol->parent);
	fputs(",\"nodes\":[", out);
	for (size_t n = 0; n < p->node_count; n++) {
		const struct plan_node *pn = &p->nodes[n];
		fprintf(out, "%s{\"index\":%zu,\"os_index\":%u,\"cpus\":", n ? "," : "", n,
			t->nodes[n].os_index);
		json_mask(out, &t->nodes[n].pus);
		fprintf(out, ",\"capacity_pct\":%.1f,\"demand_pct\":%.1f,\"steal_of_demand_pct\":%.1f,"
			     "\"hot_intervals\":%u}",
			pn->capacity_pct, pn->demand_pct, pn->steal_ratio, pn->hot_streak);
	}
	fputs("],\"vms\":[", out);
	for (size_t i = 0; i < p->vm_count; i++) {
		const struct plan_vm *v = &p->vms[i];
		fprintf(out, "%s{\"name\":", i ? "," : "");
		qmp_json_write_string(out, v->name);
		fprintf(out, ",\"pid\":%d,\"vcpus\":%d,\"demand_pct\":%.1f,\"weight\":%u,\"node\":%d,"
			     "\"pinned\":%s,\"cpus\":",
			(int)v->pid, v->vcpus, v->demand_pct, v->weight, v->node,
			v->pinned ? "true" : "false");
		json_mask(out, &v->cpus);
		fputs(",\"mems\":", out);
		json_mask(out, &v->mems);
		fputs(",\"vcpu_cpus\":[", out);
		for (int c = 0; v->pinned && c < v->vcpus; c++) {
			fputs(c ? "," : "", out);
			json_mask(out, &v->vcpu_pus[c]);
		}
		fputs("],\"reason\":", out);
		qmp_json_write_string(out, v->reason);
		fputc('}', out);
	}
	fputs("],\"moves\":[", out);
	for (size_t m = 0; m < p->move_count; m++) {
		fprintf(out, "%s{\"name\":", m ? "," : "");
		qmp_json_write_string(out, p->moves[m].name);
		fprintf(out, ",\"pid\":%d,\"from\":%d,\"to\":%d,\"reason\":", (int)p->moves[m].pid,
			p->moves[m].from, p->moves[m].to);
		qmp_json_write_string(out, p->moves[m].reason);
		fputc('}', out);
	}
	fputs("],\"notes\":[", out);
	for (size_t i = 0; i < p->note_count; i++) {
		fputs(i ? "," : "", out);
		qmp_json_write_string(out, p->notes[i]);
	}
	fputs("]}\n", out);
	fflush(out);
}
