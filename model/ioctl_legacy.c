/*
 * model/ioctl_legacy.c - the legacy /dev/ion file: ion_ioctl of Linux
 * 4.4-4.11 (drivers/staging/android/ion/ion-ioctl.c in 4.9) and the
 * file's release.
 *
 * The dispatcher's order of checks is the kernel's, and it decides many
 * errnos on its own: a size field larger than the argument union is
 * EINVAL before the command is even matched; _IOC_SIZE bytes are always
 * copied in (EFAULT); HEAP_QUERY's reserved words are checked next; the
 * local copy is zeroed when the direction has no write bit (FREE, SYNC
 * and CUSTOM are forced to write-only whatever their encoding says); an
 * inexact command is ENOTTY; and the result is copied back when the
 * direction has a read bit, EFAULT then undoing ALLOC's handle but
 * leaking IMPORT's, as the kernel does.
 *
 * The handlers take client->lock exactly where each release took it, so
 * that the explorer can interleave them where the kernel could:
 *  - FREE is one locked section since 4.6; KION_BUG_FREE_RACE splits it
 *    into lookup, validate-and-put and put (CVE-2016-9120);
 *  - SHARE/MAP run entirely under the lock in 4.9.337;
 *    KION_BUG_SHARE_UNLOCKED drops it between lookup, export and put
 *    (CVE-2017-0564);
 *  - ALLOC grabs an extra kref before publishing the id (the 7.3 fix);
 *    KION_BUG_ALLOC_UAF does not;
 *  - userspace's references are counted in user_ref_count and hold one
 *    kref between them; KION_BUG_NO_USER_REFS makes each a plain kref,
 *    and KION_BUG_PASS_TO_USER reads IMPORT's id after handing the kref
 *    to userspace (7.4).
 * In replay nothing preempts, so the fixed and the defective shapes give
 * the same results there; they differ under the explorer.
 */
#include <errno.h>
#include <string.h>

#include "ionsim/uapi/ion.h"
#include "model/kion.h"

/* The kernel's union of every argument: its size bounds _IOC_SIZE. */
union ion_ioctl_arg {
	struct ion_fd_data fd;
	struct ion_allocation_data allocation;
	struct ion_handle_data handle;
	struct ion_custom_data custom;
	struct ion_heap_query query;
};

_Static_assert(sizeof(union ion_ioctl_arg) == 32,
	       "the LP64 argument union of 4.9 is 32 bytes");

/* One ioctl in progress: what the handlers share with the dispatcher. */
struct ioctl_call {
	struct kion_client *client;
	struct kion_device *dev;
	struct sim_proc *task;		/* the calling process */
	union ion_ioctl_arg data;	/* the kernel's local copy */
	bool no_copy_back;		/* the handler returned before the copy */
	struct kion_handle *cleanup;	/* ALLOC's handle, for copy-back EFAULT */
	bool grabbed;			/* ALLOC took its extra kref */
};

/* ---- userspace's references (4.9.337's user_ref_count) --------------- */

/* A handle the kernel reads here may have been destroyed by a racing
 * FREE under a defect: count the read, then read what is still there. */
static int read_id(struct ioctl_call *c, struct kion_handle *handle)
{
	if (handle->dead)
		kion_uaf(c->dev, "ion_ioctl", "handle id read after its destroy");
	return handle->id;
}

/* user_ion_handle_get_check_overflow: the caller holds client->lock.
 * The first user reference takes the kref all of them share. */
static int user_get_check_overflow(struct ioctl_call *c,
				   struct kion_handle *handle)
{
	unsigned int from = handle->user_ref_count;

	if (((from + 1) & c->dev->kref_mask) == 0)
		return -EOVERFLOW;
	handle->user_ref_count = from + 1;
	kion_tracef(c->dev, "user_ion_handle_get",
		    "client %llu handle %d user refs %u -> %u",
		    (unsigned long long)handle->client_serial, handle->id, from,
		    from + 1);
	if (from == 0)
		kion_handle_get(handle);
	return 0;
}

/* pass_to_user: turn the kref the ioctl holds into a user reference. */
static int pass_to_user(struct ioctl_call *c, struct kion_handle *handle)
{
	struct kion_client *client = c->client;
	int ret;

	if (handle->dead) {
		kion_uaf(c->dev, "pass_to_user", "handle touched after its destroy");
		return 0;
	}
	sim_mutex_lock(c->dev->m, &client->lock);
	ret = user_get_check_overflow(c, handle);
	kion_handle_put_nolock(handle, c->task);
	sim_mutex_unlock(c->dev->m, &client->lock);
	return ret;
}

/* user_ion_free_nolock: drop one user reference, the last one taking
 * the shared kref with it.  A handle userspace holds no reference on
 * (the window inside ALLOC/IMPORT) is a WARN and nothing else. */
static void user_free_nolock(struct ioctl_call *c, struct kion_handle *handle)
{
	unsigned int from;

	if (!kion_handle_validate(c->client, handle)) {
		kion_warn(c->dev, "user_ion_free_nolock",
			  "invalid handle passed to free");
		return;
	}
	from = handle->user_ref_count;
	if (from == 0) {
		/* Only a FREE racing the ALLOC or IMPORT that published the id
		 * gets here; 4.9.337 refuses it and changes nothing. */
		kion_warn_defended(c->dev, "user_ion_free_nolock",
				   "user does not have access");
		return;
	}
	handle->user_ref_count = from - 1;
	kion_tracef(c->dev, "user_ion_handle_put",
		    "client %llu handle %d user refs %u -> %u",
		    (unsigned long long)handle->client_serial, handle->id, from,
		    from - 1);
	if (from == 1)
		kion_handle_put_nolock(handle, c->task);
}

/* Userspace gives back one reference: the user count in 4.9.337, a
 * plain kref before it.  The caller holds client->lock. */
static void user_drop_nolock(struct ioctl_call *c, struct kion_handle *handle)
{
	if (kion_bug(c->dev, KION_BUG_NO_USER_REFS))
		kion_free_nolock(c->client, handle, c->task);
	else
		user_free_nolock(c, handle);
}

/* ---- ALLOC ---------------------------------------------------------------- */

static long do_alloc(struct ioctl_call *c)
{
	struct ion_allocation_data *a = &c->data.allocation;
	struct kion_handle *handle;
	int err = 0;

	c->grabbed = !kion_bug(c->dev, KION_BUG_ALLOC_UAF);
	handle = kion_alloc_task(c->client, a->len, a->align, a->heap_id_mask,
				 a->flags, c->grabbed, c->task, &err);
	if (!handle) {
		c->no_copy_back = true;
		return err;
	}
	a->handle = read_id(c, handle);
	c->cleanup = handle;
	if (!kion_bug(c->dev, KION_BUG_NO_USER_REFS))
		pass_to_user(c, handle);
	return 0;
}

/* The ALLOC result could not be written back: the new handle goes again
 * (the user reference, and the grab when one was taken). */
static void alloc_undo(struct ioctl_call *c)
{
	struct kion_client *client = c->client;

	sim_mutex_lock(c->dev->m, &client->lock);
	user_drop_nolock(c, c->cleanup);
	if (c->grabbed)
		kion_handle_put_nolock(c->cleanup, c->task);
	sim_mutex_unlock(c->dev->m, &client->lock);
}

/* ---- FREE ------------------------------------------------------------------ */

/* 4.6+: lookup, user put and temporary put in one locked section. */
static long free_locked(struct ioctl_call *c, int id)
{
	struct kion_client *client = c->client;
	struct kion_handle *handle;
	int err = 0;

	sim_mutex_lock(c->dev->m, &client->lock);
	handle = kion_handle_get_by_id_nolock(client, id, &err);
	if (!handle) {
		sim_mutex_unlock(c->dev->m, &client->lock);
		return err;
	}
	user_drop_nolock(c, handle);
	kion_handle_put_nolock(handle, c->task);
	sim_mutex_unlock(c->dev->m, &client->lock);
	return 0;
}

/* <= 4.5 (CVE-2016-9120): three separately locked steps, each of which a
 * concurrent FREE of the same id can slip between. */
static long free_three_steps(struct ioctl_call *c, int id)
{
	struct kion_client *client = c->client;
	struct kion_handle *handle;
	int err = 0;

	sim_mutex_lock(c->dev->m, &client->lock);
	handle = kion_handle_get_by_id_nolock(client, id, &err);
	sim_mutex_unlock(c->dev->m, &client->lock);
	if (!handle)
		return err;
	if (kion_bug(c->dev, KION_BUG_NO_USER_REFS)) {
		bool valid;

		sim_mutex_lock(c->dev->m, &client->lock);
		valid = kion_handle_validate(client, handle);
		sim_mutex_unlock(c->dev->m, &client->lock);
		if (valid)
			kion_handle_put_task(handle, c->task);
		else
			kion_warn(c->dev, "ion_free", "invalid handle passed to free");
	} else {
		sim_mutex_lock(c->dev->m, &client->lock);
		user_free_nolock(c, handle);
		sim_mutex_unlock(c->dev->m, &client->lock);
	}
	kion_handle_put_task(handle, c->task);
	return 0;
}

static long do_free(struct ioctl_call *c)
{
	int id = c->data.handle.handle;

	if (kion_bug(c->dev, KION_BUG_FREE_RACE))
		return free_three_steps(c, id);
	return free_locked(c, id);
}

/* ---- SHARE and MAP ------------------------------------------------------------ */

/* 4.9.337: lookup, export, fd and put all under client->lock. */
static int share_locked(struct ioctl_call *c, int id, int *fd)
{
	struct kion_client *client = c->client;
	struct kion_handle *handle;
	int err = 0;

	sim_mutex_lock(c->dev->m, &client->lock);
	handle = kion_handle_get_by_id_nolock(client, id, &err);
	if (!handle) {
		sim_mutex_unlock(c->dev->m, &client->lock);
		return err;
	}
	*fd = kion_share_fd(client, handle, c->task, false);
	kion_handle_put_nolock(handle, c->task);
	sim_mutex_unlock(c->dev->m, &client->lock);
	return 0;
}

/* 4.9.45 (CVE-2017-0564): the lock is dropped after the lookup, retaken
 * to validate, dropped for the export, and retaken for the final put. */
static int share_unlocked(struct ioctl_call *c, int id, int *fd)
{
	struct kion_client *client = c->client;
	struct kion_handle *handle;
	int err = 0;

	sim_mutex_lock(c->dev->m, &client->lock);
	handle = kion_handle_get_by_id_nolock(client, id, &err);
	sim_mutex_unlock(c->dev->m, &client->lock);
	if (!handle)
		return err;
	*fd = kion_share_fd(client, handle, c->task, true);
	kion_handle_put_task(handle, c->task);
	return 0;
}

static long do_share(struct ioctl_call *c)
{
	int id = c->data.handle.handle;
	int fd = 0, ret;

	if (kion_bug(c->dev, KION_BUG_SHARE_UNLOCKED))
		ret = share_unlocked(c, id, &fd);
	else
		ret = share_locked(c, id, &fd);
	if (ret) {
		c->no_copy_back = true;
		return ret;
	}
	/* A failed export still goes back to userspace, errno in fd. */
	c->data.fd.fd = fd;
	return fd < 0 ? fd : 0;
}

/* ---- IMPORT and SYNC ------------------------------------------------------------ */

/* ion_import_dma_buf_fd: the dma-buf's file is held only for the call. */
static struct kion_handle *import_fd(struct ioctl_call *c, int fd, int *err)
{
	struct kion_dmabuf *db = kion_dmabuf_file_get(c->task, fd, err);
	struct kion_handle *handle;

	if (!db)
		return NULL;
	handle = kion_import_dmabuf(c->client, db, err);
	kion_dmabuf_file_put(db);
	return handle;
}

static long do_import(struct ioctl_call *c)
{
	struct kion_handle *handle;
	int err = 0, ret;

	handle = import_fd(c, c->data.fd.fd, &err);
	if (!handle)
		return err;
	if (kion_bug(c->dev, KION_BUG_NO_USER_REFS)) {
		c->data.fd.handle = read_id(c, handle);
		return 0;
	}
	if (kion_bug(c->dev, KION_BUG_PASS_TO_USER)) {
		ret = pass_to_user(c, handle);
		c->data.fd.handle = read_id(c, handle);
	} else {
		c->data.fd.handle = read_id(c, handle);
		ret = pass_to_user(c, handle);
	}
	if (ret)
		c->data.fd.handle = 0;
	return ret;
}

/* ion_sync_for_device: checks the fd; the cache sync itself has no
 * effect on a simulated machine. */
static long do_sync(struct ioctl_call *c)
{
	int err = 0;
	struct kion_dmabuf *db = kion_dmabuf_file_get(c->task, c->data.fd.fd,
						      &err);
	bool ion;

	if (!db)
		return err;
	ion = db->ion;
	kion_dmabuf_file_put(db);
	return ion ? 0 : -EINVAL;
}

/* ---- HEAP_QUERY -------------------------------------------------------------------- */

/* One heap as HEAP_QUERY reports it, the name cut to 31 bytes. */
static void heap_data(struct heap *heap, struct ion_heap_data *hd)
{
	memset(hd, 0, sizeof(*hd));
	strncpy(hd->name, heap_name(heap), sizeof(hd->name) - 1);
	hd->type = (__u32)heap_type(heap);
	hd->heap_id = heap_id(heap);
}

/* ion_query_heaps' body; the caller holds dev->lock. */
static int query_heaps_locked(struct kion_device *dev,
			      struct ion_heap_query *q)
{
	struct ion_heap_data hd;
	unsigned int i;

	if (!q->heaps) {
		q->cnt = dev->nheaps;
		return 0;
	}
	if (q->cnt == 0)
		return -EINVAL;
	for (i = 0; i < dev->nheaps && i < q->cnt; i++) {
		heap_data(dev->heaps[i], &hd);
		if (kion_copy_to_user((unsigned long)q->heaps + i * sizeof(hd),
				      &hd, sizeof(hd)))
			return -EFAULT;
	}
	q->cnt = i;
	/* 4.9 never clears its initial -EINVAL on this path (fixed in 4.14). */
	return kion_bug(dev, KION_BUG_QUERY_EINVAL) ? -EINVAL : 0;
}

/* kion_query_heaps - see kion.h. */
int kion_query_heaps(struct kion_device *dev, struct ion_heap_query *query)
{
	int ret;

	sim_mutex_lock(dev->m, &dev->lock);
	ret = query_heaps_locked(dev, query);
	sim_mutex_unlock(dev->m, &dev->lock);
	return ret;
}

/* ---- the dispatcher -------------------------------------------------------------------- */

/* ion_ioctl_dir: three commands are encoded read-write but are used as
 * write-only, so nothing is copied back for them. */
static unsigned int ioctl_dir(unsigned int cmd)
{
	switch (cmd) {
	case ION_IOC_SYNC:
	case ION_IOC_FREE:
	case ION_IOC_CUSTOM:
		return _IOC_WRITE;
	default:
		return _IOC_DIR(cmd);
	}
}

/* validate_ioctl_arg: HEAP_QUERY's reserved words must be 0. */
static int validate_arg(struct ioctl_call *c, unsigned int cmd)
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

/* The command itself; -ENOTTY for anything not matched exactly. */
static long run_command(struct ioctl_call *c, unsigned int cmd)
{
	switch (cmd) {
	case ION_IOC_ALLOC:
		return do_alloc(c);
	case ION_IOC_FREE:
		return do_free(c);
	case ION_IOC_SHARE:
	case ION_IOC_MAP:
		return do_share(c);
	case ION_IOC_IMPORT:
		return do_import(c);
	case ION_IOC_SYNC:
		return do_sync(c);
	case ION_IOC_HEAP_QUERY:
		return kion_query_heaps(c->dev, &c->data.query);
	case ION_IOC_CUSTOM:
		/* No board of ours registers a custom ioctl callback. */
	default:
		c->no_copy_back = true;
		return -ENOTTY;
	}
}

/* After the command: the copy back, and ALLOC's last word on its grab. */
static long finish(struct ioctl_call *c, unsigned int cmd, unsigned long arg,
		   long ret)
{
	if (c->no_copy_back)
		return ret;
	if ((ioctl_dir(cmd) & _IOC_READ) &&
	    kion_copy_to_user(arg, &c->data, _IOC_SIZE(cmd))) {
		if (c->cleanup)
			alloc_undo(c);
		return -EFAULT;
	}
	if (c->cleanup && c->grabbed)
		kion_handle_put_task(c->cleanup, c->task);
	return ret;
}

static long dispatch(struct ioctl_call *c, unsigned int cmd,
		     unsigned long arg)
{
	unsigned int dir = ioctl_dir(cmd);
	int ret;

	if (_IOC_SIZE(cmd) > sizeof(c->data))
		return -EINVAL;
	if (kion_copy_from_user(&c->data, arg, _IOC_SIZE(cmd)))
		return -EFAULT;
	ret = validate_arg(c, cmd);
	if (ret)
		return ret;
	if (!(dir & _IOC_WRITE))
		memset(&c->data, 0, sizeof(c->data));
	return finish(c, cmd, arg, run_command(c, cmd));
}

/* kion_ioctl_legacy - see kion.h. */
long kion_ioctl_legacy(struct kion_client *client, struct sim_thread *t,
		       unsigned int cmd, unsigned long arg)
{
	struct ioctl_call c;
	long ret;

	memset(&c, 0, sizeof(c));
	c.client = client;
	c.dev = client->dev;
	c.task = t ? sim_thread_proc(t) : client->task;
	kion_enter(c.dev);
	ret = dispatch(&c, cmd, arg);
	kion_leave(c.dev);
	return ret;
}

/* ---- the file -------------------------------------------------------------------------- */

static long ion_file_ioctl(struct sim_file *f, struct sim_thread *t,
			   unsigned long cmd, unsigned long arg)
{
	/* sys_ioctl's cmd is an unsigned int: the upper bits never arrive. */
	return kion_ioctl_legacy(f->private_data, t, (unsigned int)cmd, arg);
}

/* ion_release: the last reference to this open of /dev/ion. */
static void ion_file_release(struct sim_file *f)
{
	kion_client_destroy(f->private_data);
}

const struct sim_file_ops kion_ion_legacy_fops = {
	.kind = "ion",
	.release = ion_file_release,
	.ioctl = ion_file_ioctl,
};
