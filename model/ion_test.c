/*
 * model/ion_test.c - /dev/ion-test, the ION test driver of Linux 4.9
 * (drivers/staging/android/ion/ion_test.c, CONFIG_ION_TEST), which AOSP's
 * device tests use to look at a buffer from the kernel's side.
 *
 * Each open has one slot for a dma-buf.  SET_FD takes the fd as the
 * ioctl's argument itself, takes a dma_buf_get reference on it (EBADF
 * for a bad fd, EINVAL for a file that is not a dma-buf) and drops the
 * one it held; a negative fd just drops it.  The two copy commands move
 * bytes between user memory and the attached buffer:
 *  - DMA_MAPPING attaches a device, maps the attachment and walks its
 *    scatter list a page at a time from offset's page, mapping each page
 *    on its own.  It checks no range: an offset past the end copies
 *    nothing and a size past it copies what there is, both "succeed";
 *  - KERNEL_MAPPING refuses a range outside the dma-buf (EINVAL) and
 *    copies through the kernel mapping that begin_cpu_access holds.
 * A user fault is EFAULT; when it happens on the way in, the rest of
 * that page's chunk is zeroed, as copy_from_user leaves it.
 *
 * The dispatcher refuses a size field over its 32-byte union (EINVAL),
 * copies the argument in whenever the direction has the write bit
 * (EFAULT, before the command is matched) and knows nothing else
 * (ENOTTY).  No command has the read bit, so nothing is copied back.
 *
 * Kernel behaviour kept on purpose: the file's release frees the slot
 * but never puts the dma-buf it held, so a buffer attached at close stays
 * alive (a driver reference, counted in kernel_refs) until the device is
 * destroyed.  Where 4.9 goes wrong without a dma-buf attached, DMA_MAPPING
 * meets dma_buf_attach's WARN_ON (EINVAL) and KERNEL_MAPPING dereferences
 * NULL and oopses; the oops is counted as a WARN and answered EINVAL
 * rather than killing the caller in the middle of its call.
 *
 * Our extension: 4.9 had no exporter but ION's, and the dma-bufs of
 * DMA-BUF heaps need no kernel mapping for CPU access, so KERNEL_MAPPING
 * maps such a buffer itself for the duration of the copy.
 */
#include <errno.h>
#include <string.h>

#include "ionsim/uapi/ion_test.h"
#include "model/kion.h"

/* The device attachments are made for (miscdev->parent's name). */
#define TEST_DEV_NAME "ion-test"

/* ion_test_data: one per open. */
struct kion_test {
	struct kion_device *dev;
	struct kion_dmabuf *dmabuf;	/* SET_FD's, with a dma_buf_get ref */
};

/* The dispatcher's union of arguments. */
union test_arg {
	struct ion_test_rw_data rw;
};

/* ---- user copies -------------------------------------------------------- */

/* copy_from_user: on a fault the bytes not copied are zeroed.  User
 * memory faults a page at a time, so it is copied in page-bounded
 * pieces to learn how far the copy got. */
static int copy_in(void *dst, unsigned long uptr, size_t len)
{
	unsigned char *to = dst;
	size_t done = 0;

	while (done < len) {
		size_t in_page = (uptr + done) & (SIM_PAGE_SIZE - 1);
		size_t chunk = SIM_PAGE_SIZE - in_page;

		if (chunk > len - done)
			chunk = len - done;

		if (kion_copy_from_user(to + done, uptr + done, chunk)) {
			memset(to + done, 0, len - done);
			return -EFAULT;
		}
		done += chunk;
	}
	return 0;
}

/* One chunk between @kaddr and the user: in when @write. */
static int copy_chunk(void *kaddr, unsigned long uptr, size_t len, bool write)
{
	if (write)
		return copy_in(kaddr, uptr, len);
	return kion_copy_to_user(uptr, kaddr, len);
}

/* ---- DMA_MAPPING -------------------------------------------------------- */

/* The physical address of page @pg of @hb's scatter list; false past
 * its end. */
static bool sg_page(const struct heap_buffer *hb, uint64_t pg, uint64_t *phys)
{
	unsigned int i;

	for (i = 0; i < hb->nruns; i++) {
		uint64_t pages = hb->runs[i].len >> SIM_PAGE_SHIFT;

		if (pg < pages) {
			*phys = hb->runs[i].phys + (pg << SIM_PAGE_SHIFT);
			return true;
		}
		pg -= pages;
	}
	return false;
}

/* One page of the scatter list, mapped on its own as vmap(&page, 1). */
static int dma_copy_page(struct kion_buffer *buffer, uint64_t phys,
			 size_t off, unsigned long uptr, size_t len, bool write)
{
	struct sim_machine *m = buffer->dev->m;
	struct sim_run run = { .phys = phys, .len = SIM_PAGE_SIZE };
	void *vaddr = sim_kmap_runs(m, &run, 1, NULL);
	int ret;

	if (!vaddr)
		return -ENOMEM;
	/* Written memory must be zeroed when the heap takes it back. */
	if (write)
		buffer->hb.dirty = true;
	ret = copy_chunk((unsigned char *)vaddr + off, uptr, len, write);
	sim_kunmap(m, vaddr, SIM_PAGE_SIZE);
	return ret ? -EFAULT : 0;
}

/* The walk of ion_handle_test_dma: from offset's page to the end of the
 * scatter list or of size, whichever comes first. */
static int dma_copy(struct kion_buffer *buffer,
		    const struct ion_test_rw_data *rw)
{
	uint64_t pg = rw->offset >> SIM_PAGE_SHIFT;
	size_t off = rw->offset & (SIM_PAGE_SIZE - 1);
	unsigned long uptr = rw->ptr;
	uint64_t size = rw->size;
	uint64_t phys;
	int ret;

	for (; sg_page(&buffer->hb, pg, &phys); pg++, off = 0) {
		size_t len = SIM_PAGE_SIZE - off;

		if (len > size)
			len = size;
		ret = dma_copy_page(buffer, phys, off, uptr, len, rw->write);
		if (ret)
			return ret;
		size -= len;
		if (!size)
			break;
		uptr += len;
	}
	return 0;
}

/* ion_handle_test_dma: attach, map, copy, unmap, detach. */
static int test_dma(struct kion_test *td, const struct ion_test_rw_data *rw)
{
	struct kion_attachment *att;
	int err = 0, ret;

	if (!td->dmabuf) {
		kion_warn(td->dev, "dma_buf_attach", "no dma-buf to attach");
		return -EINVAL;
	}
	att = kion_dma_buf_attach(td->dmabuf, TEST_DEV_NAME, &err);
	if (!att)
		return err;
	ret = kion_dma_buf_map_attachment(att);
	if (ret)
		return ret;	/* 4.9 leaves the attachment behind here */
	ret = dma_copy(td->dmabuf->buffer, rw);
	kion_dma_buf_unmap_attachment(att);
	kion_dma_buf_detach(att);
	return ret;
}

/* ---- KERNEL_MAPPING ----------------------------------------------------- */

/* dma_buf_begin_cpu_access, and the kernel address dma_buf_kmap gives:
 * ION's mapping, which may be the NULL of an underflowed count; for
 * another exporter, a mapping taken here. */
static int cpu_begin(struct kion_dmabuf *db, unsigned char **vaddr)
{
	struct kion_buffer *buffer = db->buffer;
	int err = kion_dma_buf_begin_cpu_access(db);

	if (err)
		return err;
	if (kion_dmabuf_is_ion(db)) {
		*vaddr = buffer->hb.vaddr;
		return 0;
	}
	sim_mutex_lock(buffer->dev->m, &buffer->lock);
	*vaddr = kion_buffer_kmap_get(buffer, &err);
	sim_mutex_unlock(buffer->dev->m, &buffer->lock);
	return err;
}

/* dma_buf_end_cpu_access, and the mapping cpu_begin took. */
static void cpu_end(struct kion_dmabuf *db)
{
	struct kion_buffer *buffer = db->buffer;

	if (!kion_dmabuf_is_ion(db)) {
		sim_mutex_lock(buffer->dev->m, &buffer->lock);
		kion_buffer_kmap_put(buffer);
		sim_mutex_unlock(buffer->dev->m, &buffer->lock);
	}
	kion_dma_buf_end_cpu_access(db);
}

/* The copy loop of ion_handle_test_kernel, a page at a time through
 * dma_buf_kmap's address (the mapping plus the page's offset).  A NULL
 * mapping (a count driven below zero) gives NULL for page 0, which ends
 * the loop with nothing copied and no error; any later page is a near-
 * NULL address the kernel oopses on, counted as a WARN here. */
static int kernel_copy(struct kion_test *td, unsigned char *vaddr,
		       const struct ion_test_rw_data *rw)
{
	size_t off = rw->offset & (SIM_PAGE_SIZE - 1);
	uint64_t pos = rw->offset & ~(uint64_t)(SIM_PAGE_SIZE - 1);
	unsigned long uptr = rw->ptr;
	uint64_t size = rw->size;

	if (!vaddr && size > 0 && pos > 0) {
		kion_warn(td->dev, "ion_handle_test_kernel",
			  "stale mapping dereferenced (the kernel oopses)");
		return -EINVAL;
	}
	for (; size > 0 && vaddr; pos += SIM_PAGE_SIZE, off = 0) {
		size_t len = SIM_PAGE_SIZE - off;

		if (len > size)
			len = size;
		if (copy_chunk(vaddr + pos + off, uptr, len, rw->write))
			return -EFAULT;
		size -= len;
		uptr += len;
	}
	return 0;
}

/* ion_handle_test_kernel: the range must lie in the dma-buf. */
static int test_kernel(struct kion_test *td, const struct ion_test_rw_data *rw)
{
	struct kion_dmabuf *db = td->dmabuf;
	unsigned char *vaddr = NULL;
	int ret;

	if (!db) {
		kion_warn(td->dev, "ion_handle_test_kernel",
			  "NULL dma-buf dereferenced (the kernel oopses)");
		return -EINVAL;
	}
	if (rw->offset > db->size || rw->size > db->size - rw->offset)
		return -EINVAL;
	ret = cpu_begin(db, &vaddr);
	if (ret)
		return ret;
	ret = kernel_copy(td, vaddr, rw);
	cpu_end(db);
	return ret;
}

/* ---- SET_FD and the dispatcher ------------------------------------------ */

/* A new dma-buf first, then the old one goes: setting the same fd again
 * never drops the buffer in between. */
static int set_fd(struct kion_test *td, struct sim_proc *task, int fd)
{
	struct kion_dmabuf *db = NULL;
	int err = 0;

	if (fd >= 0) {
		db = kion_dma_buf_get(task, fd, &err);
		if (!db)
			return err;
	}
	if (td->dmabuf)
		kion_dma_buf_put(td->dmabuf);
	td->dmabuf = db;
	return 0;
}

static long run_command(struct kion_test *td, struct sim_proc *task,
			unsigned int cmd, unsigned long arg,
			const union test_arg *data)
{
	switch (cmd) {
	case ION_IOC_TEST_SET_FD:
		/* The argument is the fd itself, cut to an int. */
		return set_fd(td, task, (int)arg);
	case ION_IOC_TEST_DMA_MAPPING:
		return test_dma(td, &data->rw);
	case ION_IOC_TEST_KERNEL_MAPPING:
		return test_kernel(td, &data->rw);
	default:
		return -ENOTTY;
	}
}

/* ion_test_ioctl's checks before the match. */
static long dispatch(struct kion_test *td, struct sim_proc *task,
		     unsigned int cmd, unsigned long arg)
{
	union test_arg data;

	memset(&data, 0, sizeof(data));
	if (_IOC_SIZE(cmd) > sizeof(data))
		return -EINVAL;
	if ((_IOC_DIR(cmd) & _IOC_WRITE) &&
	    kion_copy_from_user(&data, arg, _IOC_SIZE(cmd)))
		return -EFAULT;
	return run_command(td, task, cmd, arg, &data);
}

/* ---- the file ----------------------------------------------------------- */

static long test_file_ioctl(struct sim_file *f, struct sim_thread *t,
			    unsigned long cmd, unsigned long arg)
{
	struct kion_test *td = f->private_data;
	long ret;

	/* SET_FD looks the fd up in the caller's table: it needs one. */
	if (!t)
		return -ESRCH;
	kion_enter(td->dev);
	/* sys_ioctl's cmd is an unsigned int: the upper bits never arrive. */
	ret = dispatch(td, sim_thread_proc(t), (unsigned int)cmd, arg);
	kion_leave(td->dev);
	return ret;
}

/* ion_test_release: the slot goes, the reference it held does not. */
static void test_file_release(struct sim_file *f)
{
	struct kion_test *td = f->private_data;

	if (td->dmabuf)
		kion_tracef(td->dev, "ion_test_release",
			    "dma_buf %llu left held (file count %lu)",
			    (unsigned long long)td->dmabuf->serial,
			    td->dmabuf->file->count);
	sim_kfree(td->dev->m, td);
}

const struct sim_file_ops kion_test_fops = {
	.kind = "ion-test",
	.release = test_file_release,
	.ioctl = test_file_ioctl,
};

/* kion_test_open - see kion.h.  ion_test_open: a slot per open, -ENOMEM
 * when it cannot be had. */
int kion_test_open(struct kion_device *dev, struct sim_proc *p,
		   unsigned int o_flags)
{
	struct kion_test *td;
	struct sim_file *f;
	int err = 0, fd;

	if (!sim_proc_alive(p))
		return -ESRCH;
	td = sim_kzalloc(dev->m, sizeof(*td));
	if (!td)
		return -ENOMEM;
	td->dev = dev;
	f = sim_file_new(dev->m, &kion_test_fops, td, o_flags,
			 kion_open_f_mode(o_flags), &err);
	if (!f)
		goto free_td;
	fd = sim_fd_install(p, f, o_flags & SIM_O_CLOEXEC);
	if (fd < 0)
		sim_file_put(f);	/* its release frees td */
	return fd;

free_td:
	sim_kfree(dev->m, td);
	return err;
}
