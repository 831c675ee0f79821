/*
 * model/handle.c - handles: a client's numbered references to buffers,
 * their krefs, their ids, their destruction, and the entry-point
 * bookkeeping that keeps destroyed handles readable for mutants.
 *
 * Linux 4.9 (ion.c) keeps a client's handles twice: in an rbtree keyed by
 * buffer, so that a client never holds two handles on one buffer (IMPORT
 * finds the one it has), and in an IDR that gives each handle the lowest
 * free id >= 1, the number userspace sees.  A handle's kref counts the
 * userspace references (4.9.45: one each; 4.9.337: one for all of them,
 * which user_ref_count counts) plus a temporary one per ioctl in flight.
 * client->lock protects both trees and every handle field.
 *
 * The krefs here are masked to the configured width, so that a mutant
 * with KION_BUG_KREF_OVERFLOW can wrap one in a few steps, as 2^32 IMPORTs
 * would wrap the kernel's.  Destroyed handles are parked on dev->dead and
 * freed when no entry point is in flight, because the historical races
 * touch a handle after its destroy: the touch must be counted, not crash.
 */
#include <errno.h>
#include <limits.h>

#include "model/kion.h"

/* Handles order by their buffer's serial: unique per client, since a
 * client has at most one handle per buffer, and the same in every run. */
static int kion_handle_buffer_cmp(const struct kion_handle *a,
				  const struct kion_handle *b)
{
	uint64_t x = a->buffer->serial, y = b->buffer->serial;

	return (x > y) - (x < y);
}

static int kion_handle_id_cmp(const struct kion_handle *a,
			      const struct kion_handle *b)
{
	return (a->id > b->id) - (a->id < b->id);
}

RB_GENERATE(kion_handle_by_buffer, kion_handle, by_buffer,
	    kion_handle_buffer_cmp)
RB_GENERATE(kion_handle_by_id, kion_handle, by_id, kion_handle_id_cmp)

/* ---- entry points and dead handles ------------------------------------ */

/* kion_enter - an ioctl, release or kernel API call starts. */
void kion_enter(struct kion_device *dev)
{
	dev->depth++;
}

/* Free every parked handle: nothing in flight can hold one any more. */
static void reap_dead(struct kion_device *dev)
{
	struct kion_handle *h;

	while ((h = dev->dead)) {
		dev->dead = h->next_dead;
		sim_kfree(dev->m, h);
	}
}

/* kion_leave - the call that kion_enter started is over; the last one out
 * frees the handles destroyed meanwhile. */
void kion_leave(struct kion_device *dev)
{
	if (--dev->depth == 0)
		reap_dead(dev);
}

/* False, after counting the use-after-free, when @h was destroyed. */
static bool handle_alive(struct kion_device *dev, struct kion_handle *h,
			 const char *func)
{
	if (!h->dead)
		return true;
	kion_tracef(dev, func, "client %llu handle %d was destroyed",
		    (unsigned long long)h->client_serial, h->id);
	kion_uaf(dev, func, "handle touched after its destroy");
	return false;
}

/* ---- krefs -------------------------------------------------------------- */

static unsigned int kref_next(const struct kion_device *dev, unsigned int v)
{
	return (v + 1) & dev->kref_mask;
}

static void kref_narrate(struct kion_device *dev, const char *func,
			 const struct kion_handle *h, unsigned int from)
{
	kion_tracef(dev, func, "client %llu handle %d ref %u -> %u",
		    (unsigned long long)h->client_serial, h->id, from, h->kref);
}

/* kion_handle_get - kref_get: the caller holds client->lock (or owns the
 * handle alone).  4.9's kref_get WARNs when the count was 0 and goes on. */
void kion_handle_get(struct kion_handle *handle)
{
	struct kion_device *dev = handle->dev;
	unsigned int from = handle->kref;

	if (!handle_alive(dev, handle, "ion_handle_get"))
		return;
	handle->kref = kref_next(dev, from);
	if (handle->kref < 2)
		kion_warn(dev, "ion_handle_get", "kref_get on a zero kref");
	kref_narrate(dev, "ion_handle_get", handle, from);
}

/* kion_handle_get_check_overflow - the 4.9.y overflow fix: refuse the
 * get that would wrap the kref to 0.  The caller holds client->lock. */
int kion_handle_get_check_overflow(struct kion_handle *handle)
{
	struct kion_device *dev = handle->dev;

	if (!kion_bug(dev, KION_BUG_KREF_OVERFLOW) && !handle->dead &&
	    kref_next(dev, handle->kref) == 0)
		return -EOVERFLOW;
	kion_handle_get(handle);
	return 0;
}

/* kion_handle_put_nolock - kref_put under client->lock; at 0 the handle
 * is destroyed.  Returns 1 when this put destroyed it. */
int kion_handle_put_nolock(struct kion_handle *handle, struct sim_proc *task)
{
	struct kion_device *dev = handle->dev;
	unsigned int from = handle->kref;

	if (!handle_alive(dev, handle, "ion_handle_put"))
		return 0;
	handle->kref = (from - 1) & dev->kref_mask;
	kref_narrate(dev, "ion_handle_put", handle, from);
	if (handle->kref != 0)
		return 0;
	kion_handle_destroy(handle, task);
	return 1;
}

/* The 2012 shape of ion_handle_put (KION_BUG_IMPORT_RESURRECT): the
 * decrement runs unlocked and only the destroy takes client->lock, so an
 * IMPORT in between can find the handle at kref 0 and revive it. */
static int put_then_lock_to_destroy(struct kion_handle *handle,
				    struct sim_proc *task)
{
	struct kion_client *client = handle->client;
	struct kion_device *dev = handle->dev;
	unsigned int from = handle->kref;

	handle->kref = (from - 1) & dev->kref_mask;
	kref_narrate(dev, "ion_handle_put", handle, from);
	if (handle->kref != 0)
		return 0;
	sim_mutex_lock(dev->m, &client->lock);
	kion_handle_destroy(handle, task);
	sim_mutex_unlock(dev->m, &client->lock);
	return 1;
}

/* kion_handle_put_task - ion_handle_put: the put under client->lock,
 * taken here; returns 1 when it destroyed the handle. */
int kion_handle_put_task(struct kion_handle *handle, struct sim_proc *task)
{
	struct kion_device *dev = handle->dev;
	struct kion_client *client;
	int ret;

	/* Reading handle->client is already a touch of freed memory. */
	if (!handle_alive(dev, handle, "ion_handle_put"))
		return 0;
	if (kion_bug(dev, KION_BUG_IMPORT_RESURRECT))
		return put_then_lock_to_destroy(handle, task);
	client = handle->client;
	sim_mutex_lock(dev->m, &client->lock);
	ret = kion_handle_put_nolock(handle, task);
	sim_mutex_unlock(dev->m, &client->lock);
	return ret;
}

/* ---- lookups -------------------------------------------------------------- */

/* kion_handle_lookup - ion_handle_lookup; the caller holds client->lock. */
struct kion_handle *kion_handle_lookup(struct kion_client *client,
				       struct kion_buffer *buffer)
{
	struct kion_handle key = { .buffer = buffer };

	return RB_FIND(kion_handle_by_buffer, &client->handles, &key);
}

static struct kion_handle *idr_find(struct kion_client *client, int id)
{
	struct kion_handle key = { .id = id };

	return RB_FIND(kion_handle_by_id, &client->idr, &key);
}

/* kion_handle_validate - ion_handle_validate; the caller holds
 * client->lock.  Reading a dead handle's id is the kernel's UAF read. */
bool kion_handle_validate(struct kion_client *client,
			  struct kion_handle *handle)
{
	if (!handle_alive(client->dev, handle, "ion_handle_validate"))
		return false;
	return idr_find(client, handle->id) == handle;
}

/* kion_handle_get_by_id_nolock - the caller holds client->lock. */
struct kion_handle *kion_handle_get_by_id_nolock(struct kion_client *client,
						 int id, int *err)
{
	struct kion_handle *h = idr_find(client, id);
	int ret;

	if (!h) {
		*err = -EINVAL;
		return NULL;
	}
	ret = kion_handle_get_check_overflow(h);
	if (ret) {
		*err = ret;
		return NULL;
	}
	return h;
}

/* ---- creation and the idr ------------------------------------------------- */

/* kion_handle_create - see kion.h; no client lock is needed: the handle
 * is nobody else's until kion_handle_add_nolock publishes it. */
struct kion_handle *kion_handle_create(struct kion_client *client,
				       struct kion_buffer *buffer, int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_handle *h = sim_kzalloc(dev->m, sizeof(*h));

	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	h->kref = 1;
	h->dev = dev;
	h->client = client;
	h->client_serial = client->serial;
	kion_buffer_get(buffer);
	kion_buffer_add_to_handle(buffer);
	h->buffer = buffer;
	dev->nhandles++;
	kion_tracef(dev, "ion_handle_create",
		    "client %llu handle created on buffer %llu, ref 1",
		    (unsigned long long)client->serial,
		    (unsigned long long)buffer->serial);
	return h;
}

/* The lowest id >= 1 no handle of @client has, or -ENOSPC.  Ids are
 * usually dense, so the common case (no gap) costs nothing; otherwise the
 * walk starts at the low-water mark below which every id is taken, which
 * is where the last freed id is. */
static int idr_lowest_free(struct kion_client *client)
{
	struct kion_handle *h = RB_MAX(kion_handle_by_id, &client->idr);
	struct kion_handle key;
	int want = client->id_low > 1 ? client->id_low : 1;

	if (!h || (unsigned long)h->id == client->nhandles) {
		if (h && h->id == INT_MAX)
			return -ENOSPC;
		return h ? h->id + 1 : 1;
	}
	key.id = want;
	for (h = RB_NFIND(kion_handle_by_id, &client->idr, &key);
	     h && h->id == want; h = RB_NEXT(kion_handle_by_id, &client->idr, h))
		want++;
	return want;
}

/* kion_handle_add_nolock - ion_handle_add; the caller holds
 * client->lock. */
int kion_handle_add_nolock(struct kion_client *client,
			   struct kion_handle *handle)
{
	int id = idr_lowest_free(client);

	if (id < 0)
		return id;
	handle->id = id;
	client->id_low = id + 1;
	RB_INSERT(kion_handle_by_id, &client->idr, handle);
	/* The kernel WARNs on a duplicate buffer and spins; our callers look
	 * up first under the same lock, so it cannot happen (3.5). */
	if (RB_INSERT(kion_handle_by_buffer, &client->handles, handle))
		kion_warn(client->dev, "ion_handle_add",
			  "buffer already found");
	handle->in_tree = true;
	client->nhandles++;
	kion_tracef(client->dev, "ion_handle_add",
		    "client %llu handle %d published for buffer %llu",
		    (unsigned long long)client->serial, id,
		    (unsigned long long)handle->buffer->serial);
	return 0;
}

/* ---- kernel mappings through a handle ------------------------------------- */

/* kion_handle_kmap_get - the caller holds buffer->lock. */
void *kion_handle_kmap_get(struct kion_handle *handle, int *err)
{
	struct kion_buffer *buffer = handle->buffer;
	struct kion_device *dev = buffer->dev;
	void *vaddr;

	if (handle->kmap_cnt) {
		if (handle->kmap_cnt == INT_MAX) {
			if (!kion_bug(dev, KION_BUG_KMAP_OVERFLOW)) {
				*err = -EOVERFLOW;
				return NULL;
			}
			handle->kmap_cnt = INT_MIN;	/* 4.9.45 wraps */
		} else {
			handle->kmap_cnt++;
		}
		return buffer->hb.vaddr;
	}
	vaddr = kion_buffer_kmap_get(buffer, err);
	if (!vaddr && *err)
		return NULL;
	handle->kmap_cnt++;
	kion_tracef(dev, "ion_handle_kmap_get",
		    "client %llu handle %d kmap 0 -> 1",
		    (unsigned long long)handle->client_serial, handle->id);
	return vaddr;
}

/* kion_handle_kmap_put - the caller holds buffer->lock. */
void kion_handle_kmap_put(struct kion_handle *handle)
{
	struct kion_buffer *buffer = handle->buffer;

	if (!handle->kmap_cnt) {
		kion_warn(buffer->dev, "ion_handle_kmap_put",
			  "double unmap detected");
		return;
	}
	if (--handle->kmap_cnt == 0)
		kion_buffer_kmap_put(buffer);
}

/* ---- destruction ------------------------------------------------------------ */

static void unpublish(struct kion_client *client, struct kion_handle *handle)
{
	if (!handle->in_tree)
		return;
	RB_REMOVE(kion_handle_by_id, &client->idr, handle);
	RB_REMOVE(kion_handle_by_buffer, &client->handles, handle);
	if (handle->id < client->id_low)
		client->id_low = handle->id;
	handle->in_tree = false;
	client->nhandles--;
}

/* kion_handle_destroy - see kion.h.  Called with client->lock held from a
 * kref put, or without it from client destroy, as the kernel does.  A
 * handle destroyed already (the 2012 race revives one and destroys it
 * inside another's put) is a touch of freed memory, counted, not a
 * second destroy: the kernel would kfree it twice. */
void kion_handle_destroy(struct kion_handle *handle, struct sim_proc *task)
{
	struct kion_client *client;
	struct kion_device *dev;
	struct kion_buffer *buffer;
	const char *comm;
	int pid;

	if (!handle_alive(handle->dev, handle, "ion_handle_destroy"))
		return;
	client = handle->client;
	dev = client->dev;
	buffer = handle->buffer;

	sim_mutex_lock(dev->m, &buffer->lock);
	while (handle->kmap_cnt)
		kion_handle_kmap_put(handle);
	sim_mutex_unlock(dev->m, &buffer->lock);
	unpublish(client, handle);
	kion_tracef(dev, "ion_handle_destroy", "client %llu handle %d destroyed",
		    (unsigned long long)client->serial, handle->id);
	kion_task_ident(client, task, &comm, &pid);
	kion_buffer_remove_from_handle(buffer, comm, pid);
	kion_buffer_put(buffer);
	handle->dead = true;
	handle->next_dead = dev->dead;
	dev->dead = handle;
	dev->nhandles--;
}

/* ---- the kernel API's handle calls ------------------------------------------- */

/* kion_free_nolock - ion_free_nolock; the caller holds client->lock. */
int kion_free_nolock(struct kion_client *client, struct kion_handle *handle,
		     struct sim_proc *task)
{
	if (!kion_handle_validate(client, handle)) {
		kion_warn(client->dev, "ion_free", "invalid handle passed to free");
		return -EINVAL;
	}
	kion_handle_put_nolock(handle, task);
	return 0;
}

/* kion_free - ion_free for a driver. */
int kion_free(struct kion_client *client, struct kion_handle *handle)
{
	struct kion_device *dev = client->dev;
	int ret;

	kion_enter(dev);
	sim_mutex_lock(dev->m, &client->lock);
	ret = kion_free_nolock(client, handle, NULL);
	sim_mutex_unlock(dev->m, &client->lock);
	kion_leave(dev);
	return ret;
}

/* kion_handle_get_by_id - ion_handle_get_by_id for a driver. */
struct kion_handle *kion_handle_get_by_id(struct kion_client *client, int id,
					  int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_handle *h;

	kion_enter(dev);
	sim_mutex_lock(dev->m, &client->lock);
	h = kion_handle_get_by_id_nolock(client, id, err);
	sim_mutex_unlock(dev->m, &client->lock);
	kion_leave(dev);
	return h;
}

/* kion_handle_put - ion_handle_put for a driver. */
void kion_handle_put(struct kion_handle *handle)
{
	struct kion_device *dev = handle->dev;

	kion_enter(dev);
	kion_handle_put_task(handle, NULL);
	kion_leave(dev);
}
