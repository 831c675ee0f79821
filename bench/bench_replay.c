/*
 * bench/bench_replay.c - how fast `ionsim run` replays a long trace, and
 * how much host memory a live buffer costs.
 *
 * Both traces come from `ionsim gen`'s own core (gen_write, compiled in),
 * written to memory, so the figures name a reproducible file:
 *
 * - replay: `ionsim gen churn --steps N` (seed 1, one process; N = 1 M
 *   unless given as the first argument), parsed once, then replayed
 *   bench_runs() times from a fresh boot with the per-step checks on (the
 *   default of `ionsim run`).  Figure: executed steps per second, median.
 *   Target: >= 1 M steps/s.
 * - memory: `ionsim gen churn --keep --steps N`: N 4 KiB buffers on a
 *   system heap big enough for all, never freed.  The resident set is
 *   read after boot and again after the last step, before anything is
 *   torn down; the difference over N is the host bytes per live buffer
 *   (the model's buffer, handle and heap records, the buddy's state for
 *   the page, and the interpreter's share).  The parsed program is
 *   already resident at the first reading, so it is not counted.
 *   Target: <= 512 bytes per live buffer.
 *
 * Prints figures only; it never passes or fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchlib.h"
#include "scenarios/lang/scn.h"
#include "tools/ionsim/gen.h"

#define DEFAULT_STEPS 1000000UL

/* A generated trace, parsed. */
struct trace {
	char *text;
	size_t len;
	struct scn_program *prog;
	double gen_ms, parse_ms;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_replay: %s\n", what);
	exit(1);
}

/* Generates @o's trace into memory and parses it, timing both. */
static void trace_make(struct trace *t, const struct gen_opts *o,
		       const char *name)
{
	FILE *mem = open_memstream(&t->text, &t->len);
	uint64_t t0, t1, t2;

	if (!mem)
		die("open_memstream failed");
	t0 = bench_now_ns();
	if (gen_write(mem, o) || fclose(mem))
		die("the generator failed");
	t1 = bench_now_ns();
	if (scn_parse(name, t->text, t->len, &t->prog, stderr))
		die("the generated trace does not parse");
	t2 = bench_now_ns();
	t->gen_ms = (double)(t1 - t0) / 1e6;
	t->parse_ms = (double)(t2 - t1) / 1e6;
}

static void trace_free(struct trace *t)
{
	scn_program_free(t->prog);
	free(t->text);
}

static struct scn_run *boot(const struct scn_program *p)
{
	struct scn_hooks hooks = { 0 };	/* per-step checks on */
	int err = 0;
	struct scn_run *run = scn_run_new(p, &hooks, &err);

	if (!run)
		die("the trace's machine does not boot");
	return run;
}

/* A replay that found something measured the wrong thing: say so. */
static void check_clean(struct scn_run *run, const char *what)
{
	const struct scn_report *rep = scn_run_finish(run);

	if (scn_report_status(rep)) {
		fprintf(stderr, "bench_replay: the %s trace did not replay "
			"clean:\n", what);
		scn_run_print_report(run, stderr);
		exit(1);
	}
}

/* Steps per second of one replay, boot and teardown excluded. */
static double replay_once(const struct scn_program *p, unsigned int *steps)
{
	struct scn_run *run = boot(p);
	uint64_t t0, t1;

	t0 = bench_now_ns();
	scn_run_all(run);
	t1 = bench_now_ns();
	check_clean(run, "churn");
	*steps = scn_run_finish(run)->steps_run;
	scn_run_free(run);
	return *steps / ((double)(t1 - t0) / 1e9);
}

static void bench_speed(unsigned long nsteps)
{
	unsigned int runs = bench_runs(), steps = 0, i;
	double *rate = calloc(runs, sizeof(*rate));
	struct gen_opts o;
	struct trace t;

	if (!rate)
		die("out of memory");
	gen_opts_init(&o, GEN_CHURN);
	o.steps = nsteps;
	trace_make(&t, &o, "churn.ion");
	printf("replay: ionsim gen churn --seed 1 --steps %lu --procs 1 "
	       "(%.1f MB of text, %u program steps)\n", nsteps,
	       (double)t.len / 1e6, t.prog->nsteps);
	printf("  generate      %8.1f ms\n", t.gen_ms);
	printf("  parse         %8.1f ms  (%.2f M lines/s)\n", t.parse_ms,
	       t.prog->nsteps / t.parse_ms / 1e3);
	for (i = 0; i < runs; i++)
		rate[i] = replay_once(t.prog, &steps);
	printf("  replay        %8.2f M steps/s, per-step checks on "
	       "(median of %u; %u steps run; target >= 1 M/s)\n",
	       bench_median(rate, runs) / 1e6, runs, steps);
	trace_free(&t);
	free(rate);
}

/* The resident set in bytes (/proc/self/statm's second field). */
static long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, resident = 0;

	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		die("cannot read /proc/self/statm");
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

static void bench_memory(unsigned long nbuffers)
{
	struct gen_opts o;
	struct scn_run *run;
	struct trace t;
	long before, after;

	gen_opts_init(&o, GEN_CHURN);
	o.steps = nbuffers;
	o.keep = true;
	trace_make(&t, &o, "keep.ion");
	run = boot(t.prog);
	before = rss_bytes();
	scn_run_all(run);
	after = rss_bytes();
	check_clean(run, "keep");
	printf("memory: ionsim gen churn --seed 1 --steps %lu --procs 1 "
	       "--keep\n", nbuffers);
	printf("  %lu live 4K buffers: resident set +%.1f MiB, %.0f bytes "
	       "per live buffer (target <= 512)\n", nbuffers,
	       (double)(after - before) / (1 << 20),
	       (double)(after - before) / (double)nbuffers);
	scn_run_free(run);
	trace_free(&t);
}

int main(int argc, char **argv)
{
	unsigned long n = DEFAULT_STEPS;

	if (argc > 1) {
		char *end;

		n = strtoul(argv[1], &end, 10);
		if (*end || n < 1 || n > GEN_MAX_STEPS)
			die("usage: bench_replay [STEPS]");
	}
	bench_speed(n);
	bench_memory(n);
	return 0;
}
