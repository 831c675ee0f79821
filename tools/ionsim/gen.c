/*
 * tools/ionsim/gen.c - the generator's core: options, their limits, the
 * shared output helpers, and gen_write's dispatch to a workload.
 *
 * The same options always give the same bytes: the only source of
 * randomness is SplitMix64 seeded with --seed (sim_rng), the text never
 * holds a clock, a path or a host address, and the header quotes the one
 * command line that regenerates the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/gen_internal.h"

struct workload_desc {
	const char *name;
	int (*write)(struct gen *g);
	unsigned long steps;	/* default --steps */
	unsigned int frames;	/* default --frames; 0: not an option */
	unsigned int procs;	/* default --procs; 0: not an option */
	int keep;		/* --keep applies */
};

static const struct workload_desc workloads[GEN_NWORKLOADS] = {
	[GEN_CAMERA] = { "camera", gen_camera, 300, 3, 0, 0 },
	[GEN_GRALLOC] = { "gralloc", gen_gralloc, 500, 0, 3, 0 },
	[GEN_MIX] = { "mix", gen_mix, 1000, 0, 3, 0 },
	[GEN_CHURN] = { "churn", gen_churn, 1000000, 0, 1, 1 },
};

void gen_opts_init(struct gen_opts *o, enum gen_workload w)
{
	const struct workload_desc *d = &workloads[w];

	memset(o, 0, sizeof(*o));
	o->workload = w;
	o->seed = 1;
	o->steps = d->steps;
	o->frames = d->frames;
	o->procs = d->procs;
}

int gen_workload_parse(const char *name, enum gen_workload *w)
{
	for (unsigned int i = 0; i < GEN_NWORKLOADS; i++) {
		if (strcmp(name, workloads[i].name) == 0) {
			*w = (enum gen_workload)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *gen_workload_name(enum gen_workload w)
{
	return (unsigned int)w < GEN_NWORKLOADS ? workloads[w].name : NULL;
}

/* A refusal: the reason goes to @why, the result is -EINVAL. */
__attribute__((format(printf, 3, 4)))
static int refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Options that do not apply to a workload must keep the value
 * gen_opts_init gave them (0 / false): cmd_gen never sets them then. */
int gen_check(const struct gen_opts *o, char *why, size_t len)
{
	const struct workload_desc *d;

	if ((unsigned int)o->workload >= GEN_NWORKLOADS)
		return refuse(why, len, "no such workload");
	d = &workloads[o->workload];
	if (o->steps < 1 || o->steps > GEN_MAX_STEPS)
		return refuse(why, len, "--steps must be 1..%lu",
			      GEN_MAX_STEPS);
	if (d->frames && (o->frames < 1 || o->frames > GEN_MAX_FRAMES))
		return refuse(why, len, "--frames must be 1..%u",
			      GEN_MAX_FRAMES);
	if (!d->frames && o->frames)
		return refuse(why, len, "--frames does not apply to %s",
			      d->name);
	if (d->procs && (o->procs < 1 || o->procs > GEN_MAX_PROCS))
		return refuse(why, len, "--procs must be 1..%u",
			      GEN_MAX_PROCS);
	if (!d->procs && o->procs)
		return refuse(why, len, "--procs does not apply to %s",
			      d->name);
	if (!d->keep && o->keep)
		return refuse(why, len, "--keep does not apply to %s",
			      d->name);
	return 0;
}

int gen_write(FILE *out, const struct gen_opts *o)
{
	struct gen g = { .out = out, .o = o };
	char why[128];
	int ret;

	if (gen_check(o, why, sizeof(why)))
		return -EINVAL;
	sim_rng_seed(&g.rng, o->seed);
	ret = workloads[o->workload].write(&g);
	if (!ret)
		ret = g.err;
	if (!ret && (fflush(out) || ferror(out)))
		ret = -EIO;
	return ret;
}

/* ---- output ------------------------------------------------------------ */

void gen_line(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(g->out, fmt, ap);
	va_end(ap);
	putc('\n', g->out);
}

void gen_blank(struct gen *g)
{
	putc('\n', g->out);
}

/* The command line, with every option that applies, defaults included,
 * so that a file stays reproducible when a default changes. */
static void header_command(struct gen *g)
{
	const struct gen_opts *o = g->o;
	const struct workload_desc *d = &workloads[o->workload];

	fprintf(g->out, "# ionsim gen %s --seed %llu --steps %lu", d->name,
		(unsigned long long)o->seed, o->steps);
	if (d->frames)
		fprintf(g->out, " --frames %u", o->frames);
	if (d->procs)
		fprintf(g->out, " --procs %u", o->procs);
	if (o->keep)
		fprintf(g->out, " --keep");
	putc('\n', g->out);
}

void gen_header(struct gen *g, const char *what)
{
	const char *line = what;

	header_command(g);
	fprintf(g->out, "#\n");
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		fprintf(g->out, "# %.*s\n", (int)n, line);
		line += n + (nl != NULL);
	}
	fprintf(g->out, "#\n# Generated: every step is valid by construction; "
		"`ionsim run` exits 0.\n\n");
}

/* ---- randomness ---------------------------------------------------------- */

unsigned int gen_pick(struct gen *g, const unsigned int *weights,
		      unsigned int n)
{
	unsigned long total = 0, r;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += weights[i];
	r = (unsigned long)sim_rng_below(&g->rng, total);
	for (i = 0; i + 1 < n; i++) {
		if (r < weights[i])
			return i;
		r -= weights[i];
	}
	return n - 1;
}

int gen_one_in(struct gen *g, unsigned int n)
{
	return sim_rng_below(&g->rng, n) == 0;
}

/* Uniform rather than exponential: the same mean, no libm, and the tail
 * is bounded, which keeps a trace's memory footprint predictable. */
unsigned long gen_lifetime(struct gen *g, unsigned long mean)
{
	if (mean <= 1)
		return 1;
	return 1 + (unsigned long)sim_rng_below(&g->rng, 2 * mean - 1);
}

/* ---- memory ---------------------------------------------------------------- */

int gen_grow(struct gen *g, void **arr, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * size);
	if (!p) {
		g->err = -ENOMEM;
		return -ENOMEM;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}
