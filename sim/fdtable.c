/*
 * sim/fdtable.c - per-process fd tables: install, fget, close, dup, and
 * the copy fork makes and the close-all exit does.
 *
 * A table is an array of slots, the first SIM_FDTABLE_EMBEDDED inside the
 * process itself (Linux's fd_array), grown by doubling up to the machine's
 * nofile limit.  A new fd is the lowest free number; next_fd remembers
 * that none below it is free, as Linux's files->next_fd does, so the
 * search does not start from 0 each time.  Every call on a process that
 * has exited fails with -ESRCH: its table is empty and stays so.
 */
#include <errno.h>
#include <string.h>

#include "sim/sim_internal.h"

void sim_fdtable_init(struct sim_proc *p)
{
	struct sim_fdtable *t = &p->files;

	t->slots = t->embedded;
	t->max_fds = SIM_FDTABLE_EMBEDDED;
	t->next_fd = 0;
	t->count = 0;
}

static unsigned int nofile(const struct sim_proc *p)
{
	return sim_machine_config(p->m)->nofile;
}

/* Slot @fd if it holds an open file, else NULL. */
static struct sim_fd_slot *slot_of(const struct sim_proc *p, int fd)
{
	const struct sim_fdtable *t = &p->files;

	if (!p->alive || fd < 0 || (unsigned int)fd >= t->max_fds ||
	    !t->slots[fd].file)
		return NULL;
	return &t->slots[fd];
}

/* Put @f at @fd (free, inside the table), consuming a reference. */
static void slot_fill(struct sim_proc *p, unsigned int fd, struct sim_file *f,
		      unsigned int fd_flags)
{
	struct sim_fdtable *t = &p->files;

	t->slots[fd].file = f;
	t->slots[fd].flags = fd_flags;
	t->count++;
}

/* Empty slot @fd and return the reference it held. */
static struct sim_file *slot_clear(struct sim_proc *p, unsigned int fd)
{
	struct sim_fdtable *t = &p->files;
	struct sim_file *f = t->slots[fd].file;

	t->slots[fd].file = NULL;
	t->slots[fd].flags = 0;
	t->count--;
	if (fd < t->next_fd)
		t->next_fd = fd;
	return f;
}

/*
 * Grow @p's table so that it holds fd @fd: double it until it does, but
 * never past nofile (the caller has checked @fd < nofile).  The old
 * slots are copied; a grown array that is replaced is freed.
 */
static int table_grow(struct sim_proc *p, unsigned int fd)
{
	struct sim_fdtable *t = &p->files;
	unsigned int limit = nofile(p);
	unsigned int n = t->max_fds;
	struct sim_fd_slot *slots;

	while (n <= fd)
		n = n > limit / 2 ? limit : n * 2;
	slots = sim_kzalloc(p->m, (size_t)n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	memcpy(slots, t->slots, (size_t)t->max_fds * sizeof(*slots));
	if (t->slots != t->embedded)
		sim_kfree(p->m, t->slots);
	t->slots = slots;
	t->max_fds = n;
	return 0;
}

/* The table back to its embedded slots, all free (exit, failed fork). */
static void table_shrink(struct sim_proc *p)
{
	struct sim_fdtable *t = &p->files;

	if (t->slots != t->embedded)
		sim_kfree(p->m, t->slots);
	sim_fdtable_init(p);
}

/*
 * get_unused_fd_flags(): the lowest free fd, the table grown to hold it.
 * The fault point is asked only once the limit allows the fd, so an
 * injected failure stands for exactly the -EMFILE a smaller limit gives.
 */
static int fd_alloc(struct sim_proc *p)
{
	struct sim_fdtable *t = &p->files;
	unsigned int fd = t->next_fd;
	int ret;

	while (fd < t->max_fds && t->slots[fd].file)
		fd++;
	if (fd >= nofile(p) || sim_should_fail(p->m, SIM_FAULT_FD))
		return -EMFILE;
	if (fd >= t->max_fds) {
		ret = table_grow(p, fd);
		if (ret)
			return ret;
	}
	return (int)fd;
}

void sim_fdtable_open_stdio(struct sim_proc *p, struct sim_file *f)
{
	unsigned int fd;

	for (fd = 0; fd < 3; fd++) {
		sim_file_get(f);
		slot_fill(p, fd, f, 0);
	}
	p->files.next_fd = 3;
}

int sim_fd_install(struct sim_proc *p, struct sim_file *f, unsigned int flags)
{
	int fd;

	if (!p->alive)
		return -ESRCH;
	fd = fd_alloc(p);
	if (fd < 0)
		return fd;
	slot_fill(p, (unsigned int)fd, f,
		  flags & SIM_O_CLOEXEC ? SIM_FD_CLOEXEC : 0);
	p->files.next_fd = (unsigned int)fd + 1;
	return fd;
}

struct sim_file *sim_fget(struct sim_proc *p, int fd)
{
	struct sim_fd_slot *s = slot_of(p, fd);

	if (!s)
		return NULL;
	sim_file_get(s->file);
	return s->file;
}

struct sim_file *sim_fd_peek(const struct sim_proc *p, int fd)
{
	const struct sim_fd_slot *s = slot_of(p, fd);

	return s ? s->file : NULL;
}

/* sim_fd_close - see sim.h; -ESRCH when @p has exited. */
int sim_fd_close(struct sim_proc *p, int fd)
{
	if (!p->alive)
		return -ESRCH;
	if (!slot_of(p, fd))
		return -EBADF;
	sim_file_put(slot_clear(p, (unsigned int)fd));
	return 0;
}

/* sim_fd_dup - see sim.h; the new fd never has SIM_FD_CLOEXEC, as dup(2). */
int sim_fd_dup(struct sim_proc *p, int fd)
{
	struct sim_file *f;
	int ret;

	if (!p->alive)
		return -ESRCH;
	f = sim_fget(p, fd);
	if (!f)
		return -EBADF;
	ret = sim_fd_install(p, f, 0);
	if (ret < 0)
		sim_file_put(f);
	return ret;
}

int sim_fd_get_flags(const struct sim_proc *p, int fd)
{
	const struct sim_fd_slot *s;

	if (!p->alive)
		return -ESRCH;
	s = slot_of(p, fd);
	return s ? (int)s->flags : -EBADF;
}

unsigned int sim_fd_count(const struct sim_proc *p)
{
	return p->files.count;
}

/* sim_fd_foreach - see sim.h.  @fn may close or open fds of @p: each
 * number is looked at once, in order, against the table as it is then. */
int sim_fd_foreach(struct sim_proc *p,
		   int (*fn)(struct sim_proc *p, int fd, struct sim_file *f,
			     void *ctx), void *ctx)
{
	unsigned int fd;
	int ret;

	for (fd = 0; fd < p->files.max_fds; fd++) {
		struct sim_file *f = p->files.slots[fd].file;

		if (!f)
			continue;
		ret = fn(p, (int)fd, f, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* One past @p's highest open fd (0 when none is open). */
static unsigned int fd_span(const struct sim_proc *p)
{
	unsigned int n = p->files.max_fds;

	while (n > 0 && !p->files.slots[n - 1].file)
		n--;
	return n;
}

int sim_fdtable_copy(struct sim_proc *child, const struct sim_proc *parent)
{
	unsigned int span = fd_span(parent);
	unsigned int fd;
	int ret;

	if (span > child->files.max_fds) {
		ret = table_grow(child, span - 1);
		if (ret)
			return ret;
	}
	for (fd = 0; fd < span; fd++) {
		const struct sim_fd_slot *s = &parent->files.slots[fd];

		if (!s->file)
			continue;
		sim_file_get(s->file);
		slot_fill(child, fd, s->file, s->flags);
	}
	child->files.next_fd = parent->files.next_fd;
	return 0;
}

/*
 * sim_fdtable_close_all - what exit does to the table.  Each slot is
 * emptied before its reference is put, so a release hook that looks at
 * this process sees the fd already closed.
 */
void sim_fdtable_close_all(struct sim_proc *p)
{
	unsigned int fd;

	for (fd = 0; fd < p->files.max_fds; fd++)
		if (p->files.slots[fd].file)
			sim_file_put(slot_clear(p, fd));
	table_shrink(p);
}
