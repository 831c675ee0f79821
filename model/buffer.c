/*
 * model/buffer.c - ION buffers: creation over the heap walk, the kref,
 * destruction into the heap (now or deferred), the handle count with its
 * orphan bookkeeping, and the shared kernel mapping count.
 *
 * Linux 4.9's ion_alloc walks the heaps in priority order (highest id
 * first) under dev->lock, asks each heap whose bit is in the mask, and
 * stops at the first success; the error it reports is the last heap's.
 * A new buffer enters dev->buffers under dev->buffer_lock with kref 1,
 * the creation reference the caller turns into a handle's or a dma-buf's.
 * When the kref reaches 0 the buffer leaves dev->buffers at once (debugfs
 * stops counting it) and the heap frees it, or parks it on its deferred-
 * free list; the struct itself goes when the heap really lets go, through
 * the heap_buffer release callback.
 *
 * The access lists of ionsim's heaps (heap_allows) are not the kernel's;
 * a heap the caller may not use is tried and fails with -EACCES, so that
 * the walk's "last tried heap's errno" rule covers it too: a mask that
 * names only forbidden heaps gives EACCES, and a forbidden heap earlier
 * in the walk does not hide a later heap's ENOMEM.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "model/kion.h"

static int kion_buffer_cmp(const struct kion_buffer *a,
			   const struct kion_buffer *b)
{
	return (a->serial > b->serial) - (a->serial < b->serial);
}

RB_GENERATE(kion_buffer_tree, kion_buffer, node, kion_buffer_cmp)

/* ---- creation ------------------------------------------------------------ */

/* The heap has let the memory go: the struct can go too. */
static void buffer_release(struct heap_buffer *hb)
{
	struct kion_buffer *buffer = (struct kion_buffer *)hb;
	struct kion_device *dev = buffer->dev;

	kion_tracef(dev, "ion_buffer_destroy", "buffer %llu freed by heap %s",
		    (unsigned long long)buffer->serial, heap_name(buffer->heap));
	sim_kfree(dev->m, buffer);
}

static void copy_comm(char dst[KION_COMM_LEN], const char *src)
{
	strncpy(dst, src, KION_COMM_LEN - 1);
	dst[KION_COMM_LEN - 1] = '\0';
}

/* ion_buffer_create: the caller holds dev->lock.  Returns the new buffer
 * with kref 1 in dev->buffers, or NULL with *@err and nothing held. */
static struct kion_buffer *buffer_create(struct kion_device *dev,
					 struct heap *heap, uint64_t len,
					 uint64_t requested, uint64_t align,
					 unsigned int flags, const char *comm,
					 int pid, int *err)
{
	struct kion_buffer *buffer = sim_kzalloc(dev->m, sizeof(*buffer));
	int ret;

	if (!buffer) {
		*err = -ENOMEM;
		return NULL;
	}
	buffer->hb.release = buffer_release;
	ret = heap_buffer_alloc(heap, &buffer->hb, len, requested, align, flags);
	if (ret) {
		sim_kfree(dev->m, buffer);
		*err = ret;
		return NULL;
	}
	buffer->ref = 1;
	buffer->dev = dev;
	buffer->heap = heap;
	buffer->flags = flags;
	buffer->size = len;
	sim_mutex_init(&buffer->lock, "buffer->lock");
	copy_comm(buffer->alloc_comm, comm);
	buffer->alloc_pid = pid;
	buffer->alloc_tag = dev->tag;
	buffer->serial = ++dev->next_buffer;
	sim_mutex_lock(dev->m, &dev->buffer_lock);
	RB_INSERT(kion_buffer_tree, &dev->buffers, buffer);
	buffer->live = true;
	dev->nbuffers++;
	sim_mutex_unlock(dev->m, &dev->buffer_lock);
	kion_tracef(dev, "ion_buffer_create",
		    "buffer %llu created on heap %s (%llu bytes), ref 1",
		    (unsigned long long)buffer->serial, heap_name(heap),
		    (unsigned long long)len);
	return buffer;
}

/* kion_buffer_alloc - see kion.h. */
struct kion_buffer *kion_buffer_alloc(struct kion_device *dev, uint64_t len,
				      uint64_t align,
				      unsigned int heap_id_mask,
				      unsigned int flags, const char *comm,
				      int pid, int *err)
{
	struct kion_buffer *buffer = NULL;
	uint64_t aligned = (len + SIM_PAGE_SIZE - 1) & ~(SIM_PAGE_SIZE - 1);
	bool tried = false;
	unsigned int i;
	int ret = 0;

	/* PAGE_ALIGN wraps to 0 for the top page of lengths, as in C. */
	if (aligned == 0) {
		*err = -EINVAL;
		return NULL;
	}
	sim_mutex_lock(dev->m, &dev->lock);
	for (i = 0; i < dev->nheaps && !buffer; i++) {
		struct heap *heap = dev->heaps[i];

		if (!(heap_id_mask & (1u << heap_id(heap))))
			continue;
		tried = true;
		if (!heap_allows(heap, comm)) {
			ret = -EACCES;
			continue;
		}
		buffer = buffer_create(dev, heap, aligned, len, align, flags,
				       comm, pid, &ret);
	}
	sim_mutex_unlock(dev->m, &dev->lock);
	if (!buffer)
		*err = tried ? ret : -ENODEV;
	return buffer;
}

/* ---- the kref ---------------------------------------------------------------- */

/* kion_buffer_get - kref_get on the buffer.  Every caller holds a
 * reference already (a handle's, a dma-buf's, or the creation one). */
void kion_buffer_get(struct kion_buffer *buffer)
{
	unsigned int from = buffer->ref++;

	kion_tracef(buffer->dev, "ion_buffer_get", "buffer %llu ref %u -> %u",
		    (unsigned long long)buffer->serial, from, buffer->ref);
}

/* _ion_buffer_destroy: out of dev->buffers, then to the heap. */
static void buffer_destroy(struct kion_buffer *buffer)
{
	struct kion_device *dev = buffer->dev;

	sim_mutex_lock(dev->m, &dev->buffer_lock);
	RB_REMOVE(kion_buffer_tree, &dev->buffers, buffer);
	buffer->live = false;
	dev->nbuffers--;
	sim_mutex_unlock(dev->m, &dev->buffer_lock);
	if (buffer->hb.kmap_cnt > 0)
		kion_warn(dev, "ion_buffer_destroy",
			  "buffer still mapped in the kernel");
	kion_tracef(dev, "ion_buffer_destroy", "buffer %llu destroyed%s",
		    (unsigned long long)buffer->serial,
		    heap_flags(buffer->heap) & HEAP_FLAG_DEFER_FREE ?
		    ", deferred" : "");
	/* May free @buffer (through buffer_release) before it returns. */
	heap_buffer_free(&buffer->hb);
}

/* kion_buffer_put - see kion.h. */
int kion_buffer_put(struct kion_buffer *buffer)
{
	unsigned int from = buffer->ref--;

	kion_tracef(buffer->dev, "ion_buffer_put", "buffer %llu ref %u -> %u",
		    (unsigned long long)buffer->serial, from, buffer->ref);
	if (buffer->ref != 0)
		return 0;
	buffer_destroy(buffer);
	return 1;
}

/* ---- handle count -------------------------------------------------------------- */

/* kion_buffer_add_to_handle - see kion.h. */
void kion_buffer_add_to_handle(struct kion_buffer *buffer)
{
	struct kion_device *dev = buffer->dev;

	sim_mutex_lock(dev->m, &buffer->lock);
	buffer->handle_count++;
	kion_tracef(dev, "ion_buffer_add_to_handle",
		    "buffer %llu handle_count %d -> %d",
		    (unsigned long long)buffer->serial,
		    buffer->handle_count - 1, buffer->handle_count);
	sim_mutex_unlock(dev->m, &buffer->lock);
}

/* kion_buffer_remove_from_handle - see kion.h.  From 0 handles on, only
 * dma-buf fds keep the buffer: the recorded holder is what debugfs
 * prints for the orphan. */
void kion_buffer_remove_from_handle(struct kion_buffer *buffer,
				    const char *comm, int pid)
{
	struct kion_device *dev = buffer->dev;

	sim_mutex_lock(dev->m, &buffer->lock);
	buffer->handle_count--;
	kion_tracef(dev, "ion_buffer_remove_from_handle",
		    "buffer %llu handle_count %d -> %d",
		    (unsigned long long)buffer->serial,
		    buffer->handle_count + 1, buffer->handle_count);
	if (buffer->handle_count == 0) {
		copy_comm(buffer->task_comm, comm);
		buffer->pid = pid;
	}
	sim_mutex_unlock(dev->m, &buffer->lock);
}

/* ---- the shared kernel mapping -------------------------------------------------- */

/* kion_buffer_kmap_get - see kion.h.  The heap keeps the count and the
 * mapping; only the missing INT_MAX guard of the defect is ours. */
void *kion_buffer_kmap_get(struct kion_buffer *buffer, int *err)
{
	struct heap_buffer *hb = &buffer->hb;
	int from = hb->kmap_cnt;
	void *vaddr;

	*err = 0;
	if (from == INT_MAX && kion_bug(buffer->dev, KION_BUG_KMAP_OVERFLOW)) {
		hb->kmap_cnt = INT_MIN;	/* 4.9.45's increment wraps */
		vaddr = hb->vaddr;
	} else {
		vaddr = heap_kmap_get(hb, err);
		if (*err)
			return NULL;
	}
	kion_tracef(buffer->dev, "ion_buffer_kmap_get",
		    "buffer %llu kmap_cnt %d -> %d",
		    (unsigned long long)buffer->serial, from, hb->kmap_cnt);
	return vaddr;
}

/* kion_buffer_kmap_put - see kion.h.  Unchecked, as every 4.9 has it:
 * a put with no get drives the count negative. */
void kion_buffer_kmap_put(struct kion_buffer *buffer)
{
	int from = buffer->hb.kmap_cnt;

	heap_kmap_put(&buffer->hb);
	kion_tracef(buffer->dev, "ion_buffer_kmap_put",
		    "buffer %llu kmap_cnt %d -> %d",
		    (unsigned long long)buffer->serial, from,
		    buffer->hb.kmap_cnt);
}
