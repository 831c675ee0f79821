/*
 * tests/scenarios/test_interp.c - the scenario interpreter: every
 * operation on its success and failure paths, variables across threads,
 * fork and fd passing, every expectation term, expect against final,
 * fault arming, read mismatches, skipped steps, the held / orphaned /
 * leaked report, the exit status, the per-step checks, and the seeds'
 * two dmabuf-test driver stories.
 *
 * Most programs are built by hand here (a small builder fills a struct
 * scn_program as the parser would), so that the interpreter is tested on
 * its own contract; the last cases run scenario text through scn_parse.
 * Every run ends with scn_run_free's count of kernel objects that
 * outlived the machine, which must be 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ionsim/uapi/dma-buf.h"
#include "ionsim/uapi/ion.h"
#include "scenarios/lang/scn.h"
#include "testlib.h"

#define TB_MAX_ACTORS 16
#define TB_MAX_STEPS 64
#define TB_MAX_VARS 32
#define KIB 1024ULL
#define MIB (1024ULL * 1024ULL)

/* Default board heap ids (SCENARIO.md). */
enum { SYSTEM = 0, CONTIG = 1, CARVEOUT = 2, CHUNK = 3, CMA = 4 };
#define MASK(id) (1u << (id))

/* ------------------------------------------------------------------ */
/* A program builder                                                    */
/* ------------------------------------------------------------------ */

struct tb {
	struct scn_program p;
	struct scn_actor actors[TB_MAX_ACTORS];
	struct scn_step steps[TB_MAX_STEPS];
	char vars[TB_MAX_VARS][SCN_NAME_MAX];
};

/* A program on the machine @machine describes (NULL: the default board). */
static struct tb *tb_new(const char *machine)
{
	struct tb *b = calloc(1, sizeof(*b));
	struct kion_board_error err;

	ck_assert_ptr_nonnull(b);
	b->p.filename = (char *)"test.ion";
	b->p.actors = b->actors;
	b->p.steps = b->steps;
	b->p.vars = b->vars;
	kion_board_init(&b->p.board);
	if (machine)
		ck_assert_int_eq(kion_board_parse_text(machine, "test.ion",
						       &b->p.board, stderr), 0);
	else
		ck_assert_int_eq(kion_board_finish(&b->p.board, &err), 0);
	return b;
}

static int tb_actor(struct tb *b, const char *name, enum scn_actor_kind kind,
		    int process)
{
	int i = (int)b->p.nactors++;
	struct scn_actor *a = &b->actors[i];

	ck_assert_int_lt(i, TB_MAX_ACTORS);
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->kind = kind;
	a->process = process >= 0 ? process : i;
	a->fork_step = -1;
	return i;
}

static int tb_process(struct tb *b, const char *name)
{
	return tb_actor(b, name, SCN_ACTOR_PROCESS, -1);
}

static int tb_var(struct tb *b, const char *name)
{
	unsigned int i;

	for (i = 0; i < b->p.nvars; i++)
		if (strcmp(b->vars[i], name) == 0)
			return (int)i;
	ck_assert_uint_lt(b->p.nvars, TB_MAX_VARS);
	snprintf(b->vars[b->p.nvars], SCN_NAME_MAX, "%s", name);
	return (int)b->p.nvars++;
}

/* Operand @i: a literal when @word starts like a number, else a variable. */
static void tb_arg(struct tb *b, struct scn_step *s, unsigned int i,
		   const char *word)
{
	if (!word)
		return;
	if ((word[0] >= '0' && word[0] <= '9') || word[0] == '-') {
		s->arg[i].kind = SCN_VALUE_INT;
		s->arg[i].num = strtoll(word, NULL, 0);
	} else {
		s->arg[i].kind = SCN_VALUE_VAR;
		s->arg[i].var = tb_var(b, word);
	}
}

/* A step of @actor: operands @a0, @a1 (NULL: none), binding @bind. */
static struct scn_step *tb_op(struct tb *b, int actor, enum scn_op op,
			      const char *a0, const char *a1, const char *bind)
{
	unsigned int i = b->p.nsteps++;
	struct scn_step *s = &b->steps[i];

	ck_assert_uint_lt(i, TB_MAX_STEPS);
	s->line = i + 1;
	s->col = 1;
	s->actor = actor;
	s->op = op;
	s->other = -1;
	s->bind = bind ? tb_var(b, bind) : -1;
	s->bind_actor = bind ? actor : -1;
	s->outcome.ok = true;
	tb_arg(b, s, 0, a0);
	tb_arg(b, s, 1, a1);
	return s;
}

/* The step must fail with @e1 (or @e2); @ok also allows success. */
static void tb_outcome(struct scn_step *s, bool ok, int e1, int e2)
{
	s->outcome.given = true;
	s->outcome.ok = ok;
	s->outcome.nerrnos = 0;
	if (e1)
		s->outcome.errnos[s->outcome.nerrnos++] = e1;
	if (e2)
		s->outcome.errnos[s->outcome.nerrnos++] = e2;
}

static struct scn_step *tb_open(struct tb *b, int actor, const char *path,
				const char *bind)
{
	struct scn_step *s = tb_op(b, actor, SCN_OP_OPEN, NULL, NULL, bind);

	snprintf(s->name, sizeof(s->name), "%s", path);
	return s;
}

static struct scn_step *tb_alloc(struct tb *b, int actor, const char *ion,
				 uint64_t len, unsigned int mask,
				 const char *bind)
{
	struct scn_step *s = tb_op(b, actor, SCN_OP_ALLOC, ion, NULL, bind);

	s->len = len;
	s->heap_mask = mask;
	return s;
}

static struct scn_step *tb_text(struct tb *b, int actor, enum scn_op op,
				const char *m, uint64_t off, const char *text,
				size_t len)
{
	struct scn_step *s = tb_op(b, actor, op, m, NULL, NULL);

	s->offset = off;
	s->text = (char *)text;
	s->text_len = len;
	return s;
}

/* An expect or final on @term (heap terms: @heap; actor terms: @actor,
 * refs: @var too). */
static struct scn_step *tb_expr(struct tb *b, enum scn_op op,
				enum scn_term term, const char *heap,
				int actor, const char *var, enum scn_cmp cmp,
				double number)
{
	struct scn_step *s = tb_op(b, -1, op, NULL, NULL, NULL);

	s->expr.term = term;
	snprintf(s->expr.heap, sizeof(s->expr.heap), "%s", heap ? heap : "");
	s->expr.actor = actor;
	s->expr.var = var ? tb_var(b, var) : -1;
	s->expr.cmp = cmp;
	s->expr.number = number;
	return s;
}

static struct scn_step *tb_expect(struct tb *b, enum scn_term term,
				  double number)
{
	return tb_expr(b, SCN_OP_EXPECT, term, NULL, -1, NULL, SCN_EQ, number);
}

/* ------------------------------------------------------------------ */
/* Running                                                              */
/* ------------------------------------------------------------------ */

/* Events seen by the step hook. */
struct seen {
	unsigned int n;
	struct scn_event ev[TB_MAX_STEPS * 2];
	char heap[TB_MAX_STEPS * 2][HEAP_NAME_MAX];
};

static void record(void *ctx, struct scn_run *run, const struct scn_event *ev)
{
	struct seen *seen = ctx;

	if (seen->n >= TB_MAX_STEPS * 2)
		return;
	seen->ev[seen->n] = *ev;
	snprintf(seen->heap[seen->n], HEAP_NAME_MAX, "%s",
		 ev->heap ? ev->heap : "");
	seen->n++;
}

static struct scn_run *tb_start(struct tb *b, struct seen *seen)
{
	struct scn_hooks hooks = { .ctx = seen, .step = seen ? record : NULL };
	int err = 0;
	struct scn_run *run = scn_run_new(&b->p, &hooks, &err);

	ck_assert_msg(run != NULL, "scn_run_new: %d", err);
	return run;
}

/* Run every step in file order and finish. */
static const struct scn_report *tb_run(struct tb *b, struct scn_run **run,
				       struct seen *seen)
{
	*run = tb_start(b, seen);
	scn_run_all(*run);
	return scn_run_finish(*run);
}

/* Free the run: no kernel object may outlive the machine. */
static void tb_end(struct scn_run *run, struct tb *b)
{
	ck_assert_uint_eq(scn_run_free(run), 0);
	free(b);
}

static unsigned int count_kind(const struct scn_report *rep,
			       enum scn_finding_kind kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < rep->nfindings; i++)
		n += rep->findings[i].kind == kind;
	return n;
}

/* The first finding of @kind, which must exist. */
static const struct scn_finding *find_kind(const struct scn_report *rep,
					   enum scn_finding_kind kind)
{
	unsigned int i;

	for (i = 0; i < rep->nfindings; i++)
		if (rep->findings[i].kind == kind)
			return &rep->findings[i];
	ck_abort_msg("no finding of kind %d", kind);
	return NULL;
}

/* Fails with every finding's message when the report is not clean. */
static void assert_clean(const struct scn_report *rep)
{
	unsigned int i;

	for (i = 0; i < rep->nfindings; i++)
		fprintf(stderr, "finding %d at line %u: %s\n",
			rep->findings[i].kind, rep->findings[i].line,
			rep->findings[i].msg);
	ck_assert_uint_eq(rep->nfindings, 0);
	ck_assert_int_eq(scn_report_status(rep), 0);
}

/* The event of the step on line @line. */
static const struct scn_event *event_at(const struct seen *seen,
					unsigned int line)
{
	unsigned int i;

	for (i = 0; i < seen->n; i++)
		if (seen->ev[i].step->line == line)
			return &seen->ev[i];
	ck_abort_msg("no event for line %u", line);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* ION ioctls                                                           */
/* ------------------------------------------------------------------ */

/* The SCENARIO.md example, by hand: camera shares a frame with the
 * compositor, both let go; nothing is found. */
START_TEST(camera_hands_a_frame_over)
{
	struct tb *b = tb_new("heap carveout type=carveout id=2 size=16M "
			      "policy=best-fit defer_free=off\n");
	int cam = tb_process(b, "camera"), sf = tb_process(b, "surfaceflinger");
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	struct scn_step *s;
	const struct scn_event *ev;

	tb_open(b, cam, "/dev/ion", "ion");
	s = tb_alloc(b, cam, "ion", MIB, MASK(CARVEOUT), "frame");
	s->flags = ION_FLAG_CACHED;
	tb_op(b, cam, SCN_OP_SHARE, "ion", "frame", "fd");
	s = tb_op(b, cam, SCN_OP_SEND, "fd", NULL, "fd");
	s->other = sf;
	s->bind_actor = sf;
	tb_open(b, sf, "/dev/ion", "ion");
	tb_op(b, sf, SCN_OP_IMPORT, "ion", "fd", "frame");
	tb_op(b, sf, SCN_OP_MMAP, "fd", NULL, "m");
	tb_op(b, cam, SCN_OP_FREE, "ion", "frame", NULL);
	tb_op(b, cam, SCN_OP_EXIT, NULL, NULL, NULL);
	tb_expect(b, SCN_TERM_LIVE_BUFFERS, 1);
	tb_text(b, sf, SCN_OP_READ, "m", 0, "\0\0", 2);
	tb_op(b, sf, SCN_OP_EXIT, NULL, NULL, NULL);
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_LEAKS, NULL, -1, NULL, SCN_EQ, 0);
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_USED, "carveout", -1, NULL, SCN_EQ,
		0);

	rep = tb_run(b, &run, &seen);
	assert_clean(rep);
	ck_assert_uint_eq(rep->steps_run, b->p.nsteps);
	ck_assert_uint_eq(rep->counts.live_buffers, 0);
	ck_assert_uint_eq(rep->audit_violations, 0);
	/* The allocation event: serial, heap, size, contiguity, address. */
	ev = event_at(&seen, 2);
	ck_assert_uint_eq(ev->buffer, 1);
	ck_assert_str_eq(seen.heap[1], "carveout");
	ck_assert_uint_eq(ev->size, MIB);
	ck_assert(ev->contiguous);
	ck_assert(ev->allowed);
	ck_assert_int_eq(ev->ret, 1);	/* handle id 1 */
	/* Sent fd lands in the compositor: 0-2 are the tty, 3 is its first. */
	ck_assert_int_eq(event_at(&seen, 4)->ret, 3);
	ck_assert_uint_eq(rep->nheaps, 1);
	ck_assert_str_eq(rep->heaps[0].name, "carveout");
	ck_assert_uint_eq(rep->heaps[0].metrics.peak, MIB);
	tb_end(run, b);
}
END_TEST

/* Outcomes: a listed errno is fine; an unlisted one, an unexpected
 * success and an unexpected failure are findings naming line, actor, op
 * and errno. */
START_TEST(outcomes_judged)
{
	struct tb *b = tb_new(NULL);
	int cam = tb_process(b, "camera");
	struct scn_run *run;
	const struct scn_report *rep;
	const struct scn_finding *f;

	tb_open(b, cam, "/dev/ion", "ion");
	tb_outcome(tb_op(b, cam, SCN_OP_FREE, "ion", "0", NULL), false,
		   EINVAL, 0);					/* 2: fine */
	tb_outcome(tb_op(b, cam, SCN_OP_CLOSE, "99", NULL, NULL), true,
		   EBADF, 0);					/* 3: fine */
	tb_op(b, cam, SCN_OP_CLOSE, "99", NULL, NULL);		/* 4: failure */
	tb_outcome(tb_op(b, cam, SCN_OP_CLOSE, "1", NULL, NULL), false,
		   EBADF, 0);					/* 5: success */
	tb_outcome(tb_op(b, cam, SCN_OP_CLOSE, "99", NULL, NULL), false,
		   EINVAL, ENOMEM);				/* 6: wrong */
	tb_outcome(tb_op(b, cam, SCN_OP_CLOSE, "-5", NULL, NULL), false,
		   EBADF, 0);					/* 7: fine */

	rep = tb_run(b, &run, NULL);
	ck_assert_uint_eq(rep->nfindings, 3);
	f = &rep->findings[0];
	ck_assert_int_eq(f->kind, SCN_FIND_UNEXPECTED_FAILURE);
	ck_assert_uint_eq(f->line, 4);
	ck_assert_int_eq(f->actor, cam);
	ck_assert_int_eq(f->op, SCN_OP_CLOSE);
	ck_assert_int_eq(f->err, EBADF);
	ck_assert_str_eq(f->msg, "camera close failed with EBADF; success "
			 "was expected");
	f = &rep->findings[1];
	ck_assert_int_eq(f->kind, SCN_FIND_UNEXPECTED_SUCCESS);
	ck_assert_uint_eq(f->line, 5);
	ck_assert_str_eq(f->msg, "camera close succeeded; EBADF was expected");
	f = &rep->findings[2];
	ck_assert_int_eq(f->kind, SCN_FIND_WRONG_ERRNO);
	ck_assert_uint_eq(f->line, 6);
	ck_assert_int_eq(f->err, EBADF);
	ck_assert_str_eq(f->msg, "camera close failed with EBADF; "
			 "EINVAL|ENOMEM was expected");
	ck_assert_int_eq(scn_report_status(rep), 1);
	tb_end(run, b);
}
END_TEST

/* The kernel's errnos for what a program should not do: ioctls on a tty,
 * a dma-buf fd given as ION's, IMPORT of a non-dma-buf, SHARE of a
 * handle that does not exist, unknown nodes. */
START_TEST(ioctl_errnos_are_the_kernels)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "app");
	struct scn_run *run;
	const struct scn_report *rep;

	tb_open(b, p, "/dev/ion", "ion");
	tb_outcome(tb_alloc(b, p, "1", 4096, MASK(SYSTEM), NULL), false,
		   ENOTTY, 0);
	tb_outcome(tb_alloc(b, p, "77", 4096, MASK(SYSTEM), NULL), false,
		   EBADF, 0);
	tb_outcome(tb_alloc(b, p, "ion", 4096, 0, NULL), false, ENODEV, 0);
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");
	tb_op(b, p, SCN_OP_SHARE, "ion", "h", "fd");
	tb_outcome(tb_alloc(b, p, "fd", 4096, MASK(SYSTEM), NULL), false,
		   ENOTTY, 0);
	tb_outcome(tb_op(b, p, SCN_OP_IMPORT, "ion", "0", NULL), false,
		   EINVAL, 0);	/* fd 0: a tty is not a dma-buf */
	tb_outcome(tb_op(b, p, SCN_OP_IMPORT, "ion", "ion", NULL), false,
		   EINVAL, 0);
	tb_outcome(tb_op(b, p, SCN_OP_SHARE, "ion", "42", NULL), false,
		   EINVAL, 0);
	tb_outcome(tb_op(b, p, SCN_OP_SYNC, "ion", "ion", NULL), false,
		   EINVAL, 0);
	tb_op(b, p, SCN_OP_SYNC, "ion", "fd", NULL);
	tb_op(b, p, SCN_OP_MAP, "ion", "h", "fd2");
	tb_op(b, p, SCN_OP_IMPORT, "ion", "fd2", "h2");
	tb_outcome(tb_open(b, p, "/dev/nothing", NULL), false, ENOENT, 0);
	tb_outcome(tb_open(b, p, "/dev/dma_heap/nope", NULL), false, ENOENT, 0);
	tb_outcome(tb_op(b, p, SCN_OP_QUERY, "ion", NULL, NULL), false,
		   EINVAL, 0);	/* 4.9.337 answers the list with EINVAL */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "h2", SCN_EQ, 3);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_HANDLES, NULL, p, NULL, SCN_EQ, 1);

	rep = tb_run(b, &run, NULL);
	assert_clean(rep);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Variables: threads, fork, fd passing, skips                          */
/* ------------------------------------------------------------------ */

/* A thread sees its process's variables; a forked child a copy, which
 * the parent's later bindings do not change; send binds in the
 * receiver only. */
START_TEST(bindings_per_process)
{
	struct tb *b = tb_new(NULL);
	int cam = tb_process(b, "camera"), sf = tb_process(b, "sf");
	int t = tb_actor(b, "camera.T", SCN_ACTOR_THREAD, cam);
	int kid = tb_actor(b, "kid", SCN_ACTOR_FORKED, -1);
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	struct scn_step *s;

	tb_open(b, cam, "/dev/ion", "ion");			/* 1 */
	tb_alloc(b, t, "ion", 4096, MASK(SYSTEM), "h");		/* 2 */
	tb_op(b, cam, SCN_OP_SHARE, "ion", "h", "fd");		/* 3 */
	s = tb_op(b, cam, SCN_OP_FORK, NULL, NULL, NULL);	/* 4 */
	s->other = kid;
	b->actors[kid].fork_step = 3;
	tb_op(b, cam, SCN_OP_DUP, "fd", NULL, "fd");		/* 5: fd 5 */
	tb_op(b, kid, SCN_OP_CLOSE, "fd", NULL, NULL);		/* 6: kid's 4 */
	s = tb_op(b, t, SCN_OP_SEND, "fd", NULL, "got");	/* 7 */
	s->other = sf;
	s->bind_actor = sf;
	tb_op(b, sf, SCN_OP_CLOSE, "got", NULL, NULL);		/* 8 */
	tb_outcome(tb_op(b, cam, SCN_OP_CLOSE, "got", NULL, NULL), false,
		   EBADF, 0);					/* 9: skipped */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FDS, NULL, kid, NULL, SCN_EQ, 4);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FDS, NULL, cam, NULL, SCN_EQ, 6);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FDS, NULL, sf, NULL, SCN_EQ, 3);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_HANDLES, NULL, kid, NULL, SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_HANDLES, NULL, t, NULL, SCN_EQ, 1);

	rep = tb_run(b, &run, &seen);
	ck_assert_int_eq(event_at(&seen, 2)->ret, 1);
	ck_assert_int_eq(event_at(&seen, 3)->ret, 4);
	ck_assert_int_eq(event_at(&seen, 5)->ret, 5);
	ck_assert_int_eq(event_at(&seen, 7)->ret, 3);
	ck_assert_int_eq(event_at(&seen, 6)->err, 0);
	ck_assert(event_at(&seen, 9)->skipped);
	ck_assert_uint_eq(rep->nfindings, 1);
	ck_assert_int_eq(rep->findings[0].kind, SCN_FIND_SKIPPED);
	ck_assert_uint_eq(rep->findings[0].line, 9);
	ck_assert_str_eq(rep->findings[0].msg,
			 "camera close skipped: variable got is unbound");
	tb_end(run, b);
}
END_TEST

/* A step whose operand a failed step left unbound is skipped; a forked
 * child's step before its fork has no process (-ESRCH, nothing ran),
 * and in replay one whose fork failed is skipped too. */
START_TEST(skipped_steps)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "app");
	int kid = tb_actor(b, "kid", SCN_ACTOR_FORKED, -1);
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	struct scn_step *s;

	tb_open(b, p, "/dev/ion", "ion");				/* 1 */
	tb_outcome(tb_alloc(b, p, "ion", 1ULL << 40, MASK(SYSTEM), "h"), true,
		   ENOMEM, 0);						/* 2 */
	tb_op(b, p, SCN_OP_FREE, "ion", "h", NULL);			/* 3 */
	s = tb_op(b, p, SCN_OP_FAIL, NULL, NULL, NULL);			/* 4 */
	s->actor = -1;
	s->nth = 1;
	s->fault = SIM_FAULT_ANY;
	s = tb_op(b, p, SCN_OP_FORK, NULL, NULL, NULL);			/* 5 */
	tb_outcome(s, true, ENOMEM, EAGAIN);
	s->other = kid;
	b->actors[kid].fork_step = 4;
	tb_op(b, kid, SCN_OP_EXIT, NULL, NULL, NULL);			/* 6 */

	run = tb_start(b, &seen);
	ck_assert_int_eq(scn_run_exec(run, 5), -ESRCH);
	ck_assert_int_eq(scn_run_exec(run, 99), -EINVAL);
	ck_assert_uint_eq(seen.n, 0);
	scn_run_all(run);
	rep = scn_run_finish(run);
	ck_assert_uint_eq(count_kind(rep, SCN_FIND_SKIPPED), 2);
	ck_assert_uint_eq(rep->nfindings, 2);
	ck_assert_uint_eq(rep->findings[0].line, 3);
	ck_assert_str_eq(rep->findings[0].msg,
			 "app free skipped: variable h is unbound");
	ck_assert_uint_eq(rep->findings[1].line, 6);
	ck_assert_str_eq(rep->findings[1].msg,
			 "kid exit skipped: process kid was never created");
	ck_assert(event_at(&seen, 3)->skipped);
	ck_assert_int_eq(event_at(&seen, 2)->err, ENOMEM);
	ck_assert(event_at(&seen, 2)->allowed);
	ck_assert_int_eq(scn_report_status(rep), 1);
	tb_end(run, b);
}
END_TEST

/* A process that exited still takes steps: each fails with ESRCH; fd
 * passing to it fails the same way; exit twice is ESRCH. */
START_TEST(dead_processes_answer_esrch)
{
	struct tb *b = tb_new(NULL);
	int a = tb_process(b, "a"), z = tb_process(b, "z");
	struct scn_run *run;
	const struct scn_report *rep;
	struct scn_step *s;

	tb_open(b, a, "/dev/ion", "ion");
	tb_op(b, z, SCN_OP_EXIT, NULL, NULL, NULL);
	s = tb_op(b, a, SCN_OP_SEND, "ion", NULL, "x");
	s->other = z;
	s->bind_actor = z;
	tb_outcome(s, false, ESRCH, 0);
	tb_outcome(tb_op(b, z, SCN_OP_EXIT, NULL, NULL, NULL), false, ESRCH, 0);
	tb_outcome(tb_open(b, z, "/dev/ion", NULL), false, ESRCH, 0);
	tb_outcome(tb_op(b, z, SCN_OP_CLOSE, "0", NULL, NULL), false, ESRCH, 0);
	tb_op(b, z, SCN_OP_DUP, "1", NULL, NULL);	/* not allowed: finding */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FDS, NULL, z, NULL, SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_MAPPINGS, NULL, z, NULL, SCN_EQ, 0);

	rep = tb_run(b, &run, NULL);
	ck_assert_uint_eq(rep->nfindings, 1);
	ck_assert_int_eq(rep->findings[0].kind, SCN_FIND_UNEXPECTED_FAILURE);
	ck_assert_int_eq(rep->findings[0].err, ESRCH);
	ck_assert_uint_eq(rep->findings[0].line, 7);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Mappings                                                             */
/* ------------------------------------------------------------------ */

/* mmap defaults to the buffer's size; bytes written through one
 * process's mapping are read through another's; a mismatch is a READ
 * finding; accesses outside the mapping or its protection are EFAULT;
 * munmap needs the mapping's start. */
START_TEST(mappings_share_bytes)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p"), q = tb_process(b, "q");
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	const struct scn_finding *f;
	struct scn_step *s;

	tb_open(b, p, "/dev/ion", "ion");				/* 1 */
	tb_alloc(b, p, "ion", 3 * 4096, MASK(SYSTEM), "h");		/* 2 */
	tb_op(b, p, SCN_OP_SHARE, "ion", "h", "fd");			/* 3 */
	tb_op(b, p, SCN_OP_MMAP, "fd", NULL, "m");			/* 4 */
	s = tb_op(b, p, SCN_OP_SEND, "fd", NULL, "fd");			/* 5 */
	s->other = q;
	s->bind_actor = q;
	s = tb_op(b, q, SCN_OP_MMAP, "fd", NULL, "m");			/* 6 */
	s->prot = SIM_PROT_READ;
	tb_text(b, p, SCN_OP_WRITE, "m", 8190, "efgh\n", 5);		/* 7 */
	tb_text(b, q, SCN_OP_READ, "m", 8190, "efgh\n", 5);		/* 8 */
	tb_text(b, q, SCN_OP_READ, "m", 8190, "efgX", 4);		/* 9 */
	s = tb_text(b, p, SCN_OP_WRITE, "m", 12286, NULL, 0);		/* 10 */
	s->len = 3;
	s->byte = 0x41;
	tb_outcome(s, false, EFAULT, 0);
	tb_outcome(tb_text(b, q, SCN_OP_WRITE, "m", 0, "x", 1), false,
		   EFAULT, 0);						/* 11 */
	tb_outcome(tb_text(b, q, SCN_OP_READ, "0", 0, "x", 1), false,
		   EFAULT, 0);						/* 12 */
	s = tb_op(b, p, SCN_OP_MMAP, "fd", NULL, "m2");			/* 13 */
	s->has_len = true;
	s->len = 4096;
	s->offset = 8192;
	s = tb_op(b, p, SCN_OP_MMAP, "fd", NULL, NULL);			/* 14 */
	s->offset = 4096;
	tb_text(b, p, SCN_OP_READ, "m2", 0, "gh\n", 3);			/* 15 */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_MAPPINGS, NULL, p, NULL, SCN_EQ, 3);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, q, "m", SCN_EQ, 2);
	tb_op(b, p, SCN_OP_MUNMAP, "m", NULL, NULL);			/* 18 */
	tb_outcome(tb_op(b, p, SCN_OP_MUNMAP, "m", NULL, NULL), false,
		   EINVAL, 0);						/* 19 */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_MAPPINGS, NULL, p, NULL, SCN_EQ, 2);
	tb_outcome(tb_op(b, p, SCN_OP_MMAP, "ion", NULL, NULL), false,
		   EACCES, ENODEV);					/* 21 */

	rep = tb_run(b, &run, &seen);
	ck_assert_uint_eq(rep->nfindings, 1);
	f = find_kind(rep, SCN_FIND_READ);
	ck_assert_uint_eq(f->line, 9);
	ck_assert_str_eq(f->msg, "q read at offset 8190 found \"efgh\", "
			 "expected \"efgX\"");
	ck_assert_int_eq(event_at(&seen, 9)->err, 0);
	tb_end(run, b);
}
END_TEST

/* cpu_begin / cpu_end through DMA_BUF_IOCTL_SYNC: the buffer's kernel
 * map count follows; on a tty it is ENOTTY. */
START_TEST(cpu_access_brackets)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	struct kion_buffer *buf;
	struct scn_step *s;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");
	tb_op(b, p, SCN_OP_SHARE, "ion", "h", "fd");
	s = tb_op(b, p, SCN_OP_CPU_BEGIN, "fd", NULL, NULL);
	s->dir = DMA_BUF_SYNC_READ;
	tb_op(b, p, SCN_OP_CPU_BEGIN, "fd", NULL, NULL);
	tb_op(b, p, SCN_OP_CPU_END, "fd", NULL, NULL);
	tb_outcome(tb_op(b, p, SCN_OP_CPU_BEGIN, "2", NULL, NULL), false,
		   ENOTTY, 0);

	run = tb_start(b, NULL);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_int_eq(scn_run_exec(run, i), 0);
	buf = RB_MIN(kion_buffer_tree, &scn_run_device(run)->buffers);
	ck_assert_int_eq(buf->hb.kmap_cnt, 1);
	scn_run_exec(run, 6);
	assert_clean(scn_run_finish(run));
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Kernel mappings and attachments (process steps)                      */
/* ------------------------------------------------------------------ */

/* kmap/kunmap through a process's client; a second kunmap is the
 * kernel's double-unmap WARN, reported at that step by the per-step
 * checks and again by the final audit. */
START_TEST(kmap_and_double_unmap)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;
	const struct scn_finding *f;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");
	tb_op(b, p, SCN_OP_KMAP, "ion", "h", NULL);
	tb_op(b, p, SCN_OP_KUNMAP, "ion", "h", NULL);
	tb_op(b, p, SCN_OP_KUNMAP, "ion", "h", NULL);		/* 5: WARN */
	tb_outcome(tb_op(b, p, SCN_OP_KMAP, "ion", "9", NULL), false,
		   EINVAL, 0);
	tb_outcome(tb_op(b, p, SCN_OP_KMAP, "0", "h", NULL), false, EINVAL, 0);
	tb_outcome(tb_op(b, p, SCN_OP_KMAP, "55", "h", NULL), false, EBADF, 0);

	rep = tb_run(b, &run, NULL);
	f = find_kind(rep, SCN_FIND_AUDIT);
	ck_assert_uint_eq(f->line, 5);
	ck_assert_str_eq(f->msg, "p kunmap: kernel WARN hit (1 so far)");
	ck_assert_uint_ge(rep->audit_violations, 1);
	ck_assert_uint_eq(count_kind(rep, SCN_FIND_AUDIT),
			  1 + rep->audit_violations);
	ck_assert_int_eq(scn_report_status(rep), 1);
	tb_end(run, b);
}
END_TEST

/* attach takes a dma_buf_get for the device; dmamap counts; detach puts
 * it; a detached attachment is EINVAL; refs follow. */
START_TEST(attachments)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	struct kion_buffer *buf;
	struct scn_step *s;

	tb_open(b, p, "/dev/ion", "ion");				/* 0 */
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");			/* 1 */
	tb_op(b, p, SCN_OP_SHARE, "ion", "h", "fd");			/* 2 */
	s = tb_op(b, p, SCN_OP_ATTACH, "fd", NULL, "a");		/* 3 */
	snprintf(s->name, sizeof(s->name), "gpu");
	tb_op(b, p, SCN_OP_DMAMAP, "a", NULL, NULL);			/* 4 */
	tb_op(b, p, SCN_OP_CLOSE, "fd", NULL, NULL);			/* 5 */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "a", SCN_EQ, 2);
	tb_op(b, p, SCN_OP_DMAUNMAP, "a", NULL, NULL);			/* 7 */
	tb_op(b, p, SCN_OP_DETACH, "a", NULL, NULL);			/* 8 */
	tb_outcome(tb_op(b, p, SCN_OP_DETACH, "a", NULL, NULL), false,
		   EINVAL, 0);						/* 9 */
	tb_outcome(tb_op(b, p, SCN_OP_DMAMAP, "7", NULL, NULL), false,
		   EINVAL, 0);						/* 10 */
	s = tb_op(b, p, SCN_OP_ATTACH, "ion", NULL, NULL);		/* 11 */
	snprintf(s->name, sizeof(s->name), "gpu");
	tb_outcome(s, false, EINVAL, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "a", SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "h", SCN_EQ, 1);

	run = tb_start(b, NULL);
	for (unsigned int i = 0; i < 5; i++)
		ck_assert_int_eq(scn_run_exec(run, i), 0);
	buf = RB_MIN(kion_buffer_tree, &scn_run_device(run)->buffers);
	ck_assert_int_eq(buf->dmap_cnt, 1);
	for (unsigned int i = 5; i < b->p.nsteps; i++)
		ck_assert_int_eq(scn_run_exec(run, i), 0);
	ck_assert_int_eq(buf->dmap_cnt, 0);
	assert_clean(scn_run_finish(run));
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* DMA-BUF heaps and the modern ABI                                     */
/* ------------------------------------------------------------------ */

START_TEST(dma_heap_alloc)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	struct scn_step *s;

	tb_open(b, p, "/dev/dma_heap/system", "heap");
	s = tb_op(b, p, SCN_OP_HEAPALLOC, "heap", NULL, "fd");
	s->len = 8192;
	s->fd_flags = O_RDWR | O_CLOEXEC;
	tb_op(b, p, SCN_OP_MMAP, "fd", NULL, "m");
	tb_text(b, p, SCN_OP_WRITE, "m", 0, "hi", 2);
	s = tb_op(b, p, SCN_OP_HEAPALLOC, "heap", NULL, NULL);
	s->len = 4096;
	s->fd_flags = 0x40;	/* O_CREAT: not a valid fd flag */
	tb_outcome(s, false, EINVAL, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "m", SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_ORPHANED, NULL, -1, NULL, SCN_EQ, 0);
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_USED, "system", -1, NULL, SCN_EQ,
		8192);

	rep = tb_run(b, &run, &seen);
	assert_clean(rep);
	ck_assert_uint_eq(event_at(&seen, 2)->buffer, 1);
	ck_assert_uint_eq(event_at(&seen, 2)->size, 8192);
	ck_assert_uint_eq(rep->counts.live_buffers, 1);
	ck_assert_uint_eq(rep->counts.held, 1);
	tb_end(run, b);
}
END_TEST

/* In the modern ABI ALLOC gives a dma-buf fd, and FREE is unknown. */
START_TEST(modern_abi)
{
	struct tb *b = tb_new("abi modern\n");
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "fd");
	tb_op(b, p, SCN_OP_MMAP, "fd", NULL, "m");
	tb_outcome(tb_op(b, p, SCN_OP_FREE, "ion", "1", NULL), false, ENOTTY,
		   0);
	tb_op(b, p, SCN_OP_QUERY, "ion", NULL, NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "fd", SCN_EQ, 1);
	tb_op(b, p, SCN_OP_CLOSE, "fd", NULL, NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_EQ, 1);
	tb_op(b, p, SCN_OP_MUNMAP, "m", NULL, NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_EQ, 0);

	rep = tb_run(b, &run, NULL);
	assert_clean(rep);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Terms, expect and final                                               */
/* ------------------------------------------------------------------ */

/* Every heap term against heap_metrics, and expect where it stands
 * against final at the end. */
START_TEST(heap_terms)
{
	struct tb *b = tb_new("heap carveout type=carveout id=2 size=1M "
			      "defer_free=off\n"
			      "heap sys type=system id=0\n");
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;
	const struct scn_finding *f;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 256 * KIB, MASK(CARVEOUT), "a");
	tb_alloc(b, p, "ion", 256 * KIB, MASK(CARVEOUT), "b");
	tb_alloc(b, p, "ion", 256 * KIB, MASK(CARVEOUT), "c");
	tb_op(b, p, SCN_OP_FREE, "ion", "b", NULL);
	tb_outcome(tb_alloc(b, p, "ion", 512 * KIB, MASK(CARVEOUT), NULL),
		   false, ENOMEM, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "carveout", -1, NULL, SCN_EQ,
		512 * KIB);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FREE, "carveout", -1, NULL, SCN_GE,
		256 * KIB);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LARGEST_FREE, "carveout", -1, NULL,
		SCN_LT, 512 * KIB);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FRAG, "carveout", -1, NULL, SCN_GT,
		0.1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FAILURES, "carveout", -1, NULL,
		SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FRAG_FAILURES, "carveout", -1, NULL,
		SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_PEAK, "carveout", -1, NULL, SCN_EQ,
		768 * KIB);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "sys", -1, NULL, SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_LE, 2);
	/* A wrong expect is a finding right there; the final sees the end. */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "carveout", -1, NULL, SCN_EQ,
		0);						/* 16 */
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_USED, "carveout", -1, NULL, SCN_EQ,
		0);						/* 17 */
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_USED, "carveout", -1, NULL, SCN_NE,
		0);						/* 18 */
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "nope", -1, NULL, SCN_EQ, 0);
	tb_op(b, p, SCN_OP_EXIT, NULL, NULL, NULL);

	rep = tb_run(b, &run, NULL);
	ck_assert_uint_eq(rep->nfindings, 3);
	f = &rep->findings[0];
	ck_assert_int_eq(f->kind, SCN_FIND_EXPECT);
	ck_assert_uint_eq(f->line, 16);
	ck_assert(f->expected == 0 && f->actual == 512 * KIB);
	ck_assert_str_eq(f->msg, "expect used carveout == 0 does not hold: it "
			 "is 524288");
	f = &rep->findings[1];
	ck_assert_int_eq(f->kind, SCN_FIND_EXPECT);
	ck_assert_str_eq(f->msg, "expect used nope == 0: cannot be evaluated: "
			 "no such heap");
	f = &rep->findings[2];
	ck_assert_int_eq(f->kind, SCN_FIND_FINAL);
	ck_assert_uint_eq(f->line, 18);
	ck_assert_str_eq(f->msg, "final used carveout != 0 does not hold: it "
			 "is 0");
	ck_assert_uint_eq(rep->nheaps, 2);
	ck_assert_str_eq(rep->heaps[0].name, "carveout");
	ck_assert_str_eq(rep->heaps[1].name, "sys");
	tb_end(run, b);
}
END_TEST

/* refs through each kind of variable, handles over distinct clients,
 * orphaned and live_buffers as the process lets go. */
START_TEST(reference_terms)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h2");
	tb_op(b, p, SCN_OP_SHARE, "ion", "h", "fd");
	tb_op(b, p, SCN_OP_DUP, "ion", NULL, "ion2");
	tb_op(b, p, SCN_OP_MMAP, "fd", NULL, "m");
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "h", SCN_EQ, 2);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "fd", SCN_EQ, 2);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "m", SCN_EQ, 2);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "ion", SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_HANDLES, NULL, p, NULL, SCN_EQ, 2);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_FDS, NULL, p, NULL, SCN_EQ, 6);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_ORPHANED, NULL, -1, NULL, SCN_EQ, 0);
	tb_op(b, p, SCN_OP_FREE, "ion", "h", NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "h", SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "fd", SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_ORPHANED, NULL, -1, NULL, SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LEAKS, NULL, -1, NULL, SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_HANDLES, NULL, p, NULL, SCN_EQ, 1);
	tb_op(b, p, SCN_OP_CLOSE, "fd", NULL, NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "fd", SCN_EQ, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, p, "m", SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_EQ, 2);

	rep = tb_run(b, &run, NULL);
	assert_clean(rep);
	/* At the end: h2 held by its handle, h's buffer by the mapping. */
	ck_assert_uint_eq(rep->counts.live_buffers, 2);
	ck_assert_uint_eq(rep->counts.held, 1);
	ck_assert_uint_eq(rep->counts.orphaned, 1);
	ck_assert_uint_eq(rep->counts.leaks, 0);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Faults, the kernel's threads                                          */
/* ------------------------------------------------------------------ */

/* fail NTH KIND arms the machine's fault point where it stands. */
START_TEST(fault_arming)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;
	struct scn_step *s;

	tb_open(b, p, "/dev/ion", "ion");
	s = tb_op(b, -1, SCN_OP_FAIL, NULL, NULL, NULL);
	s->nth = 1;
	s->fault = SIM_FAULT_FD;
	tb_outcome(tb_open(b, p, "/dev/ion", NULL), false, EMFILE, 0);
	tb_alloc(b, p, "ion", 4096, MASK(CARVEOUT), "h");
	s = tb_op(b, -1, SCN_OP_FAIL, NULL, NULL, NULL);
	s->nth = 1;
	s->fault = SIM_FAULT_KOBJ;
	tb_outcome(tb_alloc(b, p, "ion", 4096, MASK(CARVEOUT), NULL), false,
		   ENOMEM, 0);
	s = tb_op(b, -1, SCN_OP_FAIL, NULL, NULL, NULL);	/* nth 0 */
	s->fault = SIM_FAULT_PAGES;
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_FAILURES, "carveout", -1, NULL,
		SCN_EQ, 0);

	rep = tb_run(b, &run, NULL);
	ck_assert_uint_eq(rep->nfindings, 1);
	ck_assert_int_eq(rep->findings[0].kind, SCN_FIND_UNEXPECTED_FAILURE);
	ck_assert_int_eq(rep->findings[0].err, EINVAL);
	ck_assert_int_eq(rep->findings[0].actor, -1);
	ck_assert_str_eq(rep->findings[0].msg,
			 "fail failed with EINVAL; success was expected");
	tb_end(run, b);
}
END_TEST

/* kernel drain and shrink on a deferred-free heap: used keeps the
 * deferred buffer until the drain. */
START_TEST(kernel_drain_and_shrink)
{
	struct tb *b = tb_new("heap carveout type=carveout id=2 size=1M "
			      "defer_free=on\n"
			      "heap sys type=system id=0 defer_free=on\n");
	int p = tb_process(b, "p"), k = tb_actor(b, "kernel",
						 SCN_ACTOR_KERNEL, -1);
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	struct scn_step *s;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 64 * KIB, MASK(CARVEOUT), "h");
	tb_alloc(b, p, "ion", 64 * KIB, MASK(SYSTEM), "g");
	tb_op(b, p, SCN_OP_FREE, "ion", "h", NULL);
	tb_op(b, p, SCN_OP_FREE, "ion", "g", NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "carveout", -1, NULL, SCN_EQ,
		64 * KIB);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_EQ, 0);
	s = tb_op(b, k, SCN_OP_DRAIN, NULL, NULL, NULL);		/* 8 */
	snprintf(s->name, sizeof(s->name), "carveout");
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "carveout", -1, NULL, SCN_EQ,
		0);
	s = tb_op(b, k, SCN_OP_SHRINK, NULL, NULL, NULL);		/* 10 */
	snprintf(s->name, sizeof(s->name), "sys");
	s->len = 1000;
	s = tb_op(b, k, SCN_OP_DRAIN, NULL, NULL, NULL);
	snprintf(s->name, sizeof(s->name), "nope");
	tb_outcome(s, false, ENODEV, 0);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_USED, "sys", -1, NULL, SCN_EQ, 0);

	rep = tb_run(b, &run, &seen);
	assert_clean(rep);
	ck_assert_int_eq(event_at(&seen, 8)->ret, 64 * KIB);
	ck_assert_int_ge(event_at(&seen, 10)->ret, 16);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The report                                                            */
/* ------------------------------------------------------------------ */

/* A hook that plays a refcount bug: after the step on line 2 it takes a
 * buffer reference nobody will ever drop. */
static void leak_one(void *ctx, struct scn_run *run, const struct scn_event *ev)
{
	struct kion_device *dev = scn_run_device(run);

	if (ev->step->line == 2)
		kion_buffer_get(RB_MIN(kion_buffer_tree, &dev->buffers));
}

/* Held, orphaned and leaked at the end of a run: the leak is a LEAK
 * finding naming the line that allocated it, and an audit violation;
 * the held and orphaned buffers are listed but are no findings. */
START_TEST(held_orphaned_leaked)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p"), q = tb_process(b, "q");
	struct scn_hooks hooks = { .step = leak_one };
	const struct scn_report *rep;
	const struct scn_finding *f;
	struct scn_run *run;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	tb_open(b, p, "/dev/ion", "ion");			/* 1 */
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "leaky");	/* 2 */
	tb_op(b, p, SCN_OP_FREE, "ion", "leaky", NULL);		/* 3 */
	tb_open(b, q, "/dev/ion", "ion");			/* 4 */
	tb_alloc(b, q, "ion", 8192, MASK(SYSTEM), "held");	/* 5 */
	tb_alloc(b, q, "ion", 4096, MASK(CARVEOUT), "orph");	/* 6 */
	tb_op(b, q, SCN_OP_SHARE, "ion", "orph", "fd");		/* 7 */
	tb_op(b, q, SCN_OP_FREE, "ion", "orph", NULL);		/* 8 */
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_LEAKS, NULL, -1, NULL, SCN_EQ, 1);
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_ORPHANED, NULL, -1, NULL, SCN_EQ, 1);

	hooks.no_step_checks = true;
	run = scn_run_new(&b->p, &hooks, &err);
	ck_assert_ptr_nonnull(run);
	scn_run_all(run);
	rep = scn_run_finish(run);
	ck_assert(scn_run_finish(run) == rep);
	ck_assert_uint_eq(rep->counts.live_buffers, 3);
	ck_assert_uint_eq(rep->counts.held, 1);
	ck_assert_uint_eq(rep->counts.orphaned, 1);
	ck_assert_uint_eq(rep->counts.leaks, 1);
	ck_assert_uint_eq(count_kind(rep, SCN_FIND_LEAK), 1);
	f = find_kind(rep, SCN_FIND_LEAK);
	ck_assert_uint_eq(f->line, 0);
	ck_assert_str_eq(f->msg, "buffer 1: 4096 bytes on heap system, "
			 "allocated at line 2 by pid 100 (p): leaked (ref 1, "
			 "handle_count 0, nothing reachable holds it)");
	ck_assert_uint_ge(rep->audit_violations, 1);
	ck_assert_uint_eq(count_kind(rep, SCN_FIND_AUDIT),
			  rep->audit_violations);
	ck_assert_uint_eq(count_kind(rep, SCN_FIND_FINAL), 0);
	ck_assert_int_eq(scn_report_status(rep), 1);

	out = open_memstream(&text, &len);
	scn_run_print_report(run, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "test.ion: leak: buffer 1: 4096 "
				     "bytes on heap system"));
	ck_assert_ptr_nonnull(strstr(text, "allocated at line 5 by pid 101 "
				     "(q): held"));
	ck_assert_ptr_nonnull(strstr(text, "allocated at line 6 by pid 101 "
				     "(q): orphaned"));
	ck_assert_ptr_nonnull(strstr(text, ": FAILED\n"));
	free(text);
	/* The refcount bug's buffer is freed by force at teardown. */
	tb_end(run, b);
}
END_TEST

/* A hook that corrupts the device after line 3 (a counter that no longer
 * matches its tree, a touch of a destroyed handle) and mends the counter
 * after line 4. */
static void corrupt(void *ctx, struct scn_run *run, const struct scn_event *ev)
{
	struct kion_device *dev = scn_run_device(run);

	if (ev->step->line == 3) {
		dev->nbuffers = 7;
		dev->uaf++;
	} else if (ev->step->line == 4) {
		dev->nbuffers = 0;
	}
}

/* The per-step checks report each new violation once, at the first step
 * after which it shows, with the audit's words; the end-of-run audit
 * sees what lasted. */
START_TEST(per_step_checks)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_hooks hooks = { .step = corrupt };
	const struct scn_report *rep;
	struct scn_run *run;
	int err;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");
	tb_op(b, p, SCN_OP_FREE, "ion", "h", NULL);
	tb_op(b, p, SCN_OP_DUP, "ion", NULL, NULL);
	tb_op(b, p, SCN_OP_CLOSE, "ion", NULL, NULL);
	run = scn_run_new(&b->p, &hooks, &err);
	ck_assert_ptr_nonnull(run);
	scn_run_all(run);
	rep = scn_run_finish(run);
	ck_assert_uint_eq(count_kind(rep, SCN_FIND_AUDIT), 3);
	ck_assert_uint_eq(rep->findings[0].line, 4);
	ck_assert_str_eq(rep->findings[0].msg, "p dup: use after free of a "
			 "destroyed handle (1 so far)");
	ck_assert_uint_eq(rep->findings[1].line, 4);
	ck_assert_str_eq(rep->findings[1].msg, "p dup: 1 counter violation(s): "
			 "nbuffers 7, but dev->buffers holds 0");
	ck_assert_uint_eq(rep->findings[2].line, 0);
	ck_assert_str_eq(rep->findings[2].msg, "1 touches of destroyed handles "
			 "(use after free)");
	ck_assert_uint_eq(rep->audit_violations, 1);
	tb_end(run, b);
}
END_TEST

/* A clean run's status is 0 and its report is the same bytes twice. */
START_TEST(status_and_deterministic_report)
{
	char *text[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	int round;

	for (round = 0; round < 2; round++) {
		struct tb *b = tb_new(NULL);
		int p = tb_process(b, "p");
		struct scn_run *run;
		FILE *out;

		tb_open(b, p, "/dev/ion", "ion");
		tb_alloc(b, p, "ion", 12288, MASK(CARVEOUT), "h");
		tb_op(b, p, SCN_OP_SHARE, "ion", "h", "fd");
		tb_op(b, p, SCN_OP_MMAP, "fd", NULL, "m");
		run = tb_start(b, NULL);
		scn_run_all(run);
		ck_assert_int_eq(scn_report_status(scn_run_finish(run)), 0);
		out = open_memstream(&text[round], &len[round]);
		scn_run_print_report(run, out);
		fclose(out);
		tb_end(run, b);
	}
	ck_assert_str_eq(text[0], text[1]);
	ck_assert_ptr_nonnull(strstr(text[0], "pid 100 mapping 0x"));
	ck_assert_ptr_nonnull(strstr(text[0], ": ok\n"));
	free(text[0]);
	free(text[1]);
}
END_TEST

/* Past SCN_MAX_FINDINGS (10000) findings are only counted. */
START_TEST(findings_are_capped)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_run *run;
	const struct scn_report *rep;
	unsigned int i;

	tb_op(b, p, SCN_OP_CLOSE, "99", NULL, NULL);
	run = tb_start(b, NULL);
	for (i = 0; i < 10005; i++)
		scn_run_exec(run, 0);
	rep = scn_run_finish(run);
	ck_assert_uint_eq(rep->nfindings, 10000);
	ck_assert_uint_eq(rep->findings_dropped, 5);
	ck_assert_uint_eq(rep->steps_run, 10005);
	ck_assert_int_eq(scn_report_status(rep), 1);
	tb_end(run, b);
}
END_TEST

/* A program with an index out of its tables is refused, not run. */
START_TEST(malformed_program_refused)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	struct scn_step *s;
	int err = 0;

	s = tb_op(b, p, SCN_OP_CLOSE, "x", NULL, NULL);
	s->arg[0].var = 40;
	ck_assert_ptr_null(scn_run_new(&b->p, NULL, &err));
	ck_assert_int_eq(err, -EINVAL);
	s->arg[0].var = 0;
	s->actor = 9;
	ck_assert_ptr_null(scn_run_new(&b->p, NULL, &err));
	s->actor = p;
	s->op = SCN_OP_NOPS;
	ck_assert_ptr_null(scn_run_new(&b->p, NULL, &err));
	ck_assert_ptr_null(scn_run_new(NULL, NULL, &err));
	free(b);
}
END_TEST

/* The narration hook reaches the device. */
static void count_trace(void *ctx, const char *func, const char *what)
{
	(*(unsigned int *)ctx)++;
}

START_TEST(trace_hook)
{
	struct tb *b = tb_new(NULL);
	int p = tb_process(b, "p");
	unsigned int lines = 0;
	struct scn_hooks hooks = { .ctx = &lines, .trace = count_trace };
	struct scn_run *run;
	int err;

	tb_open(b, p, "/dev/ion", "ion");
	tb_alloc(b, p, "ion", 4096, MASK(SYSTEM), "h");
	run = scn_run_new(&b->p, &hooks, &err);
	scn_run_all(run);
	ck_assert_uint_gt(lines, 0);
	ck_assert_ptr_nonnull(scn_run_machine(run));
	ck_assert(scn_run_program(run) == &b->p);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Drivers: the seeds' dmabuf-test stories                               */
/* ------------------------------------------------------------------ */

/* The user allocates, maps and writes; the driver imports the shared fd
 * and kmaps it; both let go and nothing is left. */
START_TEST(driver_imports_from_user)
{
	struct tb *b = tb_new(NULL);
	int drv = tb_actor(b, "dmabuf-test", SCN_ACTOR_DRIVER, -1);
	int u = tb_process(b, "user");
	struct scn_run *run;
	const struct scn_report *rep;
	struct scn_step *s;

	tb_op(b, drv, SCN_OP_KCLIENT, NULL, NULL, "c");
	tb_open(b, u, "/dev/ion", "ion");
	s = tb_alloc(b, u, "ion", 4096, MASK(SYSTEM), "h");
	s->flags = ION_FLAG_CACHED | ION_FLAG_CACHED_NEEDS_SYNC;
	tb_op(b, u, SCN_OP_MAP, "ion", "h", "fd");
	tb_op(b, u, SCN_OP_MMAP, "fd", NULL, "buf");
	tb_text(b, u, SCN_OP_WRITE, "buf", 0, "1234\n", 5);
	s = tb_op(b, drv, SCN_OP_KIMPORT, "c", "fd", "kh");
	s->other = u;
	tb_op(b, drv, SCN_OP_KMAP_KERNEL, "c", "kh", NULL);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_HANDLES, NULL, drv, NULL, SCN_EQ, 1);
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, drv, "kh", SCN_EQ, 3);
	s = tb_op(b, drv, SCN_OP_KGET, "fd", NULL, "db");
	s->other = u;
	tb_expr(b, SCN_OP_EXPECT, SCN_TERM_REFS, NULL, drv, "db", SCN_EQ, 3);
	tb_op(b, drv, SCN_OP_KUNMAP_KERNEL, "c", "kh", NULL);
	tb_op(b, drv, SCN_OP_KFREE, "c", "kh", NULL);
	tb_outcome(tb_op(b, drv, SCN_OP_KFREE, "c", "kh", NULL), false,
		   EINVAL, 0);
	tb_op(b, drv, SCN_OP_KPUT, "db", NULL, NULL);
	tb_outcome(tb_op(b, drv, SCN_OP_KPUT, "db", NULL, NULL), false,
		   EINVAL, 0);
	tb_op(b, u, SCN_OP_MUNMAP, "buf", NULL, NULL);
	tb_op(b, u, SCN_OP_CLOSE, "fd", NULL, NULL);
	tb_op(b, u, SCN_OP_FREE, "ion", "h", NULL);
	tb_op(b, u, SCN_OP_CLOSE, "ion", NULL, NULL);
	tb_op(b, drv, SCN_OP_KDESTROY, "c", NULL, NULL);
	tb_outcome(tb_alloc(b, drv, "c", 4096, MASK(SYSTEM), NULL), false,
		   EINVAL, 0);
	b->steps[b->p.nsteps - 1].op = SCN_OP_KALLOC;
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_EQ, 0);

	rep = tb_run(b, &run, NULL);
	assert_clean(rep);
	tb_end(run, b);
}
END_TEST

/* The driver allocates and kmaps, shares the buffer into the user,
 * which mmaps it and reads what the driver's memory holds; the driver's
 * handle and client keep the buffer held at the end. */
START_TEST(driver_shares_to_user)
{
	struct tb *b = tb_new(NULL);
	int drv = tb_actor(b, "dmabuf-test", SCN_ACTOR_DRIVER, -1);
	int u = tb_process(b, "user");
	struct scn_run *run;
	const struct scn_report *rep;
	struct seen seen = { 0 };
	struct scn_step *s;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	tb_op(b, drv, SCN_OP_KCLIENT, NULL, NULL, "c");			/* 1 */
	s = tb_alloc(b, drv, "c", 4096, MASK(SYSTEM), "kh");		/* 2 */
	s->op = SCN_OP_KALLOC;
	tb_op(b, drv, SCN_OP_KMAP_KERNEL, "c", "kh", NULL);		/* 3 */
	tb_op(b, drv, SCN_OP_KUNMAP_KERNEL, "c", "kh", NULL);		/* 4 */
	s = tb_op(b, drv, SCN_OP_KSHARE, "c", "kh", "fd");		/* 5 */
	s->other = u;
	s->bind_actor = u;
	tb_op(b, u, SCN_OP_MMAP, "fd", NULL, "m");			/* 6 */
	tb_text(b, u, SCN_OP_READ, "m", 0, "\0\0\0\0", 4);		/* 7 */
	tb_op(b, u, SCN_OP_EXIT, NULL, NULL, NULL);			/* 8 */
	s = tb_op(b, drv, SCN_OP_KSHARE, "c", "kh", NULL);		/* 9 */
	s->other = u;
	tb_outcome(s, false, ESRCH, 0);
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_LIVE_BUFFERS, NULL, -1, NULL,
		SCN_EQ, 1);
	tb_expr(b, SCN_OP_FINAL, SCN_TERM_REFS, NULL, drv, "kh", SCN_EQ, 1);

	rep = tb_run(b, &run, &seen);
	assert_clean(rep);
	ck_assert_uint_eq(event_at(&seen, 2)->buffer, 1);
	ck_assert_int_eq(event_at(&seen, 5)->ret, 3);
	ck_assert_uint_eq(rep->counts.held, 1);
	out = open_memstream(&text, &len);
	scn_run_print_report(run, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "allocated at line 2 by kernel "
				     "client dmabuf-test: held\n    kernel "
				     "client dmabuf-test handle 1\n"));
	free(text);
	tb_end(run, b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* From scenario text                                                    */
/* ------------------------------------------------------------------ */

/* A run of scenario @text, parsed by scn_parse, finished. */
struct text_run {
	struct scn_program *p;
	struct scn_run *run;
	const struct scn_report *rep;
};

static void text_start(struct text_run *t, const char *text)
{
	int err = 0;

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(scn_parse("t.ion", text, strlen(text), &t->p, stderr),
			 0);
	t->run = scn_run_new(t->p, NULL, &err);
	ck_assert_msg(t->run != NULL, "scn_run_new: %d", err);
	scn_run_all(t->run);
	t->rep = scn_run_finish(t->run);
}

static void text_end(struct text_run *t)
{
	ck_assert_uint_eq(scn_run_free(t->run), 0);
	scn_program_free(t->p);
}

/* SCENARIO.md's example, word for word but for the deferred free the
 * carveout heap would otherwise keep its freed frame on (Linux 4.9's
 * carveout defers), which `used` counts until a drain. */
START_TEST(text_contract_example)
{
	struct text_run t;

	text_start(&t,
		"# A camera allocates a frame, hands it to the compositor.\n"
		"heap carveout type=carveout id=2 size=16M policy=best-fit "
		"defer_free=off\n"
		"\n"
		"process camera\n"
		"process surfaceflinger\n"
		"\n"
		"camera         open /dev/ion -> ion\n"
		"camera         alloc ion 1M heap=carveout flags=cached -> frame\n"
		"camera         share ion frame -> fd\n"
		"camera         send fd to surfaceflinger -> fd\n"
		"surfaceflinger open /dev/ion -> ion\n"
		"surfaceflinger import ion fd -> frame\n"
		"surfaceflinger mmap fd -> m\n"
		"camera         free ion frame\n"
		"camera         exit\n"
		"expect live_buffers == 1\n"
		"surfaceflinger read m 0 \"\\x00\\x00\"\n"
		"surfaceflinger exit\n"
		"final leaks == 0\n"
		"final used carveout == 0\n");
	assert_clean(t.rep);
	ck_assert_uint_eq(t.rep->steps_run, 14);
	text_end(&t);
}
END_TEST

/* The seeds' story from user to kernel: a client allocates, maps and
 * writes, passes the fd; the driver imports it and kmaps it. */
START_TEST(text_dmabuf_test_from_user)
{
	struct text_run t;

	text_start(&t,
		"driver dmabuf_test\n"
		"process client\n"
		"dmabuf_test client -> c\n"
		"client open /dev/ion -> ion\n"
		"client alloc ion 4K heap=system flags=cached,needs_sync -> h\n"
		"client map ion h -> fd\n"
		"client mmap fd 4K prot=rw -> buf\n"
		"client write buf 0 \"1234\\n\"\n"
		"dmabuf_test import c fd from client -> kh\n"
		"dmabuf_test kmap c kh\n"
		"expect refs dmabuf_test kh == 3\n"
		"expect handles dmabuf_test == 1\n"
		"dmabuf_test kunmap c kh\n"
		"dmabuf_test free c kh\n"
		"dmabuf_test free c kh => EINVAL\n"
		"client munmap buf\n"
		"client close fd\n"
		"client free ion h\n"
		"client exit\n"
		"dmabuf_test destroy c\n"
		"kernel drain system\n"
		"final live_buffers == 0\n"
		"final used system == 0\n"
		"final leaks == 0\n");
	assert_clean(t.rep);
	text_end(&t);
}
END_TEST

/* And back: the driver allocates and shares into the process, which
 * maps and reads what the driver left there. */
START_TEST(text_dmabuf_test_from_kernel)
{
	struct text_run t;

	text_start(&t,
		"driver dmabuf_test\n"
		"process demo\n"
		"dmabuf_test client -> c\n"
		"dmabuf_test alloc c 4K heap=system -> h\n"
		"dmabuf_test kmap c h\n"
		"dmabuf_test kunmap c h\n"
		"dmabuf_test share c h to demo -> fd\n"
		"demo mmap fd 4K prot=rw -> buf\n"
		"demo read buf 0 \"\\x00\\x00\\x00\\x00\"\n"
		"demo read buf 0 \"efgh\"\n"
		"demo munmap buf\n"
		"demo close fd\n"
		"demo exit\n"
		"final live_buffers == 1\n"
		"final refs dmabuf_test h == 1\n");
	ck_assert_uint_eq(t.rep->nfindings, 1);
	ck_assert_int_eq(t.rep->findings[0].kind, SCN_FIND_READ);
	ck_assert_uint_eq(t.rep->findings[0].line, 10);
	ck_assert_str_eq(t.rep->findings[0].msg, "demo read at offset 0 found "
			 "\"\\x00\\x00\\x00\\x00\", expected \"efgh\"");
	ck_assert_uint_eq(t.rep->counts.held, 1);
	text_end(&t);
}
END_TEST

/* Outcomes, a skip and a fork from text. */
START_TEST(text_outcomes_fork_skip)
{
	struct text_run t;

	text_start(&t,
		"heap carveout type=carveout id=2 size=1M\n"
		"process app\n"
		"app open /dev/ion -> ion\n"
		"app alloc ion 2M heap=carveout => ok|ENOMEM -> big\n"
		"app free ion big\n"
		"app alloc ion 4K heap=carveout -> h\n"
		"app share ion h -> fd\n"
		"app fork -> kid\n"
		"expect refs kid h == 2\n"
		"expect fds kid == 5\n"
		"kid close fd\n"
		"kid exit\n"
		"app close fd => EBADF\n"
		"app close 99 => EBADF\n"
		"app exit\n"
		"app close 0 => ESRCH\n"
		"final leaks == 0\n");
	ck_assert_uint_eq(t.rep->nfindings, 2);
	ck_assert_int_eq(t.rep->findings[0].kind, SCN_FIND_SKIPPED);
	ck_assert_uint_eq(t.rep->findings[0].line, 5);
	ck_assert_int_eq(t.rep->findings[1].kind, SCN_FIND_UNEXPECTED_SUCCESS);
	ck_assert_uint_eq(t.rep->findings[1].line, 13);
	text_end(&t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Random programs: whatever the parser accepts runs without a crash     */
/* ------------------------------------------------------------------ */

#define RND_SCOPES 4		/* a (and a.t), b, d, kid */
#define RND_NAMES 64		/* names a scope may hold */

/* A random program's text, and the names each scope has bound so far. */
struct rnd {
	struct sim_rng rng;
	char *text;
	size_t len, cap;
	char names[RND_SCOPES][RND_NAMES][16];
	unsigned int nnames[RND_SCOPES];
	unsigned int next[RND_SCOPES];	/* the next new name's number */
	bool forked;
};

static void rnd_add(struct rnd *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rnd_add(struct rnd *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->cap - r->len < 256) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->text = realloc(r->text, r->cap);
		ck_assert_ptr_nonnull(r->text);
	}
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
}

static unsigned int pick(struct rnd *r, unsigned int n)
{
	return (unsigned int)sim_rng_below(&r->rng, n);
}

/* An operand of scope @scope: a variable it bound, or a raw number. */
static const char *rnd_operand(struct rnd *r, unsigned int scope, char *buf)
{
	static const char *const raw[] = {
		"-1", "0", "1", "2", "3", "4", "5", "6", "99", "2147483647",
		"-2147483648",
	};

	const char *word;

	if (r->nnames[scope] && pick(r, 10) < 8)
		word = r->names[scope][pick(r, r->nnames[scope])];
	else
		word = raw[pick(r, sizeof(raw) / sizeof(raw[0]))];
	snprintf(buf, 16, "%s", word);
	return buf;
}

/* A variable of scope @scope for `-> V`: a new name while there is room,
 * else one it has already (rebinding is allowed). */
static const char *rnd_bind(struct rnd *r, unsigned int scope, char *buf)
{
	if (r->nnames[scope] == RND_NAMES)
		return rnd_operand(r, scope, buf);
	snprintf(buf, 16, "v%u_%u", scope, r->next[scope]++);
	/* Bound only from the next line on: the caller adds it after
	 * printing this one (see rnd_commit). */
	return buf;
}

/* The names bound by the line just written become usable. */
static void rnd_commit(struct rnd *r, unsigned int scope, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->nnames[scope]; i++)
		if (strcmp(r->names[scope][i], name) == 0)
			return;
	if (r->nnames[scope] < RND_NAMES)
		snprintf(r->names[scope][r->nnames[scope]++], 16, "%s", name);
}

static const char *const rnd_heaps[] = {
	"system", "system_contig", "carveout", "chunk", "cma",
};

/* The userspace lines: @1 the actor, @2 and @3 operands, @4 the variable
 * bound (in the actor's scope, or the peer's for send), @5 the peer, @6
 * a heap. */
static const char *const rnd_user_lines[] = {
	"@1 open /dev/ion -> @4\n",
	"@1 open /dev/dma_heap/system -> @4\n",
	"@1 alloc @2 16K heap=@6 -> @4\n",
	"@1 alloc @2 4K heap=@6 flags=cached -> @4\n",
	"@1 free @2 @3\n",
	"@1 share @2 @3 -> @4\n",
	"@1 map @2 @3 -> @4\n",
	"@1 import @2 @3 -> @4\n",
	"@1 sync @2 @3\n",
	"@1 query @2\n",
	"@1 heapalloc @2 8K -> @4\n",
	"@1 dup @2 -> @4\n",
	"@1 close @2\n",
	"@1 send @2 to @5 -> @4\n",
	"@1 mmap @2 -> @4\n",
	"@1 mmap @2 4K offset=4K prot=r -> @4\n",
	"@1 munmap @2\n",
	"@1 write @2 4094 \"abc\"\n",
	"@1 write @2 0 10 byte=0x41\n",
	"@1 read @2 0 \"\\x00A\"\n",
	"@1 cpu_begin @2\n",
	"@1 cpu_end @2 rw\n",
	"@1 kmap @2 @3\n",
	"@1 kunmap @2 @3\n",
	"@1 attach @2 gpu -> @4\n",
	"@1 detach @2\n",
	"@1 dmamap @2\n",
	"@1 dmaunmap @2\n",
	"@1 exit\n",
};

/* The driver's lines: @1 and @2 its operands, @3 an operand of
 * process a, @4 the variable bound (the driver's, or a's for share). */
static const char *const rnd_driver_lines[] = {
	"d client -> @4\n",
	"d alloc @1 4K heap=system -> @4\n",
	"d free @1 @2\n",
	"d kmap @1 @2\n",
	"d kunmap @1 @2\n",
	"d share @1 @2 to a -> @4\n",
	"d import @1 @3 from a -> @4\n",
	"d get @3 from a -> @4\n",
	"d put @1\n",
	"d destroy @1\n",
};

/* Lines of no actor, or of the kernel's threads. */
static const char *const rnd_other_lines[] = {
	"kernel drain system\n",
	"kernel drain carveout\n",
	"kernel shrink system 100\n",
	"fail 1 kobj\n",
	"fail 2 any\n",
	"fail 1 fd\n",
	"expect refs a v0_0 >= 0\n",
	"expect handles b < 99\n",
	"expect used chunk <= 8M\n",
	"final leaks == 0\n",
};

#define RND_N(a) ((unsigned int)(sizeof(a) / sizeof((a)[0])))

/* Appends @line with each @N replaced by @words[N - 1]. */
static void rnd_fill(struct rnd *r, const char *line,
		     const char *const words[6])
{
	const char *at;

	for (at = line; *at; at++) {
		if (at[0] == '@' && at[1] >= '1' && at[1] <= '6')
			rnd_add(r, "%s", words[*++at - '1']);
		else
			rnd_add(r, "%c", *at);
	}
}

/* One userspace line of @who (scope @sc) with peer @peer (scope @psc). */
static void rnd_user_step(struct rnd *r, const char *who, unsigned int sc,
			  const char *peer, unsigned int psc)
{
	const char *line = rnd_user_lines[pick(r, RND_N(rnd_user_lines))];
	const char *heap = rnd_heaps[pick(r, RND_N(rnd_heaps))];
	unsigned int to = strstr(line, " send ") ? psc : sc;
	char x[16], y[16], v[16];

	rnd_operand(r, sc, x);
	rnd_operand(r, sc, y);
	rnd_bind(r, to, v);
	if (strstr(line, " exit") && pick(r, 4))	/* exits are rare */
		line = "@1 query @2\n";
	rnd_fill(r, line, (const char *const[6]){ who, x, y, v, peer, heap });
	if (strstr(line, "-> "))
		rnd_commit(r, to, v);
}

static void rnd_driver_step(struct rnd *r)
{
	const char *line = rnd_driver_lines[pick(r, RND_N(rnd_driver_lines))];
	unsigned int to = strstr(line, " to a ") ? 0 : 2;  /* share: in a */
	char x[16], y[16], z[16], v[16];

	rnd_operand(r, 2, x);
	rnd_operand(r, 2, y);
	rnd_operand(r, 0, z);
	rnd_bind(r, to, v);
	rnd_fill(r, line, (const char *const[6]){ x, y, z, v, "", "" });
	if (strstr(line, "-> "))
		rnd_commit(r, to, v);
}

static void rnd_program(struct rnd *r, unsigned int lines)
{
	unsigned int i;

	r->len = 0;
	memset(r->nnames, 0, sizeof(r->nnames));
	memset(r->next, 0, sizeof(r->next));
	r->forked = false;
	rnd_add(r, "process a\nprocess b\nthread a.t\ndriver d\n");
	rnd_add(r, "a open /dev/ion -> v0_0\n");
	rnd_commit(r, 0, "v0_0");
	r->next[0] = 1;
	for (i = 0; i < lines; i++) {
		unsigned int who = pick(r, 10);

		if (who < 3)
			rnd_user_step(r, who == 2 ? "a.t" : "a", 0, "b", 1);
		else if (who < 5)
			rnd_user_step(r, "b", 1, "a", 0);
		else if (who < 7)
			rnd_driver_step(r);
		else if (who == 7 && !r->forked) {
			/* The child starts with a copy of a's variables. */
			rnd_add(r, "a fork -> kid\n");
			memcpy(r->names[3], r->names[0], sizeof(r->names[0]));
			r->nnames[3] = r->nnames[0];
			r->forked = true;
		} else if (who == 7) {
			rnd_user_step(r, "kid", 3, "b", 1);
		} else {
			rnd_add(r, "%s",
				rnd_other_lines[pick(r, RND_N(rnd_other_lines))]);
		}
	}
}

/* Hundreds of random programs: those the parser accepts run to the end,
 * with their report, and leave no kernel object behind. */
START_TEST(random_programs_never_crash)
{
	struct rnd r = { 0 };
	unsigned int i, accepted = 0;
	/* RND_ERRS=1 shows what the parser refused, to tune the generator. */
	FILE *devnull = fopen(getenv("RND_ERRS") ? "/dev/stderr" : "/dev/null",
			      "w");

	ck_assert_ptr_nonnull(devnull);
	sim_rng_seed(&r.rng, 20261121);
	for (i = 0; i < 300; i++) {
		struct scn_program *p = NULL;
		struct scn_run *run;
		int err = 0;

		rnd_program(&r, 40);
		if (scn_parse("rnd.ion", r.text, r.len, &p, devnull))
			continue;
		accepted++;
		run = scn_run_new(p, NULL, &err);
		ck_assert_msg(run != NULL, "scn_run_new: %d", err);
		scn_run_all(run);
		scn_run_print_report(run, devnull);
		test_require(scn_run_free(run) == 0);
		scn_program_free(p);
	}
	ck_assert_uint_ge(accepted, 150);
	free(r.text);
	fclose(devnull);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Suite                                                                 */
/* ------------------------------------------------------------------ */

static Suite *make_suite(void)
{
	Suite *s = suite_create("scenarios/interp");
	TCase *ops = tcase_create("operations");
	TCase *vars = tcase_create("variables");
	TCase *terms = tcase_create("terms");
	TCase *report = tcase_create("report");
	TCase *drivers = tcase_create("drivers");
	TCase *text = tcase_create("text");

	tcase_add_test(ops, camera_hands_a_frame_over);
	tcase_add_test(ops, outcomes_judged);
	tcase_add_test(ops, ioctl_errnos_are_the_kernels);
	tcase_add_test(ops, mappings_share_bytes);
	tcase_add_test(ops, cpu_access_brackets);
	tcase_add_test(ops, kmap_and_double_unmap);
	tcase_add_test(ops, attachments);
	tcase_add_test(ops, dma_heap_alloc);
	tcase_add_test(ops, modern_abi);
	tcase_add_test(ops, fault_arming);
	tcase_add_test(ops, kernel_drain_and_shrink);
	suite_add_tcase(s, ops);
	tcase_add_test(vars, bindings_per_process);
	tcase_add_test(vars, skipped_steps);
	tcase_add_test(vars, dead_processes_answer_esrch);
	suite_add_tcase(s, vars);
	tcase_add_test(terms, heap_terms);
	tcase_add_test(terms, reference_terms);
	suite_add_tcase(s, terms);
	tcase_add_test(report, held_orphaned_leaked);
	tcase_add_test(report, per_step_checks);
	tcase_add_test(report, status_and_deterministic_report);
	tcase_add_test(report, findings_are_capped);
	tcase_add_test(report, malformed_program_refused);
	tcase_add_test(report, trace_hook);
	suite_add_tcase(s, report);
	tcase_add_test(drivers, driver_imports_from_user);
	tcase_add_test(drivers, driver_shares_to_user);
	suite_add_tcase(s, drivers);
	tcase_add_test(text, text_contract_example);
	tcase_add_test(text, text_dmabuf_test_from_user);
	tcase_add_test(text, text_dmabuf_test_from_kernel);
	tcase_add_test(text, text_outcomes_fork_skip);
	tcase_add_test(text, random_programs_never_crash);
	suite_add_tcase(s, text);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
