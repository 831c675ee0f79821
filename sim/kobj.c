/*
 * sim/kobj.c - kernel object allocation (the machine's kmalloc).
 *
 * Kernel objects live on the host heap, but every one goes through the
 * SIM_FAULT_KOBJ point and is counted, so a test can ask "did this error
 * path free everything it took?" by comparing sim_kobj_live().
 */
#include <stdlib.h>

#include "sim/sim_internal.h"

void *sim_kzalloc(struct sim_machine *m, size_t size)
{
	void *obj;

	if (sim_should_fail(m, SIM_FAULT_KOBJ))
		return NULL;
	obj = calloc(1, size);
	if (obj)
		m->kobj_live++;
	return obj;
}

void sim_kfree(struct sim_machine *m, void *obj)
{
	if (!obj)
		return;
	m->kobj_live--;
	free(obj);
}

unsigned long sim_kobj_live(const struct sim_machine *m)
{
	return m->kobj_live;
}
