/*
 * bench/bench_explore.c - the explorer's own speed, on a toy world sized
 * like the SPIN reference of ../shared/BENCHMARKS.md: three actors of
 * 6 + 5 + 4 = 15 steps (630,630 orderings before any constraint), a
 * camera, a compositor and an app over four shared objects (the device,
 * a heap, a buffer, the fd channel).  The compositor's import waits for
 * the camera's send, refcount updates add (so many orders meet in one
 * state) and heap placements depend on the order.  Its steps are coarse,
 * so it has a few hundred states where SPIN's finer Promela model has
 * 2,366: the hashed searches end in a millisecond, too soon to time.  A
 * second workload, the grid (4 actors of 6 steps, each step rewriting one
 * of 3 shared variables in an order-sensitive way), has a state space big
 * enough to time the visited set and the replays.  Both worlds are cheap
 * on purpose: what is measured is the engine (replay, bookkeeping, the
 * visited set), not a model.
 *
 * Printed, as medians of $IONSIM_BENCH_RUNS runs (default 5): for each
 * search (plain, sleep sets, state hashing, both; the grid only with
 * hashing, its plain search being 10^12 executions long), the executions
 * and completed executions, states stored and matched, executions per
 * second, states stored per second (SPIN's rate), states visited (stored
 * + matched) per second, and the world steps run per execution (replay
 * included).  Then the reductions: plain completed
 * executions over those with sleep sets (Mazurkiewicz traces), and plain
 * executions over each reduced search's.  Never asserts.
 */
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "benchlib.h"
#include "ionsim/explore.h"

enum { DEV, HEAP, BUF, CHAN, NOBJ };
enum { CAMERA, COMPOSITOR, APP, NACTORS };
#define MAX_STEPS 6

/* One object a step touches, and how: add @arg, or mix it in (x = 3x +
 * arg), which remembers the order. */
struct touch {
	unsigned char obj;
	bool mix;
	signed char arg;
};

struct step {
	struct touch t[2];
	unsigned int n;		/* touches */
	bool needs_send;	/* enabled once the channel holds the fd */
};

static const struct step program[NACTORS][MAX_STEPS] = {
	[CAMERA] = {
		{ { { DEV, false, 1 } }, 1, false },		/* open */
		{ { { HEAP, true, 1 }, { BUF, false, 1 } }, 2, false },
		{ { { BUF, false, 1 } }, 1, false },		/* share */
		{ { { CHAN, false, 1 } }, 1, false },		/* send */
		{ { { BUF, false, -1 } }, 1, false },		/* free */
		{ { { DEV, false, -1 }, { BUF, false, -1 } }, 2, false },
	},
	[COMPOSITOR] = {
		{ { { DEV, false, 1 } }, 1, false },		/* open */
		{ { { CHAN, false, -1 }, { BUF, false, 1 } }, 2, true },
		{ { { BUF, false, 1 } }, 1, false },		/* map */
		{ { { BUF, false, -1 } }, 1, false },		/* unmap */
		{ { { DEV, false, -1 }, { BUF, false, -1 } }, 2, false },
	},
	[APP] = {
		{ { { DEV, false, 1 } }, 1, false },		/* open */
		{ { { HEAP, true, 2 } }, 1, false },		/* alloc */
		{ { { HEAP, true, 3 } }, 1, false },		/* free */
		{ { { DEV, false, -1 } }, 1, false },		/* exit */
	},
};
static const unsigned int nsteps[NACTORS] = { 6, 5, 4 };

struct world {
	struct {
		unsigned int pc[NACTORS];
		int obj[NOBJ];
	} s;			/* the state, hashed whole */
	uint64_t steps;		/* world steps run, replays included */
};

static uint64_t footprint(const struct step *st)
{
	uint64_t fp = 0;
	unsigned int i;

	for (i = 0; i < st->n; i++)
		fp |= (uint64_t)1 << st->t[i].obj;
	return fp;
}

static void run_step(struct world *w, unsigned int a)
{
	const struct step *st = &program[a][w->s.pc[a]++];
	unsigned int i;

	for (i = 0; i < st->n; i++) {
		int *x = &w->s.obj[st->t[i].obj];

		*x = st->t[i].mix ? (*x * 3 + st->t[i].arg) % 251 :
				    *x + st->t[i].arg;
	}
	w->steps++;
}

/* False when the state was seen: as a real world, hashes only when the
 * explorer will look. */
static bool state(struct world *w, struct sim_explore *e)
{
	XXH128_hash_t h;

	if (!sim_explore_wants_state(e))
		return true;
	h = XXH3_128bits(&w->s, sizeof(w->s));
	return sim_explore_state(e, h.low64, h.high64);
}

/* The actors that can move, with their next steps' footprints. */
static unsigned int enabled(const struct world *w, unsigned int *labels,
			    uint64_t *fps)
{
	unsigned int a, n = 0;

	for (a = 0; a < NACTORS; a++) {
		const struct step *st = &program[a][w->s.pc[a]];

		if (w->s.pc[a] == nsteps[a] ||
		    (st->needs_send && w->s.obj[CHAN] <= 0))
			continue;
		labels[n] = a;
		fps[n++] = footprint(st);
	}
	return n;
}

static int world_run(void *ctx, struct sim_explore *e)
{
	struct world *w = ctx;

	memset(&w->s, 0, sizeof(w->s));
	if (!state(w, e))
		return 0;
	for (;;) {
		unsigned int labels[NACTORS], n;
		uint64_t fps[NACTORS];
		int k;

		n = enabled(w, labels, fps);
		if (!n)
			return 0;
		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, n, labels, fps);
		if (k < 0)
			return 0;
		run_step(w, labels[k]);
		if (!state(w, e))
			return 0;
	}
}

/* --- the grid -------------------------------------------------------- */

#define GRID_ACTORS 4
#define GRID_STEPS 6
#define GRID_VARS 3

struct grid {
	struct {
		unsigned int pc[GRID_ACTORS];
		unsigned int x[GRID_VARS];
	} s;			/* the state, hashed whole */
	uint64_t steps;		/* world steps run, replays included */
};

/* The variable step @pc of actor @a rewrites. */
static unsigned int grid_var(unsigned int a, unsigned int pc)
{
	return (a + pc) % GRID_VARS;
}

static bool grid_state(struct grid *g, struct sim_explore *e)
{
	XXH128_hash_t h;

	if (!sim_explore_wants_state(e))
		return true;
	h = XXH3_128bits(&g->s, sizeof(g->s));
	return sim_explore_state(e, h.low64, h.high64);
}

static int grid_run(void *ctx, struct sim_explore *e)
{
	struct grid *g = ctx;

	memset(&g->s, 0, sizeof(g->s));
	while (grid_state(g, e)) {
		unsigned int labels[GRID_ACTORS], a, n = 0, v;
		uint64_t fps[GRID_ACTORS];
		int k;

		for (a = 0; a < GRID_ACTORS; a++) {
			if (g->s.pc[a] < GRID_STEPS) {
				labels[n] = a;
				fps[n++] = (uint64_t)1 << grid_var(a, g->s.pc[a]);
			}
		}
		if (!n)
			return 0;
		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, n, labels, fps);
		if (k < 0)
			return 0;
		a = labels[k];
		v = grid_var(a, g->s.pc[a]++);
		g->s.x[v] = (g->s.x[v] * 3 + a + 1) % 7;
		g->steps++;
	}
	return 0;
}

/* --- measuring ------------------------------------------------------- */

/* A world to measure, and its step counter. */
struct workload {
	struct sim_explore_world world;
	uint64_t *steps;
};

struct figures {
	struct sim_explore_stats st;	/* of the last run */
	double seconds;			/* median */
	double steps_per_exec;
};

static void measure(const struct workload *wl, bool hashing, bool sleep,
		    struct figures *f)
{
	struct sim_explore_opts o;
	double secs[1000];
	unsigned int i, runs = bench_runs();

	sim_explore_opts_init(&o);
	o.hashing = hashing;
	o.sleep_sets = sleep;
	for (i = 0; i < runs; i++) {
		uint64_t t0 = bench_now_ns();

		*wl->steps = 0;
		sim_explore_run(&wl->world, &o, NULL, NULL, &f->st);
		secs[i] = (double)(bench_now_ns() - t0) * 1e-9;
	}
	f->seconds = bench_median(secs, runs);
	f->steps_per_exec = (double)*wl->steps / (double)f->st.executions;
}

static void print_row(const char *name, const struct figures *f)
{
	const struct sim_explore_stats *st = &f->st;

	printf("%-16s %8llu %8llu %7llu %7llu %7.3f %10.0f %10.0f %10.0f "
	       "%5.1f\n", name, (unsigned long long)st->executions,
	       (unsigned long long)st->completed,
	       (unsigned long long)st->states_stored,
	       (unsigned long long)st->states_matched, f->seconds,
	       (double)st->executions / f->seconds,
	       (double)st->states_stored / f->seconds,
	       (double)(st->states_stored + st->states_matched) / f->seconds,
	       f->steps_per_exec);
}

static void print_header(const char *title)
{
	printf("\n%s, median of %u runs\n", title, bench_runs());
	printf("%-16s %8s %8s %7s %7s %7s %10s %10s %10s %5s\n", "search",
	       "execs", "complete", "stored", "matched", "seconds",
	       "execs/s", "stored/s", "visited/s", "steps");
}

static const char *const names[4] = {
	"plain", "sleep sets", "hashing", "sleep + hashing",
};

/* The grid, hashed searches only. */
static void bench_grid(void)
{
	struct grid g;
	struct workload wl = { { .ctx = &g, .run = grid_run }, &g.steps };
	struct figures f;
	unsigned int i;

	print_header("grid (4 actors x 6 steps over 3 shared variables)");
	for (i = 2; i < 4; i++) {
		measure(&wl, true, i & 1, &f);
		print_row(names[i], &f);
	}
}

int main(void)
{
	struct world w;
	struct workload wl = { { .ctx = &w, .run = world_run }, &w.steps };
	struct figures f[4];
	unsigned int i;

	print_header("SPIN-sized toy (3 actors, 15 steps)");
	for (i = 0; i < 4; i++) {
		measure(&wl, i & 2, i & 1, &f[i]);
		print_row(names[i], &f[i]);
	}
	printf("sleep sets: %.1fx fewer completed executions (traces), "
	       "%.1fx fewer executions\n",
	       (double)f[0].st.completed / (double)f[1].st.completed,
	       (double)f[0].st.executions / (double)f[1].st.executions);
	printf("hashing: %.1fx fewer executions; both: %.1fx\n",
	       (double)f[0].st.executions / (double)f[2].st.executions,
	       (double)f[0].st.executions / (double)f[3].st.executions);
	bench_grid();
	return 0;
}
