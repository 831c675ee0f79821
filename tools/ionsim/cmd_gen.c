/*
 * tools/ionsim/cmd_gen.c - `ionsim gen WORKLOAD [options]`: write a
 * synthetic trace as a scenario file (the generators are gen*.c; this
 * file only reads the command line and picks the output).
 *
 * Exit status: 0 when the file was written, 2 for a bad option or an
 * output that cannot be written (the tool's "bad input").  With -o, a
 * failed generation removes the half-written file rather than leave a
 * trace that would not replay.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/gen.h"
#include "tools/ionsim/tool.h"

static const char usage_text[] =
	"usage: ionsim gen WORKLOAD [--seed N] [--steps N] [--frames N]\n"
	"                  [--procs N] [--keep] [-o FILE]\n"
	"\n"
	"Write a synthetic trace as a scenario file (stdout, or FILE).  The\n"
	"same options always give the same bytes, and every trace replays\n"
	"with `ionsim run` exit 0: each step is valid by construction.\n"
	"\n"
	"workloads:\n"
	"  camera    camera -> compositor -> display pipeline: --frames\n"
	"            frames in flight (default 3), --steps frames (300)\n"
	"  gralloc   an allocator service handing Android-like graphics\n"
	"            buffers to --procs apps (3) and SurfaceFlinger,\n"
	"            --steps events (500)\n"
	"  mix       --procs processes (3) sharing, importing, mapping and\n"
	"            freeing at random, --steps operations (1000)\n"
	"  churn     allocate/free trace on three heaps, --procs processes\n"
	"            (1), --steps steps (1000000); --keep: allocate only\n"
	"\n"
	"options:\n"
	"  -s, --seed N     the random seed (default 1)\n"
	"  -n, --steps N    the workload's length (see above)\n"
	"  -f, --frames N   camera: frames in flight, 1..64\n"
	"  -p, --procs N    gralloc: apps; mix, churn: processes; 1..64\n"
	"  -k, --keep       churn: never free (the memory benchmark's trace)\n"
	"  -o, --output F   write to F instead of stdout\n"
	"  -h, --help       this text\n";

/* What the command line asked for, before it is checked. */
struct gen_args {
	struct gen_opts o;
	const char *output;
	const char *frames, *procs;	/* kept until the workload is known */
	bool seed_given;		/* --seed 0 is a seed like any other */
};

/* A whole decimal number in [0, max]; false otherwise. */
static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	uintmax_t v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* A one-line complaint on stderr; the exit status for bad input. */
__attribute__((format(printf, 1, 2)))
static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ionsim gen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ionsim gen --help'.\n");
	return TOOL_BAD_INPUT;
}

/* Reads the options into @a (the workload word is taken afterwards,
 * since getopt moves operands behind the options).  Returns -1 to go on,
 * or an exit status. */
static int read_options(int argc, char **argv, struct gen_args *a)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "steps", required_argument, NULL, 'n' },
		{ "frames", required_argument, NULL, 'f' },
		{ "procs", required_argument, NULL, 'p' },
		{ "keep", no_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:n:f:p:ko:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_count(optarg, UINT64_MAX, &v))
				return bad("bad --seed '%s'", optarg);
			a->o.seed = v;
			a->seed_given = true;
			break;
		case 'n':
			if (!parse_count(optarg, GEN_MAX_STEPS, &v) || !v)
				return bad("bad --steps '%s' (1..100000000)",
					   optarg);
			a->o.steps = (unsigned long)v;
			break;
		case 'f':
			a->frames = optarg;
			break;
		case 'p':
			a->procs = optarg;
			break;
		case 'k':
			a->o.keep = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return TOOL_OK;
		case ':':
			return bad("option '%s' needs a value",
				   argv[optind - 1]);
		default:
			return bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	return -1;
}

/* --frames and --procs, which apply to some workloads only. */
static int workload_options(struct gen_args *a)
{
	uint64_t v;

	if (a->frames) {
		if (!parse_count(a->frames, GEN_MAX_FRAMES, &v) || !v)
			return bad("bad --frames '%s' (1..64)", a->frames);
		a->o.frames = (unsigned int)v;
	}
	if (a->procs) {
		if (!parse_count(a->procs, GEN_MAX_PROCS, &v) || !v)
			return bad("bad --procs '%s' (1..64)", a->procs);
		a->o.procs = (unsigned int)v;
	}
	return -1;
}

/* Options, workload word, then the defaults under what was given. */
static int parse_args(int argc, char **argv, struct gen_args *a)
{
	struct gen_args given = { 0 };
	enum gen_workload w;
	char why[128];
	int ret;

	ret = read_options(argc, argv, &given);
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return bad("%s", "which workload? camera, gralloc, mix or churn");
	if (optind + 1 < argc)
		return bad("unexpected argument '%s'", argv[optind + 1]);
	if (gen_workload_parse(argv[optind], &w))
		return bad("unknown workload '%s' (camera, gralloc, mix, churn)",
			   argv[optind]);
	gen_opts_init(&a->o, w);
	if (given.seed_given)
		a->o.seed = given.o.seed;
	a->o.steps = given.o.steps ? given.o.steps : a->o.steps;
	a->o.keep = given.o.keep;
	a->output = given.output;
	a->frames = given.frames;
	a->procs = given.procs;
	ret = workload_options(a);
	if (ret >= 0)
		return ret;
	if (gen_check(&a->o, why, sizeof(why)))
		return bad("%s", why);
	return -1;
}

static int write_file(const struct gen_args *a)
{
	FILE *out = a->output ? fopen(a->output, "w") : stdout;
	int ret;

	if (!out) {
		fprintf(stderr, "ionsim gen: %s: %s\n", a->output,
			strerror(errno));
		return TOOL_BAD_INPUT;
	}
	ret = gen_write(out, &a->o);
	if (a->output && fclose(out) && !ret)
		ret = -EIO;
	if (ret) {
		fprintf(stderr, "ionsim gen: %s: %s\n",
			a->output ? a->output : "stdout", strerror(-ret));
		if (a->output)
			remove(a->output);
		return TOOL_BAD_INPUT;
	}
	return TOOL_OK;
}

int cmd_gen(int argc, char **argv)
{
	struct gen_args a = { 0 };
	int ret = parse_args(argc, argv, &a);

	if (ret >= 0)
		return ret;
	return write_file(&a);
}
