/*
 * sim/proc.c - processes and threads: the pid space, spawn, fork, exit,
 * and the process table's boot and teardown.
 *
 * Pids and tids are one number space, as in Linux: a thread's tid is
 * taken from it and a process's pid is its main thread's tid.  Automatic
 * numbers start at 100 and go up from where the last one was taken,
 * skipping numbers in use and wrapping below pid_max's default, so the
 * same calls always give the same pids.  An exited process keeps its
 * pid, its name and its threads as a zombie until the machine shuts
 * down; every call that would change it fails with -ESRCH.
 */
#include <errno.h>
#include <string.h>

#include "sim/sim_internal.h"

#define PID_FIRST 100		/* the first automatic pid */
#define PID_MAX 32768		/* automatic pids wrap below this */

static int tid_cmp(const struct sim_thread *a, const struct sim_thread *b)
{
	return (a->tid > b->tid) - (a->tid < b->tid);
}

RB_PROTOTYPE(sim_tid_tree, sim_thread, tid_node, tid_cmp)
RB_GENERATE(sim_tid_tree, sim_thread, tid_node, tid_cmp)

static void set_err(int *err, int value)
{
	if (err)
		*err = value;
}

/* @src (NULL: empty) cut to what a comm field holds. */
static void copy_name(char dst[SIM_PROC_NAME_MAX], const char *src)
{
	size_t n = src ? strnlen(src, SIM_PROC_NAME_MAX - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static struct sim_thread *tid_find(struct sim_machine *m, int tid)
{
	struct sim_thread key = { .tid = tid };

	return RB_FIND(sim_tid_tree, &m->procs.tids, &key);
}

/* The first free number at or after the cursor, wrapping; -EAGAIN when
 * every automatic number is taken (fork's answer then). */
static int pid_next_free(struct sim_machine *m)
{
	int pid = m->procs.next_pid;
	int tries;

	for (tries = PID_MAX - PID_FIRST; tries > 0; tries--) {
		if (!tid_find(m, pid))
			return pid;
		pid = pid + 1 == PID_MAX ? PID_FIRST : pid + 1;
	}
	return -EAGAIN;
}

/* The number a new task gets: @want, or the next free one when it is 0.
 * Nothing is taken until tid_insert(). */
static int pid_choose(struct sim_machine *m, int want)
{
	if (want < 0)
		return -EINVAL;
	if (want == 0)
		return pid_next_free(m);
	return tid_find(m, want) ? -EEXIST : want;
}

/* Make @t's number taken.  Only automatic numbers move the cursor, so a
 * scenario that names its pids does not shift the others'. */
static void tid_insert(struct sim_machine *m, struct sim_thread *t,
		       bool automatic)
{
	RB_INSERT(sim_tid_tree, &m->procs.tids, t);
	if (automatic)
		m->procs.next_pid = t->tid + 1 >= PID_MAX ? PID_FIRST
							  : t->tid + 1;
}

static void thread_init(struct sim_thread *t, struct sim_proc *p, int tid,
			const char *name)
{
	t->proc = p;
	t->tid = tid;
	copy_name(t->name, name);
	TAILQ_INSERT_TAIL(&p->threads, t, proc_link);
}

/* A live process numbered @pid with an empty fd table and no mappings,
 * not yet in the pid space. */
static struct sim_proc *proc_alloc(struct sim_machine *m, const char *name,
				   int pid)
{
	struct sim_proc *p = sim_kzalloc(m, sizeof(*p));

	if (!p)
		return NULL;
	p->m = m;
	p->pid = pid;
	copy_name(p->name, name);
	p->alive = true;
	TAILQ_INIT(&p->threads);
	thread_init(&p->main, p, pid, name);
	sim_fdtable_init(p);
	sim_mm_init(p);
	return p;
}

/* Take every thread of @p out of the pid space and free them and @p. */
static void proc_free(struct sim_proc *p)
{
	struct sim_machine *m = p->m;
	struct sim_thread *t;

	while ((t = TAILQ_FIRST(&p->threads))) {
		TAILQ_REMOVE(&p->threads, t, proc_link);
		RB_REMOVE(sim_tid_tree, &m->procs.tids, t);
		if (t != &p->main)
			sim_kfree(m, t);
	}
	sim_kfree(m, p);
}

struct sim_proc *sim_proc_spawn(struct sim_machine *m, const char *name,
				int pid, int *err)
{
	struct sim_proc *p;
	int ret = pid_choose(m, pid);

	if (ret < 0)
		goto fail;
	p = proc_alloc(m, name, ret);
	if (!p) {
		ret = -ENOMEM;
		goto fail;
	}
	sim_fdtable_open_stdio(p, sim_tty(m));
	tid_insert(m, &p->main, pid == 0);
	set_err(err, 0);
	return p;

fail:
	set_err(err, ret);
	return NULL;
}

struct sim_proc *sim_proc_find(struct sim_machine *m, int pid)
{
	struct sim_thread *t = tid_find(m, pid);

	return t && t == &t->proc->main ? t->proc : NULL;
}

int sim_proc_pid(const struct sim_proc *p)
{
	return p->pid;
}

const char *sim_proc_name(const struct sim_proc *p)
{
	return p->name;
}

bool sim_proc_alive(const struct sim_proc *p)
{
	return p->alive;
}

struct sim_machine *sim_proc_machine(const struct sim_proc *p)
{
	return p->m;
}

struct sim_thread *sim_proc_main_thread(struct sim_proc *p)
{
	return &p->main;
}

/* sim_proc_fork - see sim.h.  Only the calling (main) thread is copied,
 * as fork(2) copies one thread; -EAGAIN when no pid is free. */
struct sim_proc *sim_proc_fork(struct sim_proc *parent, int *err)
{
	struct sim_machine *m = parent->m;
	struct sim_proc *child;
	int ret = -ESRCH;

	if (!parent->alive)
		goto fail;
	ret = pid_choose(m, 0);
	if (ret < 0)
		goto fail;
	child = proc_alloc(m, parent->name, ret);
	ret = -ENOMEM;
	if (!child)
		goto fail;
	ret = sim_fdtable_copy(child, parent);
	if (ret)
		goto free_child;
	ret = sim_mm_copy(child, parent);
	if (ret)
		goto close_files;
	tid_insert(m, &child->main, true);
	set_err(err, 0);
	return child;

close_files:
	sim_fdtable_close_all(child);
free_child:
	sim_kfree(m, child);
fail:
	set_err(err, ret);
	return NULL;
}

/* sim_proc_exit - see sim.h.  The process is marked dead first, so hooks
 * that run while it is torn down cannot give it new fds or mappings. */
int sim_proc_exit(struct sim_proc *p)
{
	if (!p->alive)
		return -ESRCH;
	p->alive = false;
	sim_mm_unmap_all(p);
	sim_fdtable_close_all(p);
	return 0;
}

/* sim_thread_create - see sim.h: -ESRCH for an exited process, -ENOMEM,
 * -EAGAIN when no tid is free. */
struct sim_thread *sim_thread_create(struct sim_proc *p, const char *name,
				     int *err)
{
	struct sim_thread *t;
	int ret = -ESRCH;

	if (!p->alive)
		goto fail;
	ret = pid_choose(p->m, 0);
	if (ret < 0)
		goto fail;
	t = sim_kzalloc(p->m, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto fail;
	}
	thread_init(t, p, ret, name);
	tid_insert(p->m, t, true);
	set_err(err, 0);
	return t;

fail:
	set_err(err, ret);
	return NULL;
}

int sim_thread_tid(const struct sim_thread *t)
{
	return t->tid;
}

struct sim_proc *sim_thread_proc(const struct sim_thread *t)
{
	return t->proc;
}

/* sim_proc_foreach - see sim.h.  Zombies are visited too; @fn may spawn
 * (a new process is visited if its pid comes later). */
int sim_proc_foreach(struct sim_machine *m,
		     int (*fn)(struct sim_proc *p, void *ctx), void *ctx)
{
	struct sim_thread *t;
	int ret;

	RB_FOREACH(t, sim_tid_tree, &m->procs.tids) {
		if (t != &t->proc->main)
			continue;
		ret = fn(t->proc, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int sim_procs_init(struct sim_machine *m)
{
	struct sim_procs *procs = &m->procs;

	RB_INIT(&procs->tids);
	TAILQ_INIT(&procs->inflight);
	procs->ninflight = 0;
	procs->next_pid = PID_FIRST;
	procs->next_ino = 1;
	procs->next_token = 1;
	sim_tty_init(m);
	return 0;
}

static int exit_if_alive(struct sim_proc *p, void *ctx)
{
	if (p->alive)
		sim_proc_exit(p);
	return 0;
}

/*
 * sim_procs_fini - every live process exits (pid order), every message in
 * flight is dropped, then every process and thread is freed.  Afterwards
 * the table is empty, so a second call does nothing: a test may tear the
 * table down itself to count what is left before sim_shutdown().
 */
void sim_procs_fini(struct sim_machine *m)
{
	struct sim_thread *t;

	sim_proc_foreach(m, exit_if_alive, NULL);
	sim_inflight_drop_all(m);
	while ((t = RB_MIN(sim_tid_tree, &m->procs.tids)))
		proc_free(t->proc);
}
