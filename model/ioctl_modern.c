/*
 * model/ioctl_modern.c - /dev/ion as Linux 4.12-5.10 have it, after the
 * 2017 rework: no clients and no handles, so an open keeps no state of
 * its own and the file is nothing but an ioctl entry point (4.14/4.19
 * drivers/staging/android/ion/ion-ioctl.c and ion_alloc in ion.c).
 *
 * Two commands are left.  ALLOC walks the heaps as before and hands the
 * buffer straight back as a dma-buf fd (O_CLOEXEC on the fd, O_RDWR on
 * the file); that dma-buf is the buffer's only owner, so the buffer goes
 * exactly when the dma-buf file does: the last fd, mapping or driver
 * reference.  HEAP_QUERY is 4.9's, with 4.9's stray EINVAL on a good
 * list fixed.
 *
 * The dispatcher keeps 4.9's order of checks over a union that shrank
 * to 24 bytes, and that is what legacy binaries run into: a 64-bit
 * legacy ALLOC (32 bytes) is EINVAL before any match, every other legacy
 * command is copied in and then unknown (ENOTTY), which is how libion
 * tells the two ABIs apart.  Nothing undoes an ALLOC whose fd cannot be
 * written back: the call fails with EFAULT and the fd stays installed,
 * as in 4.14 and 4.19.
 *
 * ION_IOC_ABI_VERSION is Android's: mainline 4.14 and 4.19 have no such
 * command, so it is unknown here too (ENOTTY, after the copy-in).  A
 * HEAP_QUERY with reserved words set is refused with EINVAL; 4.14 also
 * WARNs once there, 4.19 only prints, so it is narrated, not counted.
 */
#include <errno.h>
#include <string.h>

#include "ionsim/uapi/ion.h"
#include "model/kion.h"

/* Every argument of 4.12+: its size bounds _IOC_SIZE. */
union ion_modern_arg {
	struct ion_new_allocation_data allocation;
	struct ion_heap_query query;
};

_Static_assert(sizeof(union ion_modern_arg) == 24,
	       "the 4.12+ argument union is 24 bytes on every ABI");

/* One ioctl in progress. */
struct modern_call {
	struct kion_device *dev;
	struct sim_proc *task;		/* the caller: the fd goes there */
	union ion_modern_arg data;	/* the kernel's local copy */
};

/* ---- ALLOC -------------------------------------------------------------- */

/* ion_alloc of 4.12+: the heap walk, then the buffer as an fd. */
static long do_alloc(struct modern_call *c)
{
	struct ion_new_allocation_data *a = &c->data.allocation;
	struct kion_buffer *buffer;
	int err = 0, fd;

	/* flags go to the heaps unchecked, and unused is never looked at. */
	buffer = kion_buffer_alloc(c->dev, a->len, 0, a->heap_id_mask,
				   a->flags, sim_proc_name(c->task),
				   sim_proc_pid(c->task), &err);
	if (!buffer)
		return err;
	fd = kion_buffer_export_fd(buffer, KION_EXP_NAME,
				   SIM_O_RDWR | SIM_O_CLOEXEC, c->task);
	if (fd < 0)
		return fd;
	a->fd = (__u32)fd;
	return 0;
}

/* ---- HEAP_QUERY --------------------------------------------------------- */

/* ion_query_heaps of 4.12+: 4.9's answer but for the list path, which
 * returns 0 here whatever defects the device carries for the legacy
 * ABI.  With a list and a nonzero count, the only EINVAL
 * kion_query_heaps gives is that defect. */
static long do_query(struct modern_call *c)
{
	struct ion_heap_query *q = &c->data.query;
	bool list = q->heaps != 0 && q->cnt != 0;
	int ret = kion_query_heaps(c->dev, q);

	if (ret == -EINVAL && list && kion_bug(c->dev, KION_BUG_QUERY_EINVAL))
		ret = 0;
	return ret;
}

/* ---- the dispatcher ----------------------------------------------------- */

/* validate_ioctl_arg: HEAP_QUERY's reserved words must be 0. */
static int validate_arg(struct modern_call *c, unsigned int cmd)
{
	const struct ion_heap_query *q = &c->data.query;

	if (cmd != ION_IOC_HEAP_QUERY)
		return 0;
	if (q->reserved0 || q->reserved1 || q->reserved2) {
		kion_tracef(c->dev, "ion_ioctl", "ioctl validate failed");
		return -EINVAL;
	}
	return 0;
}

/* After a command that got that far: the copy back, when the direction
 * has a read bit.  An ALLOC's fd stays installed when it faults: the
 * kernel's leak. */
static long copy_back(unsigned int cmd, unsigned long arg,
		      const union ion_modern_arg *data, long ret)
{
	if ((_IOC_DIR(cmd) & _IOC_READ) &&
	    kion_copy_to_user(arg, data, _IOC_SIZE(cmd)))
		return -EFAULT;
	return ret;
}

/* The command: a failed ALLOC and an unknown command return at once, a
 * HEAP_QUERY copies back even what failed. */
static long run_command(struct modern_call *c, unsigned int cmd,
			unsigned long arg)
{
	long ret;

	switch (cmd) {
	case ION_IOC_NEW_ALLOC:
		ret = do_alloc(c);
		if (ret < 0)
			return ret;
		break;
	case ION_IOC_HEAP_QUERY:
		ret = do_query(c);
		break;
	default:
		return -ENOTTY;
	}
	return copy_back(cmd, arg, &c->data, ret);
}

/* The checks that come before any match.  4.12+ corrects no direction:
 * _IOC_DIR is taken as encoded. */
static long dispatch(struct modern_call *c, unsigned int cmd,
		     unsigned long arg)
{
	int ret;

	if (_IOC_SIZE(cmd) > sizeof(c->data))
		return -EINVAL;
	if (kion_copy_from_user(&c->data, arg, _IOC_SIZE(cmd)))
		return -EFAULT;
	ret = validate_arg(c, cmd);
	if (ret)
		return ret;
	if (!(_IOC_DIR(cmd) & _IOC_WRITE))
		memset(&c->data, 0, sizeof(c->data));
	return run_command(c, cmd, arg);
}

/* kion_ioctl_modern - see kion.h. */
long kion_ioctl_modern(struct kion_device *dev, struct sim_thread *t,
		       unsigned int cmd, unsigned long arg)
{
	struct modern_call c;
	long ret;

	/* Without a calling thread there is no fd table to install into. */
	if (!t)
		return -ESRCH;
	memset(&c, 0, sizeof(c));
	c.dev = dev;
	c.task = sim_thread_proc(t);
	kion_enter(dev);
	ret = dispatch(&c, cmd, arg);
	kion_leave(dev);
	return ret;
}

/* ---- the file ----------------------------------------------------------- */

static long ion_modern_file_ioctl(struct sim_file *f, struct sim_thread *t,
				  unsigned long cmd, unsigned long arg)
{
	/* sys_ioctl's cmd is an unsigned int: the upper bits never arrive. */
	return kion_ioctl_modern(f->private_data, t, (unsigned int)cmd, arg);
}

/* No release: 4.12+'s ion_fops has neither open nor release. */
const struct sim_file_ops kion_ion_modern_fops = {
	.kind = "ion",
	.ioctl = ion_modern_file_ioctl,
};

/* kion_ion_open_modern - see kion.h.  The file points at the device
 * itself, which outlives every file. */
int kion_ion_open_modern(struct kion_device *dev, struct sim_proc *p,
			 unsigned int o_flags)
{
	struct sim_file *f;
	int err = 0, fd;

	f = sim_file_new(dev->m, &kion_ion_modern_fops, dev, o_flags,
			 kion_open_f_mode(o_flags), &err);
	if (!f)
		return err;
	fd = sim_fd_install(p, f, o_flags & SIM_O_CLOEXEC);
	if (fd < 0)
		sim_file_put(f);
	return fd;
}
