/*
 * tools/ionsim/gen_gralloc.c - `ionsim gen gralloc`: a gralloc-like mix of
 * graphics buffers on the system heap.
 *
 * An allocator service (Android's graphics allocator HAL) allocates each
 * buffer, shares it, sends the fd to the app that asked (one of --procs
 * apps, uniformly) and, for buffers that reach the screen, to
 * SurfaceFlinger; then it drops its own handle and fd, as the real
 * allocator does.  Every buffer is therefore an ION orphan held by the
 * fds of its users.  --steps events follow one another; at each event,
 * buffers whose lifetime is over are released by their holders, then one
 * of: allocate a buffer (weight 2), or use a live one (weight 3): the
 * app draws into it (CPU buffers: a tagged write between cpu_begin and
 * cpu_end, read back; GPU buffers: a DMA map of the app's GPU attachment)
 * and SurfaceFlinger scans it out (a DMA map of its display attachment).
 * Every 32 events the kernel's deferred-free thread runs (kernel drain).
 *
 * The buffer classes, their sizes, draw weights and mean lifetimes
 * (events; each lifetime is uniform on [1, 2 x mean - 1]):
 *
 *   class             size (bytes)          weight  mean life  screen  CPU
 *   full screen       1080x2400x4 10368000  20      400        yes     no
 *   status bar        1080x96x4     414720  10      1000       yes     yes
 *   navigation bar    1080x144x4    622080  10      1000       yes     yes
 *   video frame       1920x1080x1.5 3110400 20      40         yes     no
 *   camera preview    1280x720x1.5  1382400 15      60         yes     no
 *   texture           256x256x4     262144  20      120        no      yes
 *   cursor            64x64x4       16384   5       2000       yes     yes
 *
 * Live memory is kept under 192 MiB of a 1 GiB machine, and under 256
 * buffers (an allocation that would pass either becomes a use), so the
 * system heap never runs dry and no process nears its fd limit.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "tools/ionsim/gen_internal.h"

#define BUDGET (192ULL << 20)
#define MAX_LIVE 256		/* SurfaceFlinger's fds stay far below nofile */
#define DRAIN_EVERY 32
#define ALLOC_WEIGHT 2
#define USE_WEIGHT 3

struct buf_class {
	const char *name;
	uint64_t bytes;
	unsigned int weight;
	unsigned long mean_life;
	bool screen;		/* also sent to SurfaceFlinger */
	bool cpu;		/* drawn by the CPU (mapped) rather than the GPU */
};

static const struct buf_class classes[] = {
	{ "full screen", 10368000, 20, 400, true, false },
	{ "status bar", 414720, 10, 1000, true, true },
	{ "navigation bar", 622080, 10, 1000, true, true },
	{ "video frame", 3110400, 20, 40, true, false },
	{ "camera preview", 1382400, 15, 60, true, false },
	{ "texture", 262144, 20, 120, false, true },
	{ "cursor", 16384, 5, 2000, true, true },
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

/* A live buffer: its number names its variables (g<n>, m<n>, a<n>, s<n>). */
struct gbuf {
	unsigned long id;
	unsigned int cls;
	unsigned int app;	/* 1..procs */
	unsigned long dies;	/* the event at which it is released */
	unsigned long tag;	/* last tag written, 0: none */
};

struct gralloc {
	struct gen *g;
	struct gbuf *live;
	size_t nlive, cap;
	uint64_t bytes;		/* page-aligned bytes live */
	unsigned long next_id;	/* the next never-used buffer number */
	unsigned long event;
	/* Numbers of released buffers, reused so that a long trace names a
	 * bounded set of variables (the parser's limit). */
	unsigned long *free_ids;
	size_t nfree, free_cap;
};

static void machine(struct gralloc *s)
{
	struct gen *g = s->g;

	gen_line(g, "ram 1G");
	gen_line(g, "heap system type=system id=0");
	gen_blank(g);
	gen_line(g, "process allocator");
	gen_line(g, "process surfaceflinger");
	for (unsigned int a = 1; a <= g->o->procs; a++)
		gen_line(g, "process app%u", a);
	gen_blank(g);
	gen_line(g, "allocator open /dev/ion -> ion");
}

/* The allocator's part, then each holder's set-up of the new buffer. */
static void allocate(struct gralloc *s, unsigned int cls)
{
	struct gen *g = s->g;
	const struct buf_class *c = &classes[cls];
	struct gbuf *b;

	if (gen_grow(g, (void **)&s->live, s->nlive, &s->cap, sizeof(*b)))
		return;
	b = &s->live[s->nlive++];
	b->id = s->nfree ? s->free_ids[--s->nfree] : s->next_id++;
	b->cls = cls;
	b->app = 1 + (unsigned int)sim_rng_below(&g->rng, g->o->procs);
	b->dies = s->event + gen_lifetime(g, c->mean_life);
	b->tag = 0;
	s->bytes += gen_page_align(c->bytes);

	gen_line(g, "# event %lu: %s for app%u", s->event, c->name, b->app);
	gen_line(g, "allocator alloc ion %llu heap=system -> h",
		 (unsigned long long)c->bytes);
	gen_line(g, "allocator share ion h -> x");
	gen_line(g, "allocator send x to app%u -> g%lu", b->app, b->id);
	if (c->screen)
		gen_line(g, "allocator send x to surfaceflinger -> g%lu", b->id);
	gen_line(g, "allocator free ion h");
	gen_line(g, "allocator close x");
	if (c->cpu)
		gen_line(g, "app%u mmap g%lu prot=rw -> m%lu", b->app, b->id,
			 b->id);
	else
		gen_line(g, "app%u attach g%lu gpu -> a%lu", b->app, b->id,
			 b->id);
	if (c->screen)
		gen_line(g, "surfaceflinger attach g%lu dpu -> s%lu", b->id,
			 b->id);
}

/* One frame drawn into @b and, if it is on screen, scanned out. */
static void use(struct gralloc *s, struct gbuf *b)
{
	struct gen *g = s->g;
	const struct buf_class *c = &classes[b->cls];

	if (c->cpu) {
		b->tag = s->event + 1;
		gen_line(g, "app%u cpu_begin g%lu write", b->app, b->id);
		gen_line(g, "app%u write m%lu 0 \"t%lu\"", b->app, b->id,
			 b->tag);
		gen_line(g, "app%u cpu_end g%lu write", b->app, b->id);
		gen_line(g, "app%u read m%lu 0 \"t%lu\"", b->app, b->id,
			 b->tag);
	} else {
		gen_line(g, "app%u dmamap a%lu", b->app, b->id);
		gen_line(g, "app%u dmaunmap a%lu", b->app, b->id);
	}
	if (c->screen) {
		gen_line(g, "surfaceflinger dmamap s%lu", b->id);
		gen_line(g, "surfaceflinger dmaunmap s%lu", b->id);
	}
}

/* Every holder lets go of live[i]; the last one frees the buffer. */
static void release(struct gralloc *s, size_t i)
{
	struct gen *g = s->g;
	struct gbuf *b = &s->live[i];
	const struct buf_class *c = &classes[b->cls];

	if (c->cpu)
		gen_line(g, "app%u munmap m%lu", b->app, b->id);
	else
		gen_line(g, "app%u detach a%lu", b->app, b->id);
	gen_line(g, "app%u close g%lu", b->app, b->id);
	if (c->screen) {
		gen_line(g, "surfaceflinger detach s%lu", b->id);
		gen_line(g, "surfaceflinger close g%lu", b->id);
	}
	s->bytes -= gen_page_align(c->bytes);
	if (!gen_grow(g, (void **)&s->free_ids, s->nfree, &s->free_cap,
		      sizeof(*s->free_ids)))
		s->free_ids[s->nfree++] = b->id;
	s->live[i] = s->live[--s->nlive];
}

static void release_expired(struct gralloc *s)
{
	size_t i = 0;

	while (i < s->nlive) {
		if (s->live[i].dies <= s->event)
			release(s, i);	/* the last one moved into i */
		else
			i++;
	}
}

static void event(struct gralloc *s)
{
	static const unsigned int what[] = { ALLOC_WEIGHT, USE_WEIGHT };
	unsigned int weights[NCLASSES], cls, i;
	struct gen *g = s->g;

	release_expired(s);
	for (i = 0; i < NCLASSES; i++)
		weights[i] = classes[i].weight;
	cls = gen_pick(g, weights, NCLASSES);
	if (gen_pick(g, what, 2) == 0 && s->nlive < MAX_LIVE &&
	    s->bytes + gen_page_align(classes[cls].bytes) <= BUDGET)
		allocate(s, cls);
	else if (s->nlive)
		use(s, &s->live[sim_rng_below(&g->rng, s->nlive)]);
	if ((s->event + 1) % DRAIN_EVERY == 0)
		gen_line(g, "kernel drain system");
}

static void finish(struct gralloc *s)
{
	struct gen *g = s->g;

	gen_blank(g);
	gen_line(g, "expect live_buffers == %zu", s->nlive);
	gen_line(g, "expect orphaned == %zu", s->nlive);
	/* Attachments are the devices', not the processes': an exit would
	 * leave them (and their buffers) behind, so every holder lets go
	 * first, as at the end of each buffer's life. */
	while (s->nlive)
		release(s, s->nlive - 1);
	gen_line(g, "expect live_buffers == 0");
	gen_line(g, "allocator exit");
	for (unsigned int a = 1; a <= g->o->procs; a++)
		gen_line(g, "app%u exit", a);
	gen_line(g, "surfaceflinger exit");
	gen_line(g, "kernel drain system");
	gen_line(g, "final live_buffers == 0");
	gen_line(g, "final leaks == 0");
	gen_line(g, "final used system == 0");
}

int gen_gralloc(struct gen *g)
{
	struct gralloc s = { .g = g, .next_id = 1 };

	gen_header(g, "A gralloc-like workload: an allocator service hands "
		   "graphics buffers of\nAndroid-like sizes and lifetimes to "
		   "--procs apps and SurfaceFlinger\n(see tools/ionsim/"
		   "gen_gralloc.c for the distributions).");
	machine(&s);
	for (s.event = 0; s.event < g->o->steps && !g->err; s.event++)
		event(&s);
	finish(&s);
	free(s.live);
	free(s.free_ids);
	return g->err;
}
