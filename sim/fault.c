/*
 * sim/fault.c - the single fault-injection point of the machine.
 *
 * Every simulated allocation asks sim_should_fail() just before it would
 * succeed.  A replay arms faults by count ("the 3rd next page allocation
 * fails"); the explorer installs a hook and branches on each point.  Armed
 * faults are decided first, then the hook; either way the point is counted.
 */
#include <errno.h>
#include <string.h>

#include "sim/sim_internal.h"

static const char *const kind_names[] = {
	[SIM_FAULT_PAGES] = "pages",
	[SIM_FAULT_GENPOOL] = "genpool",
	[SIM_FAULT_KOBJ] = "kobj",
	[SIM_FAULT_FD] = "fd",
	[SIM_FAULT_ANY] = "any",
};

const char *sim_fault_kind_name(enum sim_fault_kind kind)
{
	if ((unsigned int)kind > SIM_FAULT_ANY)
		return NULL;
	return kind_names[kind];
}

int sim_fault_kind_parse(const char *name)
{
	unsigned int k;

	for (k = 0; k <= SIM_FAULT_ANY; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (int)k;
	return -1;
}

/* Count down every armed fault that matches @kind; true if one fired.
 * A fired entry is removed, keeping the others in arming order. */
static bool armed_fires(struct sim_fault_state *f, enum sim_fault_kind kind)
{
	bool fired = false;
	unsigned int i = 0;

	while (i < f->narmed) {
		struct sim_fault_armed *a = &f->armed[i];

		if (a->kind != kind && a->kind != SIM_FAULT_ANY) {
			i++;
			continue;
		}
		if (--a->countdown > 0) {
			i++;
			continue;
		}
		fired = true;
		memmove(a, a + 1, (f->narmed - i - 1) * sizeof(*a));
		f->narmed--;
	}
	return fired;
}

bool sim_should_fail(struct sim_machine *m, enum sim_fault_kind kind)
{
	struct sim_fault_state *f = &m->fault;
	bool fail;

	f->stats.calls[kind]++;
	fail = f->narmed && armed_fires(f, kind);
	if (!fail && f->hook)
		fail = f->hook(f->hook_ctx, kind);
	if (fail) {
		f->stats.injected[kind]++;
		f->injected_total++;
	}
	return fail;
}

int sim_fault_arm(struct sim_machine *m, enum sim_fault_kind kind,
		  unsigned long nth)
{
	struct sim_fault_state *f = &m->fault;

	if (nth == 0 || (unsigned int)kind > SIM_FAULT_ANY)
		return -EINVAL;
	if (f->narmed == SIM_FAULT_ARMED_MAX)
		return -ENOSPC;
	f->armed[f->narmed].kind = kind;
	f->armed[f->narmed].countdown = nth;
	f->narmed++;
	return 0;
}

void sim_fault_disarm(struct sim_machine *m)
{
	m->fault.narmed = 0;
}

void sim_fault_set_hook(struct sim_machine *m, sim_fault_hook_fn fn, void *ctx)
{
	m->fault.hook = fn;
	m->fault.hook_ctx = ctx;
}

void sim_fault_stats(const struct sim_machine *m, struct sim_fault_stats *out)
{
	*out = m->fault.stats;
}

unsigned long sim_fault_injected_total(const struct sim_machine *m)
{
	return m->fault.injected_total;
}
