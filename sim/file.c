/*
 * sim/file.c - refcounted files with an ops table, and the terminal.
 *
 * A file is what an fd, a mapping, a message in flight or a driver points
 * at: the ION device, a dma-buf, the terminal.  Its count is the number of
 * such references; the last put runs ops->release and frees the struct,
 * as fput() does.  Inode numbers come from a per-machine serial, so they
 * are the same in every run of the same calls.
 */
#include <errno.h>

#include "sim/sim_internal.h"

struct sim_file *sim_file_new(struct sim_machine *m,
			      const struct sim_file_ops *ops, void *priv,
			      unsigned int f_flags, unsigned int f_mode,
			      int *err)
{
	struct sim_file *f = sim_kzalloc(m, sizeof(*f));

	if (!f) {
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	f->count = 1;
	f->ops = ops;
	f->private_data = priv;
	f->f_flags = f_flags & ~(unsigned int)SIM_O_CLOEXEC;
	f->f_mode = f_mode;
	f->ino = m->procs.next_ino++;
	f->m = m;
	if (err)
		*err = 0;
	return f;
}

void sim_file_get(struct sim_file *f)
{
	f->count++;
}

void sim_file_put(struct sim_file *f)
{
	if (--f->count > 0)
		return;
	if (f->ops->release)
		f->ops->release(f);
	sim_kfree(f->m, f);
}

/* The terminal has no ioctls (-ENOTTY), no mmap and nothing to release:
 * its one ops table leaves every hook NULL. */
static const struct sim_file_ops tty_ops = {
	.kind = "tty",
};

/*
 * sim_tty_init - set up the machine's terminal in place, with the
 * machine's own reference.  It takes the first inode number, so the
 * files a scenario opens are numbered the same whatever it spawns first.
 */
void sim_tty_init(struct sim_machine *m)
{
	struct sim_file *tty = &m->procs.tty;

	tty->count = 1;
	tty->ops = &tty_ops;
	tty->private_data = NULL;
	tty->f_flags = SIM_O_RDWR;
	tty->f_mode = SIM_FMODE_READ | SIM_FMODE_WRITE;
	tty->ino = m->procs.next_ino++;
	tty->m = m;
}

struct sim_file *sim_tty(struct sim_machine *m)
{
	return &m->procs.tty;
}
