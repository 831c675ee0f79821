/*
 * tools/ionsim/gen_internal.h - what the generator's files share: the
 * output, the RNG, weighted picks and growable arrays.
 *
 * One file per workload (gen_camera.c, gen_gralloc.c, gen_mix.c,
 * gen_churn.c); gen.c holds the options and the dispatcher.  None of them
 * touches the simulator: a generator only writes text, guided by its own
 * model of what each step will do.
 */
#ifndef IONSIM_TOOLS_GEN_INTERNAL_H
#define IONSIM_TOOLS_GEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ionsim/sim.h"
#include "tools/ionsim/gen.h"

#define GEN_PAGE 4096ULL

/* One generation in progress. */
struct gen {
	FILE *out;
	const struct gen_opts *o;
	struct sim_rng rng;
	int err;		/* first failure (-ENOMEM); output errors are
				 * read from the stream at the end */
};

/* One line of output (a newline is added). */
void gen_line(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An empty line, between the sections of a file. */
void gen_blank(struct gen *g);

/* The opening comment: the command line that reproduces the file, then
 * @what, one or more lines of text without the leading "# ". */
void gen_header(struct gen *g, const char *what);

/* An index in [0, n) drawn with probability weights[i] / sum. */
unsigned int gen_pick(struct gen *g, const unsigned int *weights,
		      unsigned int n);
/* true with probability 1/n. */
int gen_one_in(struct gen *g, unsigned int n);
/* A lifetime with the given mean: uniform on [1, 2 * mean - 1]. */
unsigned long gen_lifetime(struct gen *g, unsigned long mean);

/* Rounds @len up to whole pages, as ION does before any heap sees it. */
static inline uint64_t gen_page_align(uint64_t len)
{
	return (len + GEN_PAGE - 1) & ~(GEN_PAGE - 1);
}

/*
 * gen_grow - make room for one more element in the array *@arr of *@n
 * elements of @size bytes (capacity *@cap).  0, or -ENOMEM (also stored
 * in g->err) with the array unchanged.
 */
int gen_grow(struct gen *g, void **arr, size_t n, size_t *cap, size_t size);

/* The workloads: 0 or a negative errno. */
int gen_camera(struct gen *g);
int gen_gralloc(struct gen *g);
int gen_mix(struct gen *g);
int gen_churn(struct gen *g);

#endif /* IONSIM_TOOLS_GEN_INTERNAL_H */
