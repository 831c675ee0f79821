/*
 * model/kapi.c - ION's in-kernel interface for simulated drivers: kernel
 * mappings through a handle, physical addresses and scatter lists of a
 * buffer, and sharing and importing dma-buf fds on a process's behalf.
 *
 * These are the calls Linux 4.9's ion.h exports to other drivers
 * (ion_map_kernel, ion_phys, ion_sg_table, ion_share_dma_buf_fd,
 * ion_import_dma_buf_fd).  Each one validates the handle against the
 * client under client->lock first, as the kernel does, and answers
 * -EINVAL for a handle the client does not have.  ion_alloc, ion_free and
 * the handle lookups live with clients and handles (client.c, handle.c);
 * dma_buf_get/put and attachments with dma-bufs (dmabuf.c).
 */
#include <errno.h>

#include "model/kion.h"

/* The handle is @client's: validated under client->lock, which the
 * caller holds. */
static bool handle_ok(struct kion_client *client, struct kion_handle *handle,
		      const char *func)
{
	if (kion_handle_validate(client, handle))
		return true;
	kion_tracef(client->dev, func, "invalid handle");
	return false;
}

/* kion_map_kernel - see kion.h.  After an underflow of the buffer's count
 * the answer is NULL with *@err 0: the kernel's stale vaddr. */
void *kion_map_kernel(struct kion_client *client, struct kion_handle *handle,
		      int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_buffer *buffer;
	void *vaddr = NULL;

	*err = 0;
	kion_enter(dev);
	sim_mutex_lock(dev->m, &client->lock);
	if (!handle_ok(client, handle, "ion_map_kernel")) {
		*err = -EINVAL;
		goto unlock_client;
	}
	buffer = handle->buffer;
	sim_mutex_lock(dev->m, &buffer->lock);
	vaddr = kion_handle_kmap_get(handle, err);
	sim_mutex_unlock(dev->m, &buffer->lock);
unlock_client:
	sim_mutex_unlock(dev->m, &client->lock);
	kion_leave(dev);
	return vaddr;
}

/* kion_unmap_kernel - see kion.h.  Like the kernel, it does not validate:
 * an unmap through a handle with no map is the "double unmap" WARN. */
void kion_unmap_kernel(struct kion_client *client, struct kion_handle *handle)
{
	struct kion_device *dev = client->dev;
	struct kion_buffer *buffer;

	kion_enter(dev);
	sim_mutex_lock(dev->m, &client->lock);
	if (handle->dead) {
		kion_uaf(dev, "ion_unmap_kernel", "handle touched after its destroy");
		goto unlock_client;
	}
	buffer = handle->buffer;
	sim_mutex_lock(dev->m, &buffer->lock);
	kion_handle_kmap_put(handle);
	sim_mutex_unlock(dev->m, &buffer->lock);
unlock_client:
	sim_mutex_unlock(dev->m, &client->lock);
	kion_leave(dev);
}

/* kion_phys - see kion.h. */
int kion_phys(struct kion_client *client, struct kion_handle *handle,
	      uint64_t *addr, uint64_t *len)
{
	struct kion_device *dev = client->dev;
	struct kion_buffer *buffer = NULL;
	int ret = -EINVAL;

	kion_enter(dev);
	sim_mutex_lock(dev->m, &client->lock);
	if (handle_ok(client, handle, "ion_phys"))
		buffer = handle->buffer;
	sim_mutex_unlock(dev->m, &client->lock);
	/* The handle's kref keeps the buffer once the lock is gone. */
	if (buffer)
		ret = heap_phys(&buffer->hb, addr, len);
	kion_leave(dev);
	return ret;
}

/* kion_sg_table - see kion.h. */
const struct sim_run *kion_sg_table(struct kion_client *client,
				    struct kion_handle *handle,
				    unsigned int *nruns, int *err)
{
	struct kion_device *dev = client->dev;
	const struct sim_run *runs = NULL;

	*err = 0;
	kion_enter(dev);
	sim_mutex_lock(dev->m, &client->lock);
	if (handle_ok(client, handle, "ion_sg_table")) {
		runs = handle->buffer->hb.runs;
		*nruns = handle->buffer->hb.nruns;
	} else {
		*err = -EINVAL;
	}
	sim_mutex_unlock(dev->m, &client->lock);
	kion_leave(dev);
	return runs;
}

/* kion_share_dma_buf_fd - see kion.h. */
int kion_share_dma_buf_fd(struct kion_client *client,
			  struct kion_handle *handle, struct sim_proc *p)
{
	struct kion_device *dev = client->dev;
	int fd;

	kion_enter(dev);
	fd = kion_share_fd(client, handle, p, true);
	kion_leave(dev);
	return fd;
}

/* kion_import_dma_buf_fd - see kion.h. */
struct kion_handle *kion_import_dma_buf_fd(struct kion_client *client,
					   struct sim_proc *p, int fd,
					   int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_handle *handle = NULL;
	struct kion_dmabuf *db;

	kion_enter(dev);
	db = kion_dmabuf_file_get(p, fd, err);
	if (db) {
		handle = kion_import_dmabuf(client, db, err);
		kion_dmabuf_file_put(db);
	}
	kion_leave(dev);
	return handle;
}
