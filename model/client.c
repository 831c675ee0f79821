/*
 * model/client.c - ION clients (one per open of the legacy /dev/ion, or
 * one per driver) and ion_alloc, which gives a client a new buffer
 * through a new handle.
 *
 * Linux 4.9 names a /dev/ion client after its opener's tgid and gives it
 * a display serial one above the largest among live clients of the same
 * name (so pid 1234 opening twice gets "1234-0" and "1234-1", and the
 * count restarts once they are all closed).  Destroying a client
 * destroys every handle it still has, whatever their krefs: buffers that
 * dma-buf fds still hold live on as orphans.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/kion.h"

static int kion_client_cmp(const struct kion_client *a,
			   const struct kion_client *b)
{
	return (a->serial > b->serial) - (a->serial < b->serial);
}

RB_GENERATE(kion_client_tree, kion_client, node, kion_client_cmp)

/* kion_task_ident - see kion.h. */
void kion_task_ident(const struct kion_client *client, struct sim_proc *task,
		     const char **comm, int *pid)
{
	if (task) {
		*comm = sim_proc_name(task);
		*pid = sim_proc_pid(task);
	} else if (client->kernel) {
		*comm = client->name;
		*pid = 0;
	} else {
		*comm = client->comm;
		*pid = client->pid;
	}
}

/* ion_get_client_serial: the caller holds dev->lock. */
static int next_display_serial(struct kion_device *dev, const char *name)
{
	struct kion_client *c;
	int serial = -1;

	RB_FOREACH(c, kion_client_tree, &dev->clients)
		if (strcmp(c->name, name) == 0 && c->display_serial > serial)
			serial = c->display_serial;
	return serial + 1;
}

/* Who the client belongs to: an opening process, or a named driver. */
static void client_identify(struct kion_client *client, struct sim_proc *proc,
			    const char *name)
{
	if (proc) {
		snprintf(client->name, sizeof(client->name), "%d",
			 sim_proc_pid(proc));
		snprintf(client->comm, sizeof(client->comm), "%s",
			 sim_proc_name(proc));
		client->pid = sim_proc_pid(proc);
		client->task = proc;
		return;
	}
	snprintf(client->name, sizeof(client->name), "%s", name);
	client->kernel = true;
}

/* kion_client_create - see kion.h. */
struct kion_client *kion_client_create(struct kion_device *dev,
				       struct sim_proc *proc,
				       const char *name)
{
	struct kion_client *client;

	if (!proc && (!name || !*name))
		return NULL;
	client = sim_kzalloc(dev->m, sizeof(*client));
	if (!client)
		return NULL;
	client->dev = dev;
	RB_INIT(&client->handles);
	RB_INIT(&client->idr);
	sim_mutex_init(&client->lock, "client->lock");
	client_identify(client, proc, name);
	sim_mutex_lock(dev->m, &dev->lock);
	client->display_serial = next_display_serial(dev, client->name);
	snprintf(client->display_name, sizeof(client->display_name), "%s-%d",
		 client->name, client->display_serial);
	client->serial = ++dev->next_client;
	RB_INSERT(kion_client_tree, &dev->clients, client);
	dev->nclients++;
	sim_mutex_unlock(dev->m, &dev->lock);
	kion_tracef(dev, "ion_client_create", "client %llu (%s) created",
		    (unsigned long long)client->serial, client->display_name);
	return client;
}

/* kion_client_destroy - see kion.h.  Handles go without client->lock,
 * under the debugfs mutex, exactly as the kernel destroys them: nothing
 * else can reach this client any more. */
void kion_client_destroy(struct kion_client *client)
{
	struct kion_device *dev = client->dev;
	struct kion_handle *h;

	kion_enter(dev);
	sim_mutex_lock(dev->m, &dev->debugfs_lock);
	while ((h = RB_MIN(kion_handle_by_buffer, &client->handles)))
		kion_handle_destroy(h, NULL);
	sim_mutex_lock(dev->m, &dev->lock);
	RB_REMOVE(kion_client_tree, &dev->clients, client);
	dev->nclients--;
	sim_mutex_unlock(dev->m, &dev->lock);
	kion_tracef(dev, "ion_client_destroy", "client %llu (%s) destroyed",
		    (unsigned long long)client->serial, client->display_name);
	sim_kfree(dev->m, client);
	sim_mutex_unlock(dev->m, &dev->debugfs_lock);
	kion_leave(dev);
}

/* kion_client_from_file - see kion.h. */
struct kion_client *kion_client_from_file(struct sim_file *file)
{
	if (!file || file->ops != &kion_ion_legacy_fops)
		return NULL;
	return file->private_data;
}

/* ---- ion_alloc -------------------------------------------------------------- */

/* Publish @handle, taking the ALLOC ioctl's extra kref first when @grab,
 * so that no FREE can reach it before the ioctl is done with it. */
static int publish(struct kion_client *client, struct kion_handle *handle,
		   bool grab)
{
	struct kion_device *dev = client->dev;
	int ret;

	sim_mutex_lock(dev->m, &client->lock);
	if (grab)
		kion_handle_get(handle);
	ret = kion_handle_add_nolock(client, handle);
	sim_mutex_unlock(dev->m, &client->lock);
	return ret;
}

/* kion_alloc_task - see kion.h. */
struct kion_handle *kion_alloc_task(struct kion_client *client, uint64_t len,
				    uint64_t align, unsigned int heap_id_mask,
				    unsigned int flags, bool grab,
				    struct sim_proc *task, int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_buffer *buffer;
	struct kion_handle *handle;
	const char *comm;
	int pid, ret;

	kion_task_ident(client, task, &comm, &pid);
	buffer = kion_buffer_alloc(dev, len, align, heap_id_mask, flags, comm,
				   pid, err);
	if (!buffer)
		return NULL;
	handle = kion_handle_create(client, buffer, err);
	/* The creation ref goes; the handle's keeps the buffer (or, if no
	 * handle could be made, the buffer goes with it). */
	kion_buffer_put(buffer);
	if (!handle)
		return NULL;
	ret = publish(client, handle, grab);
	if (ret) {
		/* 4.9.337 puts once even after a grab: the kernel's leak. */
		kion_handle_put_task(handle, task);
		*err = ret;
		return NULL;
	}
	return handle;
}

/* kion_alloc - ion_alloc for a driver: no grab, the driver is the only
 * one who knows the handle. */
struct kion_handle *kion_alloc(struct kion_client *client, uint64_t len,
			       uint64_t align, unsigned int heap_id_mask,
			       unsigned int flags, int *err)
{
	struct kion_device *dev = client->dev;
	struct kion_handle *h;

	kion_enter(dev);
	h = kion_alloc_task(client, len, align, heap_id_mask, flags, false,
			    NULL, err);
	kion_leave(dev);
	return h;
}
