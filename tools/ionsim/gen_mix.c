/*
 * tools/ionsim/gen_mix.c - `ionsim gen mix`: --procs processes allocate,
 * share, send, import, dup, map, write, read and free at random, --steps
 * operations in all.
 *
 * Valid by construction: the generator keeps a model of the references
 * the kernel will hold (per process, the user references of its one ION
 * client's handle for each buffer; per dma-buf, its fds and mappings; per
 * buffer, its handles and live dma-bufs) and draws only operations whose
 * operands are alive and whose limits hold: heap budgets (system 64 MiB
 * of 512 MiB RAM, a 32 MiB chunk heap), 200 fds and 64 mappings per
 * process.  Every 25 operations an expect line states what the model
 * believes (live buffers, a process's handle count, a buffer's reference
 * count), so a replay checks the model against the simulator as it goes.
 *
 * Operation weights: alloc 10, share 8, send 8, import 8, free 9,
 * close 9, dup 2, mmap 5, munmap 5, write 4, read 4, cpu access 3.
 * Sizes: 4K 30, 16K 20, 64K 20, 256K 15, 1M 10, 4M 5; one buffer in four
 * (of 1M or less) goes to the chunk heap, the rest to the system heap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tools/ionsim/gen_internal.h"

#define SYSTEM_BUDGET (64ULL << 20)
#define CHUNK_BYTES (64ULL << 10)
#define CHUNK_HEAP (32ULL << 20)
#define FD_CAP 200		/* per process, stdio and /dev/ion included */
#define MAP_CAP 64
#define CHECK_EVERY 25
#define DRAIN_EVERY 64
#define ATTEMPTS 64		/* draws before an operation is given up */

enum { H_SYSTEM, H_CHUNK };
static const char *const heap_names[] = { "system", "chunk" };

struct mbuf {
	int heap;
	uint64_t cost;		/* budget units: bytes (system), chunks */
	unsigned int *uref;	/* per process: user refs of its handle */
	unsigned int handles;	/* processes with a handle */
	unsigned int files;	/* live dma-bufs */
	unsigned long tag;	/* last tag written, 0: still zero */
};

struct mfile {
	size_t buf;
	unsigned int refs;	/* fds and mappings */
};

/* A variable: what it names (a buffer for a handle, a file otherwise). */
struct mvar {
	unsigned long name;
	unsigned int proc;
	size_t obj;
};

struct vlist {
	struct mvar *v;
	size_t n, cap;
};

struct mix {
	struct gen *g;
	unsigned int procs;
	struct mbuf *bufs;
	size_t nbufs, bufs_cap;
	struct mfile *files;
	size_t nfiles, files_cap;
	struct vlist handles, fds, maps;
	unsigned int *nfds, *nmaps, *nhandles;	/* per process */
	size_t live;
	uint64_t used[2];	/* system bytes, chunk chunks */
	unsigned long next_name;	/* the next never-used variable number */
	unsigned long next_tag;		/* the next text written into a buffer */
	/* Numbers of variables whose object is gone, reused so that a long
	 * trace names a bounded set of variables (the parser's limit). */
	unsigned long *free_names;
	size_t nfree, free_cap;
};

/* Processes are p1, p2, ...: process index i is written "p%u", i + 1. */
#define PN(i) ((i) + 1)

/* ---- the model ------------------------------------------------------ */

static struct mvar *var_add(struct mix *x, struct vlist *l, unsigned int proc,
			    size_t obj)
{
	struct mvar *v;

	if (gen_grow(x->g, (void **)&l->v, l->n, &l->cap, sizeof(*v)))
		return NULL;
	v = &l->v[l->n++];
	v->name = x->nfree ? x->free_names[--x->nfree] : x->next_name++;
	v->proc = proc;
	v->obj = obj;
	return v;
}

/* Forget variable @i of @l; its number may name a later variable (the
 * language lets a name be bound again; nothing refers to the old one). */
static void var_del(struct mix *x, struct vlist *l, size_t i)
{
	if (!gen_grow(x->g, (void **)&x->free_names, x->nfree, &x->free_cap,
		      sizeof(*x->free_names)))
		x->free_names[x->nfree++] = l->v[i].name;
	l->v[i] = l->v[--l->n];
}

static struct mvar *var_pick(struct mix *x, struct vlist *l)
{
	return l->n ? &l->v[sim_rng_below(&x->g->rng, l->n)] : NULL;
}

/* A buffer with no handle and no dma-buf is gone (or deferred). */
static void buf_maybe_dies(struct mix *x, size_t b)
{
	struct mbuf *m = &x->bufs[b];

	if (m->handles || m->files || !m->uref)
		return;
	x->used[m->heap] -= m->cost;
	free(m->uref);
	m->uref = NULL;
	x->live--;
}

static void file_put(struct mix *x, size_t f)
{
	if (--x->files[f].refs == 0) {
		x->bufs[x->files[f].buf].files--;
		buf_maybe_dies(x, x->files[f].buf);
	}
}

/* One more user reference on @proc's handle for @b. */
static void handle_get(struct mix *x, unsigned int proc, size_t b)
{
	struct mbuf *m = &x->bufs[b];

	if (m->uref[proc]++ == 0) {
		m->handles++;
		x->nhandles[proc]++;
	}
}

/* One user reference fewer; at zero the handle goes, and with it every
 * variable that named it. */
static void handle_put(struct mix *x, unsigned int proc, size_t b)
{
	struct mbuf *m = &x->bufs[b];
	size_t i = 0;

	if (--m->uref[proc])
		return;
	while (i < x->handles.n) {
		struct mvar *v = &x->handles.v[i];

		if (v->proc == proc && v->obj == b)
			var_del(x, &x->handles, i);
		else
			i++;
	}
	m->handles--;
	x->nhandles[proc]--;
	buf_maybe_dies(x, b);
}

static unsigned int buf_refs(const struct mix *x, size_t b)
{
	return x->bufs[b].handles + x->bufs[b].files;
}

/* ---- operations: each returns false when it cannot run now ------------- */

static bool op_alloc(struct mix *x)
{
	static const uint64_t sizes[] = { 4 << 10, 16 << 10, 64 << 10,
					  256 << 10, 1 << 20, 4 << 20 };
	static const unsigned int weights[] = { 30, 20, 20, 15, 10, 5 };
	struct gen *g = x->g;
	uint64_t bytes = sizes[gen_pick(g, weights, 6)];
	unsigned int p = (unsigned int)sim_rng_below(&g->rng, x->procs);
	int heap = bytes <= (1 << 20) && gen_one_in(g, 4) ? H_CHUNK : H_SYSTEM;
	uint64_t cost = heap == H_CHUNK ?
		(bytes + CHUNK_BYTES - 1) / CHUNK_BYTES : bytes;
	uint64_t budget = heap == H_CHUNK ? CHUNK_HEAP / CHUNK_BYTES :
		SYSTEM_BUDGET;
	struct mbuf *m;
	struct mvar *v;

	if (x->used[heap] + cost > budget ||
	    gen_grow(g, (void **)&x->bufs, x->nbufs, &x->bufs_cap, sizeof(*m)))
		return false;
	m = &x->bufs[x->nbufs];
	*m = (struct mbuf){ .heap = heap, .cost = cost };
	m->uref = calloc(x->procs, sizeof(*m->uref));
	v = m->uref ? var_add(x, &x->handles, p, x->nbufs) : NULL;
	if (!v) {
		free(m->uref);
		g->err = -ENOMEM;
		return false;
	}
	x->nbufs++;
	x->used[heap] += cost;
	x->live++;
	handle_get(x, p, v->obj);
	gen_line(g, "p%u alloc ion %lluK heap=%s -> h%lu", PN(p),
		 (unsigned long long)(bytes >> 10), heap_names[heap], v->name);
	return true;
}

/* A new dma-buf of @b with one fd in @proc (share) */
static struct mvar *file_new(struct mix *x, unsigned int proc, size_t b)
{
	struct mfile *f;

	if (gen_grow(x->g, (void **)&x->files, x->nfiles, &x->files_cap,
		     sizeof(*f)))
		return NULL;
	f = &x->files[x->nfiles];
	f->buf = b;
	f->refs = 1;
	if (!var_add(x, &x->fds, proc, x->nfiles))
		return NULL;
	x->nfiles++;
	x->bufs[b].files++;
	x->nfds[proc]++;
	return &x->fds.v[x->fds.n - 1];
}

static bool op_share(struct mix *x)
{
	struct mvar *h = var_pick(x, &x->handles), *d;
	unsigned long hname;
	unsigned int p;

	if (!h || x->nfds[h->proc] >= FD_CAP)
		return false;
	hname = h->name;
	p = h->proc;
	d = file_new(x, p, h->obj);
	if (!d)
		return false;
	gen_line(x->g, "p%u share ion h%lu -> d%lu", PN(p), hname,
		 d->name);
	return true;
}

/* Another fd on an existing file, in @proc: send and dup. */
static struct mvar *fd_copy(struct mix *x, const struct mvar *from,
			    unsigned int proc)
{
	size_t f = from->obj;
	struct mvar *d = var_add(x, &x->fds, proc, f);

	if (!d)
		return NULL;
	x->files[f].refs++;
	x->nfds[proc]++;
	return d;
}

static bool op_send(struct mix *x)
{
	struct mvar *d = var_pick(x, &x->fds), *n;
	unsigned int q, p;
	unsigned long dname;

	if (!d || x->procs < 2)
		return false;
	p = d->proc;
	dname = d->name;
	q = (p + 1 + (unsigned int)sim_rng_below(&x->g->rng, x->procs - 1)) %
	    x->procs;
	if (x->nfds[q] >= FD_CAP || !(n = fd_copy(x, d, q)))
		return false;
	gen_line(x->g, "p%u send d%lu to p%u -> d%lu", PN(p), dname,
		 PN(q), n->name);
	return true;
}

static bool op_dup(struct mix *x)
{
	struct mvar *d = var_pick(x, &x->fds), *n;
	unsigned long dname;
	unsigned int p;

	if (!d || x->nfds[d->proc] >= FD_CAP)
		return false;
	p = d->proc;
	dname = d->name;
	if (!(n = fd_copy(x, d, p)))
		return false;
	gen_line(x->g, "p%u dup d%lu -> d%lu", PN(p), dname, n->name);
	return true;
}

static bool op_import(struct mix *x)
{
	struct mvar *d = var_pick(x, &x->fds), *h;
	size_t b;
	unsigned long dname;
	unsigned int p;

	if (!d)
		return false;
	p = d->proc;
	dname = d->name;
	b = x->files[d->obj].buf;
	if (!(h = var_add(x, &x->handles, p, b)))
		return false;
	handle_get(x, p, b);
	gen_line(x->g, "p%u import ion d%lu -> h%lu", PN(p), dname,
		 h->name);
	return true;
}

static bool op_free(struct mix *x)
{
	struct mvar *h = var_pick(x, &x->handles);
	unsigned int p;
	size_t b;

	if (!h)
		return false;
	p = h->proc;
	b = h->obj;
	gen_line(x->g, "p%u free ion h%lu", PN(p), h->name);
	handle_put(x, p, b);
	return true;
}

static bool op_close(struct mix *x)
{
	struct mvar *d = var_pick(x, &x->fds);
	size_t f;

	if (!d)
		return false;
	gen_line(x->g, "p%u close d%lu", PN(d->proc), d->name);
	f = d->obj;
	x->nfds[d->proc]--;
	var_del(x, &x->fds, (size_t)(d - x->fds.v));
	file_put(x, f);
	return true;
}

static bool op_mmap(struct mix *x)
{
	struct mvar *d = var_pick(x, &x->fds), *m;
	unsigned long dname;
	unsigned int p;
	size_t f;

	if (!d || x->nmaps[d->proc] >= MAP_CAP)
		return false;
	p = d->proc;
	dname = d->name;
	f = d->obj;
	if (!(m = var_add(x, &x->maps, p, f)))
		return false;
	x->files[f].refs++;
	x->nmaps[p]++;
	gen_line(x->g, "p%u mmap d%lu prot=rw -> m%lu", PN(p), dname,
		 m->name);
	return true;
}

static bool op_munmap(struct mix *x)
{
	struct mvar *m = var_pick(x, &x->maps);
	size_t f;

	if (!m)
		return false;
	gen_line(x->g, "p%u munmap m%lu", PN(m->proc), m->name);
	f = m->obj;
	x->nmaps[m->proc]--;
	var_del(x, &x->maps, (size_t)(m - x->maps.v));
	file_put(x, f);
	return true;
}

static bool op_write(struct mix *x)
{
	struct mvar *m = var_pick(x, &x->maps);
	struct mbuf *b;

	if (!m)
		return false;
	b = &x->bufs[x->files[m->obj].buf];
	b->tag = x->next_tag++;
	gen_line(x->g, "p%u write m%lu 0 \"t%lu\"", PN(m->proc), m->name,
		 b->tag);
	return true;
}

/* The last tag written through any mapping of the buffer, or the zeros
 * ION hands every new buffer out with. */
static bool op_read(struct mix *x)
{
	struct mvar *m = var_pick(x, &x->maps);
	const struct mbuf *b;

	if (!m)
		return false;
	b = &x->bufs[x->files[m->obj].buf];
	if (b->tag)
		gen_line(x->g, "p%u read m%lu 0 \"t%lu\"", PN(m->proc),
			 m->name, b->tag);
	else
		gen_line(x->g, "p%u read m%lu 0 \"\\x00\\x00\\x00\\x00\"",
			 PN(m->proc), m->name);
	return true;
}

static bool op_cpu(struct mix *x)
{
	struct mvar *d = var_pick(x, &x->fds);

	if (!d)
		return false;
	gen_line(x->g, "p%u cpu_begin d%lu rw", PN(d->proc), d->name);
	gen_line(x->g, "p%u cpu_end d%lu rw", PN(d->proc), d->name);
	return true;
}

/* ---- the trace -------------------------------------------------------- */

static bool (*const ops[])(struct mix *x) = {
	op_alloc, op_share, op_send, op_import, op_free, op_close,
	op_dup, op_mmap, op_munmap, op_write, op_read, op_cpu,
};
static const unsigned int op_weights[] = { 10, 8, 8, 8, 9, 9, 2, 5, 5, 4, 4, 3 };
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* What the model believes, stated for the replay to check. */
static void check(struct mix *x)
{
	struct gen *g = x->g;
	unsigned int p = (unsigned int)sim_rng_below(&g->rng, x->procs);
	struct mvar *h = var_pick(x, &x->handles);

	gen_line(g, "expect live_buffers == %zu", x->live);
	gen_line(g, "expect handles p%u == %u", PN(p), x->nhandles[p]);
	if (h)
		gen_line(g, "expect refs p%u h%lu == %u", PN(h->proc),
			 h->name, buf_refs(x, h->obj));
}

static void one_step(struct mix *x, unsigned long i)
{
	unsigned int tries;

	for (tries = 0; tries < ATTEMPTS && !x->g->err; tries++) {
		if (ops[gen_pick(x->g, op_weights, NOPS)](x))
			break;
	}
	if ((i + 1) % CHECK_EVERY == 0)
		check(x);
	if ((i + 1) % DRAIN_EVERY == 0) {
		gen_line(x->g, "kernel drain system");
		gen_line(x->g, "kernel drain chunk");
	}
}

static void prologue(struct mix *x)
{
	struct gen *g = x->g;
	unsigned int p;

	gen_line(g, "ram 512M");
	gen_line(g, "heap system type=system id=0");
	gen_line(g, "heap chunk  type=chunk  id=3 size=32M chunk=64K");
	gen_blank(g);
	for (p = 0; p < x->procs; p++)
		gen_line(g, "process p%u", PN(p));
	gen_blank(g);
	for (p = 0; p < x->procs; p++) {
		gen_line(g, "p%u open /dev/ion -> ion", PN(p));
		x->nfds[p] = 4;	/* stdio and /dev/ion */
	}
}

static void epilogue(struct mix *x)
{
	struct gen *g = x->g;

	gen_blank(g);
	check(x);
	for (unsigned int p = 0; p < x->procs; p++)
		gen_line(g, "p%u exit", PN(p));
	gen_line(g, "kernel drain system");
	gen_line(g, "kernel drain chunk");
	gen_line(g, "final live_buffers == 0");
	gen_line(g, "final leaks == 0");
	gen_line(g, "final used system == 0");
	gen_line(g, "final used chunk == 0");
}

static void mix_free(struct mix *x)
{
	for (size_t b = 0; b < x->nbufs; b++)
		free(x->bufs[b].uref);
	free(x->bufs);
	free(x->files);
	free(x->handles.v);
	free(x->fds.v);
	free(x->maps.v);
	free(x->nfds);
	free(x->nmaps);
	free(x->nhandles);
	free(x->free_names);
}

int gen_mix(struct gen *g)
{
	struct mix x = { .g = g, .procs = g->o->procs, .next_name = 1,
			 .next_tag = 1 };
	unsigned long i;

	x.nfds = calloc(x.procs, sizeof(*x.nfds));
	x.nmaps = calloc(x.procs, sizeof(*x.nmaps));
	x.nhandles = calloc(x.procs, sizeof(*x.nhandles));
	if (!x.nfds || !x.nmaps || !x.nhandles) {
		mix_free(&x);
		return -ENOMEM;
	}
	gen_header(g, "A random multi-process mix of alloc, share, send, "
		   "import, dup, mmap,\nwrite, read, CPU access and free "
		   "(weights in tools/ionsim/gen_mix.c),\nchecked against "
		   "the generator's model every 25 operations.");
	prologue(&x);
	for (i = 0; i < g->o->steps && !g->err; i++)
		one_step(&x, i);
	epilogue(&x);
	mix_free(&x);
	return g->err;
}
