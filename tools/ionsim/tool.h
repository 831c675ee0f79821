/*
 * tools/ionsim/tool.h - what the files of the `ionsim` command share.
 *
 * `ionsim` is one binary with subcommands (main.c dispatches).  `run`
 * (cmd_run.c) replays scenario files and hands what it saw to the
 * writers, one file each: the human summary and the --explain narration
 * (out_summary.c), JSON and the JSONL event stream (out_json.c), the
 * metrics CSV (out_metrics.c) and the Graphviz object graph
 * (out_graph.c).  The writers only read: the run, the report and the
 * model's objects, between steps.  Everything they print is derived from
 * serials, pids, fds and scenario lines, never from host pointers or
 * clocks, so the same input gives the same bytes.
 *
 * This header is private to tools/ionsim; nothing here is installed.
 */
#ifndef IONSIM_TOOL_H
#define IONSIM_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "scenarios/lang/scn.h"

#ifndef IONSIM_VERSION
#define IONSIM_VERSION "0.0.0"	/* the build passes the project's version */
#endif

/* Exit statuses of every subcommand; several files take the worst. */
enum tool_status {
	TOOL_OK = 0,		/* every expectation held, the audit is clean */
	TOOL_FOUND = 1,		/* a finding: failed expectation, audit, leak */
	TOOL_BAD_INPUT = 2,	/* bad option, unreadable or malformed file */
};

/* The subcommands.  Each takes its own name as argv[0] and returns an
 * exit status (enum tool_status). */
/*
 * tool_bad_usage - print "ionsim CMD: " + @fmt (with @arg) + a pointer to
 * CMD's --help on stderr; returns TOOL_BAD_INPUT for the caller to return.
 * tool_bad_option - the same for getopt_long's complaint @c ('?' or ':'),
 * naming the option as the user typed it; @first_long is the first value
 * of CMD's long-only options (a short option's optopt is below it).
 */
int tool_bad_usage(const char *cmd, const char *fmt, const char *arg);
int tool_bad_option(const char *cmd, int c, char **argv, int first_long);

int cmd_run(int argc, char **argv);
int cmd_gen(int argc, char **argv);	/* tools/ionsim/cmd_gen.c */
int cmd_explore(int argc, char **argv);	/* tools/ionsim/cmd_explore.c */

/* ------------------------------------------------------------------ */
/* Words both the text and the JSON outputs use (out_summary.c)         */
/* ------------------------------------------------------------------ */

/* "EINVAL" for 22 (positive or negative); "E<n>" for a number the C
 * library cannot name.  The string is static or lives in @buf. */
const char *tool_errno_name(int err, char *buf, size_t len);
/* A size as the scenario language writes it: "1M" when it is a whole
 * number of K, M or G, the bytes in decimal otherwise. */
void tool_size_str(uint64_t bytes, char *buf, size_t len);
/* What a step allowed, as written after `=>`: "ok", "EBADF",
 * "ok|EINVAL". */
void tool_outcome_str(const struct scn_outcome *o, char *buf, size_t len);
/* An expect/final expression as written: "used carveout <= 2M". */
void tool_expr_str(const struct scn_program *p, const struct scn_expr *e,
		   char *buf, size_t len);
/* "unexpected_failure", "expect", "audit", ...: the JSON kind names. */
const char *tool_finding_kind(enum scn_finding_kind kind);
/* The step written on @line, or NULL when that line holds none. */
const struct scn_step *tool_step_at_line(const struct scn_program *p,
					 unsigned int line);
/* The actor's name for an actor index (-1: NULL). */
const char *tool_actor_name(const struct scn_program *p, int actor);
/* A number as the scenario language writes it: whole numbers without a
 * fraction, others with up to six significant digits. */
void tool_number_str(double v, char *buf, size_t len);
/* The rest of @f as one NUL-terminated string (*@len bytes before the
 * NUL; a NUL inside is kept), or NULL when memory ran out. */
char *tool_read_all(FILE *f, size_t *len);

/* ------------------------------------------------------------------ */
/* One replayed file, as the writers see it                             */
/* ------------------------------------------------------------------ */

struct tool_result {
	const char *path;		/* as given on the command line */
	const struct scn_program *prog;
	struct scn_run *run;		/* finished, not yet freed */
	const struct scn_report *rep;
	int status;			/* enum tool_status for this file */
};

/* The one-screen summary of one file (out_summary.c). */
void out_summary_print(FILE *out, const struct tool_result *r);

/* ------------------------------------------------------------------ */
/* --explain (out_summary.c)                                            */
/* ------------------------------------------------------------------ */

/*
 * A narrator collects the kion trace lines a step causes and prints
 * them, framed by the step as written and its result, once the step's
 * event arrives.  It keeps the scenario's source lines to quote them.
 */
/* Preempted steps a narrator keeps track of (the interpreter nests at
 * most 8). */
#define SCN_MAX_NEST_TOLD 8

struct tool_narrator {
	FILE *out;
	const struct scn_program *prog;
	char *source;			/* the file's text, NUL-separated lines */
	const char **lines;		/* lines[i] is line i + 1 */
	unsigned int nlines;
	char *pending;			/* trace lines not yet printed */
	size_t pending_len, pending_cap;
	/* steps in progress whose header went out when a preemption
	 * stopped them (the outermost first): their end says "resumed" */
	unsigned int stopped[SCN_MAX_NEST_TOLD];
	unsigned int nstopped;
	bool closed;			/* later trace lines are dropped */
};

/* Prepares @n for @prog, whose source is @text (@len bytes) when it is
 * not NULL (standard input, which cannot be read twice), else the file
 * @path, read again (no lines when it cannot be: steps are then named by
 * actor and operation).  0 or -ENOMEM. */
int narrator_init(struct tool_narrator *n, FILE *out,
		  const struct scn_program *prog, const char *path,
		  const char *text, size_t len);
/* A kion_trace_fn body: keeps "func: what" for the current step. */
void narrator_trace(struct tool_narrator *n, const char *func,
		    const char *what);
/* Step @outer stopped at a preemption point and step @inner runs:
 * @outer's line and what it traced so far go out now. */
void narrator_preempted(struct tool_narrator *n, unsigned int outer,
			unsigned int inner);
/* The step of @ev as written, the trace lines it caused, its result. */
void narrator_step(struct tool_narrator *n, const struct scn_event *ev);
/* Prints what the run traced after its last step, then stops listening
 * (the teardown's own trace is not part of the story). */
void narrator_close(struct tool_narrator *n);
void narrator_free(struct tool_narrator *n);

/* ------------------------------------------------------------------ */
/* JSON (out_json.c)                                                    */
/* ------------------------------------------------------------------ */

/* The summary of one file as a JSON object (a new reference), or NULL
 * when memory ran out. */
json_t *out_json_result(const struct tool_result *r);
/* Prints the whole --json document: the version, the worst status and
 * @files (an array of out_json_result objects).  0 or -EIO. */
int out_json_document(FILE *out, json_t *files, int status);
/* One --events line for @ev of file @path.  0, -ENOMEM or -EIO. */
int out_json_event(FILE *out, const char *path,
		   const struct scn_program *prog,
		   const struct scn_event *ev);

/* ------------------------------------------------------------------ */
/* --metrics (out_metrics.c)                                            */
/* ------------------------------------------------------------------ */

/* The CSV header line. */
void out_metrics_header(FILE *out);
/* One row per heap of @run's board, in board order, for step @step
 * written on @line (0 and 0: the machine as booted). */
void out_metrics_rows(FILE *out, const char *path, struct scn_run *run,
		      unsigned int step, unsigned int line);

/* ------------------------------------------------------------------ */
/* --graph (out_graph.c)                                                */
/* ------------------------------------------------------------------ */

/* The object graph of @run as it stands, as one DOT digraph titled
 * @title.  0, or -ENOMEM (nothing useful was printed then). */
int out_graph_write(FILE *out, struct scn_run *run, const char *title);

#endif /* IONSIM_TOOL_H */
