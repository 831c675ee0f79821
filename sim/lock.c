/*
 * sim/lock.c - kernel mutexes as scheduling points.
 *
 * Model code takes its locks where Linux takes them.  In replay a lock
 * only records its owner, so a double unlock or a recursive lock shows up
 * at once; under the explorer the hook runs at each acquire and release,
 * and that is where another thread may be scheduled.  The machine counts
 * the locks held, so that a scheduler can tell the points between a
 * thread's critical sections (nothing held) from those inside one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim_internal.h"

void sim_mutex_init(struct sim_mutex *lock, const char *name)
{
	lock->name = name;
	lock->owner = NULL;
}

/* The thread now running; replay has no scheduler, so the lock owner is
 * only a marker that the lock is held. */
static struct sim_thread *const replay_owner = (struct sim_thread *)&replay_owner;

void sim_mutex_lock(struct sim_machine *m, struct sim_mutex *lock)
{
	if (m->sched_hook)
		m->sched_hook(m->sched_ctx, SIM_SCHED_LOCK, lock);
	if (lock->owner) {
		fprintf(stderr, "ionsim: bug: %s taken twice\n", lock->name);
		abort();
	}
	lock->owner = replay_owner;
	m->locks_held++;
}

void sim_mutex_unlock(struct sim_machine *m, struct sim_mutex *lock)
{
	if (!lock->owner) {
		fprintf(stderr, "ionsim: bug: %s released while free\n",
			lock->name);
		abort();
	}
	lock->owner = NULL;
	m->locks_held--;
	if (m->sched_hook)
		m->sched_hook(m->sched_ctx, SIM_SCHED_UNLOCK, lock);
}

void sim_set_sched_hook(struct sim_machine *m, sim_sched_hook_fn fn, void *ctx)
{
	m->sched_hook = fn;
	m->sched_ctx = ctx;
}

unsigned int sim_locks_held(const struct sim_machine *m)
{
	return m->locks_held;
}
