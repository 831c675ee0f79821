/*
 * tools/ionsim/gen.h - synthetic traces as scenario files (`ionsim gen`).
 *
 * A generator writes a whole scenario file (machine, actors, steps and
 * the expect/final lines that check them) from a workload name, a seed
 * and a few sizes.  The output is the trace: readable, replayable with
 * `ionsim run`, and byte-for-byte the same for the same options, so a
 * trace can be named by its command line instead of being stored.
 *
 * Every workload is valid by construction: the generator keeps its own
 * model of what each step does (handles, dma-bufs, fds, heap space) and
 * only emits steps the kernel accepts, so a trace replays with exit 0.
 *
 *   camera   a camera -> compositor -> display pipeline with --frames
 *            frames in flight, --steps frames captured
 *   gralloc  an allocator service handing buffers of Android-like sizes
 *            and lifetimes to --procs apps and SurfaceFlinger, --steps
 *            events (the distributions are documented in gen.c)
 *   mix      --procs processes sharing, sending, importing, mapping and
 *            freeing at random, --steps operations
 *   churn    --procs processes allocating and freeing on three heaps,
 *            --steps steps, one line each (the replay benchmark's trace);
 *            with keep, nothing is freed (the memory benchmark's)
 *
 * The core (gen_write) needs nothing but the C library and the machine's
 * RNG, so the benchmarks link it and generate in-process.
 */
#ifndef IONSIM_TOOLS_GEN_H
#define IONSIM_TOOLS_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum gen_workload {
	GEN_CAMERA,
	GEN_GRALLOC,
	GEN_MIX,
	GEN_CHURN,
	GEN_NWORKLOADS
};

/* Limits gen_check enforces: they keep a trace within the simulated
 * machine's own limits (fds, RAM, variable names). */
#define GEN_MAX_STEPS 100000000UL
#define GEN_MAX_FRAMES 64u
#define GEN_MAX_PROCS 64u

struct gen_opts {
	enum gen_workload workload;
	uint64_t seed;
	unsigned long steps;	/* frames, events, operations or steps */
	unsigned int frames;	/* camera: frames in flight */
	unsigned int procs;	/* gralloc: apps; mix, churn: processes */
	bool keep;		/* churn: allocate only, never free */
};

/* @o filled with @w's defaults (seed 1). */
void gen_opts_init(struct gen_opts *o, enum gen_workload w);

/* The workload called @name: 0, or -EINVAL for no such workload. */
int gen_workload_parse(const char *name, enum gen_workload *w);
/* "camera", "gralloc", "mix", "churn". */
const char *gen_workload_name(enum gen_workload w);

/*
 * gen_check - whether @o is a set of options gen_write accepts: 0, or
 * -EINVAL with a one-line reason in @why (e.g. "--frames must be 1..64").
 */
int gen_check(const struct gen_opts *o, char *why, size_t len);

/*
 * gen_write - write the scenario file @o describes to @out.  Returns 0,
 * -EINVAL for options gen_check refuses, -ENOMEM, or -EIO when @out
 * reported a write error.
 */
int gen_write(FILE *out, const struct gen_opts *o);

/* `ionsim gen WORKLOAD [options]`: returns an exit status (0, or 2 for a
 * bad option or an unwritable output).  Also declared in tool.h. */
int cmd_gen(int argc, char **argv);

#endif /* IONSIM_TOOLS_GEN_H */
