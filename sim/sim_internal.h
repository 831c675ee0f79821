/*
 * sim/sim_internal.h - the machine's state, shared by the sim/ files only.
 *
 * All of a machine's state lives in one struct sim_machine, one member per
 * concern; each concern's own struct is defined in that concern's header
 * (phys.h, buddy.h, cma.h, proc.h) and is touched only by its .c file and
 * by machine.c, which boots and tears the members down in order.
 */
#ifndef IONSIM_SIM_INTERNAL_H
#define IONSIM_SIM_INTERNAL_H

#include "ionsim/sim.h"
#include "sim/phys.h"
#include "sim/buddy.h"
#include "sim/cma.h"
#include "sim/proc.h"

#define SIM_FAULT_ARMED_MAX 16

struct sim_fault_armed {
	enum sim_fault_kind kind;	/* SIM_FAULT_ANY matches all */
	unsigned long countdown;	/* fires when this reaches 1 */
};

struct sim_fault_state {
	struct sim_fault_armed armed[SIM_FAULT_ARMED_MAX];
	unsigned int narmed;
	sim_fault_hook_fn hook;		/* the explorer's branch point */
	void *hook_ctx;
	struct sim_fault_stats stats;
	unsigned long injected_total;	/* sum of stats.injected[] */
};

struct sim_machine {
	struct sim_config cfg;		/* as booted, regions laid out */
	struct sim_fault_state fault;
	struct sim_rng rng;
	unsigned long kobj_live;	/* sim_kzalloc'd, not yet freed */
	sim_sched_hook_fn sched_hook;	/* NULL in replay */
	void *sched_ctx;
	unsigned int locks_held;	/* sim_mutexes held now, machine-wide */
	bool lazy_maps;		/* user mappings get host ranges on demand */
	struct sim_phys phys;
	struct sim_buddy buddy;
	struct sim_cma_area cma[SIM_MAX_REGIONS];	/* by region index */
	struct sim_procs procs;
};

/* Boot and teardown of each concern, called by machine.c in this order
 * (fini in reverse).  Each init returns 0 or -errno and leaves nothing
 * behind on failure. */
int sim_phys_init(struct sim_machine *m);
void sim_phys_fini(struct sim_machine *m);
int sim_buddy_init(struct sim_machine *m);
void sim_buddy_fini(struct sim_machine *m);
int sim_cma_init(struct sim_machine *m);
void sim_cma_fini(struct sim_machine *m);
int sim_procs_init(struct sim_machine *m);
void sim_procs_fini(struct sim_machine *m);

#endif /* IONSIM_SIM_INTERNAL_H */
