/*
 * tools/ionsim/cmd_run.c - `ionsim run FILE...`: replay scenario files
 * in file order and report what they found.
 *
 * Every file is parsed, and every --at line checked against it, before
 * the first one runs: bad input stops everything with exit status 2 and
 * no half-written report, as SCENARIO.md wants of a bad line.  Then each
 * file is booted, run step by step in file order, finished and
 * summarised in turn.  The outputs that follow the run as it goes
 * (--events, --metrics, --explain, the views at --at lines) hang on the
 * interpreter's step hook; the summary (text or --json) is written from
 * the finished report while the run's objects are still there to be
 * listed.
 *
 * Exit status: the worst over the files of 0 (all good), 1 (something
 * found) and 2 (bad input, including a view that cannot be shown).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/tool.h"

static const char run_usage[] =
"usage: ionsim run [OPTION...] FILE...\n"
"\n"
"Replay each scenario FILE (the .ion language of docs/SCENARIOS.md) in\n"
"file order: boot its machine, run its steps as written, check each\n"
"`expect` where it stands and each `final` at the end, audit every\n"
"reference count, and report.  All files are parsed before any runs: a\n"
"bad line anywhere is reported as `FILE:LINE:COL: error: ...` on stderr\n"
"and nothing runs.\n"
"\n"
"For each file, a summary on stdout: the steps run; steps that failed, or\n"
"succeeded, against what their `=>` allowed (line, actor, operation,\n"
"errno); expectations that did not hold (line, expression, actual value);\n"
"audit violations; every buffer still alive at the end, held, orphaned\n"
"or leaked, with its size, heap, allocating line and what holds it; and\n"
"per heap: peak use, failures, fragmentation failures, final\n"
"fragmentation and largest free extent.\n"
"\n"
"Options:\n"
"  --json           print the summaries as one JSON document on stdout\n"
"                   instead of the text: {\"ionsim\", \"status\", \"files\":\n"
"                   [{\"file\", \"status\", \"result\", \"steps_run\",\n"
"                   \"counts\", \"findings\", \"leak_report\", \"heaps\"}]}\n"
"  --events FILE    write one JSON object per executed step to FILE, one\n"
"                   per line: file, step, line, actor, op, ret, errno (a\n"
"                   name, or null), allowed, skipped, and for allocations\n"
"                   buffer, heap, size, contiguous and (contiguous only)\n"
"                   phys; step is the step's place in the file, from 1\n"
"  --metrics FILE   write every heap's figures after every step to FILE as\n"
"                   CSV: a header line, then one row per heap per step:\n"
"                   file, step, line, heap, size, used, free, peak,\n"
"                   largest_free, free_extents, frag, waste, live, allocs,\n"
"                   failures, frag_failures, deferred, deferred_buffers,\n"
"                   pool_pages; step 0 (line 0) is the machine as booted\n"
"  --explain        narrate each step: the line as written, the kernel\n"
"                   functions it went through with the references that\n"
"                   changed, then its result\n"
"  --at LINE        show the views below right after the step on LINE\n"
"                   (repeatable); LINE must hold a step, not a `final`, in\n"
"                   every FILE; without --at, after the last step\n"
"  --debugfs PATH   show the debugfs or procfs file PATH as the simulated\n"
"                   kernel prints it (repeatable): for example\n"
"                   /sys/kernel/debug/ion/heaps/NAME,\n"
"                   /sys/kernel/debug/ion/clients/NAME-SERIAL,\n"
"                   /sys/kernel/debug/dma_buf/bufinfo, /proc/PID/fdinfo/FD\n"
"  --graph[=FILE]   show the object graph as Graphviz DOT (on stdout, or\n"
"                   written to FILE; the '=' is needed): processes, fds,\n"
"                   files, clients, handles, dma-bufs, attachments,\n"
"                   buffers, heaps, mappings and fds in flight; each\n"
"                   edge that holds a reference says how many\n"
"  -q, --quiet      print no summary, text or JSON (the exit status still\n"
"                   tells)\n"
"  -h, --help       print this help and exit\n"
"\n"
"A scenario FILE may be '-': standard input, named <stdin> in messages\n"
"(`ionsim gen camera | ionsim run -`).  A FILE of --events, --metrics or\n"
"--graph may be '-': standard output.\n"
"With several scenario files, each runs in turn and gets its own summary;\n"
"--events and --metrics name the file on every line.  Views and the\n"
"narration are printed on stdout as the run reaches them, before the\n"
"file's summary; under --json (without -q) they go to stderr, so that stdout\n"
"holds the JSON document alone.  When more than one debugfs view is shown,\n"
"each is preceded by a line `==> FILE after line LINE: PATH <==` (or\n"
"`==> FILE at the end: PATH <==`).\n"
"\n"
"Exit status (with several files, the highest):\n"
"  0  in every file, every step ended as allowed, every expectation held,\n"
"     the audit is clean and nothing leaked\n"
"  1  something was found in at least one file\n"
"  2  bad input: a bad option, an unreadable or malformed FILE, an --at\n"
"     line without a step (or whose step never ran), a --debugfs PATH the\n"
"     simulated kernel does not have, an output that cannot be written\n";

/* What the command line asked for. */
struct run_opts {
	bool json, explain, quiet, graph;
	const char *events_path, *metrics_path, *graph_path;
	unsigned int *at;		/* --at lines, in the order given */
	size_t nat;
	const char **debugfs;		/* --debugfs paths, in the order given */
	size_t ndebugfs;
};

/* The scenario files, parsed. */
struct run_inputs {
	size_t n;
	const char **names;		/* as messages name them */
	struct scn_program **progs;
	bool stdin_used;		/* '-' was given (it can be read once) */
	char *stdin_text;		/* what it held, kept for --explain */
	size_t stdin_len;
};

/* What messages and outputs call standard input; a file's name is this
 * very array when it came from there. */
static const char stdin_name[] = "<stdin>";

/* The streams every file writes to, open for the whole command. */
struct run_io {
	FILE *events, *metrics, *graph;	/* NULL when not asked for */
	FILE *views;			/* debugfs, DOT on stdout, narration */
	bool view_headers;		/* more than one debugfs view */
};

/* One file being replayed: the step hook's context. */
struct file_run {
	const struct run_opts *opts;
	struct run_io *io;
	const char *path;
	const struct scn_program *prog;
	struct tool_narrator narr;
	bool narrating;
	bool *at_seen;			/* per --at: its views were shown */
	int status;			/* TOOL_BAD_INPUT once a view failed */
};

static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

enum {
	OPT_JSON = 256, OPT_EVENTS, OPT_METRICS, OPT_EXPLAIN, OPT_AT,
	OPT_DEBUGFS, OPT_GRAPH,
};

static const struct option run_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "at", required_argument, NULL, OPT_AT },
	{ "debugfs", required_argument, NULL, OPT_DEBUGFS },
	{ "graph", optional_argument, NULL, OPT_GRAPH },
	{ NULL, 0, NULL, 0 },
};

static int bad_usage(const char *fmt, const char *arg)
{
	return tool_bad_usage("run", fmt, arg);
}

/* A line number: a positive decimal. */
static int parse_line(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 0xffffffffUL)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int bad_option(int c, char **argv)
{
	return tool_bad_option("run", c, argv, OPT_JSON);
}

/* Takes option @c (with optarg): 0, or TOOL_BAD_INPUT to stop. */
static int take_option(struct run_opts *o, int c)
{
	switch (c) {
	case 'q': o->quiet = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_EXPLAIN: o->explain = true; return 0;
	case OPT_EVENTS: o->events_path = optarg; return 0;
	case OPT_METRICS: o->metrics_path = optarg; return 0;
	case OPT_DEBUGFS: o->debugfs[o->ndebugfs++] = optarg; return 0;
	case OPT_GRAPH:
		o->graph = true;
		o->graph_path = optarg;
		return 0;
	case OPT_AT:
		if (parse_line(optarg, &o->at[o->nat]) < 0)
			return bad_usage("--at needs a line number, not '%s'",
					 optarg);
		o->nat++;
		return 0;
	}
	return TOOL_BAD_INPUT;
}

/*
 * Reads the options into @o (its arrays sized for @argc entries).
 * Returns 0, -1 when --help was printed, or an exit status.
 */
static int parse_options(struct run_opts *o, int argc, char **argv)
{
	int c, ret;

	opterr = 0;	/* our own messages, named "ionsim run" */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hq", run_longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(run_usage, stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		ret = take_option(o, c);
		if (ret)
			return ret;
	}
	if (optind >= argc)
		return bad_usage("%s", "no scenario FILE given");
	if (o->nat && !o->ndebugfs && !o->graph)
		return bad_usage("%s", "--at shows views: give --debugfs PATH "
				 "or --graph too");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Input                                                                */
/* ------------------------------------------------------------------ */

/* Every --at line must hold a step of @p that runs in replay. */
static int check_at_lines(const struct run_opts *o, const char *path,
			  const struct scn_program *p)
{
	const struct scn_step *s;
	size_t i;

	for (i = 0; i < o->nat; i++) {
		s = tool_step_at_line(p, o->at[i]);
		if (!s) {
			fprintf(stderr, "ionsim run: %s: --at %u: no step on "
				"line %u\n", path, o->at[i], o->at[i]);
			return TOOL_BAD_INPUT;
		}
		if (s->op == SCN_OP_FINAL) {
			fprintf(stderr, "ionsim run: %s: --at %u: line %u is "
				"a `final`, checked only at the end\n", path,
				o->at[i], o->at[i]);
			return TOOL_BAD_INPUT;
		}
	}
	return TOOL_OK;
}

/* Standard input, read whole (once) and parsed: 0 or the number of
 * errors, as scn_parse_file counts them. */
static int parse_stdin(struct run_inputs *in, size_t i)
{
	in->names[i] = stdin_name;
	if (in->stdin_used) {
		fprintf(stderr, "%s: error: standard input ('-') given twice\n",
			stdin_name);
		return 1;
	}
	in->stdin_used = true;
	in->stdin_text = tool_read_all(stdin, &in->stdin_len);
	if (!in->stdin_text || ferror(stdin)) {
		fprintf(stderr, "%s: error: cannot read: %s\n", stdin_name,
			in->stdin_text ? strerror(EIO) : strerror(ENOMEM));
		return 1;
	}
	return scn_parse(stdin_name, in->stdin_text, in->stdin_len,
			 &in->progs[i], stderr);
}

/* Scenario @i from @path ('-': standard input). */
static int parse_one(struct run_inputs *in, size_t i, const char *path)
{
	if (strcmp(path, "-") == 0)
		return parse_stdin(in, i);
	in->names[i] = path;
	return scn_parse_file(path, &in->progs[i], stderr);
}

/* Parses every file (each one's errors on stderr) and checks the --at
 * lines against it.  TOOL_OK, or TOOL_BAD_INPUT once all were tried. */
static int parse_all(const struct run_opts *o, char **paths,
		     struct run_inputs *in)
{
	int status = TOOL_OK;
	size_t i;

	for (i = 0; i < in->n; i++) {
		if (parse_one(in, i, paths[i]) != 0) {
			status = TOOL_BAD_INPUT;
			continue;
		}
		status = worst(status, check_at_lines(o, in->names[i],
						      in->progs[i]));
	}
	return status;
}

/* Room for @n files; false when memory ran out. */
static bool inputs_alloc(struct run_inputs *in, size_t n)
{
	in->n = n;
	in->names = calloc(n, sizeof(*in->names));
	in->progs = calloc(n, sizeof(*in->progs));
	return in->names && in->progs;
}

static void inputs_free(struct run_inputs *in)
{
	size_t i;

	for (i = 0; in->progs && i < in->n; i++)
		if (in->progs[i])
			scn_program_free(in->progs[i]);
	free(in->progs);
	free(in->names);
	free(in->stdin_text);
}

/* ------------------------------------------------------------------ */
/* Output streams                                                       */
/* ------------------------------------------------------------------ */

static int open_output(const char *path, FILE **out)
{
	if (!path)
		return 0;
	if (strcmp(path, "-") == 0) {
		*out = stdout;
		return 0;
	}
	*out = fopen(path, "w");
	if (*out)
		return 0;
	fprintf(stderr, "ionsim run: cannot write %s: %s\n", path,
		strerror(errno));
	return TOOL_BAD_INPUT;
}

/* Closes @f (flushes stdout); TOOL_BAD_INPUT when anything written to it
 * was lost. */
static int close_output(FILE *f, const char *path)
{
	bool failed;

	if (!f)
		return TOOL_OK;
	failed = ferror(f) != 0;
	if (f == stdout)
		failed |= fflush(f) != 0;
	else
		failed |= fclose(f) != 0;
	if (!failed)
		return TOOL_OK;
	fprintf(stderr, "ionsim run: error writing %s\n", path);
	return TOOL_BAD_INPUT;
}

static int open_outputs(const struct run_opts *o, struct run_io *io,
			size_t nfiles)
{
	size_t points = o->nat ? o->nat : 1;

	io->views = o->json && !o->quiet ? stderr : stdout;
	io->view_headers = o->ndebugfs * points * nfiles > 1;
	if (open_output(o->events_path, &io->events) ||
	    open_output(o->metrics_path, &io->metrics) ||
	    open_output(o->graph_path, &io->graph))
		return TOOL_BAD_INPUT;
	if (io->metrics)
		out_metrics_header(io->metrics);
	return TOOL_OK;
}

static int close_outputs(const struct run_opts *o, struct run_io *io)
{
	int status = TOOL_OK;

	status = worst(status, close_output(io->events, o->events_path));
	status = worst(status, close_output(io->metrics, o->metrics_path));
	status = worst(status, close_output(io->graph, o->graph_path));
	return status;
}

/* ------------------------------------------------------------------ */
/* Views (--at, --debugfs, --graph)                                     */
/* ------------------------------------------------------------------ */

/* "FILE after line 12" or "FILE at the end" (@line 0). */
static void view_title(const struct file_run *fr, unsigned int line,
		       char *buf, size_t len)
{
	if (line)
		snprintf(buf, len, "%s after line %u", fr->path, line);
	else
		snprintf(buf, len, "%s at the end", fr->path);
}

static void show_debugfs(struct file_run *fr, struct scn_run *run,
			 const char *title, const char *path)
{
	FILE *out = fr->io->views;

	if (fr->io->view_headers)
		fprintf(out, "==> %s: %s <==\n", title, path);
	if (kion_debugfs_show(scn_run_device(run), path, out) == 0)
		return;
	fprintf(stderr, "ionsim run: %s: --debugfs %s: no such file in the "
		"simulated kernel\n", fr->path, path);
	fr->status = TOOL_BAD_INPUT;
}

/* Every view asked for, as the machine stands now, after @line. */
static void show_views(struct file_run *fr, struct scn_run *run,
		       unsigned int line)
{
	const struct run_opts *o = fr->opts;
	char title[1024];
	size_t i;

	view_title(fr, line, title, sizeof(title));
	for (i = 0; i < o->ndebugfs; i++)
		show_debugfs(fr, run, title, o->debugfs[i]);
	if (!o->graph)
		return;
	if (out_graph_write(fr->io->graph ? fr->io->graph : fr->io->views,
			    run, title) == 0)
		return;
	fprintf(stderr, "ionsim run: %s: --graph: out of memory\n", fr->path);
	fr->status = TOOL_BAD_INPUT;
}

/* The views of the --at lines that name @line. */
static void views_at(struct file_run *fr, struct scn_run *run,
		     unsigned int line)
{
	size_t i;
	bool due = false;

	for (i = 0; i < fr->opts->nat; i++)
		if (fr->opts->at[i] == line && !fr->at_seen[i])
			due = fr->at_seen[i] = true;
	if (due)
		show_views(fr, run, line);
}

/* An --at line whose step never ran (its actor did not exist then) had
 * no view: the user asked for something that does not exist. */
static void check_views_shown(struct file_run *fr)
{
	size_t i;

	for (i = 0; i < fr->opts->nat; i++) {
		if (fr->at_seen[i])
			continue;
		fprintf(stderr, "ionsim run: %s: --at %u: the step on line %u "
			"did not run\n", fr->path, fr->opts->at[i],
			fr->opts->at[i]);
		fr->status = TOOL_BAD_INPUT;
	}
}

/* ------------------------------------------------------------------ */
/* Hooks                                                                */
/* ------------------------------------------------------------------ */

static void on_step(void *ctx, struct scn_run *run, const struct scn_event *ev)
{
	struct file_run *fr = ctx;
	struct run_io *io = fr->io;

	if (fr->narrating)
		narrator_step(&fr->narr, ev);
	/* A write error shows in the stream's error flag, reported when
	 * it is closed. */
	if (io->events &&
	    out_json_event(io->events, fr->path, fr->prog, ev) == -ENOMEM) {
		fprintf(stderr, "ionsim run: %s: --events: out of memory\n",
			fr->path);
		fr->status = TOOL_BAD_INPUT;
	}
	if (io->metrics)
		out_metrics_rows(io->metrics, fr->path, run, ev->index + 1,
				 ev->step->line);
	if (fr->opts->nat)
		views_at(fr, run, ev->step->line);
}

static void on_preempted(void *ctx, struct scn_run *run, unsigned int outer,
			 unsigned int inner)
{
	struct file_run *fr = ctx;

	(void)run;
	if (fr->narrating)
		narrator_preempted(&fr->narr, outer, inner);
}

static void on_trace(void *ctx, const char *func, const char *what)
{
	struct file_run *fr = ctx;

	narrator_trace(&fr->narr, func, what);
}

/* ------------------------------------------------------------------ */
/* One file                                                             */
/* ------------------------------------------------------------------ */

/* The summary of a finished run: text, or an entry of @json_files. */
static int report(struct file_run *fr, struct scn_run *run,
		  const struct scn_report *rep, json_t *json_files)
{
	struct tool_result r = {
		.path = fr->path, .prog = fr->prog, .run = run, .rep = rep,
		.status = worst(fr->status, scn_report_status(rep)),
	};

	if (json_files) {
		if (json_array_append_new(json_files, out_json_result(&r)) < 0) {
			fprintf(stderr, "ionsim run: %s: --json: out of "
				"memory\n", fr->path);
			return TOOL_BAD_INPUT;
		}
	} else if (!fr->opts->quiet) {
		out_summary_print(stdout, &r);
	}
	return r.status;
}

/* Frees the run; kernel objects that outlive the machine are a model
 * leak, a finding no report line carries. */
static int shut_down(struct file_run *fr, struct scn_run *run)
{
	unsigned long left = scn_run_free(run);

	if (!left)
		return TOOL_OK;
	fprintf(stderr, "ionsim run: %s: %lu kernel objects outlived the "
		"machine (the model leaked)\n", fr->path, left);
	return TOOL_FOUND;
}

/* Boots, runs every step, shows the views and the summary. */
static int replay(struct file_run *fr, json_t *json_files)
{
	struct scn_hooks hooks = {
		.ctx = fr, .step = on_step, .preempted = on_preempted,
		.trace = fr->narrating ? on_trace : NULL,
	};
	const struct scn_report *rep;
	struct scn_run *run;
	int err = 0, status;

	run = scn_run_new(fr->prog, &hooks, &err);
	if (!run) {
		fprintf(stderr, "ionsim run: %s: cannot boot the machine: %s\n",
			fr->path, strerror(err < 0 ? -err : err));
		return TOOL_BAD_INPUT;
	}
	if (fr->io->metrics)
		out_metrics_rows(fr->io->metrics, fr->path, run, 0, 0);
	scn_run_all(run);
	if (!fr->opts->nat && (fr->opts->ndebugfs || fr->opts->graph))
		show_views(fr, run, 0);
	check_views_shown(fr);
	if (fr->narrating)
		narrator_close(&fr->narr);
	rep = scn_run_finish(run);
	status = report(fr, run, rep, json_files);
	return worst(status, shut_down(fr, run));
}

/* The narrator of file @i: it quotes standard input from the copy kept,
 * a file by reading it again. */
static int narrator_for(struct file_run *fr, const struct run_inputs *in,
			size_t i)
{
	bool from_stdin = in->names[i] == stdin_name;

	return narrator_init(&fr->narr, fr->io->views, in->progs[i],
			     in->names[i],
			     from_stdin ? in->stdin_text : NULL,
			     from_stdin ? in->stdin_len : 0);
}

/* Replays file @i of @in. */
static int run_file(const struct run_opts *o, struct run_io *io,
		    const struct run_inputs *in, size_t i, json_t *json_files)
{
	const char *path = in->names[i];
	struct file_run fr = {
		.opts = o, .io = io, .path = path, .prog = in->progs[i],
		.narrating = o->explain,
	};
	int status;

	fr.at_seen = calloc(o->nat + 1, sizeof(*fr.at_seen));
	if (!fr.at_seen || (fr.narrating && narrator_for(&fr, in, i) < 0)) {
		fprintf(stderr, "ionsim run: %s: out of memory\n", path);
		narrator_free(&fr.narr);
		free(fr.at_seen);
		return TOOL_BAD_INPUT;
	}
	if (fr.narrating)
		fprintf(io->views, "== %s, step by step ==\n", path);
	status = replay(&fr, json_files);
	narrator_free(&fr.narr);
	free(fr.at_seen);
	return status;
}

/* ------------------------------------------------------------------ */
/* The command                                                          */
/* ------------------------------------------------------------------ */

/* Runs every parsed file in turn; the worst status. */
static int run_all_files(const struct run_opts *o,
			 const struct run_inputs *in)
{
	json_t *json_files = NULL;
	struct run_io io = { 0 };
	int status;
	size_t i;

	status = open_outputs(o, &io, in->n);
	if (status == TOOL_OK && o->json && !o->quiet &&
	    !(json_files = json_array())) {
		fputs("ionsim run: out of memory\n", stderr);
		status = TOOL_BAD_INPUT;
	}
	for (i = 0; i < in->n && status != TOOL_BAD_INPUT; i++)
		status = worst(status, run_file(o, &io, in, i, json_files));
	if (json_files && out_json_document(stdout, json_files, status) < 0)
		status = TOOL_BAD_INPUT;
	json_decref(json_files);
	status = worst(status, close_outputs(o, &io));
	return worst(status, close_output(stdout, "standard output"));
}

/* cmd_run - see tool.h: `ionsim run [OPTION...] FILE...`. */
int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_inputs in = { 0 };
	int status;

	o.at = calloc((size_t)argc, sizeof(*o.at));
	o.debugfs = calloc((size_t)argc, sizeof(*o.debugfs));
	status = o.at && o.debugfs ? parse_options(&o, argc, argv) :
		 TOOL_BAD_INPUT;
	if (status == 0)
		status = inputs_alloc(&in, (size_t)(argc - optind)) ?
			 parse_all(&o, argv + optind, &in) : TOOL_BAD_INPUT;
	if (status == TOOL_OK)
		status = run_all_files(&o, &in);
	inputs_free(&in);
	free(o.at);
	free(o.debugfs);
	return status < 0 ? TOOL_OK : status;
}
