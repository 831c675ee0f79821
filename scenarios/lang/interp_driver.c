/*
 * scenarios/lang/interp_driver.c - steps that reach ION through its
 * kernel API rather than its ioctls: the drivers of our language
 * extension (a driver is a kernel actor with ion clients of its own, as
 * the seeds' dmabuf-test driver is), and the process steps that only a
 * device driver could carry out for a process (kmap through the
 * process's client, attach and dma-map a dma-buf for a named device).
 *
 * A driver's handles are kept as ids and found again in their client's
 * idr at each use, so a step naming a handle that was freed meanwhile
 * gets EINVAL (what ion_handle_validate answers) instead of touching
 * freed memory.  Clients, dma_buf_gets and attachments live in the run's
 * tables; a variable holds the row.  Room for a row is made before the
 * kernel call that fills it, so that a host allocation failure almost
 * never has to undo a kernel call; the row itself is taken after the
 * call, because a step preempted inside it may run steps that append
 * rows (and move the table) meanwhile.  For the same reason no pointer
 * into a table is held across a kernel call, and a row is emptied before
 * the call that releases what it held.
 */
#include <errno.h>

#include "scenarios/lang/interp.h"

/* scn_run_handle - see interp.h. */
struct kion_handle *scn_run_handle(struct kion_client *client, int id)
{
	struct kion_handle key = { .id = id };

	return RB_FIND(kion_handle_by_id, &client->idr, &key);
}

/* scn_run_client - see interp.h. */
struct kion_client *scn_run_client(struct scn_run *run, int slot)
{
	if (slot < 0 || (unsigned int)slot >= run->nclients)
		return NULL;
	return run->clients[slot].client;
}

/* scn_run_fd_buffer - see interp.h. */
struct kion_buffer *scn_run_fd_buffer(struct sim_proc *p, int fd)
{
	struct kion_dmabuf *db = kion_dmabuf_from_file(sim_fd_peek(p, fd));

	return db ? db->buffer : NULL;
}

/* scn_run_event_buffer - see interp.h. */
void scn_run_event_buffer(struct scn_event *ev,
			  const struct kion_buffer *buffer)
{
	uint64_t len;

	if (!buffer)
		return;
	ev->buffer = buffer->serial;
	ev->heap = heap_name(buffer->heap);
	ev->size = buffer->size;
	ev->contiguous = heap_buffer_contiguous(&buffer->hb);
	if (heap_phys(&buffer->hb, &ev->phys, &len) != 0)
		ev->phys = ev->contiguous ? buffer->hb.runs[0].phys : 0;
}

/* ------------------------------------------------------------------ */
/* A process's handles, through its /dev/ion fd                          */
/* ------------------------------------------------------------------ */

/* The client and handle that operands @ion_arg and @h_arg name; false
 * when an operand is unbound.  *@ret: 0, EBADF (no such fd), EINVAL (not
 * a legacy /dev/ion fd, or no such handle). */
static bool user_handle(struct scn_ctx *c, struct kion_client **client,
			struct kion_handle **h, int *ret)
{
	struct sim_file *f;
	int ion, id;

	if (!scn_run_operand_int(c, 0, &ion) || !scn_run_operand_int(c, 1, &id))
		return false;
	*ret = -EBADF;
	f = sim_fd_peek(c->proc, ion);
	if (!f)
		return true;
	*ret = -EINVAL;
	*client = kion_client_from_file(f);
	*h = *client ? scn_run_handle(*client, id) : NULL;
	if (*h)
		*ret = 0;
	return true;
}

/* ion_map_kernel: NULL with no error is 4.9's stale vaddr after an
 * underflow, which the kernel hands back as a success. */
static int map_kernel(struct kion_client *client, struct kion_handle *h)
{
	int err = 0;

	kion_map_kernel(client, h, &err);
	return err;
}

/* scn_exec_kmap - see interp.h: kmap ION H. */
int scn_exec_kmap(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0;

	if (!user_handle(c, &client, &h, &ret) || ret)
		return ret;
	return map_kernel(client, h);
}

/* scn_exec_kunmap - see interp.h: kunmap ION H. */
int scn_exec_kunmap(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0;

	if (!user_handle(c, &client, &h, &ret) || ret)
		return ret;
	kion_unmap_kernel(client, h);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attachments                                                           */
/* ------------------------------------------------------------------ */

/* The attachment operand 0 names, or NULL (*@ret EINVAL; 0 when the
 * operand was unbound). */
static struct scn_att_slot *att_slot(struct scn_ctx *c, int *ret)
{
	struct scn_run *run = c->run;
	int slot;

	*ret = 0;
	if (!scn_run_operand_int(c, 0, &slot))
		return NULL;
	*ret = -EINVAL;
	if (slot < 0 || (unsigned int)slot >= run->natts ||
	    !run->atts[slot].att)
		return NULL;
	return &run->atts[slot];
}

/* scn_exec_attach - see interp.h: the device's driver takes a
 * dma_buf_get, which it keeps until the detach, then attaches. */
int scn_exec_attach(struct scn_ctx *c)
{
	struct scn_run *run = c->run;
	void *rows = run->atts;
	struct kion_attachment *att;
	struct kion_dmabuf *db;
	int fd, err = 0;

	if (!scn_run_operand_int(c, 0, &fd))
		return 0;
	if (scn_run_table_grow(&rows, run->natts, &run->atts_cap,
			       sizeof(*run->atts)))
		return -ENOMEM;
	run->atts = rows;
	db = kion_dma_buf_get(c->proc, fd, &err);
	if (!db)
		return err;
	att = kion_dma_buf_attach(db, c->s->name, &err);
	if (!att) {
		kion_dma_buf_put(db);
		return err;
	}
	rows = run->atts;
	if (scn_run_table_grow(&rows, run->natts, &run->atts_cap,
			       sizeof(*run->atts))) {
		kion_dma_buf_detach(att);
		kion_dma_buf_put(db);
		return -ENOMEM;
	}
	run->atts = rows;
	run->atts[run->natts].db = db;
	run->atts[run->natts].att = att;
	return scn_run_result(c, SCN_VAR_ATTACH, run->natts++, 0);
}

/* scn_exec_detach - see interp.h: detach, then the driver's put. */
int scn_exec_detach(struct scn_ctx *c)
{
	struct scn_att_slot *a, row;
	int ret;

	a = att_slot(c, &ret);
	if (!a)
		return ret;
	row = *a;
	a->att = NULL;
	a->db = NULL;
	kion_dma_buf_detach(row.att);
	kion_dma_buf_put(row.db);
	return 0;
}

/* scn_exec_dmamap - see interp.h: dma_buf_map_attachment. */
int scn_exec_dmamap(struct scn_ctx *c)
{
	struct scn_att_slot *a;
	int ret;

	a = att_slot(c, &ret);
	return a ? kion_dma_buf_map_attachment(a->att) : ret;
}

/* scn_exec_dmaunmap - see interp.h: dma_buf_unmap_attachment. */
int scn_exec_dmaunmap(struct scn_ctx *c)
{
	struct scn_att_slot *a;
	int ret;

	a = att_slot(c, &ret);
	if (!a)
		return ret;
	kion_dma_buf_unmap_attachment(a->att);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Drivers                                                               */
/* ------------------------------------------------------------------ */

/* The driver client operand 0 names, and with @h_arg >= 0 the handle
 * operand @h_arg names in it.  false when an operand is unbound; *@ret
 * is EINVAL for a destroyed or unknown client or handle. */
static bool driver_handle(struct scn_ctx *c, int h_arg,
			  struct kion_client **client, struct kion_handle **h,
			  int *ret)
{
	int slot, id = 0;

	if (!scn_run_operand_int(c, 0, &slot) ||
	    (h_arg >= 0 && !scn_run_operand_int(c, (unsigned int)h_arg, &id)))
		return false;
	*ret = -EINVAL;
	*client = scn_run_client(c->run, slot);
	if (!*client)
		return true;
	if (h_arg >= 0) {
		*h = scn_run_handle(*client, id);
		if (!*h)
			return true;
	}
	*ret = 0;
	return true;
}

/* The live process of the step's other actor: -ESRCH without one. */
static int other_live(struct scn_ctx *c, struct sim_proc **p)
{
	*p = scn_run_other_proc(c);
	return *p && sim_proc_alive(*p) ? 0 : -ESRCH;
}

/* The variables of the step's other actor (PROC's), or NULL. */
static const struct scn_var *other_vars(struct scn_ctx *c)
{
	return c->s->other >= 0 ? scn_run_vars(c->run, c->s->other) : NULL;
}

/* scn_exec_kclient - see interp.h: ion_client_create, named after the
 * driver. */
int scn_exec_kclient(struct scn_ctx *c)
{
	struct scn_run *run = c->run;
	void *rows = run->clients;
	struct kion_client *client;

	if (scn_run_table_grow(&rows, run->nclients, &run->clients_cap,
			       sizeof(*run->clients)))
		return -ENOMEM;
	run->clients = rows;
	client = kion_client_create(run->dev, NULL,
				    run->p->actors[c->s->actor].name);
	if (!client)
		return -ENOMEM;
	rows = run->clients;
	if (scn_run_table_grow(&rows, run->nclients, &run->clients_cap,
			       sizeof(*run->clients))) {
		kion_client_destroy(client);
		return -ENOMEM;
	}
	run->clients = rows;
	run->clients[run->nclients].client = client;
	run->clients[run->nclients].actor = c->s->actor;
	return scn_run_result(c, SCN_VAR_CLIENT, run->nclients++, 0);
}

/* scn_exec_kalloc - see interp.h: ion_alloc. */
int scn_exec_kalloc(struct scn_ctx *c)
{
	const struct scn_step *s = c->s;
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0, slot = 0;

	if (!driver_handle(c, -1, &client, &h, &ret) || ret)
		return ret;
	h = kion_alloc(client, s->len, s->align, s->heap_mask, s->flags, &ret);
	if (!h)
		return ret ? ret : -ENOMEM;
	scn_run_event_buffer(&c->ev, h->buffer);
	scn_run_operand_int(c, 0, &slot);
	return scn_run_result(c, SCN_VAR_KHANDLE, h->id, slot);
}

/* scn_exec_kfree - see interp.h: ion_free. */
int scn_exec_kfree(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0;

	if (!driver_handle(c, 1, &client, &h, &ret) || ret)
		return ret;
	return kion_free(client, h);
}

/* scn_exec_kmap_kernel - see interp.h: ion_map_kernel. */
int scn_exec_kmap_kernel(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0;

	if (!driver_handle(c, 1, &client, &h, &ret) || ret)
		return ret;
	return map_kernel(client, h);
}

/* scn_exec_kunmap_kernel - see interp.h: ion_unmap_kernel. */
int scn_exec_kunmap_kernel(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0;

	if (!driver_handle(c, 1, &client, &h, &ret) || ret)
		return ret;
	kion_unmap_kernel(client, h);
	return 0;
}

/* scn_exec_kshare - see interp.h: ion_share_dma_buf_fd into PROC. */
int scn_exec_kshare(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	struct sim_proc *p;
	int ret = 0, fd;

	if (!driver_handle(c, 1, &client, &h, &ret) || ret)
		return ret;
	ret = other_live(c, &p);
	if (ret)
		return ret;
	fd = kion_share_dma_buf_fd(client, h, p);
	return fd < 0 ? fd : scn_run_result(c, SCN_VAR_FD, fd, 0);
}

/* scn_exec_kimport - see interp.h: ion_import_dma_buf_fd of PROC's FD. */
int scn_exec_kimport(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	struct sim_proc *p;
	int ret = 0, fd, slot;

	if (!driver_handle(c, -1, &client, &h, &ret) ||
	    !scn_run_operand_int_in(c, 1, other_vars(c), &fd) || ret)
		return ret;
	ret = other_live(c, &p);
	if (ret)
		return ret;
	h = kion_import_dma_buf_fd(client, p, fd, &ret);
	if (!h)
		return ret ? ret : -ENOMEM;
	scn_run_operand_int(c, 0, &slot);
	return scn_run_result(c, SCN_VAR_KHANDLE, h->id, slot);
}

/* scn_exec_kget - see interp.h: dma_buf_get of PROC's FD. */
int scn_exec_kget(struct scn_ctx *c)
{
	struct scn_run *run = c->run;
	void *rows = run->gets;
	struct kion_dmabuf *db;
	struct sim_proc *p;
	int fd, ret;

	if (!scn_run_operand_int_in(c, 0, other_vars(c), &fd))
		return 0;
	ret = other_live(c, &p);
	if (ret)
		return ret;
	if (scn_run_table_grow(&rows, run->ngets, &run->gets_cap,
			       sizeof(*run->gets)))
		return -ENOMEM;
	run->gets = rows;
	db = kion_dma_buf_get(p, fd, &ret);
	if (!db)
		return ret;
	rows = run->gets;
	if (scn_run_table_grow(&rows, run->ngets, &run->gets_cap,
			       sizeof(*run->gets))) {
		kion_dma_buf_put(db);
		return -ENOMEM;
	}
	run->gets = rows;
	run->gets[run->ngets].db = db;
	return scn_run_result(c, SCN_VAR_GET, run->ngets++, 0);
}

/* scn_exec_kput - see interp.h: dma_buf_put; a second put of the same
 * get is refused (EINVAL) rather than made. */
int scn_exec_kput(struct scn_ctx *c)
{
	struct scn_run *run = c->run;
	struct kion_dmabuf *db;
	int slot;

	if (!scn_run_operand_int(c, 0, &slot))
		return 0;
	if (slot < 0 || (unsigned int)slot >= run->ngets || !run->gets[slot].db)
		return -EINVAL;
	db = run->gets[slot].db;
	run->gets[slot].db = NULL;
	kion_dma_buf_put(db);
	return 0;
}

/* scn_exec_kdestroy - see interp.h: ion_client_destroy. */
int scn_exec_kdestroy(struct scn_ctx *c)
{
	struct kion_client *client = NULL;
	struct kion_handle *h = NULL;
	int ret = 0, slot;

	if (!driver_handle(c, -1, &client, &h, &ret) || ret)
		return ret;
	scn_run_operand_int(c, 0, &slot);
	c->run->clients[slot].client = NULL;
	kion_client_destroy(client);
	return 0;
}
