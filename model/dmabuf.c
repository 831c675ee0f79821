/*
 * model/dmabuf.c - dma-bufs: the files through which buffers cross
 * process boundaries, and ION's side of them (share and import).
 *
 * A dma-buf is a sim file (kind "dma-buf") whose private data is a
 * struct kion_dmabuf holding one buffer kref; the file's last reference
 * (an fd, a mapping, a message in flight, a driver's dma_buf_get) going
 * away releases it, and with it that kref.  As in Linux 4.9's
 * drivers/dma-buf/dma-buf.c the file answers mmap (bounded by the
 * buffer's size), lseek (only to learn the size) and DMA_BUF_IOCTL_SYNC,
 * which brackets CPU access: for ION's buffers in every upstream 4.x
 * that is a kernel mapping count, taken by START and dropped, unchecked,
 * by END (CVE-2021-0929's path, KION_BUG_KMAP_SYNC); Android's fix, the
 * model without that bit, leaves the count alone.  Every export is linked at the head of the device's db_list, so
 * bufinfo lists the newest first.
 *
 * Simplification: 4.9 maps a cached buffer without NEEDS_SYNC page by
 * page on fault; here every mapping is filled at mmap time, which gives
 * the same bytes through the same pages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ionsim/uapi/dma-buf.h"
#include "model/kion.h"

/* ---- the file ---------------------------------------------------------- */

static void unlink_db_list(struct kion_device *dev, struct kion_dmabuf *db)
{
	if (db->db_prev)
		db->db_prev->db_next = db->db_next;
	else
		dev->db_list = db->db_next;
	if (db->db_next)
		db->db_next->db_prev = db->db_prev;
	db->db_prev = db->db_next = NULL;
}

/* Attachments a driver forgot to detach go with the dma-buf. */
static void free_attachments(struct kion_device *dev, struct kion_dmabuf *db)
{
	struct kion_attachment *att;

	while ((att = db->attachments)) {
		db->attachments = att->next;
		kion_warn(dev, "dma_buf_release", "released while attached");
		if (att->mapped)
			db->buffer->dmap_cnt--;
		sim_kfree(dev->m, att);
	}
	db->nattach = 0;
}

/* dma_buf_release + ion_dma_buf_release: the last file reference went. */
static void dmabuf_release(struct sim_file *f)
{
	struct kion_dmabuf *db = f->private_data;
	struct kion_buffer *buffer = db->buffer;
	struct kion_device *dev = buffer->dev;

	kion_enter(dev);
	kion_tracef(dev, "dma_buf_release", "dma_buf %llu released",
		    (unsigned long long)db->serial);
	free_attachments(dev, db);
	if (buffer->modern_dmabuf == db)
		buffer->modern_dmabuf = NULL;
	kion_buffer_put(buffer);
	unlink_db_list(dev, db);
	dev->ndmabufs--;
	sim_kfree(dev->m, db);
	kion_leave(dev);
}

/* dma_buf_mmap_internal + ion_mmap: the range must lie in the buffer. */
static int dmabuf_mmap(struct sim_file *f, struct sim_vma *vma)
{
	struct kion_dmabuf *db = f->private_data;
	struct kion_buffer *buffer = db->buffer;
	struct kion_device *dev = buffer->dev;
	uint64_t pages = vma->len >> SIM_PAGE_SHIFT;
	uint64_t limit = db->size >> SIM_PAGE_SHIFT;
	int ret;

	if (vma->pgoff > limit || pages > limit - vma->pgoff)
		return -EINVAL;
	kion_enter(dev);
	sim_mutex_lock(dev->m, &buffer->lock);
	ret = heap_map_user(&buffer->hb, vma);
	sim_mutex_unlock(dev->m, &buffer->lock);
	if (!ret)
		kion_tracef(dev, "ion_mmap",
			    "dma_buf %llu mapped (%llu pages), file count %lu",
			    (unsigned long long)db->serial,
			    (unsigned long long)pages, f->count);
	kion_leave(dev);
	return ret;
}

/* dma_buf_llseek: only SEEK_END and SEEK_SET, both with offset 0. */
static int64_t dmabuf_llseek(struct sim_file *f, int64_t off, int whence)
{
	struct kion_dmabuf *db = f->private_data;
	int64_t base;

	if (whence == SEEK_END)
		base = (int64_t)db->size;
	else if (whence == SEEK_SET)
		base = 0;
	else
		return -EINVAL;
	if (off != 0)
		return -EINVAL;
	return base;
}

/* The flags of a DMA_BUF_IOCTL_SYNC are valid: known bits only, and a
 * direction. */
static bool sync_flags_valid(uint64_t flags)
{
	if (flags & ~(uint64_t)DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return false;
	return (flags & DMA_BUF_SYNC_RW) != 0;
}

/* dma_buf_ioctl: DMA_BUF_IOCTL_SYNC, anything else ENOTTY. */
static long dmabuf_ioctl(struct sim_file *f, struct sim_thread *t,
			 unsigned long cmd, unsigned long arg)
{
	struct kion_dmabuf *db = f->private_data;
	struct dma_buf_sync sync;

	if ((unsigned int)cmd != DMA_BUF_IOCTL_SYNC)
		return -ENOTTY;
	if (kion_copy_from_user(&sync, arg, sizeof(sync)))
		return -EFAULT;
	if (!sync_flags_valid(sync.flags))
		return -EINVAL;
	if (sync.flags & DMA_BUF_SYNC_END)
		return kion_dma_buf_end_cpu_access(db);
	return kion_dma_buf_begin_cpu_access(db);
}

const struct sim_file_ops kion_dmabuf_fops = {
	.kind = "dma-buf",
	.release = dmabuf_release,
	.ioctl = dmabuf_ioctl,
	.mmap = dmabuf_mmap,
	.llseek = dmabuf_llseek,
};

/* ---- export and lookup ---------------------------------------------------- */

/* anon_inode_getfile's f_mode: the access mode's read/write, plus LSEEK,
 * which dma_buf_export adds. */
static unsigned int dmabuf_f_mode(unsigned int f_flags)
{
	unsigned int acc = f_flags & SIM_O_ACCMODE;
	unsigned int mode = SIM_FMODE_LSEEK;

	if (acc == SIM_O_RDONLY || acc == SIM_O_RDWR)
		mode |= SIM_FMODE_READ;
	if (acc == SIM_O_WRONLY || acc == SIM_O_RDWR)
		mode |= SIM_FMODE_WRITE;
	return mode;
}

/* kion_dmabuf_wrap - see kion.h. */
struct kion_dmabuf *kion_dmabuf_wrap(struct kion_buffer *buffer,
				     const char *exp_name,
				     unsigned int f_flags, int *err)
{
	struct kion_device *dev = buffer->dev;
	struct kion_dmabuf *db = sim_kzalloc(dev->m, sizeof(*db));

	if (!db) {
		*err = -ENOMEM;
		return NULL;
	}
	db->file = sim_file_new(dev->m, &kion_dmabuf_fops, db, f_flags,
				dmabuf_f_mode(f_flags), err);
	if (!db->file) {
		sim_kfree(dev->m, db);
		return NULL;
	}
	db->buffer = buffer;
	db->size = buffer->size;
	db->exp_name = exp_name;
	db->ion = strcmp(exp_name, KION_EXP_NAME) == 0;
	db->serial = ++dev->next_dmabuf;
	db->db_next = dev->db_list;
	if (dev->db_list)
		dev->db_list->db_prev = db;
	dev->db_list = db;
	dev->ndmabufs++;
	kion_tracef(dev, "dma_buf_export", "dma_buf %llu created for buffer %llu",
		    (unsigned long long)db->serial,
		    (unsigned long long)buffer->serial);
	return db;
}

/* kion_dmabuf_export - see kion.h. */
struct kion_dmabuf *kion_dmabuf_export(struct kion_buffer *buffer,
				       const char *exp_name,
				       unsigned int f_flags, int *err)
{
	struct kion_dmabuf *db;

	kion_buffer_get(buffer);
	db = kion_dmabuf_wrap(buffer, exp_name, f_flags, err);
	if (!db)
		kion_buffer_put(buffer);
	return db;
}

/* kion_dmabuf_from_file - see kion.h. */
struct kion_dmabuf *kion_dmabuf_from_file(struct sim_file *file)
{
	if (!file || file->ops != &kion_dmabuf_fops)
		return NULL;
	return file->private_data;
}

/* kion_dmabuf_file_get - see kion.h. */
struct kion_dmabuf *kion_dmabuf_file_get(struct sim_proc *p, int fd, int *err)
{
	struct sim_file *f = sim_fget(p, fd);
	struct kion_dmabuf *db;

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	db = kion_dmabuf_from_file(f);
	if (!db) {
		sim_file_put(f);
		*err = -EINVAL;
	}
	return db;
}

/* kion_dmabuf_file_put - see kion.h.  May release the dma-buf. */
void kion_dmabuf_file_put(struct kion_dmabuf *dmabuf)
{
	sim_file_put(dmabuf->file);
}

/* kion_dma_buf_get - see kion.h. */
struct kion_dmabuf *kion_dma_buf_get(struct sim_proc *p, int fd, int *err)
{
	struct kion_dmabuf *db = kion_dmabuf_file_get(p, fd, err);

	if (db) {
		db->kernel_refs++;
		kion_tracef(db->buffer->dev, "dma_buf_get",
			    "dma_buf %llu file count %lu (driver holds %lu)",
			    (unsigned long long)db->serial, db->file->count,
			    db->kernel_refs);
	}
	return db;
}

/* kion_dma_buf_put - see kion.h. */
void kion_dma_buf_put(struct kion_dmabuf *dmabuf)
{
	struct kion_device *dev = dmabuf->buffer->dev;

	kion_enter(dev);
	dmabuf->kernel_refs--;
	kion_tracef(dev, "dma_buf_put", "dma_buf %llu file count %lu -> %lu",
		    (unsigned long long)dmabuf->serial, dmabuf->file->count,
		    dmabuf->file->count - 1);
	kion_dmabuf_file_put(dmabuf);
	kion_leave(dev);
}

/* ---- CPU access ---------------------------------------------------------------- */

/* kion_dma_buf_begin_cpu_access - see kion.h; other exporters' dma-bufs
 * need no kernel mapping for it here.  Without KION_BUG_KMAP_SYNC the
 * buffer's kmap lives in the dma-buf kmap ops (Android's fix for
 * CVE-2021-0929), which nothing here calls; the lock stays, as the fixed
 * code still takes it to sync the attachments. */
int kion_dma_buf_begin_cpu_access(struct kion_dmabuf *dmabuf)
{
	struct kion_buffer *buffer = dmabuf->buffer;
	struct kion_device *dev = buffer->dev;
	int err = 0;

	if (!dmabuf->ion)
		return 0;
	kion_enter(dev);
	sim_mutex_lock(dev->m, &buffer->lock);
	if (kion_bug(dev, KION_BUG_KMAP_SYNC))
		kion_buffer_kmap_get(buffer, &err);
	sim_mutex_unlock(dev->m, &buffer->lock);
	kion_leave(dev);
	return err;
}

/* kion_dma_buf_end_cpu_access - see kion.h.  With KION_BUG_KMAP_SYNC
 * the put matches no get of its own, so a user's END can take a driver's
 * mapping away (ION-SPEC 7.6). */
int kion_dma_buf_end_cpu_access(struct kion_dmabuf *dmabuf)
{
	struct kion_buffer *buffer = dmabuf->buffer;
	struct kion_device *dev = buffer->dev;

	if (!dmabuf->ion)
		return 0;
	kion_enter(dev);
	sim_mutex_lock(dev->m, &buffer->lock);
	if (kion_bug(dev, KION_BUG_KMAP_SYNC))
		kion_buffer_kmap_put(buffer);
	sim_mutex_unlock(dev->m, &buffer->lock);
	kion_leave(dev);
	return 0;
}

/* ---- attachments ------------------------------------------------------------------ */

/* kion_dma_buf_attach - see kion.h: newest first, as list_add links. */
struct kion_attachment *kion_dma_buf_attach(struct kion_dmabuf *dmabuf,
					    const char *dev_name, int *err)
{
	struct kion_device *dev = dmabuf->buffer->dev;
	struct kion_attachment *att;

	if (!dev_name) {
		*err = -EINVAL;
		return NULL;
	}
	att = sim_kzalloc(dev->m, sizeof(*att));
	if (!att) {
		*err = -ENOMEM;
		return NULL;
	}
	att->dmabuf = dmabuf;
	snprintf(att->dev_name, sizeof(att->dev_name), "%s", dev_name);
	att->next = dmabuf->attachments;
	dmabuf->attachments = att;
	dmabuf->nattach++;
	kion_tracef(dev, "dma_buf_attach", "dma_buf %llu attached to %s",
		    (unsigned long long)dmabuf->serial, att->dev_name);
	return att;
}

/* kion_dma_buf_detach - see kion.h; a mapped attachment is unmapped. */
void kion_dma_buf_detach(struct kion_attachment *att)
{
	struct kion_dmabuf *db = att->dmabuf;
	struct kion_device *dev = db->buffer->dev;
	struct kion_attachment **pp;

	for (pp = &db->attachments; *pp && *pp != att; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = att->next;
	db->nattach--;
	if (att->mapped)
		db->buffer->dmap_cnt--;
	kion_tracef(dev, "dma_buf_detach", "dma_buf %llu detached from %s",
		    (unsigned long long)db->serial, att->dev_name);
	sim_kfree(dev->m, att);
}

/* kion_dma_buf_map_attachment - see kion.h.  ION 4.9's map_dma_buf hands
 * back the buffer's own table; mapping twice maps nothing new. */
int kion_dma_buf_map_attachment(struct kion_attachment *att)
{
	struct kion_buffer *buffer = att->dmabuf->buffer;

	if (att->mapped)
		return 0;
	att->mapped = true;
	buffer->dmap_cnt++;
	kion_tracef(buffer->dev, "dma_buf_map_attachment",
		    "dma_buf %llu mapped for %s, buffer %llu dmap_cnt %d",
		    (unsigned long long)att->dmabuf->serial, att->dev_name,
		    (unsigned long long)buffer->serial, buffer->dmap_cnt);
	return 0;
}

/* kion_dma_buf_unmap_attachment - see kion.h; unmapping what is not
 * mapped is a WARN and nothing else. */
void kion_dma_buf_unmap_attachment(struct kion_attachment *att)
{
	struct kion_buffer *buffer = att->dmabuf->buffer;

	if (!att->mapped) {
		kion_warn(buffer->dev, "dma_buf_unmap_attachment",
			  "attachment not mapped");
		return;
	}
	att->mapped = false;
	buffer->dmap_cnt--;
	kion_tracef(buffer->dev, "dma_buf_unmap_attachment",
		    "dma_buf %llu unmapped for %s, buffer %llu dmap_cnt %d",
		    (unsigned long long)att->dmabuf->serial, att->dev_name,
		    (unsigned long long)buffer->serial, buffer->dmap_cnt);
}

/* ---- ION's share and import ---------------------------------------------------------- */

/* __ion_share_dma_buf: validate and take the dma-buf's buffer kref,
 * under client->lock when @lock_client (4.9.45 drops it right after). */
static struct kion_buffer *share_get_buffer(struct kion_client *client,
					    struct kion_handle *handle,
					    bool lock_client)
{
	struct kion_device *dev = client->dev;
	struct kion_buffer *buffer = NULL;

	if (lock_client)
		sim_mutex_lock(dev->m, &client->lock);
	if (kion_handle_validate(client, handle)) {
		buffer = handle->buffer;
		kion_buffer_get(buffer);
	} else {
		kion_warn(dev, "ion_share_dma_buf", "invalid handle passed to share");
	}
	if (lock_client)
		sim_mutex_unlock(dev->m, &client->lock);
	return buffer;
}

/* kion_share_fd - see kion.h. */
int kion_share_fd(struct kion_client *client, struct kion_handle *handle,
		  struct sim_proc *p, bool lock_client)
{
	struct kion_buffer *buffer;
	struct kion_dmabuf *db;
	int err = 0, fd;

	buffer = share_get_buffer(client, handle, lock_client);
	if (!buffer)
		return -EINVAL;
	db = kion_dmabuf_wrap(buffer, KION_EXP_NAME, SIM_O_RDWR, &err);
	if (!db) {
		kion_buffer_put(buffer);
		return err;
	}
	fd = sim_fd_install(p, db->file, SIM_O_CLOEXEC);
	if (fd < 0)
		kion_dmabuf_file_put(db);	/* releases it: buffer kref -1 */
	else
		kion_tracef(client->dev, "ion_share_dma_buf_fd",
			    "dma_buf %llu installed as fd %d of pid %d",
			    (unsigned long long)db->serial, fd, sim_proc_pid(p));
	return fd;
}

/* IMPORT of a buffer the client already has a handle on: one more kref
 * on that handle.  The caller holds client->lock. */
static struct kion_handle *import_existing(struct kion_handle *handle,
					   int *err)
{
	int ret = kion_handle_get_check_overflow(handle);

	if (ret) {
		*err = ret;
		return NULL;
	}
	return handle;
}

/* A new handle on @buffer, published; the caller holds client->lock. */
static struct kion_handle *import_new(struct kion_client *client,
				      struct kion_buffer *buffer, int *err)
{
	struct kion_handle *handle = kion_handle_create(client, buffer, err);
	int ret;

	if (!handle)
		return NULL;
	ret = kion_handle_add_nolock(client, handle);
	if (ret) {
		*err = ret;
		/* Never published, so nothing else can hold it. */
		kion_handle_put_nolock(handle, NULL);
		return NULL;
	}
	return handle;
}

/* kion_import_dmabuf - see kion.h.  Lookup, create and add run under one
 * client->lock, so two IMPORTs of one buffer cannot make two handles. */
struct kion_handle *kion_import_dmabuf(struct kion_client *client,
				       struct kion_dmabuf *dmabuf, int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_handle *handle;

	if (!dmabuf->ion) {
		*err = -EINVAL;
		return NULL;
	}
	sim_mutex_lock(dev->m, &client->lock);
	handle = kion_handle_lookup(client, dmabuf->buffer);
	if (handle)
		handle = import_existing(handle, err);
	else
		handle = import_new(client, dmabuf->buffer, err);
	sim_mutex_unlock(dev->m, &client->lock);
	return handle;
}
