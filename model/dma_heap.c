/*
 * model/dma_heap.c - /dev/dma_heap/NAME, the DMA-BUF heaps that replaced
 * ION from Linux 5.6 on, as 5.10 has them (drivers/dma-buf/dma-heap.c
 * and heaps/system_heap.c, cma_heap.c, heap-helpers.c).
 *
 * One node per heap, and the node is the choice of heap: an allocation
 * never falls through to another one.  The file's only ioctl is ALLOC,
 * reached through a generic dispatcher that trusts the command's number
 * alone: nr 0 is ALLOC whatever its magic, size or direction, and any
 * other nr is EINVAL (not ENOTTY).  The argument moves through a kernel
 * copy as large as the user's size field says (allocated when over 128
 * bytes), copied in only when both the user's and the kernel's command
 * carry the write bit, zero-filled beyond, and copied back when both
 * carry the read bit, after the command whatever it returned: so a
 * refused ALLOC whose argument cannot be written back is EFAULT, and a
 * successful one whose fd cannot be written back leaves that fd
 * installed.  ALLOC itself insists on fd == 0, on fd_flags within
 * O_CLOEXEC | O_ACCMODE and on heap_flags == 0, all EINVAL, before the
 * length is page aligned (0 is EINVAL too).
 *
 * The dma-buf is exported with the file flags the caller asked for and
 * installed with its O_CLOEXEC.  Its exporter is heap-helpers.c in 5.10
 * for both heaps, which is foreign to ION: legacy IMPORT refuses it, and
 * CPU access needs no kernel mapping.
 *
 * Simplifications: a node allocates with its heap's own algorithm.  The
 * 5.10 system heap takes order-0 pages one by one (5.11 and later take
 * orders 8, 4, 0 as ION does); a board that wants the 5.10 pattern binds
 * the node to a system heap configured with orders=0.  The nodes ride on
 * ION's heaps, found by their id bit, so ids are assumed unique on the
 * board (heap_board_add sees to that).  Whatever errno the heap gives
 * becomes ENOMEM, the one failure both 5.10 heaps know.  Fatal signals
 * do not exist here, so an allocation is never cut short by one.
 */
#include <errno.h>
#include <string.h>

#include "ionsim/uapi/dma-heap.h"
#include "model/kion.h"

/* fd_flags arrive as Linux's values, which are SIM_O_*'s. */
_Static_assert(O_CLOEXEC == SIM_O_CLOEXEC && O_ACCMODE == SIM_O_ACCMODE,
	       "the host's open flags are Linux's generic ones");

/* What the 5.10 dispatcher copies on its stack; larger goes to kmalloc. */
#define DMAHEAP_STACK_KDATA 128

/* The kernel's local copy of an argument, on its stack. */
union dmaheap_stack_kdata {
	struct dma_heap_allocation_data alloc;
	unsigned char bytes[DMAHEAP_STACK_KDATA];
};

/* ---- ALLOC -------------------------------------------------------------- */

/* kion_buffer_export_fd - see kion.h.  ION's 4.12+ ALLOC ends the same
 * way, with its own exporter name and flags. */
int kion_buffer_export_fd(struct kion_buffer *buffer, const char *exp_name,
			  unsigned int fd_flags, struct sim_proc *p)
{
	struct kion_dmabuf *db;
	int err = 0, fd;

	db = kion_dmabuf_wrap(buffer, exp_name, fd_flags & SIM_O_ACCMODE, &err);
	if (!db) {
		/* Its creation kref is its only one: the buffer goes. */
		kion_buffer_put(buffer);
		return err;
	}
	buffer->modern_dmabuf = db;
	fd = sim_fd_install(p, db->file, fd_flags & SIM_O_CLOEXEC);
	if (fd < 0) {
		/* The dma-buf's release frees the buffer. */
		kion_dmabuf_file_put(db);
		return fd;
	}
	kion_tracef(buffer->dev, "dma_buf_fd",
		    "dma_buf %llu installed as fd %d of pid %d",
		    (unsigned long long)db->serial, fd, sim_proc_pid(p));
	return fd;
}

/* dma_heap_buffer_alloc and the heap's allocate: the bound heap alone,
 * then the buffer as an fd of @task.  Both 5.10 heaps fail an
 * allocation only for want of memory, so whatever a heap of ours says
 * (4.9's CMA heap says -1, EPERM) is ENOMEM here; only ionsim's access
 * lists keep their EACCES. */
static int alloc_fd(struct kion_dmaheap *node, struct sim_proc *task,
		    uint64_t len, unsigned int fd_flags)
{
	uint64_t aligned = (len + SIM_PAGE_SIZE - 1) & ~(SIM_PAGE_SIZE - 1);
	struct kion_buffer *buffer;
	int err = 0;

	if (aligned == 0)	/* PAGE_ALIGN wraps the top page to 0 */
		return -EINVAL;
	buffer = kion_buffer_alloc(node->dev, len, 0,
				   1u << heap_id(node->heap), 0,
				   sim_proc_name(task), sim_proc_pid(task),
				   &err);
	if (!buffer)
		return err == -EACCES ? err : -ENOMEM;
	return kion_buffer_export_fd(buffer, KION_DMAHEAP_EXP_NAME, fd_flags,
				     task);
}

/* dma_heap_ioctl_allocate: the checks, in 5.10's order, then the fd. */
static long ioctl_allocate(struct kion_dmaheap *node, struct sim_proc *task,
			   struct dma_heap_allocation_data *a)
{
	int fd;

	if (a->fd)
		return -EINVAL;
	if (a->fd_flags & ~(__u32)DMA_HEAP_VALID_FD_FLAGS)
		return -EINVAL;
	if (a->heap_flags & ~(__u64)DMA_HEAP_VALID_HEAP_FLAGS)
		return -EINVAL;
	fd = alloc_fd(node, task, a->len, a->fd_flags);
	if (fd < 0)
		return fd;
	a->fd = (__u32)fd;
	return 0;
}

/* ---- the dispatcher ----------------------------------------------------- */

/* One ioctl in progress: where its argument goes, and how much moves. */
struct dmaheap_call {
	struct kion_dmaheap *node;
	struct sim_proc *task;
	unsigned long arg;		/* the user pointer */
	unsigned int in_size;		/* bytes copied in */
	unsigned int out_size;		/* bytes copied back */
	unsigned int ksize;		/* the kernel copy's size */
	void *kdata;			/* the kernel copy */
};

/* The bytes that move in and out are the user's size where both the
 * user's and the kernel's command carry the bit; the kernel copy holds
 * at least the kernel's struct. */
static void set_sizes(struct dmaheap_call *c, unsigned int ucmd)
{
	const unsigned int kcmd = DMA_HEAP_IOCTL_ALLOC;

	c->in_size = (ucmd & kcmd & IOC_IN) ? _IOC_SIZE(ucmd) : 0;
	c->out_size = (ucmd & kcmd & IOC_OUT) ? _IOC_SIZE(ucmd) : 0;
	c->ksize = _IOC_SIZE(kcmd);
	if (c->in_size > c->ksize)
		c->ksize = c->in_size;
	if (c->out_size > c->ksize)
		c->ksize = c->out_size;
}

/* Copy in, ALLOC, and copy back whatever ALLOC returned. */
static long run_alloc(struct dmaheap_call *c)
{
	long ret;

	if (kion_copy_from_user(c->kdata, c->arg, c->in_size))
		return -EFAULT;
	memset((unsigned char *)c->kdata + c->in_size, 0,
	       c->ksize - c->in_size);
	ret = ioctl_allocate(c->node, c->task, c->kdata);
	if (kion_copy_to_user(c->arg, c->kdata, c->out_size))
		ret = -EFAULT;
	return ret;
}

/* dma_heap_ioctl: the command table has one entry, ALLOC at nr 0, and
 * the number is all that is looked at. */
static long dispatch(struct dmaheap_call *c, unsigned int ucmd)
{
	struct sim_machine *m = c->node->dev->m;
	union dmaheap_stack_kdata stack;
	long ret;

	if (_IOC_NR(ucmd) >= 1)
		return -EINVAL;
	set_sizes(c, ucmd);
	c->kdata = &stack;
	if (c->ksize > sizeof(stack)) {
		c->kdata = sim_kzalloc(m, c->ksize);
		if (!c->kdata)
			return -ENOMEM;
	}
	ret = run_alloc(c);
	if (c->kdata != (void *)&stack)
		sim_kfree(m, c->kdata);
	return ret;
}

/* ---- the file ----------------------------------------------------------- */

static long dmaheap_file_ioctl(struct sim_file *f, struct sim_thread *t,
			       unsigned long cmd, unsigned long arg)
{
	struct dmaheap_call c = { .node = f->private_data, .arg = arg };
	long ret;

	/* Without a calling thread there is no fd table to install into. */
	if (!t)
		return -ESRCH;
	c.task = sim_thread_proc(t);
	kion_enter(c.node->dev);
	/* sys_ioctl's cmd is an unsigned int: the upper bits never arrive. */
	ret = dispatch(&c, (unsigned int)cmd);
	kion_leave(c.node->dev);
	return ret;
}

/* No release: an open holds nothing but the node, which the device
 * owns; no mmap and no llseek either (nonseekable_open). */
const struct sim_file_ops kion_dmaheap_fops = {
	.kind = "dma-heap",
	.ioctl = dmaheap_file_ioctl,
};

static struct kion_dmaheap *find_node(struct kion_device *dev,
				      const char *name)
{
	unsigned int i;

	for (i = 0; i < dev->ndmaheaps; i++)
		if (strcmp(dev->dmaheaps[i].name, name) == 0)
			return &dev->dmaheaps[i];
	return NULL;
}

/* kion_dmaheap_open - see kion.h.  dma_heap_open: the file's private
 * data is the heap's node, and the file cannot seek. */
int kion_dmaheap_open(struct kion_device *dev, struct sim_proc *p,
		      const char *name, unsigned int o_flags)
{
	struct kion_dmaheap *node;
	struct sim_file *f;
	int err = 0, fd;

	if (!sim_proc_alive(p))
		return -ESRCH;
	node = find_node(dev, name);
	if (!node)
		return -ENODEV;
	f = sim_file_new(dev->m, &kion_dmaheap_fops, node, o_flags,
			 kion_open_f_mode(o_flags) & ~SIM_FMODE_LSEEK, &err);
	if (!f)
		return err;
	fd = sim_fd_install(p, f, o_flags & SIM_O_CLOEXEC);
	if (fd < 0)
		sim_file_put(f);
	return fd;
}
