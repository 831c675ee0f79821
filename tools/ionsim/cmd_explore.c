/*
 * tools/ionsim/cmd_explore.c - `ionsim explore FILE`: visit the
 * schedules of a scenario, looking for one that violates it.
 *
 * The scenario is parsed (bad input stops everything with exit status
 * 2, as for `ionsim run`), the machine is adjusted to --kernel and
 * --bug, and the scenario's world (scenarios/lang/explore_world.h) is
 * handed to the explorer (include/ionsim/explore.h) with the bounds and
 * switches of the command line.  When the explorer reports a violation,
 * its path of decisions is replayed on its own through the world, which
 * gives the steps in the order they ran with their results: that is the
 * counterexample, printed step by step and, with --counterexample,
 * written as a plain scenario file that `ionsim run` replays to the
 * same finding.
 *
 * --jobs N forks N workers, worker i exploring shard i of N of the
 * search tree (the explorer splits it by the first decisions); each
 * sends its statistics and its counterexample back through a pipe, and
 * the parent adds the statistics up.  --shard I/N runs one shard in
 * this process, for batch systems that start the N themselves.
 *
 * Exit status: 0 when no violation was found (the search may be
 * incomplete: the summary says so), 1 when one was, 2 on bad input or
 * when the search could not run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/locks.h"
#include "scenarios/lang/explore_world.h"
#include "tools/ionsim/tool.h"

#ifdef IONSIM_COVERAGE
void __gcov_dump(void);
#endif

#define MAX_JOBS 256
#define WHY_MAX 512	/* the explorer keeps as much of a violation's text */
#define DEFAULT_LOCK_PREEMPTIONS 2	/* --preempt=locks without a bound */

static const char explore_usage[] =
"usage: ionsim explore [OPTION...] FILE\n"
"\n"
"Explore the schedules of scenario FILE (the .ion language of\n"
"docs/SCENARIOS.md).  Each actor's lines are a program; a step that\n"
"reads a variable another actor binds (`send FD to PROC -> V`, a\n"
"driver's `share ... to PROC -> V`, a thread's binding) waits for that\n"
"step, and a forked child for its fork.  Every order of the programs'\n"
"steps is visited, pruned by state hashing and partial-order reduction\n"
"(sleep sets), and each schedule is judged as `ionsim run` judges a file:\n"
"a step ending other than its `=>` allows, a skipped step, a failed\n"
"read, an audit violation, a `final` that does not hold, a leak.\n"
"`expect`, `fail` and `preempt` lines are not used: they belong to the\n"
"file's order.\n"
"The first violation found is printed as a counterexample: the steps\n"
"in the order they ran, with their results.  docs/EXPLORE.md says what\n"
"a search proves and what it does not.\n"
"\n"
"Bounds (a search that hits one is incomplete):\n"
"  --max-depth N        decisions per schedule (default 10000)\n"
"  --max-preemptions N  switches away from an actor that could go on\n"
"                       (default: no bound)\n"
"  --max-states N       stop after storing N states\n"
"  --max-seconds S      stop after S seconds (the only bound that is not\n"
"                       deterministic)\n"
"  --memory MB          memory for the visited set (default 256; past it,\n"
"                       bitstate hashing with the omission probability\n"
"                       reported); with --jobs, shared by the workers\n"
"\n"
"Search:\n"
"  --faults             branch on every simulated allocation: it succeeds\n"
"                       or fails; once a fault fired, step outcomes are not\n"
"                       judged (the fault explains them), the rest is\n"
"  --max-faults N       faults per schedule (default 1; implies --faults)\n"
"  --preempt=locks      preempt inside ioctls: wherever the running step\n"
"                       holds no lock (between its critical sections, as\n"
"                       Linux 4.9 takes client->lock, dev->lock and\n"
"                       buffer->lock), another actor's next step may run\n"
"                       there to its end; each such step is a preemption\n"
"                       (default bound 2).  --preempt=none: steps are\n"
"                       atomic (the default)\n"
"  --no-hashing         do not prune states seen before\n"
"  --no-reduction       no sleep sets: visit every order\n"
"  --shortest           search on after a violation and report the\n"
"                       shortest violating schedule found\n"
"  --jobs N             split the search over N worker processes\n"
"  --shard I/N          explore only shard I (0 .. N-1) of N\n"
"\n"
"Machine:\n"
"  --kernel VERSION     follow ION of 4.4, 4.9.45 or 4.9.337 (legacy-ABI\n"
"                       scenarios), with that release's defects\n"
"  --bug NAME           switch one more defect on (repeatable);\n"
"                       `--bug list` lists them (docs/BUGS.md)\n"
"  --fix NAME|all       switch a defect off (repeatable; all: the fixed\n"
"                       model); a later --bug or --fix wins\n"
"\n"
"Output:\n"
"  --counterexample FILE  write the violating schedule to FILE as a\n"
"                       scenario: the machine and actor lines, then the\n"
"                       steps in the order they ran (`fail` lines for the\n"
"                       faults, `preempt` lines for the preemptions);\n"
"                       `ionsim run FILE` exits 1 with the finding\n"
"  --json               print the statistics and the counterexample as one\n"
"                       JSON document: {\"ionsim\", \"file\", \"status\",\n"
"                       \"result\", \"actors\", \"steps\", \"stats\",\n"
"                       \"violation\"}\n"
"  -q, --quiet          print nothing (the exit status still tells)\n"
"  -h, --help           print this help and exit\n"
"\n"
"Exit status:\n"
"  0  no violation found; the summary says whether the search was\n"
"     complete or cut by a bound (\"incomplete\")\n"
"  1  a violation was found\n"
"  2  bad input (a bad option, an unreadable or malformed FILE), or the\n"
"     search could not run (out of memory, a world that is not\n"
"     deterministic)\n";

/* ------------------------------------------------------------------ */
/* Defects                                                              */
/* ------------------------------------------------------------------ */

/* One --bug or --fix, in the order given: the counterexample repeats
 * them as `bug` and `fix` lines, so that `ionsim run` replays on the
 * same model. */
struct defect_switch {
	bool fix;
	const char *name;		/* a mutant's, or "all" */
};

#define MAX_SWITCHES 64

/* `--bug list`. */
static void list_bugs(FILE *out)
{
	unsigned int i, n;
	const struct kion_mutant *t = kion_mutants(&n);

	fputs("Defects --bug switches on and --fix off (--kernel picks a "
	      "release's own set;\ndocs/BUGS.md tells each one):\n", out);
	for (i = 0; i < n; i++)
		fprintf(out, "  %-17s %s%s\n", t[i].name, t[i].what,
			t[i].race ? " [race]" : "");
	fputs("\n[race]: the defect is a window inside one ioctl, between two\n"
	      "of its critical sections; it shows only with --preempt=locks,\n"
	      "which lets another thread run there.\n", out);
}

static const struct {
	const char *name;
	enum kion_kernel kernel;
} kernels[] = {
	{ "4.4", KION_KERNEL_4_4 },
	{ "4.9.45", KION_KERNEL_4_9_45 },
	{ "4.9.337", KION_KERNEL_4_9_337 },
};

#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

struct explore_opts {
	struct sim_explore_opts search;	/* bounds and switches */
	bool faults, json, quiet;
	bool preempt;			/* --preempt=locks */
	bool preemptions_given;		/* --max-preemptions given */
	unsigned int jobs;		/* 0: not given */
	bool sharded;			/* --shard given */
	const char *cex_path;
	int kernel;			/* index into kernels, -1: the file's */
	unsigned int bugs_on, bugs_off;	/* KION_BUG_* --bug and --fix ask */
	struct defect_switch switches[MAX_SWITCHES];
	unsigned int nswitches;
	bool bug_list;
	const char *path;
};

enum {
	OPT_MAX_DEPTH = 256, OPT_MAX_PREEMPTIONS, OPT_MAX_FAULTS,
	OPT_MAX_STATES, OPT_MAX_SECONDS, OPT_MEMORY, OPT_FAULTS,
	OPT_NO_HASHING, OPT_NO_REDUCTION, OPT_SHORTEST, OPT_JOBS, OPT_SHARD,
	OPT_KERNEL, OPT_BUG, OPT_FIX, OPT_CEX, OPT_JSON, OPT_PREEMPT,
};

static const struct option explore_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-preemptions", required_argument, NULL, OPT_MAX_PREEMPTIONS },
	{ "max-faults", required_argument, NULL, OPT_MAX_FAULTS },
	{ "max-states", required_argument, NULL, OPT_MAX_STATES },
	{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "faults", no_argument, NULL, OPT_FAULTS },
	{ "preempt", required_argument, NULL, OPT_PREEMPT },
	{ "no-hashing", no_argument, NULL, OPT_NO_HASHING },
	{ "no-reduction", no_argument, NULL, OPT_NO_REDUCTION },
	{ "shortest", no_argument, NULL, OPT_SHORTEST },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "bug", required_argument, NULL, OPT_BUG },
	{ "fix", required_argument, NULL, OPT_FIX },
	{ "counterexample", required_argument, NULL, OPT_CEX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

static int bad_usage(const char *fmt, const char *arg)
{
	return tool_bad_usage("explore", fmt, arg);
}

/* A decimal in [0, @max]: 0 or -EINVAL. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* An unsigned option value, or the complaint naming the option. */
static int take_uint(const char *opt, uint64_t max, uint64_t *out)
{
	if (parse_u64(optarg, max, out) == 0)
		return 0;
	fprintf(stderr, "ionsim explore: %s needs a number up to %llu, not "
		"'%s' (ionsim explore --help)\n", opt,
		(unsigned long long)max, optarg);
	return TOOL_BAD_INPUT;
}

/* --shard I/N with 0 <= I < N. */
static int take_shard(struct explore_opts *o)
{
	unsigned long i, n;
	char *end;

	errno = 0;
	i = strtoul(optarg, &end, 10);
	if (*optarg >= '0' && *optarg <= '9' && *end == '/' &&
	    end[1] >= '1' && end[1] <= '9') {
		n = strtoul(end + 1, &end, 10);
		if (!errno && !*end && i < n && n <= UINT_MAX) {
			o->search.shard = (unsigned int)i;
			o->search.nshards = (unsigned int)n;
			o->sharded = true;
			return 0;
		}
	}
	return bad_usage("--shard needs I/N with 0 <= I < N, not '%s'",
			 optarg);
}

/* --preempt=locks|none. */
static int take_preempt(struct explore_opts *o)
{
	if (strcmp(optarg, "locks") == 0 || strcmp(optarg, "none") == 0) {
		o->preempt = optarg[0] == 'l';
		return 0;
	}
	return bad_usage("--preempt takes locks or none, not '%s'", optarg);
}

static int take_kernel(struct explore_opts *o)
{
	size_t i;

	for (i = 0; i < NKERNELS; i++)
		if (strcmp(kernels[i].name, optarg) == 0) {
			o->kernel = (int)i;
			return 0;
		}
	return bad_usage("--kernel takes 4.4, 4.9.45 or 4.9.337, not '%s'",
			 optarg);
}

/* --bug NAME (or list) and --fix NAME|all; a later one wins over an
 * earlier one, as `bug` and `fix` lines do. */
static int take_defect(struct explore_opts *o, bool fix)
{
	const struct kion_mutant *mu = kion_mutant_find(optarg);
	bool all = fix && strcmp(optarg, "all") == 0;
	unsigned int bits;

	if (!fix && strcmp(optarg, "list") == 0) {
		o->bug_list = true;
		return 0;
	}
	if (!mu && !all)
		return bad_usage("no defect called '%s' (--bug list)", optarg);
	if (o->nswitches == MAX_SWITCHES)
		return bad_usage("%s", "too many --bug and --fix options");
	o->switches[o->nswitches++] = (struct defect_switch){ fix,
		all ? "all" : mu->name };
	bits = all ? KION_BUGS_ALL : fix ? mu->off : mu->on;
	if (fix) {
		o->bugs_off |= bits;
		o->bugs_on &= ~bits;
	} else {
		o->bugs_on |= bits;
		o->bugs_off &= ~bits;
	}
	return 0;
}

static int take_seconds(struct explore_opts *o)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(optarg, &end);
	if (errno || *end || end == optarg || !(v >= 0) || v > 1e9)
		return bad_usage("--max-seconds needs a number of seconds, "
				 "not '%s'", optarg);
	o->search.max_seconds = v;
	return 0;
}

/* The bounds: 0, or TOOL_BAD_INPUT. */
static int take_bound(struct explore_opts *o, int c)
{
	struct sim_explore_opts *s = &o->search;
	uint64_t v;
	int ret;

	switch (c) {
	case OPT_MAX_DEPTH:
		ret = take_uint("--max-depth", UINT_MAX, &v);
		s->max_depth = (unsigned int)v;
		return ret;
	case OPT_MAX_PREEMPTIONS:
		ret = take_uint("--max-preemptions", UINT_MAX - 1, &v);
		s->max_preemptions = (unsigned int)v;
		o->preemptions_given = true;
		return ret;
	case OPT_MAX_FAULTS:
		ret = take_uint("--max-faults", UINT_MAX - 1, &v);
		s->max_faults = (unsigned int)v;
		o->faults = true;
		return ret;
	case OPT_MAX_STATES:
		return take_uint("--max-states", UINT64_MAX, &s->max_states);
	case OPT_MEMORY:
		ret = take_uint("--memory", SIZE_MAX >> 20, &v);
		s->memory_budget = (size_t)v << 20;
		return ret ? ret : v ? 0 : bad_usage("%s", "--memory needs "
						     "at least 1 MB");
	case OPT_JOBS:
		ret = take_uint("--jobs", MAX_JOBS, &v);
		o->jobs = (unsigned int)v;
		return ret ? ret : v ? 0 : bad_usage("%s", "--jobs needs at "
						     "least 1");
	}
	return TOOL_BAD_INPUT;
}

/* Takes option @c (with optarg): 0, or TOOL_BAD_INPUT. */
static int take_option(struct explore_opts *o, int c)
{
	switch (c) {
	case 'q': o->quiet = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_FAULTS: o->faults = true; return 0;
	case OPT_PREEMPT: return take_preempt(o);
	case OPT_NO_HASHING: o->search.hashing = false; return 0;
	case OPT_NO_REDUCTION: o->search.sleep_sets = false; return 0;
	case OPT_SHORTEST: o->search.shortest = true; return 0;
	case OPT_CEX: o->cex_path = optarg; return 0;
	case OPT_SHARD: return take_shard(o);
	case OPT_KERNEL: return take_kernel(o);
	case OPT_BUG: return take_defect(o, false);
	case OPT_FIX: return take_defect(o, true);
	case OPT_MAX_SECONDS: return take_seconds(o);
	}
	return take_bound(o, c);
}

static int bad_option(int c, char **argv)
{
	return tool_bad_option("explore", c, argv, OPT_MAX_DEPTH);
}

/* The defaults: both bounds off, hashing and reduction on, one fault
 * per schedule when faults are asked for. */
static void default_opts(struct explore_opts *o)
{
	memset(o, 0, sizeof(*o));
	sim_explore_opts_init(&o->search);
	o->search.hashing = true;
	o->search.sleep_sets = true;
	o->search.max_faults = 1;
	o->kernel = -1;
}

/* Options consistent with each other: 0 or TOOL_BAD_INPUT. */
static int check_opts(struct explore_opts *o)
{
	if (o->jobs > 1 && o->sharded)
		return bad_usage("%s", "--jobs and --shard do not go "
				 "together");
	if (!o->faults)
		o->search.max_faults = 0;
	/* a preemption point sits at every lock of every ioctl: unbounded,
	 * the search would rarely end */
	if (o->preempt && !o->preemptions_given)
		o->search.max_preemptions = DEFAULT_LOCK_PREEMPTIONS;
	o->search.stop_at_first = !o->search.shortest;
	return 0;
}

/*
 * Reads the command line into @o.  Returns 0, -1 when --help or --bug
 * list was printed, or an exit status.
 */
static int parse_options(struct explore_opts *o, int argc, char **argv)
{
	int c, ret;

	default_opts(o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hq", explore_longopts,
				NULL)) != -1) {
		if (c == 'h') {
			fputs(explore_usage, stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		ret = take_option(o, c);
		if (ret)
			return ret;
	}
	if (o->bug_list) {
		list_bugs(stdout);
		return -1;
	}
	if (optind >= argc)
		return bad_usage("%s", "no scenario FILE given");
	if (optind + 1 < argc)
		return bad_usage("one scenario FILE at a time, not '%s' too",
				 argv[optind + 1]);
	o->path = argv[optind];
	return check_opts(o);
}

/* ------------------------------------------------------------------ */
/* The scenario and its source lines                                    */
/* ------------------------------------------------------------------ */

struct source {
	const char *name;		/* as messages name it */
	char *text;			/* the file, NUL-terminated */
	size_t len;
	char *copy;			/* lines, each NUL-terminated */
	const char **lines;		/* lines[i] is line i + 1 */
	unsigned int nlines;
	struct scn_program *prog;
};

/* The file's text, from @path or standard input ('-'). */
static int read_source(struct source *src, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

	src->name = f == stdin ? "<stdin>" : path;
	if (!f) {
		fprintf(stderr, "%s: error: cannot read: %s\n", path,
			strerror(errno));
		return TOOL_BAD_INPUT;
	}
	src->text = tool_read_all(f, &src->len);
	if (!src->text || ferror(f)) {
		fprintf(stderr, "%s: error: cannot read: %s\n", src->name,
			src->text ? strerror(EIO) : strerror(ENOMEM));
		if (f != stdin)
			fclose(f);
		return TOOL_BAD_INPUT;
	}
	if (f != stdin)
		fclose(f);
	return TOOL_OK;
}

/* Cuts a copy of the text into lines, for quoting them. */
static int split_lines(struct source *src)
{
	unsigned int n = 1, i = 0;
	size_t k;

	src->copy = malloc(src->len + 1);
	if (!src->copy)
		return -ENOMEM;
	memcpy(src->copy, src->text, src->len + 1);
	for (k = 0; k < src->len; k++)
		n += src->copy[k] == '\n';
	src->lines = calloc(n, sizeof(*src->lines));
	if (!src->lines)
		return -ENOMEM;
	src->lines[i++] = src->copy;
	for (k = 0; k < src->len; k++)
		if (src->copy[k] == '\n') {
			src->copy[k] = '\0';
			src->lines[i++] = src->copy + k + 1;
		}
	src->nlines = n;
	return 0;
}

/* Reads, parses and splits the scenario: TOOL_OK or TOOL_BAD_INPUT. */
static int load_source(struct source *src, const char *path)
{
	int status = read_source(src, path);

	if (status != TOOL_OK)
		return status;
	if (scn_parse(src->name, src->text, src->len, &src->prog, stderr))
		return TOOL_BAD_INPUT;
	if (split_lines(src)) {
		fputs("ionsim explore: out of memory\n", stderr);
		return TOOL_BAD_INPUT;
	}
	return TOOL_OK;
}

static void source_free(struct source *src)
{
	if (src->prog)
		scn_program_free(src->prog);
	free(src->lines);
	free(src->copy);
	free(src->text);
}

/* Line @line as written, without surrounding blanks ("" past the end).
 * Written into @buf, which holds at least KION_LINE_MAX + 1 bytes. */
static const char *line_text(const struct source *src, unsigned int line,
			     char *buf, size_t len)
{
	const char *s = line >= 1 && line <= src->nlines ?
			src->lines[line - 1] : "";
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

/* --kernel, --bug and --fix, applied to the parsed machine. */
static int adjust_machine(const struct explore_opts *o, struct source *src)
{
	struct kion_config *k = &src->prog->board.kion;
	if (o->kernel >= 0) {
		if (k->abi != KION_ABI_LEGACY) {
			fprintf(stderr, "ionsim explore: %s: --kernel %s needs "
				"a legacy-ABI scenario (this one is modern)\n",
				src->name, kernels[o->kernel].name);
			return TOOL_BAD_INPUT;
		}
		k->kernel = kernels[o->kernel].kernel;
	}
	/* the options come after the file's `bug` and `fix` lines */
	k->bugs_on = (k->bugs_on & ~o->bugs_off) | o->bugs_on;
	k->bugs_off = (k->bugs_off & ~o->bugs_on) | o->bugs_off;
	return TOOL_OK;
}

/* ------------------------------------------------------------------ */
/* One search                                                           */
/* ------------------------------------------------------------------ */

/* What a search (or a worker's share of it) found. */
struct outcome {
	int ret;			/* sim_explore_run's */
	int replayed;			/* scn_world_replay's (0: not asked) */
	struct sim_explore_stats stats;
	char why[WHY_MAX];	/* the explorer's words */
	struct scn_cex cex;		/* entries malloc'd, or NULL */
};

struct search {
	struct scn_world *world;
	struct outcome *out;
};

/* The explorer's report: the path is replayed into a counterexample. */
static int on_violation(void *ctx, const struct sim_explore_choice *path,
			unsigned int len, const char *why)
{
	struct search *s = ctx;

	snprintf(s->out->why, sizeof(s->out->why), "%s", why);
	s->out->replayed = scn_world_replay(s->world, path, len);
	return 1;
}

/* Keeps a copy of @cex in @out (its entries too). */
static int keep_cex(struct outcome *out, const struct scn_cex *cex)
{
	out->cex = *cex;
	out->cex.entries = NULL;
	if (!cex->found)
		return 0;
	out->cex.entries = malloc((cex->n ? cex->n : 1) *
				  sizeof(*cex->entries));
	if (!out->cex.entries)
		return -ENOMEM;
	memcpy(out->cex.entries, cex->entries, cex->n * sizeof(*cex->entries));
	return 0;
}

/* Explores with @opts in this process. */
static int search_here(const struct scn_program *p,
		       const struct explore_opts *o,
		       const struct sim_explore_opts *opts,
		       struct outcome *out)
{
	struct scn_world_opts wo = { .faults = o->faults,
				     .preempt = o->preempt };
	struct sim_explore_world world;
	struct search s = { .out = out };
	int err = 0;

	memset(out, 0, sizeof(*out));
	s.world = scn_world_new(p, &wo, &err);
	if (!s.world)
		return err;
	world = scn_world_explore(s.world);
	out->ret = sim_explore_run(&world, opts, on_violation, &s,
				   &out->stats);
	err = keep_cex(out, scn_world_cex(s.world));
	scn_world_free(s.world);
	return err;
}

/* ------------------------------------------------------------------ */
/* Workers (--jobs)                                                     */
/* ------------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A worker's outcome goes down its pipe as 64-bit words, field by field:
 * no padding byte of a struct is sent (valgrind rightly calls them
 * uninitialised), strings go as a length and their bytes, and the
 * reader notices a short or a long message.
 */
struct wire {
	uint64_t *w;
	size_t n, cap;		/* words written (or read), allocated */
	size_t at;		/* reading: the next word */
	bool bad;		/* out of memory, or a message too short */
};

static void wire_put(struct wire *b, uint64_t v)
{
	uint64_t *grown;

	if (b->n == b->cap) {
		size_t want = b->cap ? b->cap * 2 : 256;

		grown = realloc(b->w, want * sizeof(*grown));
		if (!grown) {
			b->bad = true;
			return;
		}
		b->w = grown;
		b->cap = want;
	}
	b->w[b->n++] = v;
}

static uint64_t wire_get(struct wire *b)
{
	if (b->at >= b->n) {
		b->bad = true;
		return 0;
	}
	return b->w[b->at++];
}

static void wire_put_double(struct wire *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	wire_put(b, u);
}

static double wire_get_double(struct wire *b)
{
	uint64_t u = wire_get(b);
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* A NUL-terminated string: its length, then 8 bytes a word. */
static void wire_put_str(struct wire *b, const char *s)
{
	size_t len = strlen(s), i;

	wire_put(b, len);
	for (i = 0; i < len; i += 8) {
		uint64_t u = 0;

		memcpy(&u, s + i, len - i < 8 ? len - i : 8);
		wire_put(b, u);
	}
}

/* Into @buf of @size bytes, cut to fit. */
static void wire_get_str(struct wire *b, char *buf, size_t size)
{
	size_t len = (size_t)wire_get(b), i;

	for (i = 0; i < len && !b->bad; i += 8) {
		uint64_t u = wire_get(b);
		size_t k = len - i < 8 ? len - i : 8;

		if (i + k < size)
			memcpy(buf + i, &u, k);
	}
	buf[len < size ? len : size - 1] = '\0';
}

static void wire_stats(struct wire *b, const struct sim_explore_stats *st)
{
	wire_put(b, st->executions);
	wire_put(b, st->completed);
	wire_put(b, st->states_stored);
	wire_put(b, st->states_matched);
	wire_put(b, st->transitions);
	wire_put(b, st->sleep_pruned);
	wire_put(b, st->violations);
	wire_put(b, st->shortest);
	wire_put(b, st->max_depth_reached);
	wire_put(b, (uint64_t)st->complete << 2 | (uint64_t)st->bounded << 1 |
		    st->bitstate);
	wire_put_double(b, st->omission_probability);
	wire_put(b, st->memory);
	wire_put_double(b, st->seconds);
	wire_put_str(b, st->error);
}

static void unwire_stats(struct wire *b, struct sim_explore_stats *st)
{
	uint64_t flags;

	st->executions = wire_get(b);
	st->completed = wire_get(b);
	st->states_stored = wire_get(b);
	st->states_matched = wire_get(b);
	st->transitions = wire_get(b);
	st->sleep_pruned = wire_get(b);
	st->violations = wire_get(b);
	st->shortest = (unsigned int)wire_get(b);
	st->max_depth_reached = (unsigned int)wire_get(b);
	flags = wire_get(b);
	st->complete = flags >> 2 & 1;
	st->bounded = flags >> 1 & 1;
	st->bitstate = flags & 1;
	st->omission_probability = wire_get_double(b);
	st->memory = (size_t)wire_get(b);
	st->seconds = wire_get_double(b);
	wire_get_str(b, st->error, sizeof(st->error));
}

static void wire_finding(struct wire *b, const struct scn_finding *f)
{
	wire_put(b, f->kind);
	wire_put(b, f->line);
	wire_put(b, (uint64_t)(int64_t)f->actor);
	wire_put(b, f->op);
	wire_put(b, (uint64_t)(int64_t)f->err);
	wire_put_double(b, f->expected);
	wire_put_double(b, f->actual);
	wire_put_str(b, f->msg);
}

static void unwire_finding(struct wire *b, struct scn_finding *f)
{
	f->kind = (enum scn_finding_kind)wire_get(b);
	f->line = (unsigned int)wire_get(b);
	f->actor = (int)(int64_t)wire_get(b);
	f->op = (enum scn_op)wire_get(b);
	f->err = (int)(int64_t)wire_get(b);
	f->expected = wire_get_double(b);
	f->actual = wire_get_double(b);
	wire_get_str(b, f->msg, sizeof(f->msg));
}

static void wire_entry(struct wire *b, const struct scn_cex_entry *e)
{
	wire_put(b, e->kind);
	wire_put(b, e->step);
	wire_put(b, (uint64_t)(int64_t)e->err);
	wire_put(b, (uint64_t)(int64_t)e->ret);
	wire_put(b, e->skipped);
	wire_put(b, e->depth);
	wire_put(b, e->fault);
	wire_put(b, e->at);
	wire_put(b, (uint64_t)(int64_t)e->lock);
	wire_put(b, e->nth);
}

static void unwire_entry(struct wire *b, struct scn_cex_entry *e)
{
	e->kind = (enum scn_cex_kind)wire_get(b);
	e->step = (unsigned int)wire_get(b);
	e->err = (int)(int64_t)wire_get(b);
	e->ret = (long)(int64_t)wire_get(b);
	e->skipped = wire_get(b) != 0;
	e->depth = (unsigned int)wire_get(b);
	e->fault = (enum sim_fault_kind)wire_get(b);
	e->at = (enum sim_sched_point)wire_get(b);
	e->lock = (int)(int64_t)wire_get(b);
	e->nth = (unsigned long)wire_get(b);
}

static void wire_outcome(struct wire *b, const struct outcome *out)
{
	const struct scn_cex *cex = &out->cex;
	unsigned int i, n = cex->found ? cex->n : 0;

	wire_put(b, (uint64_t)(int64_t)out->ret);
	wire_put(b, (uint64_t)(int64_t)out->replayed);
	wire_stats(b, &out->stats);
	wire_put_str(b, out->why);
	wire_put(b, (uint64_t)cex->found << 1 | cex->at_end);
	wire_finding(b, &cex->finding);
	wire_put_str(b, cex->why);
	wire_put(b, n);
	for (i = 0; i < n; i++)
		wire_entry(b, &cex->entries[i]);
}

/* The outcome back from words; 0, -EIO (a short or long message) or
 * -ENOMEM. */
static int unwire_outcome(struct wire *b, struct outcome *out)
{
	struct scn_cex *cex = &out->cex;
	uint64_t flags, n, i;

	out->ret = (int)(int64_t)wire_get(b);
	out->replayed = (int)(int64_t)wire_get(b);
	unwire_stats(b, &out->stats);
	wire_get_str(b, out->why, sizeof(out->why));
	flags = wire_get(b);
	cex->found = flags >> 1 & 1;
	cex->at_end = flags & 1;
	unwire_finding(b, &cex->finding);
	wire_get_str(b, cex->why, sizeof(cex->why));
	n = wire_get(b);
	if (b->bad || n > b->n)
		return -EIO;
	cex->n = (unsigned int)n;
	cex->entries = malloc((n ? n : 1) * sizeof(*cex->entries));
	if (!cex->entries)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		unwire_entry(b, &cex->entries[i]);
	return b->bad || b->at != b->n ? -EIO : 0;
}

static int send_outcome(int fd, const struct outcome *out)
{
	struct wire b = { 0 };
	int err;

	wire_outcome(&b, out);
	err = b.bad ? -ENOMEM : write_all(fd, b.w, b.n * sizeof(*b.w));
	free(b.w);
	return err;
}

/* Everything left on @fd, into *@buf (malloc'd): its length, or -EIO
 * or -ENOMEM. */
static ssize_t read_to_end(int fd, char **buf)
{
	size_t len = 0, cap = 0;
	ssize_t got = 1;
	char *grown;

	*buf = NULL;
	while (got) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			grown = realloc(*buf, cap);
			if (!grown)
				return -ENOMEM;
			*buf = grown;
		}
		got = read(fd, *buf + len, cap - len);
		if (got < 0 && errno != EINTR)
			return -EIO;
		if (got > 0)
			len += (size_t)got;
		else if (got < 0)
			got = 1;
	}
	return (ssize_t)len;
}

/* Reads the pipe to its end, then the outcome from it. */
static int recv_outcome(int fd, struct outcome *out)
{
	struct wire b = { 0 };
	char *bytes;
	ssize_t len = read_to_end(fd, &bytes);
	int err = len < 0 ? (int)len : len % 8 ? -EIO : 0;

	if (!err) {
		b.w = (uint64_t *)(void *)bytes;
		b.n = b.cap = (size_t)len / 8;
		err = unwire_outcome(&b, out);
	}
	free(bytes);
	return err;
}

/* Worker @i of @n: explores its shard and reports; never returns. */
static void worker(const struct scn_program *p, const struct explore_opts *o,
		   unsigned int i, unsigned int n, int fd)
{
	struct sim_explore_opts opts = o->search;
	struct outcome out;
	int err;

	opts.shard = i;
	opts.nshards = n;
	if (opts.memory_budget)
		opts.memory_budget /= n;
	else
		opts.memory_budget = ((size_t)256 << 20) / n;
	err = search_here(p, o, &opts, &out);
	if (!err)
		err = send_outcome(fd, &out);
	free(out.cex.entries);
	close(fd);
#ifdef IONSIM_COVERAGE
	/* _exit skips gcov's exit handler: a worker's lines count too */
	__gcov_dump();
#endif
	/* _exit: the parent's stdio buffers are not this process's to
	 * flush */
	_exit(err ? 1 : 0);
}

/* Adds a shard's statistics to the total. */
static void stats_add(struct sim_explore_stats *t,
		      const struct sim_explore_stats *s, bool first)
{
	t->executions += s->executions;
	t->completed += s->completed;
	t->states_stored += s->states_stored;
	t->states_matched += s->states_matched;
	t->transitions += s->transitions;
	t->sleep_pruned += s->sleep_pruned;
	if (s->violations && (!t->violations || s->shortest < t->shortest))
		t->shortest = s->shortest;
	t->violations += s->violations;
	if (s->max_depth_reached > t->max_depth_reached)
		t->max_depth_reached = s->max_depth_reached;
	t->complete = (first || t->complete) && s->complete;
	t->bounded |= s->bounded;
	t->bitstate |= s->bitstate;
	if (s->omission_probability > t->omission_probability)
		t->omission_probability = s->omission_probability;
	t->memory += s->memory;
	if (s->seconds > t->seconds)
		t->seconds = s->seconds;
	if (!t->error[0] && s->error[0])
		memcpy(t->error, s->error, sizeof(t->error));
}

/* Folds worker outcome @w into @total: the statistics add up, and the
 * shortest counterexample stays (the lower shard on a tie). */
static void merge(struct outcome *total, struct outcome *w, bool first)
{
	stats_add(&total->stats, &w->stats, first);
	if (!total->ret)
		total->ret = w->ret;
	if (w->cex.found && (!total->cex.found || w->cex.n < total->cex.n)) {
		free(total->cex.entries);
		total->cex = w->cex;
		total->replayed = w->replayed;
		memcpy(total->why, w->why, sizeof(total->why));
		w->cex.entries = NULL;
	} else if (!total->why[0] && w->why[0]) {
		memcpy(total->why, w->why, sizeof(total->why));
		total->replayed = w->replayed;
	}
	free(w->cex.entries);
}

/* Starts worker @i: its pid, with the read end of its pipe in *@fd. */
static pid_t start_worker(const struct scn_program *p,
			  const struct explore_opts *o, unsigned int i,
			  int *fd)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		worker(p, o, i, o->jobs, pipefd[1]);
	}
	close(pipefd[1]);
	if (pid < 0)
		close(pipefd[0]);
	else
		*fd = pipefd[0];
	return pid;
}

/* Collects worker @i: 0, or -EIO when it died or said nothing. */
static int collect_worker(pid_t pid, int fd, struct outcome *total,
			  bool first)
{
	struct outcome w;
	int status, err;

	memset(&w, 0, sizeof(w));
	err = recv_outcome(fd, &w);
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status)))
		err = -EIO;
	if (err) {
		free(w.cex.entries);
		return err;
	}
	merge(total, &w, first);
	return 0;
}

/* --jobs N: N workers, one shard each, collected in shard order. */
static int search_jobs(const struct scn_program *p,
		       const struct explore_opts *o, struct outcome *total)
{
	pid_t pids[MAX_JOBS];
	int fds[MAX_JOBS], err = 0;
	unsigned int i, started;

	memset(total, 0, sizeof(*total));
	for (started = 0; started < o->jobs; started++) {
		pids[started] = start_worker(p, o, started, &fds[started]);
		if (pids[started] < 0) {
			err = -errno;
			break;
		}
	}
	for (i = 0; i < started; i++) {
		int ret = collect_worker(pids[i], fds[i], total, i == 0);

		if (ret && !err)
			err = ret;
	}
	if (err && !total->stats.error[0])
		snprintf(total->stats.error, sizeof(total->stats.error),
			 "a worker failed (%s)", strerror(-err));
	return err;
}

/* ------------------------------------------------------------------ */
/* The counterexample as a scenario file                                */
/* ------------------------------------------------------------------ */

/* Whether line @line holds a step (fail, expect and final included). */
static bool *step_lines(const struct source *src)
{
	bool *is = calloc(src->nlines + 2, sizeof(*is));
	unsigned int i;

	for (i = 0; is && i < src->prog->nsteps; i++)
		if (src->prog->steps[i].line <= src->nlines)
			is[src->prog->steps[i].line] = true;
	return is;
}

/* A thread of a forked process is declared after the fork: its line
 * must follow the fork in the counterexample too. */
static bool forked_thread_line(const struct scn_program *p, unsigned int line)
{
	unsigned int a;

	for (a = 0; a < p->nactors; a++)
		if (p->actors[a].kind == SCN_ACTOR_THREAD &&
		    p->actors[a].line == line &&
		    p->actors[p->actors[a].process].kind == SCN_ACTOR_FORKED)
			return true;
	return false;
}

/* The --bug and --fix options as machine statements, after the file's
 * own (a later line wins). */
static void write_switches(FILE *out, const struct explore_opts *o)
{
	unsigned int i;

	for (i = 0; i < o->nswitches; i++)
		fprintf(out, "%s %s\n", o->switches[i].fix ? "fix" : "bug",
			o->switches[i].name);
}

/* The lines that are not steps: machine statements and actors. */
static void write_machine(FILE *out, const struct source *src,
			  const struct explore_opts *o, const bool *is_step)
{
	char buf[KION_LINE_MAX + 1];
	unsigned int line;

	if (o->kernel >= 0)
		fprintf(out, "kernel %s\n", kernels[o->kernel].name);
	for (line = 1; line <= src->nlines; line++) {
		const char *t = line_text(src, line, buf, sizeof(buf));

		if (is_step[line] || !*t || *t == '#' ||
		    forked_thread_line(src->prog, line) ||
		    (o->kernel >= 0 && line == src->prog->board.kernel_line))
			continue;
		fprintf(out, "%s\n", t);
	}
	write_switches(out, o);
}

/* After a fork: the declarations of the child's threads. */
static void write_child_threads(FILE *out, const struct source *src,
				unsigned int step)
{
	const struct scn_program *p = src->prog;
	char buf[KION_LINE_MAX + 1];
	unsigned int a;

	for (a = 0; a < p->nactors; a++) {
		const struct scn_actor *t = &p->actors[a];

		if (t->kind == SCN_ACTOR_THREAD &&
		    p->actors[t->process].fork_step == (int)step &&
		    p->actors[t->process].kind == SCN_ACTOR_FORKED)
			fprintf(out, "%s\n", line_text(src, t->line, buf,
						       sizeof(buf)));
	}
}

/* "lock" or "unlock", as `preempt` lines say it. */
static const char *point_name(enum sim_sched_point at)
{
	return at == SIM_SCHED_LOCK ? "lock" : "unlock";
}

/* The steps in the order they ran, each fault as a `fail` before its
 * step, and the finals when the violation was found at the end. */
static void write_steps(FILE *out, const struct source *src,
			const struct scn_cex *cex)
{
	const struct scn_program *p = src->prog;
	char buf[KION_LINE_MAX + 1];
	unsigned int i;

	for (i = 0; i < cex->n; i++) {
		const struct scn_cex_entry *e = &cex->entries[i];

		if (e->kind == SCN_CEX_FAULT) {
			fprintf(out, "fail %lu %s\n", e->nth,
				sim_fault_kind_name(e->fault));
			continue;
		}
		if (e->kind == SCN_CEX_PREEMPT) {
			fprintf(out, "preempt %lu %s %s\n", e->nth,
				point_name(e->at),
				kion_lock_class_name((unsigned int)e->lock));
			continue;
		}
		fprintf(out, "%s\n", line_text(src, p->steps[e->step].line,
					       buf, sizeof(buf)));
		if (p->steps[e->step].op == SCN_OP_FORK)
			write_child_threads(out, src, e->step);
	}
	for (i = 0; cex->at_end && i < p->nsteps; i++)
		if (p->steps[i].op == SCN_OP_FINAL)
			fprintf(out, "%s\n", line_text(src, p->steps[i].line,
						       buf, sizeof(buf)));
}


/* The whole counterexample scenario. */
static int write_cex_file(FILE *out, const struct source *src,
			  const struct explore_opts *o, const struct outcome *r)
{
	bool *is_step = step_lines(src);

	if (!is_step)
		return -ENOMEM;
	fprintf(out, "# A counterexample `ionsim explore` found in\n#   %s\n"
		"# its steps one a line, in the order they ran.  Violation:\n"
		"#   %s\n# `ionsim run` on this file replays the schedule and "
		"exits 1 with\n# the same finding (at this file's line "
		"numbers).\n", src->name, r->cex.why);
	write_machine(out, src, o, is_step);
	write_steps(out, src, &r->cex);
	free(is_step);
	return 0;
}

/* The counterexample scenario as a string (for --json). */
static char *cex_text(const struct source *src, const struct explore_opts *o,
		      const struct outcome *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return NULL;
	err = write_cex_file(f, src, o, r);
	if (fclose(f) || err) {
		free(text);
		return NULL;
	}
	return text;
}

/* --counterexample FILE: TOOL_OK, or TOOL_BAD_INPUT when it cannot be
 * written. */
static int save_cex(const struct source *src, const struct explore_opts *o,
		    const struct outcome *r)
{
	FILE *f = fopen(o->cex_path, "w");
	int err;

	if (!f) {
		fprintf(stderr, "ionsim explore: cannot write %s: %s\n",
			o->cex_path, strerror(errno));
		return TOOL_BAD_INPUT;
	}
	err = write_cex_file(f, src, o, r);
	if (fclose(f) || err) {
		fprintf(stderr, "ionsim explore: error writing %s\n",
			o->cex_path);
		return TOOL_BAD_INPUT;
	}
	return TOOL_OK;
}

/* ------------------------------------------------------------------ */
/* The summary in words                                                 */
/* ------------------------------------------------------------------ */

/* How a step of the counterexample ended, as a word. */
static const char *result_word(const struct scn_cex_entry *e, char *buf,
			       size_t len)
{
	if (e->skipped)
		return "skipped";
	if (!e->err)
		return "ok";
	return tool_errno_name(e->err, buf, len);
}

/* Whether entry @i is the step the violation was found at. */
static bool violating_step(const struct scn_cex *cex, unsigned int i,
			   const struct scn_program *p)
{
	unsigned int k, line = cex->finding.line;

	if (cex->at_end || cex->entries[i].kind != SCN_CEX_STEP ||
	    p->steps[cex->entries[i].step].line != line)
		return false;
	/* a step that ran before finds nothing after it; but a preempted
	 * step ends after the steps that ran inside it */
	for (k = i + 1; k < cex->n; k++)
		if (cex->entries[k].kind == SCN_CEX_STEP &&
		    p->steps[cex->entries[k].step].line == line)
			return false;
	return true;
}

/* The counterexample, step by step, and the violated check. */
static void print_cex(FILE *out, const struct source *src,
		      const struct outcome *r)
{
	const struct scn_program *p = src->prog;
	const struct scn_cex *cex = &r->cex;
	char buf[KION_LINE_MAX + 1], ename[16];
	unsigned int i, n = 0;

	fprintf(out, "counterexample, in the order the steps ran:\n");
	for (i = 0; i < cex->n; i++) {
		const struct scn_cex_entry *e = &cex->entries[i];
		unsigned int line = p->steps[e->step].line;

		if (e->kind == SCN_CEX_FAULT) {
			fprintf(out, "        fail %lu %s  (injected into the "
				"next step)\n", e->nth,
				sim_fault_kind_name(e->fault));
			continue;
		}
		if (e->kind == SCN_CEX_PREEMPT) {
			fprintf(out, "        preempt %lu %s %s  (the next step "
				"stops there; the step after it runs)\n",
				e->nth, point_name(e->at),
				kion_lock_class_name((unsigned int)e->lock));
			continue;
		}
		/* a step that ran inside another is indented under it */
		fprintf(out, "  %3u  line %-4u %*s%-*s %s%s\n", ++n, line,
			(int)(2 * e->depth), "", (int)(52 - 2 * (e->depth < 8 ?
							      e->depth : 8)),
			line_text(src, line, buf, sizeof(buf)),
			result_word(e, ename, sizeof(ename)),
			violating_step(cex, i, p) ? "  <- violated here" : "");
	}
	if (cex->at_end)
		fprintf(out, "  then the end of the run: finals, audit, "
			"leaks\n");
	fprintf(out, "violation: %s\n", cex->why);
}

/* The bounds in force that can cut a schedule short, in words. */
static void print_bounds(FILE *out, const struct explore_opts *o)
{
	const struct sim_explore_opts *s = &o->search;

	fprintf(out, "  a bound cut schedules short; the bounds were");
	if (s->max_depth)
		fprintf(out, " --max-depth %u", s->max_depth);
	else
		fprintf(out, " the default depth (10000 decisions)");
	if (s->max_preemptions != UINT_MAX)
		fprintf(out, ", --max-preemptions %u", s->max_preemptions);
	if (o->faults)
		fprintf(out, ", --max-faults %u (schedules with more faults "
			"were not tried)", s->max_faults);
	fputc('\n', out);
}

static void print_verdict(FILE *out, const struct explore_opts *o,
			  const struct outcome *r)
{
	const struct sim_explore_stats *st = &r->stats;

	if (st->violations) {
		fprintf(out, "result: VIOLATION\n");
		return;
	}
	if (st->complete && !st->bounded && !st->bitstate) {
		fprintf(out, "result: no violation: every schedule was "
			"explored (complete)\n");
		return;
	}
	fprintf(out, "result: no violation found, but the search is "
		"INCOMPLETE:\n");
	if (st->bounded)
		print_bounds(out, o);
	if (!st->complete)
		fputs("  the search stopped early (--max-states or "
		      "--max-seconds)\n", out);
	if (st->bitstate)
		fprintf(out, "  the visited set went bitstate: a state may "
			"have been taken for a visited one (probability "
			"%.3g)\n", st->omission_probability);
}

/* The one-screen summary. */
static void print_summary(FILE *out, const struct source *src,
			  const struct explore_opts *o,
			  const struct outcome *r)
{
	const struct sim_explore_opts *s = &o->search;

	fprintf(out, "== ionsim explore %s: hashing %s, reduction %s, "
		"faults %s", src->name, s->hashing ? "on" : "off",
		s->sleep_sets ? "on" : "off", o->faults ? "on" : "off");
	if (o->preempt)
		fprintf(out, ", preemption at locks");
	if (s->nshards > 1)
		fprintf(out, ", shard %u/%u", s->shard, s->nshards);
	if (o->jobs > 1)
		fprintf(out, ", %u jobs", o->jobs);
	fputs(" ==\n", out);
	sim_explore_stats_print(&r->stats, out);
	if (r->cex.found)
		print_cex(out, src, r);
	else if (r->stats.violations)
		fprintf(out, "violation: %s\n(its schedule did not replay to "
			"the same violation: no counterexample)\n", r->why);
	print_verdict(out, o, r);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

static json_t *json_stats(const struct sim_explore_stats *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, "
			 "s:b, s:b, s:b, s:f, s:I, s:f}",
			 "executions", (json_int_t)st->executions,
			 "completed", (json_int_t)st->completed,
			 "states_stored", (json_int_t)st->states_stored,
			 "states_matched", (json_int_t)st->states_matched,
			 "transitions", (json_int_t)st->transitions,
			 "sleep_pruned", (json_int_t)st->sleep_pruned,
			 "violations", (json_int_t)st->violations,
			 "shortest", (int)st->shortest,
			 "max_depth_reached", (int)st->max_depth_reached,
			 "complete", st->complete, "bounded", st->bounded,
			 "bitstate", st->bitstate,
			 "omission_probability", st->omission_probability,
			 "memory", (json_int_t)st->memory,
			 "seconds", st->seconds);
}

/* One entry of the counterexample: a step with its result, or a fault. */
static json_t *json_entry(const struct source *src,
			  const struct scn_cex_entry *e)
{
	const struct scn_step *s = &src->prog->steps[e->step];
	char buf[KION_LINE_MAX + 1], ename[16];

	if (e->kind == SCN_CEX_FAULT)
		return json_pack("{s:s, s:I, s:i}", "fault",
				 sim_fault_kind_name(e->fault), "nth",
				 (json_int_t)e->nth, "line", (int)s->line);
	if (e->kind == SCN_CEX_PREEMPT)
		return json_pack("{s:s, s:s, s:I, s:i}", "preempt",
				 point_name(e->at), "lock",
				 kion_lock_class_name((unsigned int)e->lock),
				 "nth", (json_int_t)e->nth, "line",
				 (int)s->line);
	return json_pack("{s:i, s:s, s:s, s:s?, s:I, s:b, s:i}", "line",
			 (int)s->line, "actor", scn_step_actor(src->prog, s),
			 "source", line_text(src, s->line, buf, sizeof(buf)),
			 "errno", e->err ? tool_errno_name(e->err, ename,
							   sizeof(ename)) : NULL,
			 "ret", (json_int_t)e->ret, "skipped", e->skipped,
			 "depth", (int)e->depth);
}

static json_t *json_steps(const struct source *src, const struct scn_cex *cex)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a && i < cex->n; i++)
		if (json_array_append_new(a, json_entry(src,
							&cex->entries[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The violation: null when none; its words, and with a counterexample
 * its steps and the scenario file --counterexample would write. */
static json_t *json_violation(const struct source *src,
			      const struct explore_opts *o,
			      const struct outcome *r)
{
	const struct scn_cex *cex = &r->cex;
	char *text;
	json_t *v;

	if (!r->stats.violations)
		return json_null();
	if (!cex->found)
		return json_pack("{s:s}", "message", r->why);
	text = cex_text(src, o, r);
	v = json_pack("{s:s, s:s, s:o, s:b, s:s, s:o, s:s?}",
		      "message", cex->why,
		      "kind", scn_finding_kind_name(cex->finding.kind),
		      "line", cex->finding.line ? json_integer(cex->finding.line)
						: json_null(),
		      "at_end", cex->at_end, "check", cex->finding.msg,
		      "steps", json_steps(src, cex), "scenario", text);
	free(text);
	return v;
}

static const char *result_name(const struct outcome *r)
{
	const struct sim_explore_stats *st = &r->stats;

	if (st->violations)
		return "violation";
	return st->complete && !st->bounded && !st->bitstate ? "clean"
							      : "incomplete";
}

/* Total steps of the actors' programs. */
static unsigned int program_steps(const struct scn_program *p)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->nsteps; i++)
		n += p->steps[i].actor >= 0;
	return n;
}

static int print_json(const struct source *src, const struct explore_opts *o,
		      const struct outcome *r, int status)
{
	json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:o, s:o}",
				"ionsim", IONSIM_VERSION, "file", src->name,
				"status", status, "result", result_name(r),
				"actors", (int)src->prog->nactors,
				"steps", (int)program_steps(src->prog),
				"stats", json_stats(&r->stats),
				"violation", json_violation(src, o, r));
	int err;

	if (!doc) {
		fputs("ionsim explore: --json: out of memory\n", stderr);
		return TOOL_BAD_INPUT;
	}
	err = json_dumpf(doc, stdout, JSON_INDENT(2) |
			 JSON_REAL_PRECISION(9));
	json_decref(doc);
	fputc('\n', stdout);
	return err ? TOOL_BAD_INPUT : status;
}

/* ------------------------------------------------------------------ */
/* The command                                                          */
/* ------------------------------------------------------------------ */

/* The search the options ask for: 0, or a negative errno. */
static int search(const struct source *src, const struct explore_opts *o,
		  struct outcome *r)
{
	int err;

	if (o->jobs > 1)
		return search_jobs(src->prog, o, r);
	err = search_here(src->prog, o, &o->search, r);
	if (err && !r->stats.error[0])
		snprintf(r->stats.error, sizeof(r->stats.error), "%s",
			 strerror(-err));
	return err;
}

/* The exit status of a finished search, and its complaints. */
static int judge(const struct source *src, const struct outcome *r, int err)
{
	if (err || r->ret < 0) {
		fprintf(stderr, "ionsim explore: %s: the search failed: %s\n",
			src->name, r->stats.error[0] ? r->stats.error
						     : strerror(-r->ret));
		return TOOL_BAD_INPUT;
	}
	if (r->stats.violations && !r->cex.found)
		fprintf(stderr, "ionsim explore: %s: the violating schedule "
			"did not replay to a violation (replay %d): the world "
			"is not deterministic\n", src->name, r->replayed);
	return r->stats.violations ? TOOL_FOUND : TOOL_OK;
}

/* Everything after the options: load, search, report. */
static int explore(const struct explore_opts *o)
{
	struct source src = { 0 };
	struct outcome r;
	int status, err;

	memset(&r, 0, sizeof(r));
	status = load_source(&src, o->path);
	if (status == TOOL_OK)
		status = adjust_machine(o, &src);
	if (status != TOOL_OK) {
		source_free(&src);
		return status;
	}
	err = search(&src, o, &r);
	status = judge(&src, &r, err);
	if (status != TOOL_BAD_INPUT && r.cex.found && o->cex_path)
		status = save_cex(&src, o, &r) == TOOL_OK ? status
							  : TOOL_BAD_INPUT;
	if (o->json && !o->quiet)
		status = print_json(&src, o, &r, status);
	else if (!o->quiet && !err)
		print_summary(stdout, &src, o, &r);
	free(r.cex.entries);
	source_free(&src);
	return status;
}

/* cmd_explore - `ionsim explore [OPTION...] FILE`; the exit status (enum
 * tool_status).  Declared in main.c (and here) until tool.h lists it. */
int cmd_explore(int argc, char **argv)
{
	struct explore_opts o;
	int status = parse_options(&o, argc, argv);

	if (status)
		return status < 0 ? TOOL_OK : status;
	status = explore(&o);
	if (fflush(stdout) || ferror(stdout)) {
		fputs("ionsim explore: error writing standard output\n",
		      stderr);
		return TOOL_BAD_INPUT;
	}
	return status;
}
