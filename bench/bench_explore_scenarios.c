/*
 * bench/bench_explore_scenarios.c - the explorer on real scenario files:
 * the world is a parsed .ion program (scenarios/lang/explore_world.h),
 * so every execution boots a simulated ION machine and runs the actors'
 * steps through the interpreter, with a quick audit after each step and
 * the full one at the end.  bench_explore.c times the engine on a toy
 * world; this one times what `ionsim explore FILE` does.
 *
 * Scenarios (from the source tree, IONSIM_SOURCE_DIR, or the directory
 * given as the first argument):
 *   scenarios/lifetime/three_procs_explore.ion - the SPIN reference of
 *     ../shared/BENCHMARKS.md, whose figures are printed beside it;
 *   scenarios/sharing/camera_compositor.ion - the camera pipeline, far
 *     too large to explore whole without hashing: its searches without
 *     hashing are bounded by a number of executions (the output says
 *     so); the hashed ones are complete;
 *   scenarios/explore/camera_pipeline.ion - a camera and a compositor
 *     sharing one frame, small enough to explore every order without
 *     hashing (C(19,9) = 92,378): the partial-order reduction's figure;
 *   scenarios/explore/frame_handoff.ion - the small handoff example.
 *
 * For each, four searches (plain; sleep sets only; hashing only; both),
 * each the median of $IONSIM_BENCH_RUNS runs (default 5) when one run
 * takes under a second, else of that one run.  Printed: executions,
 * completed schedules, states stored and matched, violations, seconds,
 * executions per second, states stored per second (SPIN's rate) and
 * states visited (stored + matched) per second; then the reduction
 * factors in completed schedules: plain over sleep sets, plain over both.
 * Never asserts.
 *
 *   cmake -S . -B build/b7 -DCMAKE_BUILD_TYPE=Release
 *   cmake --build build/b7 --target bench_explore_scenarios -j2
 *   build/b7/bench/bench_explore_scenarios [SOURCE_DIR]
 */
#include <stdio.h>
#include <string.h>

#include "benchlib.h"
#include "ionsim/explore.h"
#include "scenarios/lang/explore_world.h"
#include "scenarios/lang/scn.h"

#ifndef IONSIM_SOURCE_DIR
#define IONSIM_SOURCE_DIR "."
#endif

/* One run slower than this and the search is timed once. */
#define SLOW_SECONDS 1.0
#define MAX_RUNS 1000

struct scenario {
	const char *path;		/* under the source directory */
	uint64_t max_executions;	/* per search without hashing; 0: no
					 * bound (hashed searches never have
					 * one: they end in seconds) */
	bool spin;			/* print the SPIN reference */
};

static const struct scenario scenarios[] = {
	{ "scenarios/lifetime/three_procs_explore.ion", 0, true },
	{ "scenarios/sharing/camera_compositor.ion", 20000, false },
	{ "scenarios/explore/camera_pipeline.ion", 0, false },
	{ "scenarios/explore/frame_handoff.ion", 0, false },
};

static const char *const names[4] = {
	"plain", "sleep sets", "hashing", "sleep + hashing",
};

struct figures {
	struct sim_explore_stats st;	/* of the last run */
	double seconds;			/* median */
	unsigned int runs;
	int err;			/* sim_explore_run's, or the world's */
};

/* One search of @p; the seconds it took, or a negative number on error
 * (in f->err). */
static double run_once(const struct scn_program *p,
		       const struct sim_explore_opts *o, struct figures *f)
{
	struct scn_world_opts wo = { .faults = false };
	struct sim_explore_world world;
	struct scn_world *w = scn_world_new(p, &wo, &f->err);
	uint64_t t0;

	if (!w)
		return -1;
	world = scn_world_explore(w);
	t0 = bench_now_ns();
	f->err = sim_explore_run(&world, o, NULL, NULL, &f->st);
	t0 = bench_now_ns() - t0;
	scn_world_free(w);
	return f->err ? -1 : (double)t0 * 1e-9;
}

/* Search @search (bit 0: sleep sets, bit 1: hashing) of @p, timed. */
static void measure(const struct scn_program *p, const struct scenario *sc,
		    unsigned int search, struct figures *f)
{
	struct sim_explore_opts o;
	double secs[MAX_RUNS];
	unsigned int runs = bench_runs();

	sim_explore_opts_init(&o);
	o.sleep_sets = search & 1;
	o.hashing = search & 2;
	o.max_executions = o.hashing ? 0 : sc->max_executions;
	memset(f, 0, sizeof(*f));
	secs[0] = run_once(p, &o, f);
	f->runs = 1;
	if (secs[0] >= 0 && secs[0] < SLOW_SECONDS)
		for (; f->runs < runs; f->runs++) {
			secs[f->runs] = run_once(p, &o, f);
			if (secs[f->runs] < 0)
				break;
		}
	f->seconds = f->err ? 0 : bench_median(secs, f->runs);
}

static double per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

static void print_header(const char *path, uint64_t max_executions)
{
	printf("\n%s", path);
	if (max_executions)
		printf(" (searches without hashing BOUNDED at %llu "
		       "executions)",
		       (unsigned long long)max_executions);
	printf("\n%-16s %9s %9s %7s %7s %4s %8s %4s %10s %10s %10s\n",
	       "search", "execs", "complete", "stored", "matched", "viol",
	       "seconds", "runs", "execs/s", "stored/s", "visited/s");
}

static void print_row(const char *name, const struct figures *f)
{
	const struct sim_explore_stats *st = &f->st;

	if (f->err) {
		printf("%-16s error %d: %s\n", name, f->err, st->error);
		return;
	}
	printf("%-16s %9llu %9llu %7llu %7llu %4llu %8.3f %4u %10.0f %10.0f "
	       "%10.0f%s\n", name, (unsigned long long)st->executions,
	       (unsigned long long)st->completed,
	       (unsigned long long)st->states_stored,
	       (unsigned long long)st->states_matched,
	       (unsigned long long)st->violations, f->seconds, f->runs,
	       per_second(st->executions, f->seconds),
	       per_second(st->states_stored, f->seconds),
	       per_second(st->states_stored + st->states_matched, f->seconds),
	       st->complete ? "" : "  (incomplete)");
}

/* Plain completed schedules over @f's, in words. */
static void print_factor(const char *what, const struct figures *plain,
			 const struct figures *f)
{
	printf("  %s: %llu -> %llu completed schedules", what,
	       (unsigned long long)plain->st.completed,
	       (unsigned long long)f->st.completed);
	if (f->st.completed)
		printf(", %.1fx", (double)plain->st.completed /
				  (double)f->st.completed);
	if (!plain->st.complete || !f->st.complete)
		printf(" (bounded searches: not the true factor)");
	putchar('\n');
}

static void print_spin(void)
{
	printf("  SPIN 6.5.2 reference (Promela, ../shared/BENCHMARKS.md): "
	       "2,366 states, 203,840 complete schedules,\n"
	       "  12,508 Mazurkiewicz traces; 0.67-1.08 M states/s without "
	       "the per-step audit,\n"
	       "  0.17-0.27 M with it.  The scenario language's version has "
	       "110,565 send-respecting\n"
	       "  orders (the plain search's completed count).\n");
}

/* The four searches of one scenario. */
static void bench_scenario(const char *dir, const struct scenario *sc)
{
	char path[4096];
	struct scn_program *p = NULL;
	struct figures f[4];
	unsigned int i;

	snprintf(path, sizeof(path), "%s/%s", dir, sc->path);
	if (scn_parse_file(path, &p, stdout)) {
		printf("\n%s: not parsed, skipped\n", path);
		return;
	}
	print_header(sc->path, sc->max_executions);
	for (i = 0; i < 4; i++) {
		measure(p, sc, i, &f[i]);
		print_row(names[i], &f[i]);
	}
	print_factor("sleep sets", &f[0], &f[1]);
	print_factor("sleep + hashing", &f[0], &f[3]);
	if (sc->spin)
		print_spin();
	scn_program_free(p);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : IONSIM_SOURCE_DIR;
	unsigned int i;

	printf("explorer on scenario files; medians of up to %u runs "
	       "(1 when a run takes %.0f s or more)\n", bench_runs(),
	       SLOW_SECONDS);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		bench_scenario(dir, &scenarios[i]);
	return 0;
}
