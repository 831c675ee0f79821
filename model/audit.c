/*
 * model/audit.c - the invariant audit and the live-buffer report: both
 * start from one walk that finds every reference that really exists.
 *
 * The walk (struct refs) takes nothing on trust from the counters it is
 * about to check.  It visits the simulated processes' fd tables and
 * mappings, the messages in flight, every client's handle trees and the
 * device's dma-buf list, and tallies, per live buffer, dma-buf and
 * client, who points at it.  Objects are found again by address through
 * sorted tables (never dereferencing a pointer that may be stale), and
 * every list it produces is in serial or pid order, so the report and
 * the audit's messages are the same bytes in every run.
 *
 * The audit (Linux 4.9's ion.c and dma-buf.c are the ground truth,
 * ION-SPEC section 3.3) then expects:
 *  - a dma-buf file's count = fds + mappings + messages in flight +
 *    drivers' dma_buf_gets; a /dev/ion file's = fds + messages;
 *  - a buffer's kref = published handles on it + dma-bufs wrapping it
 *    (the core keeps no other kernel hold between entry points);
 *    handle_count = those handles;
 *  - a published handle's kref: 4.9.337 gives a process's handle exactly
 *    one kref, shared by its user references (user_ref_count >= 1); a
 *    driver's handle has no user reference and at least one kref; before
 *    the user-count fix (KION_BUG_NO_USER_REFS) only kref >= 1 holds;
 *  - kernel mapping counts never negative, the buffer's at least the
 *    number of handles holding a map (the rest are begin_cpu_access
 *    holds, which the core does not track one by one), and a mapping
 *    behind a positive count; dmap_cnt = mapped attachments;
 *  - no page in two live buffers, across heaps; heap_validate() clean;
 *    the counters equal what the trees and lists hold;
 *  - no WARN and no use-after-free so far.  A WARN counts as it does
 *    for a kernel run with panic_on_warn (how syzkaller judges one),
 *    except a defended one (kion_warn_defended): 4.9.337's "user does
 *    not have access", which only a FREE racing an ALLOC or IMPORT of
 *    the id reaches, is the fixed release refusing that FREE and
 *    changing nothing, so counting it would make the fixed model fail
 *    the very race its fix closed;
 *  - at quiescence (no live process, kernel client, message in flight
 *    or driver reference) no heap holds a live buffer.
 *
 * The report classes each live buffer: held (something reachable holds
 * it: a live process's fd, mapping or handle, a message in flight, a
 * driver's client or dma_buf_get), orphaned (held, but by no handle: a
 * legacy ION buffer that only dma-bufs keep, which is what ION's debugfs
 * lists as orphaned; the modern ABI and DMA-BUF heaps have no handles,
 * so no orphans either), or leaked (nothing reachable holds it).
 *
 * The walk's scratch memory is the host's, not simulated kernel objects:
 * looking must not change what is looked at (kernel object counts, fault
 * injection).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/kion.h"

/* ---- the walk: tables -------------------------------------------- */

/* An object's address and its row in a table, for lookups by address. */
struct ptr_key {
	uintptr_t ptr;
	size_t idx;
};

struct ref_buffer {
	struct kion_buffer *b;
	unsigned long handles;		/* published handles on it */
	unsigned long kmapped;		/* of them, holding a kernel map */
	unsigned long dmabufs;		/* dma-bufs on db_list wrapping it */
	unsigned long ion_dmabufs;	/* of them, ION's own */
	unsigned long mapped_atts;	/* mapped attachments of those */
	size_t first, nholders;		/* its run of refs.flat */
};

struct ref_dmabuf {
	struct kion_dmabuf *db;
	long buf;			/* row in refs.bufs; -1: not live */
	unsigned long fds, vmas, inflight;
	unsigned long atts;		/* attachments on its list */
};

struct ref_client {
	struct kion_client *c;
	struct sim_file *file;		/* its /dev/ion file, once seen */
	unsigned long fds, inflight;	/* references to that file */
	bool reachable;			/* a live process or a message has it */
	struct kion_holder via;		/* the first of them */
};

/* A holder while the walk collects them: sorted by buffer, group (the
 * report's order: handles, processes, messages, drivers), then seq. */
struct ref_holder {
	size_t buf;
	unsigned int group;
	size_t seq;
	struct kion_holder h;
};

enum { GROUP_HANDLES, GROUP_PROCS, GROUP_INFLIGHT, GROUP_DRIVERS };

struct refs {
	struct kion_device *dev;
	bool want_holders;		/* the report's; the audit needs none */
	int err;			/* -ENOMEM once a table did not grow */
	struct ref_buffer *bufs;
	struct ref_dmabuf *dbs;
	struct ref_client *clients;
	size_t nbufs, ndbs, nclients;
	struct ptr_key *buf_keys, *db_keys, *client_keys;
	struct ref_holder *holders;
	size_t nholders, cap;
	struct kion_holder *flat;	/* holders in report order */
	unsigned long tree_handles;	/* handles in all idrs */
	unsigned long live_procs, inflight_msgs;
	unsigned long stray_dmabuf_files;	/* dma-buf files off db_list */
	unsigned long stray_client_files;	/* /dev/ion files, no client */
};

static int cmp_ptr_key(const void *a, const void *b)
{
	const struct ptr_key *x = a, *y = b;

	return (x->ptr > y->ptr) - (x->ptr < y->ptr);
}

/* Address keys for @n rows, sorted; @ptr_of gives row i's object. */
static struct ptr_key *make_keys(size_t n, const void *rows,
				 const void *(*ptr_of)(const void *, size_t))
{
	struct ptr_key *keys = calloc(n ? n : 1, sizeof(*keys));
	size_t i;

	if (!keys)
		return NULL;
	for (i = 0; i < n; i++) {
		keys[i].ptr = (uintptr_t)ptr_of(rows, i);
		keys[i].idx = i;
	}
	qsort(keys, n, sizeof(*keys), cmp_ptr_key);
	return keys;
}

static const void *buffer_row(const void *rows, size_t i)
{
	return ((const struct ref_buffer *)rows)[i].b;
}

static const void *dmabuf_row(const void *rows, size_t i)
{
	return ((const struct ref_dmabuf *)rows)[i].db;
}

static const void *client_row(const void *rows, size_t i)
{
	return ((const struct ref_client *)rows)[i].c;
}

/* The row of the object at @p, or -1. */
static long find_key(const struct ptr_key *keys, size_t n, const void *p)
{
	struct ptr_key key = { .ptr = (uintptr_t)p };
	const struct ptr_key *hit = bsearch(&key, keys, n, sizeof(*keys),
					    cmp_ptr_key);

	return hit ? (long)hit->idx : -1;
}

static long find_buffer(const struct refs *r, const struct kion_buffer *b)
{
	return find_key(r->buf_keys, r->nbufs, b);
}

static void refs_free(struct refs *r)
{
	free(r->bufs);
	free(r->dbs);
	free(r->clients);
	free(r->buf_keys);
	free(r->db_keys);
	free(r->client_keys);
	free(r->holders);
	free(r->flat);
	memset(r, 0, sizeof(*r));
}

/* ---- the walk: collecting the objects ---------------------------- */

static int collect_buffers(struct refs *r)
{
	struct kion_buffer *b;
	size_t n = 0;

	RB_FOREACH(b, kion_buffer_tree, &r->dev->buffers)
		n++;
	r->bufs = calloc(n ? n : 1, sizeof(*r->bufs));
	if (!r->bufs)
		return -ENOMEM;
	RB_FOREACH(b, kion_buffer_tree, &r->dev->buffers)
		r->bufs[r->nbufs++].b = b;
	r->buf_keys = make_keys(r->nbufs, r->bufs, buffer_row);
	return r->buf_keys ? 0 : -ENOMEM;
}

static int collect_dmabufs(struct refs *r)
{
	struct kion_dmabuf *db;
	size_t n = 0;

	for (db = r->dev->db_list; db; db = db->db_next)
		n++;
	r->dbs = calloc(n ? n : 1, sizeof(*r->dbs));
	if (!r->dbs)
		return -ENOMEM;
	for (db = r->dev->db_list; db; db = db->db_next) {
		struct ref_dmabuf *rd = &r->dbs[r->ndbs++];

		rd->db = db;
		rd->buf = find_buffer(r, db->buffer);
	}
	r->db_keys = make_keys(r->ndbs, r->dbs, dmabuf_row);
	return r->db_keys ? 0 : -ENOMEM;
}

static int collect_clients(struct refs *r)
{
	struct kion_client *c;
	size_t n = 0;

	RB_FOREACH(c, kion_client_tree, &r->dev->clients)
		n++;
	r->clients = calloc(n ? n : 1, sizeof(*r->clients));
	if (!r->clients)
		return -ENOMEM;
	RB_FOREACH(c, kion_client_tree, &r->dev->clients) {
		struct ref_client *rc = &r->clients[r->nclients++];

		rc->c = c;
		rc->reachable = c->kernel;	/* its driver holds it */
	}
	r->client_keys = make_keys(r->nclients, r->clients, client_row);
	return r->client_keys ? 0 : -ENOMEM;
}

/* ---- the walk: holders ------------------------------------------- */

static void add_holder(struct refs *r, long buf, unsigned int group,
		       const struct kion_holder *h)
{
	struct ref_holder *rh;

	if (!r->want_holders || buf < 0 || r->err)
		return;
	if (r->nholders == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		void *grown = realloc(r->holders, cap * sizeof(*r->holders));

		if (!grown) {
			r->err = -ENOMEM;
			return;
		}
		r->holders = grown;
		r->cap = cap;
	}
	rh = &r->holders[r->nholders];
	rh->buf = (size_t)buf;
	rh->group = group;
	rh->seq = r->nholders++;
	rh->h = *h;
}

static int cmp_holder(const void *a, const void *b)
{
	const struct ref_holder *x = a, *y = b;

	if (x->buf != y->buf)
		return x->buf < y->buf ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sort the holders into report order and give each buffer its run. */
static void order_holders(struct refs *r)
{
	size_t i;

	if (!r->want_holders || r->err)
		return;
	if (r->nholders)
		qsort(r->holders, r->nholders, sizeof(*r->holders),
		      cmp_holder);
	r->flat = calloc(r->nholders ? r->nholders : 1, sizeof(*r->flat));
	if (!r->flat) {
		r->err = -ENOMEM;
		return;
	}
	for (i = 0; i < r->nholders; i++) {
		struct ref_buffer *rb = &r->bufs[r->holders[i].buf];

		if (rb->nholders == 0)
			rb->first = i;
		rb->nholders++;
		r->flat[i] = r->holders[i].h;
	}
}

/* ---- the walk: processes and messages ---------------------------- */

/* The process being visited, for its fd and mapping callbacks. */
struct proc_visit {
	struct refs *r;
	struct sim_proc *p;
};

/* A /dev/ion file reference: the client's file is reachable through it. */
static void note_client_file(struct refs *r, struct sim_file *f,
			     const struct kion_holder *via, bool inflight)
{
	long i = find_key(r->client_keys, r->nclients, f->private_data);
	struct ref_client *rc;

	if (i < 0) {
		r->stray_client_files++;
		return;
	}
	rc = &r->clients[i];
	rc->file = f;
	if (inflight)
		rc->inflight++;
	else
		rc->fds++;
	if (!rc->reachable) {
		rc->reachable = true;
		rc->via = *via;
	}
}

/* The dma-buf behind a dma-buf file, or NULL (counted) when it is not on
 * the device's list. */
static struct ref_dmabuf *dmabuf_of(struct refs *r, struct sim_file *f)
{
	long i = find_key(r->db_keys, r->ndbs, f->private_data);

	if (i < 0) {
		r->stray_dmabuf_files++;
		return NULL;
	}
	return &r->dbs[i];
}

static int visit_fd(struct sim_proc *p, int fd, struct sim_file *f,
		    void *ctx)
{
	struct proc_visit *v = ctx;
	struct kion_holder h = { .pid = sim_proc_pid(p),
				 .comm = sim_proc_name(p), .fd = fd };
	struct ref_dmabuf *rd;

	if (kion_client_from_file(f)) {
		h.kind = KION_HOLDER_HANDLE;
		note_client_file(v->r, f, &h, false);
	} else if (f->ops == &kion_dmabuf_fops && (rd = dmabuf_of(v->r, f))) {
		rd->fds++;
		h.kind = KION_HOLDER_FD;
		h.dmabuf = rd->db->serial;
		add_holder(v->r, rd->buf, GROUP_PROCS, &h);
	}
	return 0;
}

static int visit_vma(struct sim_vma *vma, void *ctx)
{
	struct proc_visit *v = ctx;
	struct kion_holder h = { .kind = KION_HOLDER_MAPPING,
				 .pid = sim_proc_pid(v->p),
				 .comm = sim_proc_name(v->p),
				 .uaddr = vma->uaddr };
	struct ref_dmabuf *rd;

	if (!vma->file || vma->file->ops != &kion_dmabuf_fops)
		return 0;
	rd = dmabuf_of(v->r, vma->file);
	if (!rd)
		return 0;
	rd->vmas++;
	h.dmabuf = rd->db->serial;
	add_holder(v->r, rd->buf, GROUP_PROCS, &h);
	return 0;
}

/* A live process's fds, then its mappings; a zombie holds nothing. */
static int visit_proc(struct sim_proc *p, void *ctx)
{
	struct proc_visit v = { .r = ctx, .p = p };

	if (!sim_proc_alive(p))
		return 0;
	v.r->live_procs++;
	sim_fd_foreach(p, visit_fd, &v);
	sim_vma_foreach(p, visit_vma, &v);
	return 0;
}

static int visit_message(int token, struct sim_file *f, void *ctx)
{
	struct refs *r = ctx;
	struct kion_holder h = { .token = token };
	struct ref_dmabuf *rd;

	r->inflight_msgs++;
	if (kion_client_from_file(f)) {
		h.kind = KION_HOLDER_HANDLE;
		note_client_file(r, f, &h, true);
	} else if (f->ops == &kion_dmabuf_fops && (rd = dmabuf_of(r, f))) {
		rd->inflight++;
		h.kind = KION_HOLDER_INFLIGHT;
		h.dmabuf = rd->db->serial;
		add_holder(r, rd->buf, GROUP_INFLIGHT, &h);
	}
	return 0;
}

/* ---- the walk: handles and dma-bufs ------------------------------ */

/* A published handle's holder: through whoever can reach its client. */
static void handle_holder(struct refs *r, const struct ref_client *rc,
			  const struct kion_handle *h, long buf)
{
	struct kion_holder hold = rc->via;

	if (rc->c->kernel) {
		memset(&hold, 0, sizeof(hold));
		hold.kind = KION_HOLDER_KERNEL_CLIENT;
		hold.comm = rc->c->name;
	} else if (!rc->reachable) {
		return;
	}
	hold.handle = h->id;
	add_holder(r, buf, GROUP_HANDLES, &hold);
}

static void visit_handles(struct refs *r, const struct ref_client *rc)
{
	struct kion_handle *h;

	RB_FOREACH(h, kion_handle_by_id, &rc->c->idr) {
		long buf;

		r->tree_handles++;
		if (h->dead)
			continue;	/* the audit says so; never read it */
		buf = find_buffer(r, h->buffer);
		if (buf < 0)
			continue;
		r->bufs[buf].handles++;
		if (h->kmap_cnt > 0)
			r->bufs[buf].kmapped++;
		handle_holder(r, rc, h, buf);
	}
}

static void visit_dmabuf(struct refs *r, struct ref_dmabuf *rd)
{
	const struct kion_attachment *att;
	struct ref_buffer *rb;
	struct kion_holder h = { .kind = KION_HOLDER_KERNEL_REF,
				 .dmabuf = rd->db->serial,
				 .count = rd->db->kernel_refs };

	for (att = rd->db->attachments; att; att = att->next)
		rd->atts++;
	if (rd->buf < 0)
		return;
	rb = &r->bufs[rd->buf];
	rb->dmabufs++;
	if (rd->db->ion)
		rb->ion_dmabufs++;
	for (att = rd->db->attachments; att; att = att->next)
		rb->mapped_atts += att->mapped;
	if (h.count)
		add_holder(r, rd->buf, GROUP_DRIVERS, &h);
}

/* The whole walk.  0 or -ENOMEM (then nothing is usable but refs_free). */
static int refs_build(struct refs *r, struct kion_device *dev,
		      bool want_holders)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->dev = dev;
	r->want_holders = want_holders;
	if (collect_buffers(r) || collect_dmabufs(r) || collect_clients(r))
		return -ENOMEM;
	/* Processes first: a client's handles are held through its file. */
	sim_proc_foreach(dev->m, visit_proc, r);
	sim_inflight_foreach(dev->m, visit_message, r);
	for (i = 0; i < r->nclients; i++)
		visit_handles(r, &r->clients[i]);
	for (i = 0; i < r->ndbs; i++)
		visit_dmabuf(r, &r->dbs[i]);
	order_holders(r);
	return r->err;
}

/* ---- the audit: reporting ---------------------------------------- */

struct audit {
	struct refs r;
	FILE *report;
	int violations;
};

/* One violation: "audit: SUBJECT: what", or "audit: what". */
static void vreport(struct audit *a, const char *subject, const char *fmt,
		    va_list ap)
{
	a->violations++;
	if (!a->report)
		return;
	fputs("audit: ", a->report);
	if (subject)
		fprintf(a->report, "%s: ", subject);
	vfprintf(a->report, fmt, ap);
	fputc('\n', a->report);
}

static void violation(struct audit *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void buffer_problem(struct audit *a, const struct kion_buffer *b,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void client_problem(struct audit *a, const struct kion_client *c,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void handle_problem(struct audit *a, const struct kion_client *c,
			   const struct kion_handle *h, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void dmabuf_problem(struct audit *a, const struct kion_dmabuf *db,
			   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void violation(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(a, NULL, fmt, ap);
	va_end(ap);
}

/* "buffer 3 (system)" */
static void buffer_problem(struct audit *a, const struct kion_buffer *b,
			   const char *fmt, ...)
{
	char subject[64];
	va_list ap;

	snprintf(subject, sizeof(subject), "buffer %" PRIu64 " (%s)",
		 b->serial, heap_name(b->heap));
	va_start(ap, fmt);
	vreport(a, subject, fmt, ap);
	va_end(ap);
}

/* "client 1 (100-0)" */
static void client_problem(struct audit *a, const struct kion_client *c,
			   const char *fmt, ...)
{
	char subject[80];
	va_list ap;

	snprintf(subject, sizeof(subject), "client %" PRIu64 " (%s)",
		 c->serial, c->display_name);
	va_start(ap, fmt);
	vreport(a, subject, fmt, ap);
	va_end(ap);
}

/* "client 1 (100-0) handle 2" */
static void handle_problem(struct audit *a, const struct kion_client *c,
			   const struct kion_handle *h, const char *fmt, ...)
{
	char subject[96];
	va_list ap;

	snprintf(subject, sizeof(subject), "client %" PRIu64 " (%s) handle %d",
		 c->serial, c->display_name, h->id);
	va_start(ap, fmt);
	vreport(a, subject, fmt, ap);
	va_end(ap);
}

/* "dma-buf 4" */
static void dmabuf_problem(struct audit *a, const struct kion_dmabuf *db,
			   const char *fmt, ...)
{
	char subject[32];
	va_list ap;

	snprintf(subject, sizeof(subject), "dma-buf %" PRIu64, db->serial);
	va_start(ap, fmt);
	vreport(a, subject, fmt, ap);
	va_end(ap);
}

/* ---- the audit: counters ----------------------------------------- */

static void check_counters(struct audit *a)
{
	const struct refs *r = &a->r;
	const struct kion_device *dev = r->dev;

	if (dev->nbuffers != r->nbufs)
		violation(a, "nbuffers %lu, but dev->buffers holds %zu",
			  dev->nbuffers, r->nbufs);
	if (dev->nclients != r->nclients)
		violation(a, "nclients %lu, but dev->clients holds %zu",
			  dev->nclients, r->nclients);
	if (dev->ndmabufs != r->ndbs)
		violation(a, "ndmabufs %lu, but db_list holds %zu",
			  dev->ndmabufs, r->ndbs);
	if (dev->nhandles != r->tree_handles)
		violation(a, "nhandles %lu, but the clients' trees hold %lu",
			  dev->nhandles, r->tree_handles);
	if (dev->dead)
		violation(a, "destroyed handles still parked with no entry "
			  "point in flight");
}

/* ---- the audit: clients and handles ------------------------------ */

/* A process's handle holds one kref for all its user references
 * (4.9.337); a driver's holds no user reference. */
static void check_handle_krefs(struct audit *a, const struct kion_client *c,
			       const struct kion_handle *h)
{
	if (h->kref == 0) {
		handle_problem(a, c, h, "kref 0 while published");
		return;
	}
	if (c->kernel) {
		if (h->user_ref_count)
			handle_problem(a, c, h, "user_ref_count %u in a "
				       "driver's client", h->user_ref_count);
		return;
	}
	if (kion_bug(a->r.dev, KION_BUG_NO_USER_REFS))
		return;
	if (h->user_ref_count == 0)
		handle_problem(a, c, h, "no user reference (kref %u)",
			       h->kref);
	else if (h->kref != 1)
		handle_problem(a, c, h, "kref %u, expected 1 (user_ref_count "
			       "%u)", h->kref, h->user_ref_count);
}

/* One handle of @c's idr: linked both ways, on a live buffer, and its
 * counts within the release's rules. */
static void check_handle(struct audit *a, struct kion_client *c,
			 struct kion_handle *h)
{
	if (h->dead) {
		handle_problem(a, c, h, "destroyed but still published");
		return;
	}
	if (find_buffer(&a->r, h->buffer) < 0) {
		handle_problem(a, c, h, "its buffer is destroyed");
		return;
	}
	if (!h->in_tree || h->client != c)
		handle_problem(a, c, h, "not linked to its client");
	check_handle_krefs(a, c, h);
	if (h->kmap_cnt < 0)
		handle_problem(a, c, h, "kmap_cnt %d < 0", h->kmap_cnt);
}

static unsigned long idr_size(struct kion_client *c)
{
	struct kion_handle *h;
	unsigned long n = 0;

	RB_FOREACH(h, kion_handle_by_id, &c->idr)
		n++;
	return n;
}

/* The buffer tree's size; each of its handles must be the idr's under
 * its id too (looked up by id: a buffer key could be stale). */
static unsigned long by_buffer_size(struct audit *a, struct kion_client *c)
{
	struct kion_handle *h;
	unsigned long n = 0;

	RB_FOREACH(h, kion_handle_by_buffer, &c->handles) {
		n++;
		if (RB_FIND(kion_handle_by_id, &c->idr, h) != h)
			handle_problem(a, c, h, "in the buffer tree, not the "
				       "idr");
	}
	return n;
}

/* A process's client lives as long as its /dev/ion file, which only
 * fds and messages hold. */
static void check_client_file(struct audit *a, const struct ref_client *rc)
{
	const struct kion_client *c = rc->c;
	unsigned long want = rc->fds + rc->inflight;

	if (c->kernel)
		return;
	if (!rc->reachable) {
		client_problem(a, c, "no process holds its file");
		return;
	}
	if (rc->file->count != want)
		client_problem(a, c, "file count %lu, expected %lu (%lu fds, "
			       "%lu in flight)", rc->file->count, want,
			       rc->fds, rc->inflight);
}

static void check_client(struct audit *a, const struct ref_client *rc)
{
	struct kion_client *c = rc->c;
	unsigned long ids = idr_size(c), bufs = by_buffer_size(a, c);
	struct kion_handle *h;

	if (c->nhandles != ids || ids != bufs)
		client_problem(a, c, "nhandles %lu, idr %lu, buffer tree %lu",
			       c->nhandles, ids, bufs);
	RB_FOREACH(h, kion_handle_by_id, &c->idr)
		check_handle(a, c, h);
	check_client_file(a, rc);
}

/* ---- the audit: buffers ------------------------------------------ */

static bool device_has_heap(const struct kion_device *dev,
			    const struct heap *heap)
{
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		if (dev->heaps[i] == heap)
			return true;
	return false;
}

static void check_buffer_refs(struct audit *a, const struct ref_buffer *rb)
{
	const struct kion_buffer *b = rb->b;
	unsigned long want = rb->handles + rb->dmabufs;

	if (b->ref != want)
		buffer_problem(a, b, "ref %u, expected %lu (%lu handles, %lu "
			       "dma-bufs)", b->ref, want, rb->handles,
			       rb->dmabufs);
	if (b->handle_count < 0 ||
	    (unsigned long)b->handle_count != rb->handles)
		buffer_problem(a, b, "handle_count %d, expected %lu",
			       b->handle_count, rb->handles);
}

static void check_buffer_maps(struct audit *a, const struct ref_buffer *rb)
{
	const struct kion_buffer *b = rb->b;
	int kmap = b->hb.kmap_cnt;

	if (kmap < 0)
		buffer_problem(a, b, "kmap_cnt %d < 0", kmap);
	else if ((unsigned long)kmap < rb->kmapped)
		buffer_problem(a, b, "kmap_cnt %d, but %lu handles hold "
			       "kernel maps", kmap, rb->kmapped);
	else if (kmap > 0 && !b->hb.vaddr)
		buffer_problem(a, b, "kmap_cnt %d with no kernel mapping",
			       kmap);
	if (b->dmap_cnt < 0 || (unsigned long)b->dmap_cnt != rb->mapped_atts)
		buffer_problem(a, b, "dmap_cnt %d, expected %lu mapped "
			       "attachments", b->dmap_cnt, rb->mapped_atts);
}

static void check_buffer(struct audit *a, const struct ref_buffer *rb)
{
	const struct kion_buffer *b = rb->b;

	if (!device_has_heap(a->r.dev, b->heap)) {
		violation(a, "buffer %" PRIu64 ": on a heap the device does "
			  "not have", b->serial);
		return;
	}
	if (!b->live)
		buffer_problem(a, b, "in dev->buffers but not live");
	check_buffer_refs(a, rb);
	check_buffer_maps(a, rb);
}

/* ---- the audit: dma-bufs and files ------------------------------- */

static void check_dmabuf(struct audit *a, const struct ref_dmabuf *rd)
{
	const struct kion_dmabuf *db = rd->db;
	const struct sim_file *f = db->file;
	unsigned long want = rd->fds + rd->vmas + rd->inflight +
			     db->kernel_refs;

	if (rd->buf < 0)
		dmabuf_problem(a, db, "wraps a destroyed buffer");
	if (f->ops != &kion_dmabuf_fops || f->private_data != db)
		dmabuf_problem(a, db, "its file does not point back");
	if (f->count != want)
		dmabuf_problem(a, db, "file count %lu, expected %lu (%lu fds, "
			       "%lu mappings, %lu in flight, %lu driver refs)",
			       f->count, want, rd->fds, rd->vmas, rd->inflight,
			       db->kernel_refs);
	if (db->nattach != rd->atts)
		dmabuf_problem(a, db, "nattach %u, but %lu attachments listed",
			       db->nattach, rd->atts);
}

static void check_strays(struct audit *a)
{
	if (a->r.stray_dmabuf_files)
		violation(a, "%lu references to dma-buf files that are not on "
			  "db_list", a->r.stray_dmabuf_files);
	if (a->r.stray_client_files)
		violation(a, "%lu references to /dev/ion files of no client",
			  a->r.stray_client_files);
}

/* ---- the audit: physical pages ----------------------------------- */

struct owned_run {
	uint64_t phys, end;		/* [phys, end) */
	uint64_t serial;
};

static int cmp_run(const void *a, const void *b)
{
	const struct owned_run *x = a, *y = b;

	if (x->phys != y->phys)
		return x->phys < y->phys ? -1 : 1;
	return (x->serial > y->serial) - (x->serial < y->serial);
}

static struct owned_run *gather_runs(const struct refs *r, size_t *n)
{
	struct owned_run *runs;
	size_t i, total = 0;
	unsigned int k;

	for (i = 0; i < r->nbufs; i++)
		total += r->bufs[i].b->hb.nruns;
	runs = calloc(total ? total : 1, sizeof(*runs));
	if (!runs)
		return NULL;
	for (i = 0, *n = 0; i < r->nbufs; i++) {
		const struct kion_buffer *b = r->bufs[i].b;

		for (k = 0; k < b->hb.nruns; k++, (*n)++) {
			runs[*n].phys = b->hb.runs[k].phys;
			runs[*n].end = b->hb.runs[k].phys + b->hb.runs[k].len;
			runs[*n].serial = b->serial;
		}
	}
	qsort(runs, *n, sizeof(*runs), cmp_run);
	return runs;
}

/* Sorted by start, a run that begins before the furthest end seen so far
 * overlaps the run that reached there.  A buffer overlapping itself is
 * its heap's to report (heap_validate). */
static int check_overlaps(struct audit *a)
{
	size_t i, n = 0, far = 0;
	struct owned_run *runs = gather_runs(&a->r, &n);

	if (!runs)
		return -ENOMEM;
	for (i = 1; i < n; i++) {
		if (runs[i].phys < runs[far].end &&
		    runs[i].serial != runs[far].serial)
			violation(a, "buffers %" PRIu64 " and %" PRIu64
				  " share physical page 0x%" PRIx64,
				  runs[far].serial, runs[i].serial,
				  runs[i].phys);
		if (runs[i].end > runs[far].end)
			far = i;
	}
	free(runs);
	return 0;
}

/* ---- the audit: heaps, kernel reports, quiescence ---------------- */

/* heap_validate's lines, each given the audit's prefix. */
static void relay_lines(FILE *report, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		fprintf(report, "audit: %.*s\n", (int)n, text);
		text += n + (nl != NULL);
	}
}

/* A heap's own structure check: each problem is one violation. */
static void check_heap(struct audit *a, struct heap *heap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *lines = a->report ? open_memstream(&text, &len) : NULL;

	a->violations += heap_validate(heap, lines ? lines : a->report);
	if (lines) {
		fclose(lines);
		relay_lines(a->report, text);
	}
	free(text);
}

static void check_heaps(struct audit *a)
{
	unsigned int i;

	for (i = 0; i < a->r.dev->nheaps; i++)
		check_heap(a, a->r.dev->heaps[i]);
}

/* The WARNs that are violations: all but the defended ones. */
static unsigned long undefended_warnings(const struct kion_device *dev)
{
	return dev->warnings - dev->warnings_defended;
}

static void check_kernel_reports(struct audit *a)
{
	const struct kion_device *dev = a->r.dev;

	if (dev->uaf)
		violation(a, "%lu touches of destroyed handles (use after "
			  "free)", dev->uaf);
	if (undefended_warnings(dev))
		violation(a, "%lu kernel WARNs hit", undefended_warnings(dev));
}

/* Nothing left that could hold a buffer: no process, no driver's
 * client, no message, no driver's dma_buf_get. */
static bool quiescent(const struct refs *r)
{
	size_t i;

	if (r->live_procs || r->inflight_msgs)
		return false;
	for (i = 0; i < r->nclients; i++)
		if (r->clients[i].c->kernel)
			return false;
	for (i = 0; i < r->ndbs; i++)
		if (r->dbs[i].db->kernel_refs)
			return false;
	return true;
}

/* At quiescence every heap is empty but for its pools and deferred
 * list (heap_metrics counts neither as live). */
static void check_quiescence(struct audit *a)
{
	struct heap_metrics mt;
	unsigned int i;

	if (!quiescent(&a->r))
		return;
	for (i = 0; i < a->r.dev->nheaps; i++) {
		struct heap *heap = a->r.dev->heaps[i];

		heap_metrics(heap, &mt);
		if (mt.live)
			violation(a, "quiescent, but heap %s holds %lu live "
				  "buffers", heap_name(heap), mt.live);
	}
}

/* ---- the audit: entry points ------------------------------------- */

static int run_checks(struct audit *a)
{
	size_t i;

	check_counters(a);
	for (i = 0; i < a->r.nclients; i++)
		check_client(a, &a->r.clients[i]);
	for (i = 0; i < a->r.nbufs; i++)
		check_buffer(a, &a->r.bufs[i]);
	for (i = 0; i < a->r.ndbs; i++)
		check_dmabuf(a, &a->r.dbs[i]);
	check_strays(a);
	if (check_overlaps(a))
		return -ENOMEM;
	check_heaps(a);
	check_kernel_reports(a);
	check_quiescence(a);
	return 0;
}

/* kion_audit - see kion.h. */
int kion_audit(struct kion_device *dev, FILE *report)
{
	struct audit a = { .report = report };
	int ret;

	if (dev->depth)
		return -EBUSY;
	ret = refs_build(&a.r, dev, false);
	if (!ret)
		ret = run_checks(&a);
	refs_free(&a.r);
	return ret ? ret : a.violations;
}

/* kion_audit_quick - see kion.h. */
int kion_audit_quick(struct kion_device *dev)
{
	int n = 0;

	n += (dev->nbuffers == 0) != RB_EMPTY(&dev->buffers);
	n += (dev->nclients == 0) != RB_EMPTY(&dev->clients);
	n += (dev->ndmabufs == 0) != (dev->db_list == NULL);
	n += dev->nhandles && RB_EMPTY(&dev->clients);
	n += dev->depth == 0 && dev->dead != NULL;
	n += dev->uaf != 0;
	n += undefended_warnings(dev) != 0;
	return n;
}

/* ---- the live-buffer report -------------------------------------- */

static enum kion_buffer_class classify(const struct refs *r,
				       const struct ref_buffer *rb)
{
	if (rb->nholders == 0)
		return KION_BUFFER_LEAKED;
	if (r->dev->cfg.abi == KION_ABI_LEGACY && rb->handles == 0 &&
	    rb->ion_dmabufs > 0)
		return KION_BUFFER_ORPHANED;
	return KION_BUFFER_HELD;
}

static void fill_info(const struct refs *r, const struct ref_buffer *rb,
		      struct kion_buffer_info *info)
{
	const struct kion_buffer *b = rb->b;

	memset(info, 0, sizeof(*info));
	info->serial = b->serial;
	info->size = b->size;
	info->heap = heap_name(b->heap);
	info->alloc_tag = b->alloc_tag;
	info->alloc_pid = b->alloc_pid;
	info->alloc_comm = b->alloc_comm;
	info->cls = classify(r, rb);
	info->ref = b->ref;
	info->handle_count = b->handle_count;
	info->nholders = (unsigned int)rb->nholders;
	info->holders = rb->nholders ? &r->flat[rb->first] : NULL;
}

/* kion_buffer_foreach_live - see kion.h. */
int kion_buffer_foreach_live(struct kion_device *dev, kion_buffer_info_fn fn,
			     void *ctx)
{
	struct kion_buffer_info info;
	struct refs r;
	size_t i;
	int ret = refs_build(&r, dev, true);

	for (i = 0; !ret && i < r.nbufs; i++) {
		fill_info(&r, &r.bufs[i], &info);
		ret = fn(ctx, &info);
	}
	refs_free(&r);
	return ret;
}

/* kion_holder_format - see kion.h. */
int kion_holder_format(const struct kion_holder *h, char *buf, size_t len)
{
	switch (h->kind) {
	case KION_HOLDER_HANDLE:
		if (h->token)
			return snprintf(buf, len, "handle %d of a /dev/ion "
					"fd in flight (message %d)",
					h->handle, h->token);
		return snprintf(buf, len, "pid %d (%s) handle %d", h->pid,
				h->comm, h->handle);
	case KION_HOLDER_KERNEL_CLIENT:
		return snprintf(buf, len, "kernel client %s handle %d",
				h->comm, h->handle);
	case KION_HOLDER_FD:
		return snprintf(buf, len, "pid %d fd %d", h->pid, h->fd);
	case KION_HOLDER_MAPPING:
		return snprintf(buf, len, "pid %d mapping 0x%" PRIx64, h->pid,
				h->uaddr);
	case KION_HOLDER_INFLIGHT:
		return snprintf(buf, len, "fd in flight (message %d)",
				h->token);
	case KION_HOLDER_KERNEL_REF:
		if (h->count > 1)
			return snprintf(buf, len, "kernel dma_buf_get on "
					"dma-buf %" PRIu64 " (x%lu)",
					h->dmabuf, h->count);
		return snprintf(buf, len, "kernel dma_buf_get on dma-buf %"
				PRIu64, h->dmabuf);
	}
	return snprintf(buf, len, "?");
}

/* kion_buffer_class_name - see kion.h. */
const char *kion_buffer_class_name(enum kion_buffer_class cls)
{
	switch (cls) {
	case KION_BUFFER_HELD:
		return "held";
	case KION_BUFFER_ORPHANED:
		return "orphaned";
	case KION_BUFFER_LEAKED:
		return "leaked";
	}
	return "?";
}

static void tally(struct kion_buffer_counts *c, enum kion_buffer_class cls)
{
	c->live_buffers++;
	if (cls == KION_BUFFER_HELD)
		c->held++;
	else if (cls == KION_BUFFER_ORPHANED)
		c->orphaned++;
	else
		c->leaks++;
}

static int count_one(void *ctx, const struct kion_buffer_info *info)
{
	tally(ctx, info->cls);
	return 0;
}

/* kion_buffer_counts - see kion.h. */
int kion_buffer_counts(struct kion_device *dev,
		       struct kion_buffer_counts *out)
{
	memset(out, 0, sizeof(*out));
	return kion_buffer_foreach_live(dev, count_one, out);
}

/* The report's state while it prints. */
struct leak_print {
	FILE *out;
	struct kion_buffer_counts counts;
};

static void print_buffer_head(FILE *out, const struct kion_buffer_info *info)
{
	fprintf(out, "buffer %" PRIu64 ": %" PRIu64 " bytes on heap %s, "
		"allocated ", info->serial, info->size, info->heap);
	if (info->alloc_tag)
		fprintf(out, "at line %u ", info->alloc_tag);
	if (info->alloc_pid)
		fprintf(out, "by pid %d (%s): ", info->alloc_pid,
			info->alloc_comm);
	else
		fprintf(out, "by kernel client %s: ", info->alloc_comm);
	if (info->cls == KION_BUFFER_LEAKED)
		fprintf(out, "leaked (ref %u, handle_count %d, nothing "
			"reachable holds it)\n", info->ref,
			info->handle_count);
	else
		fprintf(out, "%s\n", kion_buffer_class_name(info->cls));
}

static int print_one(void *ctx, const struct kion_buffer_info *info)
{
	struct leak_print *lp = ctx;
	char line[160];
	unsigned int i;

	tally(&lp->counts, info->cls);
	print_buffer_head(lp->out, info);
	for (i = 0; i < info->nholders; i++) {
		kion_holder_format(&info->holders[i], line, sizeof(line));
		fprintf(lp->out, "    %s\n", line);
	}
	return 0;
}

/* kion_leak_report - see kion.h. */
void kion_leak_report(struct kion_device *dev, FILE *out)
{
	struct leak_print lp = { .out = out };

	if (kion_buffer_foreach_live(dev, print_one, &lp) < 0) {
		fputs("live buffers: the report ran out of memory\n", out);
		return;
	}
	fprintf(out, "live_buffers %lu, orphaned %lu, leaks %lu\n",
		lp.counts.live_buffers, lp.counts.orphaned, lp.counts.leaks);
}
