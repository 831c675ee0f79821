/*
 * scenarios/lang/digest.c - the canonical digest of a scenario run's
 * state, for the explorer's visited set.
 *
 * The state is written out as a stream of 64-bit words by a walk whose
 * order the program fixes, and the stream is hashed with XXH3-128.  The
 * walk starts from what the program names: every actor in declaration
 * order, with its program counter, its process (pid, alive, each open
 * fd with its fd flags and file, each mapping with its range,
 * protection, offset and file) and its variables.  From there it
 * follows references: a file to its ION client or dma-buf, a client to
 * its handles (by id: id, kref, user refs, kernel maps, buffer), a
 * dma-buf to its buffer, file count, attachments and driver references,
 * a buffer to its refcount, handle count, heap, size, flags, kernel map
 * count and physical runs.  A process also writes where its next mapping
 * will start.  Then come the objects no actor reaches (the device's
 * clients, buffers and dma-bufs, fds in flight), each heap's figures and
 * the memory it holds for later (the buffers on its deferred-free list,
 * head first, with their runs; its page pools' blocks, in the order each
 * pool hands them out), the buddy's free blocks (each order's list from
 * its head), every CMA area's free pages, and the device's counters.
 * So where every later allocation will land is part of the state: the
 * free lists' order decides it as much as what is free.
 *
 * What is canonicalised: object serials.  Buffers, dma-bufs, clients
 * and files are numbered by when they are first met on the walk, not by
 * their serials, so two schedules that create the same objects in a
 * different order (the camera allocates before the app, or after) reach
 * one digest.  Everything else is written as it is: fd numbers, handle
 * ids, pids, user addresses and physical addresses (a variable holding
 * one must match the object it names).  A driver-table slot in a
 * variable is written as the object in the slot, since slot numbers
 * are creation order.
 *
 * Why it is sound: the stream is a complete serialisation of what it
 * walks (every object met is written whole the first time, and by its
 * number afterwards), so equal streams mean the two states have the
 * same objects with the same fields and the same references, up to one
 * bijection of serials.  ION uses serials as names and as the sort keys
 * of its trees; the only behaviour that sort order reaches is the order
 * in which a client's handles are destroyed when it is released, which
 * changes the order of pages on the allocators' free lists, not which
 * buffers exist or what counts hold.  Of a process that has exited
 * only which variables are bound is written: its own steps fail with
 * ESRCH before reading an operand, and a driver reading its fds finds
 * none whatever the number.  Beyond that, two different states share a
 * digest only by a collision of the 128-bit hash (about n^2 / 2^129 for
 * n states: far below the bitstate mode's omission figures).
 *
 * What it abstracts: the serial counters (names, see above), and the
 * host: pointers, mappings, the memfd.  Placement on carveout, chunk and
 * cma heaps is a function of the live buffers' runs and the deferred
 * ones', which are written; on the system heaps of the pools' and the
 * buddy's lists, which are written in order.
 *
 * Two histories are added only when the program can see them: a
 * heap's peak, failures and frag_failures when a `final` reads them,
 * and, when a `read` step compares bytes, what each buffer holds.  The
 * bytes are not read back (a 2M frame per step would cost more than the
 * step): a buffer's contents are a function of the `write` steps that
 * stored into it since it was allocated (the heaps hand out zeroed
 * memory, and the language has no other store), so the digest keeps,
 * per buffer, a hash of those writes in order (offset in the buffer,
 * length, bytes), fed by scn_digest_wrote.  Equal hashes mean equal
 * write histories, hence equal bytes; different histories with the
 * same bytes are told apart, which only costs states.
 *
 * No host pointer reaches the stream: pointers are only keys of the
 * table that numbers objects.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/explore_world.h"
#include "scenarios/lang/interp.h"

/* Tags in front of each record: they keep two different shapes of
 * state from writing the same words. */
enum {
	TAG_ACTOR = 0xa1, TAG_PROC, TAG_FD, TAG_VMA, TAG_VAR, TAG_FILE,
	TAG_CLIENT, TAG_HANDLE, TAG_BUFFER, TAG_DMABUF, TAG_ATTACH, TAG_SEEN,
	TAG_CLIENTS, TAG_BUFFERS, TAG_DMABUFS, TAG_INFLIGHT, TAG_HEAP,
	TAG_MACHINE, TAG_DEVICE, TAG_NONE, TAG_HELD, TAG_FREE_BLOCK,
};

/* One slot of the object table: a host pointer (a key only) and the
 * number the walk gave it, valid for generation @gen. */
struct obj_slot {
	uintptr_t key;
	uint32_t id;
	uint32_t gen;
};

/* What the `write` steps of an execution stored in one buffer. */
struct written {
	uint64_t serial;		/* the buffer */
	uint64_t hash;			/* of its writes, in order */
};

struct scn_digest {
	const struct scn_program *p;
	bool contents;			/* a `read` step compares bytes */
	uint32_t history;		/* heaps whose history a final reads: bit per board heap */
	bool history_all;		/* ...or of a heap the board does not have */
	uint64_t *words;		/* the stream */
	size_t nwords, cap;
	struct obj_slot *slots;		/* the object table (power of two) */
	uint32_t nslots, used, gen, next_id;
	/* per buffer written in this execution: the writes, hashed */
	struct written *written;
	unsigned int nwritten, written_cap;
	bool failed;			/* out of memory on this digest */
	struct scn_run *run;		/* while digesting */
};

/* ------------------------------------------------------------------ */
/* The stream                                                           */
/* ------------------------------------------------------------------ */

static void put(struct scn_digest *d, uint64_t w)
{
	uint64_t *grown;

	if (d->nwords == d->cap) {
		size_t want = d->cap ? d->cap * 2 : 1024;

		grown = realloc(d->words, want * sizeof(*grown));
		if (!grown) {
			d->failed = true;
			return;
		}
		d->words = grown;
		d->cap = want;
	}
	d->words[d->nwords++] = w;
}

/* A string, as its length and a hash of its bytes. */
static void put_str(struct scn_digest *d, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	put(d, len);
	put(d, XXH3_64bits(s ? s : "", len));
}

/* ------------------------------------------------------------------ */
/* Numbering objects by first sight                                      */
/* ------------------------------------------------------------------ */

static uint32_t slot_of(uintptr_t key, uint32_t mask)
{
	return (uint32_t)(XXH3_64bits(&key, sizeof(key)) & mask);
}

/* Doubles the table, keeping this generation's entries. */
static int table_grow(struct scn_digest *d)
{
	uint32_t n = d->nslots ? d->nslots * 2 : 256, i;
	struct obj_slot *old = d->slots, *fresh = calloc(n, sizeof(*fresh));

	if (!fresh)
		return -ENOMEM;
	for (i = 0; i < d->nslots; i++) {
		uint32_t at;

		if (old[i].gen != d->gen)
			continue;
		at = slot_of(old[i].key, n - 1);
		while (fresh[at].gen == d->gen)
			at = (at + 1) & (n - 1);
		fresh[at] = old[i];
	}
	free(old);
	d->slots = fresh;
	d->nslots = n;
	return 0;
}

/* The slot of @k, or of the empty slot where it would go. */
static struct obj_slot *find_slot(struct scn_digest *d, uintptr_t k)
{
	uint32_t at = slot_of(k, d->nslots - 1);

	while (d->slots[at].gen == d->gen && d->slots[at].key != k)
		at = (at + 1) & (d->nslots - 1);
	return &d->slots[at];
}

/* Whether the walk has met @obj already. */
static bool met(struct scn_digest *d, const void *obj)
{
	return find_slot(d, (uintptr_t)obj)->gen == d->gen;
}

/*
 * The number of object @key, given now when it is new (*@fresh true:
 * the caller then writes the object out).  0 when memory ran out.
 */
static uint32_t object_id(struct scn_digest *d, const void *key, bool *fresh)
{
	uintptr_t k = (uintptr_t)key;
	struct obj_slot *slot;

	*fresh = false;
	if ((d->used + 1) * 2 > d->nslots && table_grow(d)) {
		d->failed = true;
		return 0;
	}
	slot = find_slot(d, k);
	if (slot->gen == d->gen)
		return slot->id;
	*slot = (struct obj_slot){ .key = k, .id = ++d->next_id, .gen = d->gen };
	d->used++;
	*fresh = true;
	return d->next_id;
}

/*
 * Writes the reference to @obj as TAG_SEEN and its number; true when
 * the object is met for the first time and its fields must follow.
 * A NULL object is TAG_NONE.
 */
static bool put_ref(struct scn_digest *d, unsigned int tag, const void *obj)
{
	bool fresh;
	uint32_t id;

	if (!obj) {
		put(d, TAG_NONE);
		return false;
	}
	id = object_id(d, obj, &fresh);
	put(d, fresh ? tag : TAG_SEEN);
	put(d, id);
	return fresh;
}

/* ------------------------------------------------------------------ */
/* ION's objects                                                        */
/* ------------------------------------------------------------------ */

static void put_dmabuf(struct scn_digest *d, const struct kion_dmabuf *db);

/* The writes made to buffer @serial so far (0: none), when a read can
 * compare its bytes. */
static void put_contents(struct scn_digest *d, const struct kion_buffer *b)
{
	unsigned int i;

	if (!d->contents)
		return;
	for (i = 0; i < d->nwritten; i++)
		if (d->written[i].serial == b->serial) {
			put(d, d->written[i].hash);
			return;
		}
	put(d, 0);
}

/* A heap by its place on the device (priority order, fixed at boot). */
static uint64_t heap_index(const struct kion_device *dev,
			   const struct heap *heap)
{
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		if (dev->heaps[i] == heap)
			return i;
	return UINT32_MAX;
}

static void put_buffer(struct scn_digest *d, struct kion_buffer *b)
{
	unsigned int i;

	if (!put_ref(d, TAG_BUFFER, b))
		return;
	put(d, b->ref);
	put(d, (uint64_t)(int64_t)b->handle_count);
	put(d, heap_index(b->dev, b->heap));
	put(d, b->size);
	put(d, b->flags);
	put(d, b->hb.requested);
	put(d, b->hb.allocated);
	put(d, (uint64_t)(int64_t)b->hb.kmap_cnt);
	put(d, (uint64_t)(int64_t)b->dmap_cnt);
	put(d, (uint64_t)b->live << 1 | b->hb.dirty);
	put(d, b->hb.nruns);
	for (i = 0; i < b->hb.nruns; i++) {
		put(d, b->hb.runs[i].phys);
		put(d, b->hb.runs[i].len);
	}
	put_contents(d, b);
	if (b->modern_dmabuf)
		put_dmabuf(d, b->modern_dmabuf);
	else
		put(d, TAG_NONE);
}

/* A dma-buf and its file are one object: the file is its lifetime. */
static void put_dmabuf(struct scn_digest *d, const struct kion_dmabuf *db)
{
	const struct kion_attachment *a;

	if (!put_ref(d, TAG_DMABUF, db))
		return;
	put(d, db->size);
	put(d, db->ion);
	put_str(d, db->exp_name);
	put(d, db->file ? db->file->count : 0);
	put(d, db->file ? db->file->f_flags : 0);
	put(d, db->file ? db->file->f_mode : 0);
	put(d, db->kernel_refs);
	put(d, db->nattach);
	for (a = db->attachments; a; a = a->next) {
		put(d, TAG_ATTACH);
		put_str(d, a->dev_name);
		put(d, a->mapped);
	}
	put_buffer(d, db->buffer);
}

static void put_client(struct scn_digest *d, struct kion_client *c)
{
	struct kion_handle *h;

	if (!put_ref(d, TAG_CLIENT, c))
		return;
	put(d, (uint64_t)(int64_t)c->pid);
	put(d, c->kernel);
	put_str(d, c->kernel ? c->name : "");
	put(d, c->nhandles);
	RB_FOREACH(h, kion_handle_by_id, &c->idr) {
		put(d, TAG_HANDLE);
		put(d, (uint64_t)(int64_t)h->id);
		put(d, h->kref);
		put(d, h->user_ref_count);
		put(d, (uint64_t)(int64_t)h->kmap_cnt);
		put(d, (uint64_t)h->in_tree << 1 | h->dead);
		put_buffer(d, h->buffer);
	}
}

/* A file: what it is, its count and modes, and the object behind it. */
static void put_file(struct scn_digest *d, struct sim_file *f)
{
	struct kion_dmabuf *db = kion_dmabuf_from_file(f);
	struct kion_client *c;

	if (db) {
		put_dmabuf(d, db);
		return;
	}
	if (!put_ref(d, TAG_FILE, f))
		return;
	put_str(d, f->ops->kind);
	put(d, f->count);
	put(d, f->f_flags);
	put(d, f->f_mode);
	c = kion_client_from_file(f);
	if (c)
		put_client(d, c);
	else if (f->ops == &kion_dmaheap_fops)
		put_str(d, ((const struct kion_dmaheap *)f->private_data)->name);
}

/* ------------------------------------------------------------------ */
/* Processes and the scenario's variables                               */
/* ------------------------------------------------------------------ */

static int put_fd(struct sim_proc *p, int fd, struct sim_file *f, void *ctx)
{
	struct scn_digest *d = ctx;

	put(d, TAG_FD);
	put(d, (uint64_t)fd);
	put(d, (uint64_t)(int64_t)sim_fd_get_flags(p, fd));
	put_file(d, f);
	return 0;
}

static int put_vma(struct sim_vma *vma, void *ctx)
{
	struct scn_digest *d = ctx;

	put(d, TAG_VMA);
	put(d, vma->uaddr);
	put(d, vma->len);
	put(d, vma->pgoff);
	put(d, (uint64_t)vma->prot << 8 | (uint64_t)vma->flags);
	put(d, vma->mapped);
	put_file(d, vma->file);
	return 0;
}

static void put_proc(struct scn_digest *d, struct sim_proc *p)
{
	put(d, TAG_PROC);
	if (!p) {
		put(d, TAG_NONE);
		return;
	}
	put(d, (uint64_t)sim_proc_pid(p));
	put(d, sim_proc_alive(p));
	if (!sim_proc_alive(p))
		return;
	put(d, sim_proc_next_uaddr(p));
	sim_fd_foreach(p, put_fd, d);
	sim_vma_foreach(p, put_vma, d);
}

/* A driver-table slot as the object in it (slot numbers are creation
 * order across every driver: history, not state). */
static void put_slot(struct scn_digest *d, const struct scn_var *v)
{
	struct scn_run *run = d->run;
	int64_t slot = v->value;

	switch (v->kind) {
	case SCN_VAR_CLIENT:
		put_client(d, slot >= 0 && slot < run->nclients ?
			   run->clients[slot].client : NULL);
		return;
	case SCN_VAR_GET:
		put_dmabuf(d, slot >= 0 && slot < run->ngets ?
			   run->gets[slot].db : NULL);
		return;
	case SCN_VAR_ATTACH:
		if (slot >= 0 && slot < run->natts && run->atts[slot].att) {
			put_dmabuf(d, run->atts[slot].db);
			put_str(d, run->atts[slot].att->dev_name);
			put(d, run->atts[slot].att->mapped);
		} else {
			put(d, TAG_NONE);
		}
		return;
	default:
		put(d, TAG_NONE);
	}
}

static void put_var(struct scn_digest *d, const struct scn_var *v)
{
	struct scn_run *run = d->run;

	put(d, TAG_VAR << 8 | v->kind);
	switch (v->kind) {
	case SCN_VAR_UNBOUND:
		return;
	case SCN_VAR_CLIENT:
	case SCN_VAR_GET:
	case SCN_VAR_ATTACH:
		put_slot(d, v);
		return;
	case SCN_VAR_KHANDLE:
		put(d, (uint64_t)v->value);
		put_client(d, v->aux >= 0 && (unsigned int)v->aux <
			   run->nclients ? run->clients[v->aux].client : NULL);
		return;
	default:
		put(d, (uint64_t)v->value);
		put(d, (uint64_t)(int64_t)v->aux);
	}
}

/*
 * The variables of a scope.  Of a process that has exited only whether
 * each is bound is kept: its own steps fail with ESRCH before reading
 * any operand, and a driver that reads its fds finds an empty table
 * whatever the number (an unbound one is still a skipped step).
 */
static void put_vars(struct scn_digest *d, struct scn_actor_rt *rt)
{
	unsigned int v;

	if (rt->proc && !sim_proc_alive(rt->proc)) {
		for (v = 0; v < d->p->nvars; v++)
			put(d, rt->vars[v].kind);
		return;
	}
	for (v = 0; v < d->p->nvars; v++)
		put_var(d, &rt->vars[v]);
}

/* Every actor in declaration order: its counter, and for one that owns
 * a scope (not a thread), its process and its variables. */
static void put_actors(struct scn_digest *d, const unsigned int *pc)
{
	const struct scn_program *p = d->p;
	struct scn_run *run = d->run;
	unsigned int a;

	for (a = 0; a < p->nactors; a++) {
		put(d, TAG_ACTOR);
		put(d, pc[a]);
		if (p->actors[a].kind == SCN_ACTOR_THREAD)
			continue;
		put_proc(d, run->rt[a].proc);
		put_vars(d, &run->rt[a]);
	}
}

/* ------------------------------------------------------------------ */
/* What no actor reaches, and the machine                                */
/* ------------------------------------------------------------------ */

static int put_inflight(int token, struct sim_file *f, void *ctx)
{
	struct scn_digest *d = ctx;

	put(d, TAG_INFLIGHT);
	put_file(d, f);
	return 0;
}

/*
 * Kernel clients, buffers nothing reaches, dma-bufs only drivers hold
 * and messages in flight.  The device's lists are in serial order, so
 * the objects met before are left out here: writing their numbers in
 * that order would bring the serials back.  Every live object is on
 * its list (the device's counters, written below, say how many), so
 * leaving the met ones out loses nothing.
 */
static void put_unreached(struct scn_digest *d)
{
	struct kion_device *dev = d->run->dev;
	struct kion_client *c;
	struct kion_buffer *b;
	struct kion_dmabuf *db;

	put(d, TAG_CLIENTS);
	RB_FOREACH(c, kion_client_tree, &dev->clients)
		if (!met(d, c))
			put_client(d, c);
	put(d, TAG_BUFFERS);
	RB_FOREACH(b, kion_buffer_tree, &dev->buffers)
		if (!met(d, b))
			put_buffer(d, b);
	put(d, TAG_DMABUFS);
	for (db = dev->db_list; db; db = db->db_next)
		if (!met(d, db))
			put_dmabuf(d, db);
	sim_inflight_foreach(d->run->m, put_inflight, d);
}

/* Whether a final reads heap @i's history (peak, failures). */
static bool wants_history(const struct scn_digest *d, unsigned int board_i)
{
	return d->history_all || (board_i < 32 && (d->history >> board_i & 1));
}

/* One range a heap holds outside its live buffers (heap_held_foreach). */
static int put_held(void *ctx, uint64_t phys, uint64_t len)
{
	struct scn_digest *d = ctx;

	put(d, TAG_HELD);
	put(d, phys);
	put(d, len);
	return 0;
}

/* One free block of the buddy, in its list's order. */
static int put_free_block(void *ctx, unsigned int order, uint64_t pfn)
{
	struct scn_digest *d = ctx;

	put(d, TAG_FREE_BLOCK);
	put(d, (uint64_t)order << 56 | pfn);
	return 0;
}

static void put_heap(struct scn_digest *d, struct heap *heap)
{
	const struct kion_board *b = &d->p->board;
	struct heap_metrics mt;
	unsigned int i;

	heap_metrics(heap, &mt);
	put(d, TAG_HEAP);
	put(d, mt.used);
	put(d, mt.free);
	put(d, mt.largest_free);
	put(d, mt.free_extents);
	put(d, mt.live);
	put(d, mt.deferred);
	put(d, mt.deferred_buffers);
	for (i = 0; i < HEAP_MAX_ORDERS; i++)
		put(d, mt.pool_pages[i]);
	heap_held_foreach(heap, put_held, d);
	for (i = 0; i < b->heaps.n; i++)
		if (strcmp(b->heaps.heaps[i].name, heap_name(heap)) == 0)
			break;
	if (!wants_history(d, i))
		return;
	put(d, mt.peak);
	put(d, mt.failures);
	put(d, mt.frag_failures);
}

static void put_machine(struct scn_digest *d)
{
	struct kion_device *dev = d->run->dev;
	struct sim_machine *m = d->run->m;
	unsigned long counts[SIM_MAX_ORDER];
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		put_heap(d, dev->heaps[i]);
	put(d, TAG_MACHINE);
	sim_buddy_counts(m, counts);
	for (i = 0; i < SIM_MAX_ORDER; i++)
		put(d, counts[i]);
	sim_buddy_foreach_free(m, put_free_block, d);
	for (i = 0; i < sim_region_count(m); i++)
		if (sim_region_get(m, i)->kind == SIM_REGION_CMA)
			put(d, sim_cma_free_pages(m, i));
	put(d, TAG_DEVICE);
	put(d, dev->nbuffers);
	put(d, dev->nclients);
	put(d, dev->ndmabufs);
	put(d, dev->nhandles);
	put(d, dev->warnings);
	put(d, dev->uaf);
}

/* ------------------------------------------------------------------ */
/* What `write` steps stored                                           */
/* ------------------------------------------------------------------ */

/* The hash of buffer @serial's writes, made when first written; NULL
 * when memory ran out. */
static uint64_t *written_hash(struct scn_digest *d, uint64_t serial)
{
	unsigned int i;

	for (i = 0; i < d->nwritten; i++)
		if (d->written[i].serial == serial)
			return &d->written[i].hash;
	if (scn_run_table_grow((void **)&d->written, d->nwritten,
			       &d->written_cap, sizeof(*d->written)))
		return NULL;
	d->written[d->nwritten] = (struct written){ serial, 0 };
	return &d->written[d->nwritten++].hash;
}

/* Where a write step's bytes went: the buffer and the offset in it, or
 * NULL when it stored nothing. */
static struct kion_buffer *write_target(struct scn_run *run,
					const struct scn_step *s,
					uint64_t *offset)
{
	struct sim_proc *proc = scn_run_proc(run, s->actor);
	const struct scn_var *vars = scn_run_vars(run, s->actor);
	struct kion_dmabuf *db;
	struct sim_vma *vma;
	uint64_t addr;

	if (s->arg[0].kind == SCN_VALUE_INT)
		addr = (uint64_t)s->arg[0].num;
	else if (s->arg[0].kind == SCN_VALUE_VAR && vars)
		addr = (uint64_t)vars[s->arg[0].var].value;
	else
		return NULL;
	addr += s->offset;
	vma = proc ? sim_vma_find_uaddr(proc, addr) : NULL;
	db = vma ? kion_dmabuf_from_file(vma->file) : NULL;
	if (!db)
		return NULL;
	*offset = vma->pgoff * SIM_PAGE_SIZE + (addr - vma->uaddr);
	return db->buffer;
}

/* scn_digest_wrote - see explore_world.h. */
int scn_digest_wrote(struct scn_digest *d, struct scn_run *run,
		     unsigned int index)
{
	const struct scn_step *s = &d->p->steps[index];
	uint64_t rec[4], offset = 0, *h;
	struct kion_buffer *b;

	if (!d->contents || s->op != SCN_OP_WRITE)
		return 0;
	b = write_target(run, s, &offset);
	if (!b)
		return 0;
	h = written_hash(d, b->serial);
	if (!h)
		return -ENOMEM;
	rec[0] = offset;
	rec[1] = s->text ? s->text_len : s->len;
	rec[2] = s->text ? XXH3_64bits(s->text, s->text_len) : 0;
	rec[3] = s->text ? 0 : (uint64_t)s->byte + 1;
	*h = XXH3_64bits_withSeed(rec, sizeof(rec), *h);
	return 0;
}

/* scn_digest_begin - see explore_world.h. */
void scn_digest_begin(struct scn_digest *d)
{
	d->nwritten = 0;
}

/* ------------------------------------------------------------------ */
/* The interface                                                        */
/* ------------------------------------------------------------------ */

/* The finals that read a heap's history: which heaps. */
static void learn_history(struct scn_digest *d, const struct scn_program *p)
{
	unsigned int i, h;

	for (i = 0; i < p->nsteps; i++) {
		const struct scn_expr *e = &p->steps[i].expr;

		if (p->steps[i].op != SCN_OP_FINAL ||
		    (e->term != SCN_TERM_PEAK && e->term != SCN_TERM_FAILURES &&
		     e->term != SCN_TERM_FRAG_FAILURES))
			continue;
		for (h = 0; h < p->board.heaps.n; h++)
			if (strcmp(p->board.heaps.heaps[h].name, e->heap) == 0)
				break;
		if (h < 32 && h < p->board.heaps.n)
			d->history |= 1u << h;
		else
			d->history_all = true;
	}
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].op == SCN_OP_READ)
			d->contents = true;
}

/* scn_digest_new - see explore_world.h. */
struct scn_digest *scn_digest_new(const struct scn_program *p)
{
	struct scn_digest *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->p = p;
	learn_history(d, p);
	if (table_grow(d)) {
		scn_digest_free(d);
		return NULL;
	}
	return d;
}

/* scn_digest_free - see explore_world.h. */
void scn_digest_free(struct scn_digest *d)
{
	if (!d)
		return;
	free(d->words);
	free(d->slots);
	free(d->written);
	free(d);
}

/* A new generation empties the object table without touching it; on
 * the rare wrap the table is really cleared. */
static void table_reset(struct scn_digest *d)
{
	d->used = 0;
	d->next_id = 0;
	if (++d->gen == 0) {
		memset(d->slots, 0, d->nslots * sizeof(*d->slots));
		d->gen = 1;
	}
}

/* scn_digest_state - see explore_world.h. */
int scn_digest_state(struct scn_digest *d, struct scn_run *run,
		     const unsigned int *pc, uint64_t extra, uint64_t out[2])
{
	XXH128_hash_t h;

	d->run = run;
	d->nwords = 0;
	d->failed = false;
	table_reset(d);
	put(d, extra);
	put_actors(d, pc);
	put_unreached(d);
	put_machine(d);
	d->run = NULL;
	if (d->failed)
		return -ENOMEM;
	h = XXH3_128bits(d->words, d->nwords * sizeof(*d->words));
	out[0] = h.low64;
	out[1] = h.high64;
	return 0;
}
