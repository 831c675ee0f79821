/*
 * tests/scenarios/test_parser.c - the scenario language's lexer and
 * parser against ../shared/SCENARIO.md: its example parsed exactly, every
 * lexical rule, every machine statement, actor, step, option, outcome and
 * term, and every error with its exact message, line and column.  Nothing
 * here runs a program: the interpreter has suites of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ionsim/uapi/dma-buf.h"
#include "ionsim/uapi/ion.h"
#include "model/locks.h"
#include "scenarios/lang/scn.h"
#include "testlib.h"

#define FILENAME "t.ion"

/* What scn_parse printed for @text (malloc'd), its result in *@ret and
 * the program in *@p. */
static char *parse_text(const char *text, size_t len, int *ret,
			struct scn_program **p)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	ck_assert_ptr_nonnull(f);
	*ret = scn_parse(FILENAME, text, len, p, f);
	fclose(f);
	return out;
}

/* @text must parse without a word on stderr. */
static struct scn_program *parse_ok(const char *text)
{
	struct scn_program *p;
	int ret;
	char *out = parse_text(text, strlen(text), &ret, &p);

	ck_assert_msg(ret == 0, "%d errors:\n%s", ret, out);
	ck_assert_str_eq(out, "");
	ck_assert_ptr_nonnull(p);
	free(out);
	return p;
}

/* @text must fail, printing exactly @expected. */
static void parse_fails(const char *text, const char *expected)
{
	struct scn_program *p = (void *)1;
	int ret;
	char *out = parse_text(text, strlen(text), &ret, &p);
	int lines = 0;

	for (const char *c = expected; *c; c++)
		lines += *c == '\n';
	ck_assert_msg(ret > 0, "accepted:\n%s", text);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(out, expected);
	ck_assert_int_eq(ret, lines);
	free(out);
}

/* The variable index of @name, or -1. */
static int var_of(const struct scn_program *p, const char *name)
{
	for (unsigned int i = 0; i < p->nvars; i++)
		if (strcmp(p->vars[i], name) == 0)
			return (int)i;
	return -1;
}

static int actor_of(const struct scn_program *p, const char *name)
{
	for (unsigned int i = 0; i < p->nactors; i++)
		if (strcmp(p->actors[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Operand @i of @s is variable @name. */
static void arg_is_var(const struct scn_program *p, const struct scn_step *s,
		       unsigned int i, const char *name)
{
	ck_assert_int_eq(s->arg[i].kind, SCN_VALUE_VAR);
	ck_assert_int_ge(s->arg[i].var, 0);
	ck_assert_str_eq(p->vars[s->arg[i].var], name);
}

static void arg_is_int(const struct scn_step *s, unsigned int i, int64_t v)
{
	ck_assert_int_eq(s->arg[i].kind, SCN_VALUE_INT);
	ck_assert_int_eq(s->arg[i].num, v);
}

/* @s binds variable @name in actor @proc. */
static void binds(const struct scn_program *p, const struct scn_step *s,
		  const char *name, const char *proc)
{
	ck_assert_int_ge(s->bind, 0);
	ck_assert_str_eq(p->vars[s->bind], name);
	ck_assert_int_eq(s->bind_actor, actor_of(p, proc));
}

/* ------------------------------------------------------------------ */
/* SCENARIO.md's example, exactly                                       */
/* ------------------------------------------------------------------ */

static const char example[] =
	"# A camera allocates a frame, hands it to the compositor, and both let go.\n"
	"heap carveout type=carveout id=2 size=16M policy=best-fit\n"
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
	"final used carveout == 0\n";

START_TEST(example_machine_and_actors)
{
	struct scn_program *p = parse_ok(example);

	ck_assert_str_eq(p->filename, FILENAME);
	ck_assert(p->board.finished);
	ck_assert(p->board.has_heaps);
	ck_assert_uint_eq(p->board.heaps.n, 1);
	ck_assert_str_eq(p->board.heaps.heaps[0].name, "carveout");
	ck_assert_uint_eq(p->board.heaps.heaps[0].size, 16ULL << 20);
	ck_assert_uint_eq(p->nactors, 2);
	ck_assert_str_eq(p->actors[0].name, "camera");
	ck_assert_int_eq(p->actors[0].kind, SCN_ACTOR_PROCESS);
	ck_assert_int_eq(p->actors[0].pid, 0);
	ck_assert_int_eq(p->actors[0].process, 0);
	ck_assert_int_eq(p->actors[0].fork_step, -1);
	ck_assert_uint_eq(p->actors[0].line, 4);
	ck_assert_uint_eq(p->actors[0].col, 9);
	ck_assert_str_eq(p->actors[1].name, "surfaceflinger");
	ck_assert_int_eq(p->actors[1].process, 1);
	ck_assert_uint_eq(p->actors[1].line, 5);
	/* ion, frame, fd, m: one index each, shared by both processes */
	ck_assert_uint_eq(p->nvars, 4);
	ck_assert_str_eq(p->vars[0], "ion");
	ck_assert_str_eq(p->vars[1], "frame");
	ck_assert_str_eq(p->vars[2], "fd");
	ck_assert_str_eq(p->vars[3], "m");
	scn_program_free(p);
}
END_TEST

START_TEST(example_steps)
{
	static const struct {
		unsigned int line;
		const char *actor;
		enum scn_op op;
	} want[] = {
		{ 7, "camera", SCN_OP_OPEN }, { 8, "camera", SCN_OP_ALLOC },
		{ 9, "camera", SCN_OP_SHARE }, { 10, "camera", SCN_OP_SEND },
		{ 11, "surfaceflinger", SCN_OP_OPEN },
		{ 12, "surfaceflinger", SCN_OP_IMPORT },
		{ 13, "surfaceflinger", SCN_OP_MMAP },
		{ 14, "camera", SCN_OP_FREE }, { 15, "camera", SCN_OP_EXIT },
		{ 16, "", SCN_OP_EXPECT }, { 17, "surfaceflinger", SCN_OP_READ },
		{ 18, "surfaceflinger", SCN_OP_EXIT }, { 19, "", SCN_OP_FINAL },
		{ 20, "", SCN_OP_FINAL },
	};
	struct scn_program *p = parse_ok(example);

	ck_assert_uint_eq(p->nsteps, sizeof(want) / sizeof(*want));
	for (unsigned int i = 0; i < p->nsteps; i++) {
		const struct scn_step *s = &p->steps[i];

		ck_assert_uint_eq(s->line, want[i].line);
		ck_assert_str_eq(scn_step_actor(p, s), want[i].actor);
		ck_assert_int_eq(s->op, want[i].op);
		ck_assert_uint_eq(s->col, want[i].actor[0] ? 16 : 1);
		/* no step of the example says how it must end */
		ck_assert(!s->outcome.given);
		ck_assert(s->outcome.ok);
	}
	scn_program_free(p);
}
END_TEST

START_TEST(example_operands_and_binds)
{
	struct scn_program *p = parse_ok(example);
	const struct scn_step *s = p->steps;

	ck_assert_str_eq(s[0].name, "/dev/ion");
	binds(p, &s[0], "ion", "camera");
	arg_is_var(p, &s[1], 0, "ion");
	ck_assert_uint_eq(s[1].len, 1 << 20);
	ck_assert_uint_eq(s[1].heap_mask, 1u << 2);
	ck_assert_uint_eq(s[1].flags, ION_FLAG_CACHED);
	ck_assert_uint_eq(s[1].align, 0);
	binds(p, &s[1], "frame", "camera");
	arg_is_var(p, &s[2], 1, "frame");
	binds(p, &s[2], "fd", "camera");
	/* send: fd is the sender's, the new fd binds in surfaceflinger */
	arg_is_var(p, &s[3], 0, "fd");
	ck_assert_int_eq(s[3].other, 1);
	binds(p, &s[3], "fd", "surfaceflinger");
	binds(p, &s[4], "ion", "surfaceflinger");
	arg_is_var(p, &s[5], 1, "fd");
	binds(p, &s[5], "frame", "surfaceflinger");
	arg_is_var(p, &s[6], 0, "fd");
	ck_assert(!s[6].has_len);
	ck_assert_int_eq(s[6].prot, SIM_PROT_READ | SIM_PROT_WRITE);
	binds(p, &s[6], "m", "surfaceflinger");
	ck_assert_int_eq(s[7].bind, -1);
	ck_assert_int_eq(s[8].bind, -1);
	ck_assert_int_eq(s[9].expr.term, SCN_TERM_LIVE_BUFFERS);
	ck_assert_int_eq(s[9].expr.cmp, SCN_EQ);
	ck_assert(s[9].expr.number == 1.0);
	ck_assert_uint_eq(s[9].expr.col, 8);
	arg_is_var(p, &s[10], 0, "m");
	ck_assert_uint_eq(s[10].offset, 0);
	ck_assert_uint_eq(s[10].text_len, 2);
	ck_assert_mem_eq(s[10].text, "\0\0", 2);
	ck_assert_int_eq(s[12].expr.term, SCN_TERM_LEAKS);
	ck_assert(s[12].expr.number == 0.0);
	ck_assert_int_eq(s[13].expr.term, SCN_TERM_USED);
	ck_assert_str_eq(s[13].expr.heap, "carveout");
	scn_program_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every statement                                                      */
/* ------------------------------------------------------------------ */

/* Every statement of SCENARIO.md and our driver extension, once. */
static const char kitchen_sink[] =
	"# every statement\n"				/* 1 */
	"ram 512M\n"
	"abi legacy\n"
	"nofile 64\n"
	"heap sys type=system id=0\n"			/* 5 */
	"heap contig type=system_contig id=1\n"
	"heap cam type=carveout id=2 size=16M policy=best-fit\n"
	"heap chk type=chunk id=3 size=8M chunk=64K\n"
	"heap cma type=cma id=4 size=32M defer_free=on\n"
	"dmaheap camera heap=cam\n"			/* 10 */
	"process app pid=200\n"
	"process gpu\n"
	"thread app.render\n"
	"driver dmabuf_test\n"
	"app open /dev/ion -> ion\n"			/* 15 */
	"app alloc ion 1M flags=cached,needs_sync align=4K heap=cam,cma -> h\n"
	"app alloc ion 4K mask=0x11 -> h2\n"
	"app share ion h -> fd\n"
	"app map ion h -> fd2\n"
	"app import ion fd -> h3\n"			/* 20 */
	"app sync ion fd\n"
	"app query ion\n"
	"app open /dev/dma_heap/camera -> hfd\n"
	"app heapalloc hfd 64K fd_flags=rdwr -> dfd\n"
	"app heapalloc hfd 0x10000 -> dfd2\n"		/* 25 */
	"app dup fd -> fd3\n"
	"app close fd3\n"
	"app send fd to gpu -> gfd\n"
	"app.render mmap fd 8K prot=r offset=4K -> m\n"
	"app mmap fd -> m2\n"				/* 30 */
	"app munmap m2\n"
	"app.render write m 1 \"hi\\n\\t\\\\\\\"\\x41\"\n"
	"app write m 16 32 byte=0xff\n"
	"app read m 0 \"hi\"\n"
	"app cpu_begin fd read\n"			/* 35 */
	"app cpu_end fd\n"
	"app kmap ion h\n"
	"app kunmap ion h\n"
	"gpu attach gfd gpu0 -> at\n"
	"gpu dmamap at\n"				/* 40 */
	"gpu dmaunmap at\n"
	"gpu detach at\n"
	"app fork -> child\n"
	"child close fd\n"
	"app free ion h2 => ok|EINVAL\n"		/* 45 */
	"app free ion 0 => EINVAL\n"
	"app close -1 => EBADF|EINVAL|EBADF\n"
	"dmabuf_test client -> c\n"
	"dmabuf_test alloc c 4K heap=sys -> kh\n"
	"dmabuf_test kmap c kh\n"			/* 50 */
	"dmabuf_test kunmap c kh\n"
	"dmabuf_test share c kh to app.render -> kfd\n"
	"dmabuf_test get kfd from app -> kb\n"
	"dmabuf_test put kb\n"
	"dmabuf_test import c kfd from app -> kh2\n"	/* 55 */
	"dmabuf_test free c kh2\n"
	"dmabuf_test destroy c\n"
	"fail 2 pages\n"
	"kernel drain cma\n"
	"kernel shrink sys 16\n"			/* 60 */
	"expect refs app h >= 2\n"
	"child exit\n"
	"final free cam > 15M\n"
	"final frag cma <= 0.25\n"
	"final mappings app.render != 1\n"		/* 65 */
	"final refs dmabuf_test kh < 3\n"
	"preempt 3 lock buffer->lock\n";

/* The step on line @line. */
static const struct scn_step *step_at(const struct scn_program *p,
				      unsigned int line)
{
	for (unsigned int i = 0; i < p->nsteps; i++)
		if (p->steps[i].line == line)
			return &p->steps[i];
	ck_abort_msg("no step on line %u", line);
	return NULL;
}

START_TEST(machine_statements_reach_the_board)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct kion_board *b = &p->board;

	ck_assert(b->finished);
	ck_assert_uint_eq(b->sim.ram_size, 512ULL << 20);
	ck_assert_uint_eq(b->sim.nofile, 64);
	ck_assert_int_eq(b->kion.abi, KION_ABI_LEGACY);
	ck_assert_uint_eq(b->heaps.n, 5);
	ck_assert_uint_eq(b->ndmaheaps, 1);
	ck_assert_str_eq(b->dmaheaps[0].name, "camera");
	scn_program_free(p);
	/* without heap statements: the default board, finished */
	p = parse_ok("process a\na exit\n");
	ck_assert(p->board.finished);
	ck_assert_uint_eq(p->board.heaps.n, 5);
	ck_assert_str_eq(p->board.heaps.heaps[2].name, "carveout");
	scn_program_free(p);
	/* machine statements may follow declarations, and a text may have
	 * no step at all */
	p = parse_ok("process a\nkernel 4.19\nheap s type=system id=0\n");
	ck_assert(p->board.finished);
	ck_assert_int_eq(p->board.kion.abi, KION_ABI_MODERN);
	ck_assert_uint_eq(p->nsteps, 0);
	scn_program_free(p);
}
END_TEST

START_TEST(actors_of_every_kind)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	int app = actor_of(p, "app"), render = actor_of(p, "app.render");
	int child = actor_of(p, "child"), drv = actor_of(p, "dmabuf_test");
	int kernel = actor_of(p, "kernel");
	const struct scn_step *fork = step_at(p, 43);

	ck_assert_uint_eq(p->nactors, 6);
	ck_assert_int_eq(p->actors[app].pid, 200);
	ck_assert_int_eq(p->actors[actor_of(p, "gpu")].pid, 0);
	ck_assert_int_eq(p->actors[render].kind, SCN_ACTOR_THREAD);
	ck_assert_int_eq(p->actors[render].process, app);
	ck_assert_int_eq(p->actors[drv].kind, SCN_ACTOR_DRIVER);
	ck_assert_int_eq(p->actors[drv].process, drv);
	/* a fork's child is an actor of its own, made by the fork step */
	ck_assert_int_eq(p->actors[child].kind, SCN_ACTOR_FORKED);
	ck_assert_int_eq(p->actors[child].process, child);
	ck_assert_uint_eq(p->actors[child].line, 43);
	ck_assert_uint_eq(p->actors[child].col, 13);
	ck_assert_int_eq(fork->op, SCN_OP_FORK);
	ck_assert_int_eq(fork->other, child);
	ck_assert_int_eq(fork->bind, -1);
	ck_assert_int_eq(p->actors[child].fork_step, (int)(fork - p->steps));
	/* the kernel is an actor once a line uses it */
	ck_assert_int_eq(p->actors[kernel].kind, SCN_ACTOR_KERNEL);
	ck_assert_uint_eq(p->actors[kernel].line, 59);
	ck_assert_str_eq(scn_step_actor(p, step_at(p, 59)), "kernel");
	ck_assert_str_eq(scn_step_actor(p, step_at(p, 29)), "app.render");
	scn_program_free(p);
}
END_TEST

START_TEST(ion_steps)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct scn_step *s;

	s = step_at(p, 16);
	ck_assert_int_eq(s->op, SCN_OP_ALLOC);
	ck_assert_uint_eq(s->heap_mask, (1u << 2) | (1u << 4));
	ck_assert_uint_eq(s->align, 4096);
	ck_assert_uint_eq(s->flags, ION_FLAG_CACHED | ION_FLAG_CACHED_NEEDS_SYNC);
	s = step_at(p, 17);
	ck_assert_uint_eq(s->heap_mask, 0x11);
	ck_assert_uint_eq(s->flags, 0);
	s = step_at(p, 19);
	ck_assert_int_eq(s->op, SCN_OP_MAP);
	arg_is_var(p, s, 1, "h");
	binds(p, s, "fd2", "app");
	s = step_at(p, 20);
	ck_assert_int_eq(s->op, SCN_OP_IMPORT);
	arg_is_var(p, s, 1, "fd");
	s = step_at(p, 21);
	ck_assert_int_eq(s->op, SCN_OP_SYNC);
	ck_assert_int_eq(s->bind, -1);
	s = step_at(p, 22);
	ck_assert_int_eq(s->op, SCN_OP_QUERY);
	arg_is_var(p, s, 0, "ion");
	ck_assert_int_eq(s->arg[1].kind, SCN_VALUE_NONE);
	s = step_at(p, 37);
	ck_assert_int_eq(s->op, SCN_OP_KMAP);
	s = step_at(p, 38);
	ck_assert_int_eq(s->op, SCN_OP_KUNMAP);
	arg_is_var(p, s, 1, "h");
	scn_program_free(p);
}
END_TEST

START_TEST(fd_and_dmaheap_steps)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct scn_step *s;

	s = step_at(p, 23);
	ck_assert_str_eq(s->name, "/dev/dma_heap/camera");
	s = step_at(p, 24);
	ck_assert_int_eq(s->op, SCN_OP_HEAPALLOC);
	ck_assert_uint_eq(s->len, 64 << 10);
	ck_assert_uint_eq(s->fd_flags, SIM_O_RDWR);
	s = step_at(p, 25);
	ck_assert_uint_eq(s->len, 64 << 10);
	ck_assert_uint_eq(s->fd_flags, SIM_O_RDWR | SIM_O_CLOEXEC);
	s = step_at(p, 26);
	ck_assert_int_eq(s->op, SCN_OP_DUP);
	binds(p, s, "fd3", "app");
	s = step_at(p, 27);
	ck_assert_int_eq(s->op, SCN_OP_CLOSE);
	s = step_at(p, 28);
	ck_assert_int_eq(s->op, SCN_OP_SEND);
	ck_assert_int_eq(s->other, actor_of(p, "gpu"));
	binds(p, s, "gfd", "gpu");
	/* the receiver's new name is usable there */
	arg_is_var(p, step_at(p, 39), 0, "gfd");
	scn_program_free(p);
}
END_TEST

START_TEST(mapping_steps)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct scn_step *s;

	/* a thread's step uses and binds its process's variables */
	s = step_at(p, 29);
	ck_assert_int_eq(s->op, SCN_OP_MMAP);
	ck_assert(s->has_len);
	ck_assert_uint_eq(s->len, 8192);
	ck_assert_uint_eq(s->offset, 4096);
	ck_assert_int_eq(s->prot, SIM_PROT_READ);
	binds(p, s, "m", "app");
	s = step_at(p, 31);
	ck_assert_int_eq(s->op, SCN_OP_MUNMAP);
	s = step_at(p, 32);
	ck_assert_int_eq(s->op, SCN_OP_WRITE);
	ck_assert_uint_eq(s->offset, 1);
	ck_assert_uint_eq(s->text_len, 7);
	ck_assert_mem_eq(s->text, "hi\n\t\\\"A", 7);
	s = step_at(p, 33);
	ck_assert_ptr_null(s->text);
	ck_assert_uint_eq(s->offset, 16);
	ck_assert_uint_eq(s->len, 32);
	ck_assert_int_eq(s->byte, 0xff);
	s = step_at(p, 34);
	ck_assert_int_eq(s->op, SCN_OP_READ);
	ck_assert_str_eq(s->text, "hi");
	s = step_at(p, 35);
	ck_assert_int_eq(s->op, SCN_OP_CPU_BEGIN);
	ck_assert_int_eq(s->dir, DMA_BUF_SYNC_READ);
	s = step_at(p, 36);
	ck_assert_int_eq(s->op, SCN_OP_CPU_END);
	ck_assert_int_eq(s->dir, DMA_BUF_SYNC_RW);
	scn_program_free(p);
}
END_TEST

START_TEST(attachment_and_process_steps)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct scn_step *s;

	s = step_at(p, 39);
	ck_assert_int_eq(s->op, SCN_OP_ATTACH);
	ck_assert_str_eq(s->name, "gpu0");
	binds(p, s, "at", "gpu");
	ck_assert_int_eq(step_at(p, 40)->op, SCN_OP_DMAMAP);
	ck_assert_int_eq(step_at(p, 41)->op, SCN_OP_DMAUNMAP);
	ck_assert_int_eq(step_at(p, 42)->op, SCN_OP_DETACH);
	arg_is_var(p, step_at(p, 42), 0, "at");
	/* the child inherits what its parent had bound */
	s = step_at(p, 44);
	ck_assert_str_eq(scn_step_actor(p, s), "child");
	arg_is_var(p, s, 0, "fd");
	ck_assert_int_eq(step_at(p, 62)->op, SCN_OP_EXIT);
	scn_program_free(p);
}
END_TEST

START_TEST(driver_steps)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	int drv = actor_of(p, "dmabuf_test"), app = actor_of(p, "app");
	const struct scn_step *s;

	s = step_at(p, 48);
	ck_assert_int_eq(s->op, SCN_OP_KCLIENT);
	binds(p, s, "c", "dmabuf_test");
	s = step_at(p, 49);
	ck_assert_int_eq(s->op, SCN_OP_KALLOC);
	ck_assert_uint_eq(s->heap_mask, 1);
	ck_assert_uint_eq(s->len, 4096);
	ck_assert_int_eq(step_at(p, 50)->op, SCN_OP_KMAP_KERNEL);
	ck_assert_int_eq(step_at(p, 51)->op, SCN_OP_KUNMAP_KERNEL);
	/* share binds in the target process (a thread means its process) */
	s = step_at(p, 52);
	ck_assert_int_eq(s->op, SCN_OP_KSHARE);
	ck_assert_int_eq(s->other, app);
	binds(p, s, "kfd", "app");
	arg_is_var(p, s, 1, "kh");
	/* get and import read the fd in the process they name */
	s = step_at(p, 53);
	ck_assert_int_eq(s->op, SCN_OP_KGET);
	ck_assert_int_eq(s->other, app);
	arg_is_var(p, s, 0, "kfd");
	binds(p, s, "kb", "dmabuf_test");
	ck_assert_int_eq(step_at(p, 54)->op, SCN_OP_KPUT);
	s = step_at(p, 55);
	ck_assert_int_eq(s->op, SCN_OP_KIMPORT);
	arg_is_var(p, s, 0, "c");
	arg_is_var(p, s, 1, "kfd");
	ck_assert_int_eq(s->bind_actor, drv);
	ck_assert_int_eq(step_at(p, 56)->op, SCN_OP_KFREE);
	ck_assert_int_eq(step_at(p, 57)->op, SCN_OP_KDESTROY);
	scn_program_free(p);
}
END_TEST

START_TEST(kernel_fail_and_outcomes)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct scn_step *s;

	s = step_at(p, 45);
	ck_assert(s->outcome.given);
	ck_assert(s->outcome.ok);
	ck_assert_uint_eq(s->outcome.nerrnos, 1);
	ck_assert_int_eq(s->outcome.errnos[0], EINVAL);
	s = step_at(p, 46);
	ck_assert(!s->outcome.ok);
	arg_is_int(s, 1, 0);
	/* a negative literal, and a repeated errno listed once */
	s = step_at(p, 47);
	arg_is_int(s, 0, -1);
	ck_assert_uint_eq(s->outcome.nerrnos, 2);
	ck_assert_int_eq(s->outcome.errnos[0], EBADF);
	ck_assert_int_eq(s->outcome.errnos[1], EINVAL);
	s = step_at(p, 58);
	ck_assert_int_eq(s->op, SCN_OP_FAIL);
	ck_assert_int_eq(s->actor, -1);
	ck_assert_uint_eq(s->nth, 2);
	ck_assert_int_eq(s->fault, SIM_FAULT_PAGES);
	s = step_at(p, 59);
	ck_assert_int_eq(s->op, SCN_OP_DRAIN);
	ck_assert_str_eq(s->name, "cma");
	s = step_at(p, 60);
	ck_assert_int_eq(s->op, SCN_OP_SHRINK);
	ck_assert_str_eq(s->name, "sys");
	ck_assert_uint_eq(s->len, 16);
	scn_program_free(p);
}
END_TEST

START_TEST(expressions_of_the_sink)
{
	struct scn_program *p = parse_ok(kitchen_sink);
	const struct scn_step *s;

	s = step_at(p, 61);
	ck_assert_int_eq(s->op, SCN_OP_EXPECT);
	ck_assert_int_eq(s->expr.term, SCN_TERM_REFS);
	ck_assert_int_eq(s->expr.actor, actor_of(p, "app"));
	ck_assert_int_eq(s->expr.var, var_of(p, "h"));
	ck_assert_int_eq(s->expr.cmp, SCN_GE);
	s = step_at(p, 63);
	ck_assert_int_eq(s->op, SCN_OP_FINAL);
	ck_assert_int_eq(s->expr.term, SCN_TERM_FREE);
	ck_assert(s->expr.number == 15.0 * 1024 * 1024);
	s = step_at(p, 64);
	ck_assert_int_eq(s->expr.term, SCN_TERM_FRAG);
	ck_assert(s->expr.number == 0.25);
	/* a thread's mappings are its process's */
	s = step_at(p, 65);
	ck_assert_int_eq(s->expr.term, SCN_TERM_MAPPINGS);
	ck_assert_int_eq(s->expr.actor, actor_of(p, "app"));
	s = step_at(p, 67);
	ck_assert_int_eq(s->op, SCN_OP_PREEMPT);
	ck_assert_int_eq(s->actor, -1);
	ck_assert_uint_eq(s->nth, 3);
	ck_assert_int_eq(s->at, SIM_SCHED_LOCK);
	ck_assert_str_eq(kion_lock_class_name((unsigned int)s->lock_class),
			 "buffer->lock");
	s = step_at(p, 66);
	ck_assert_int_eq(s->expr.actor, actor_of(p, "dmabuf_test"));
	scn_program_free(p);
}
END_TEST

START_TEST(every_term_and_comparison)
{
	static const struct {
		const char *line;
		enum scn_term term;
		enum scn_cmp cmp;
		double number;
	} cases[] = {
		{ "expect live_buffers == 1", SCN_TERM_LIVE_BUFFERS, SCN_EQ, 1 },
		{ "expect leaks != 0", SCN_TERM_LEAKS, SCN_NE, 0 },
		{ "expect orphaned < 2", SCN_TERM_ORPHANED, SCN_LT, 2 },
		{ "expect used cma <= 2M", SCN_TERM_USED, SCN_LE, 2 << 20 },
		{ "expect free cma > 0x1000", SCN_TERM_FREE, SCN_GT, 4096 },
		{ "expect frag cma >= 0.5", SCN_TERM_FRAG, SCN_GE, 0.5 },
		{ "expect largest_free cma == 1G", SCN_TERM_LARGEST_FREE, SCN_EQ, 1 << 30 },
		{ "expect failures cma == 3", SCN_TERM_FAILURES, SCN_EQ, 3 },
		{ "expect frag_failures cma == 0", SCN_TERM_FRAG_FAILURES, SCN_EQ, 0 },
		{ "expect peak cma == 4K", SCN_TERM_PEAK, SCN_EQ, 4096 },
		{ "expect refs a x == 1", SCN_TERM_REFS, SCN_EQ, 1 },
		{ "expect handles a == 1", SCN_TERM_HANDLES, SCN_EQ, 1 },
		{ "expect fds a == 4", SCN_TERM_FDS, SCN_EQ, 4 },
		{ "final mappings a == 0", SCN_TERM_MAPPINGS, SCN_EQ, 0 },
		{ "final frag system < .125", SCN_TERM_FRAG, SCN_LT, 0.125 },
		{ "final frag system < 1.", SCN_TERM_FRAG, SCN_LT, 1 },
		{ "final frag system < 0.1", SCN_TERM_FRAG, SCN_LT, 0.1 },
	};
	char text[256];

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct scn_program *p;
		const struct scn_step *s;

		snprintf(text, sizeof(text), "process a\na open /dev/ion -> x\n%s\n",
			 cases[i].line);
		p = parse_ok(text);
		s = &p->steps[1];
		ck_assert_int_eq(s->expr.term, cases[i].term);
		ck_assert_int_eq(s->expr.cmp, cases[i].cmp);
		ck_assert_msg(s->expr.number == cases[i].number, "%s: %g",
			      cases[i].line, s->expr.number);
		ck_assert_uint_eq(s->expr.col, strchr(cases[i].line, ' ') -
				  cases[i].line + 2);
		scn_program_free(p);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Lexical rules                                                        */
/* ------------------------------------------------------------------ */

START_TEST(comments_blanks_and_crlf)
{
	struct scn_program *p = parse_ok(
		"\r\n"
		"   # indented comment\n"
		"process a # trailing comment\r\n"
		"\ta\topen /dev/ion -> ion#glued comment\r\n"
		"a  close   ion  =>  EBADF\n"
		"a write ion 0 \"# not a comment\"   # but this is\n"
		"a exit");	/* no final newline */

	ck_assert_uint_eq(p->nsteps, 4);
	ck_assert_uint_eq(p->steps[0].line, 4);
	ck_assert_uint_eq(p->steps[0].col, 4);
	binds(p, &p->steps[0], "ion", "a");
	ck_assert_int_eq(p->steps[1].outcome.errnos[0], EBADF);
	ck_assert_str_eq(p->steps[2].text, "# not a comment");
	ck_assert_uint_eq(p->steps[3].line, 7);
	scn_program_free(p);
}
END_TEST

START_TEST(options_in_any_order)
{
	struct scn_program *p = parse_ok(
		"process a\n"
		"a open /dev/ion -> ion\n"
		"a alloc ion 8K align=8K heap=carveout -> h\n"
		"a alloc heap=carveout ion align=8K 8K -> h\n"
		"a share ion h -> fd\n"
		"a mmap prot=w fd offset=0x1000 -> m\n"
		"a dup ion => ok|EMFILE -> x\n");	/* arrows either way round */

	ck_assert_uint_eq(p->steps[1].len, p->steps[2].len);
	ck_assert_uint_eq(p->steps[1].align, p->steps[2].align);
	ck_assert_uint_eq(p->steps[1].heap_mask, p->steps[2].heap_mask);
	ck_assert_int_eq(p->steps[4].prot, SIM_PROT_WRITE);
	ck_assert_uint_eq(p->steps[4].offset, 4096);
	binds(p, &p->steps[5], "x", "a");
	ck_assert_int_eq(p->steps[5].outcome.errnos[0], EMFILE);
	scn_program_free(p);
}
END_TEST

START_TEST(strings_and_escapes)
{
	struct scn_program *p = parse_ok(
		"process a\n"
		"a open /dev/ion -> m\n"
		"a write m 0 \"\"\n"
		"a write m 0 \"\\x00\\xff\\xAb\"\n"
		"a write m 0 \"two  blanks\\tand a tab\"\n"
		"a read m 0 \"\\\\\\\"\\n\"\n");

	ck_assert_uint_eq(p->steps[1].text_len, 0);
	ck_assert_ptr_nonnull(p->steps[1].text);
	ck_assert_uint_eq(p->steps[2].text_len, 3);
	ck_assert_mem_eq(p->steps[2].text, "\x00\xff\xab", 3);
	ck_assert_str_eq(p->steps[3].text, "two  blanks\tand a tab");
	ck_assert_str_eq(p->steps[4].text, "\\\"\n");
	scn_program_free(p);
}
END_TEST

START_TEST(names_and_literals)
{
	struct scn_program *p = parse_ok(
		"process _cam-1\n"
		"thread _cam-1.t.2-x\n"
		"_cam-1.t.2-x open /dev/ion -> ion.v-2_x\n"
		"_cam-1 close ion.v-2_x\n"
		"_cam-1 close 0x7fffffff => EBADF\n"
		"_cam-1 close -2147483648 => EBADF\n"
		"_cam-1 free 3 -0 => EBADF\n");

	ck_assert_int_eq(p->actors[1].process, 0);
	arg_is_var(p, &p->steps[1], 0, "ion.v-2_x");
	arg_is_int(&p->steps[2], 0, 0x7fffffff);
	arg_is_int(&p->steps[3], 0, -2147483648LL);
	arg_is_int(&p->steps[4], 0, 3);
	arg_is_int(&p->steps[4], 1, 0);
	ck_assert_uint_eq(p->steps[4].arg[1].col, 15);
	scn_program_free(p);
}
END_TEST

START_TEST(rebinding_and_scopes)
{
	struct scn_program *p = parse_ok(
		"process a\n"
		"process b\n"
		"a open /dev/ion -> x\n"
		"a dup x -> x\n"			/* rebinding: last one wins */
		"a send x to b -> y\n"
		"b close y\n"
		"a fork -> c\n"
		"c close x\n"				/* inherited */
		"a open /dev/ion -> late\n"
		"a dup x -> z => ok|EMFILE\n");	/* may fail: still binds */

	ck_assert_int_eq(p->steps[1].bind, p->steps[1].arg[0].var);
	ck_assert_int_eq(p->steps[7].bind, var_of(p, "z"));
	scn_program_free(p);
	/* but the child does not see what its parent binds after the fork */
	parse_fails("process a\n"
		    "a fork -> c\n"
		    "a open /dev/ion -> late\n"
		    "c close late\n",
		    FILENAME ":4:9: error: unknown variable 'late': nothing in "
		    "process 'c' binds it before this line\n");
}
END_TEST

START_TEST(a_line_of_4096_bytes_is_fine)
{
	char *text = malloc(SCN_NAME_MAX + 8192);
	struct scn_program *p;
	size_t n = (size_t)sprintf(text, "process a\n");
	size_t start = n;

	n += (size_t)sprintf(text + n, "a exit");
	memset(text + n, ' ', 4096 - (n - start));
	n = start + 4096;
	text[n++] = '\n';
	text[n] = '\0';
	p = parse_ok(text);
	ck_assert_uint_eq(p->nsteps, 1);
	scn_program_free(p);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* Lines 1-4 of most error cases: the bad line is line 5. */
#define PRE "process a\nprocess b\ndriver d\na open /dev/ion -> ion\n"
#define E5(col, msg) FILENAME ":5:" #col ": error: " msg "\n"

struct bad_text {
	const char *text;
	const char *out;
};

static const struct bad_text bad_texts[] = {
	/* lexical */
	{ PRE "a write ion 0 \"abc\n", E5(15, "unterminated string: no closing '\"' on this line") },
	{ PRE "a write ion 0 \"abc\\\n", E5(15, "unterminated string: no closing '\"' on this line") },
	{ PRE "a write ion 0 \"a\\qb\"\n", E5(17, "bad escape '\\q' in string (\\n, \\t, \\\\, \\\" or \\xNN)") },
	{ PRE "a write ion 0 \"\\x4\"\n", E5(16, "bad escape in string: \\x needs two hex digits") },
	{ PRE "a write ion 0 \"\\x4g\"\n", E5(16, "bad escape in string: \\x needs two hex digits") },
	{ PRE "a write ion 0 \"\\\x01\"\n", E5(16, "bad escape in string: '\\' before byte 0x01 (\\n, \\t, \\\\, \\\" or \\xNN)") },
	{ PRE "a write ion 0 \"ab\"c\n", E5(19, "expected a blank after the closing '\"' of a string") },
	{ PRE "a write ion 0 ab\"c\"\n", E5(17, "a '\"' inside a word: put a blank before the string") },
	{ PRE "\"a\" exit\n", E5(1, "a line starts with a statement or an actor name, not '\"'") },
	{ PRE "-> exit\n", E5(1, "a line starts with a statement or an actor name, not '->'") },
	/* machine statements: the board's own messages, and their place */
	{ "ram 1Q\n", FILENAME ":1:5: error: bad ram size '1Q': expected a size such as 4096, 0x1000 or 4K\n" },
	{ "process a\nabi new\n", FILENAME ":2:5: error: unknown ABI 'new' (legacy or modern)\n" },
	{ PRE "ram 1G\n", E5(1, "machine statement 'ram' after the first step (line 4): describe the machine before any step") },
	{ PRE "  kernel 4.19\n", E5(3, "machine statement 'kernel' after the first step (line 4): describe the machine before any step") },
	{ PRE "heap x type=system id=9\n", E5(1, "machine statement 'heap' after the first step (line 4): describe the machine before any step") },
	{ "heap a type=carveout id=2 size=2M base=0x20000000\n"
	  "heap b type=cma id=4 size=1M base=0x20100000\n"
	  "process a\na exit\n",
	  FILENAME ":2:30: error: heap 'b' [0x20100000-0x20200000) overlaps heap 'a' [0x20000000-0x20200000) on line 1\n" },
	{ "heap a type=carveout id=2 size=2M base=0x20000000\n"
	  "heap b type=cma id=4 size=1M base=0x20100000\n",
	  FILENAME ":2:30: error: heap 'b' [0x20100000-0x20200000) overlaps heap 'a' [0x20000000-0x20200000) on line 1\n" },
	{ "dmaheap x heap=nope\nprocess a\n", FILENAME ":1:16: error: dmaheap 'x': no heap named 'nope'\n" },
	/* actors */
	{ PRE "process\n", E5(8, "missing name after 'process'") },
	{ PRE "process 9x\n", E5(9, "bad process name '9x': names are [A-Za-z_][A-Za-z0-9_.-]*") },
	{ PRE "process \"x\"\n", E5(9, "expected a process name, not a string or an arrow") },
	{ PRE "process x.y\n", E5(9, "process name 'x.y' has a '.', which only thread names (PROCESS.T) have") },
	{ PRE "process kernel\n", E5(9, "'kernel' is a reserved word and cannot name an actor") },
	{ PRE "process final\n", E5(9, "'final' is a reserved word and cannot name an actor") },
	{ PRE "process abcdefghijabcdefghijabcdefghijab\n", E5(9, "process name 'abcdefghijabcdefghijabcdefghijab' is longer than 31 characters") },
	{ PRE "process a\n", E5(9, "duplicate actor 'a' (the first is on line 1)") },
	{ PRE "driver a\n", E5(8, "duplicate actor 'a' (the first is on line 1)") },
	{ PRE "process x y\n", E5(11, "unexpected 'y' at the end of the process statement") },
	{ PRE "process x pid=5 y\n", E5(17, "unexpected 'y' at the end of the process statement") },
	{ PRE "process x pid=\n", E5(15, "missing value after 'pid='") },
	{ PRE "process x pid=0\n", E5(15, "pid 0 is out of range (1 to 4194304)") },
	{ PRE "process x pid=4194305\n", E5(15, "pid 4194305 is out of range (1 to 4194304)") },
	{ PRE "process x pid=1k\n", E5(15, "bad pid '1k': expected a number") },
	{ "process a pid=300\nprocess b\nprocess c\nprocess x pid=300\n",
	  FILENAME ":4:15: error: pid 300 is already taken by process 'a' (line 1)\n" },
	{ PRE "driver\n", E5(7, "missing name after 'driver'") },
	{ PRE "driver x.y\n", E5(8, "driver name 'x.y' has a '.', which only thread names (PROCESS.T) have") },
	{ PRE "driver x y\n", E5(10, "unexpected 'y' at the end of the driver statement") },
	{ PRE "thread\n", E5(7, "missing name after 'thread' (PROCESS.T)") },
	{ PRE "thread a\n", E5(8, "thread name 'a' must be PROCESS.T, such as camera.render") },
	{ PRE "thread a.\n", E5(8, "thread name 'a.' must be PROCESS.T, such as camera.render") },
	{ PRE "thread .t\n", E5(8, "thread name '.t' must be PROCESS.T, such as camera.render") },
	{ PRE "thread 9a.t\n", E5(8, "bad thread name '9a.t': names are [A-Za-z_][A-Za-z0-9_.-]*") },
	{ PRE "thread \"a.t\"\n", E5(8, "expected a thread name, not a string or an arrow") },
	{ PRE "thread zz.t\n", E5(8, "unknown process 'zz'") },
	{ PRE "thread d.t\n", E5(8, "thread 'd.t': 'd' is a driver, not a process") },
	{ PRE "thread a.t\nthread a.t\n", FILENAME ":6:8: error: duplicate actor 'a.t' (the first is on line 5)\n" },
	{ PRE "thread a.t x\n", E5(12, "unexpected 'x' at the end of the thread statement") },
	{ PRE "thread c.t\nprocess c\n", E5(8, "actor 'c' is used before its declaration on line 6") },
	/* which actor */
	{ PRE "c exit\n", E5(1, "unknown statement or actor 'c'") },
	{ PRE "c exit\n\n# c\nprocess c\n", E5(1, "actor 'c' is used before its declaration on line 8") },
	{ PRE "c.t exit\nprocess c\n  thread   c.t  \n", E5(1, "actor 'c.t' is used before its declaration on line 7") },
	{ PRE "c exit\na fork -> c\n", E5(1, "actor 'c' is used before line 6, whose fork creates it") },
	{ PRE "a\n", E5(2, "missing operation after 'a'") },
	/* ops and operands */
	{ PRE "a frob ion\n", E5(3, "unknown operation 'frob'") },
	{ PRE "a \"open\" ion\n", E5(3, "unknown operation '\"'") },
	{ PRE "a client -> c\n", E5(3, "unknown operation 'client'") },
	{ PRE "d open /dev/ion\n", E5(3, "unknown driver operation 'open' (client, alloc, free, kmap, kunmap, share, import, get, put or destroy)") },
	{ PRE "kernel exit\n", E5(8, "the kernel actor only runs 'drain HEAP' and 'shrink HEAP PAGES', not 'exit'") },
	{ PRE "kernel\n", E5(7, "missing operation after 'kernel' (drain HEAP or shrink HEAP PAGES)") },
	{ "kernel\n", FILENAME ":1:7: error: missing version after 'kernel' (4.4, 4.9.45, 4.9.337 or 4.19)\n" },
	{ PRE "kernel drain\n", E5(13, "missing operand for 'drain' (kernel drain HEAP)") },
	{ PRE "kernel drain nope\n", E5(14, "no heap named 'nope' on this machine") },
	{ PRE "kernel shrink system x\n", E5(22, "bad page count 'x': expected a number") },
	{ PRE "a free ion\n", E5(11, "missing operand for 'free' (free ION H)") },
	{ PRE "a close ion 3\n", E5(13, "too many operands for 'close' (close FD)") },
	{ PRE "a exit now\n", E5(8, "too many operands for 'exit' (exit)") },
	{ PRE "a free ion h\n", E5(12, "unknown variable 'h': nothing in process 'a' binds it before this line") },
	{ PRE "b close ion\n", E5(9, "unknown variable 'ion': nothing in process 'b' binds it before this line") },
	{ PRE "thread b.t\nb.t close ion\n", FILENAME ":6:11: error: unknown variable 'ion': nothing in process 'b' binds it before this line\n" },
	{ PRE "d put ion\n", E5(7, "unknown variable 'ion': nothing in driver 'd' binds it before this line") },
	{ PRE "a send ion to b -> x\na close x\n", FILENAME ":6:9: error: unknown variable 'x': nothing in process 'a' binds it before this line\n" },
	{ PRE "a close a/b\n", E5(9, "bad operand 'a/b': expected a variable or a number") },
	{ PRE "a close \"ion\"\n", E5(9, "expected a variable or a number, not a string") },
	{ PRE "a close 99999999999\n", E5(9, "number 99999999999 is out of range for an fd or a handle") },
	{ PRE "a close -2147483649\n", E5(9, "number -2147483649 is out of range for an fd or a handle") },
	{ PRE "a close -\n", E5(9, "bad number '-'") },
	{ PRE "a close 12ab\n", E5(9, "bad number '12ab'") },
	{ PRE "a open dev/ion\n", E5(8, "expected a path such as /dev/ion or /dev/dma_heap/system") },
	{ PRE "a open /dev/dma_heap/abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\n", E5(8, "path '/dev/dma_heap/abcdefghijabcdefghijabcdef' is longer than 63 bytes") },
	{ PRE "a alloc ion 1Q heap=system\n", E5(13, "bad length '1Q': expected a size such as 4096, 0x1000 or 4K") },
	{ PRE "a alloc ion 99999999999999999999 heap=system\n", E5(13, "length '99999999999999999999' is too large") },
	{ PRE "a alloc ion 1M\n", E5(15, "missing heap=NAME or mask=0xN for 'alloc' (alloc ION LEN heap=H[,H...]|mask=0xN [align=A] [flags=cached,needs_sync] -> V)") },
	{ PRE "a alloc ion 1M heap=system colour=red\n", E5(28, "unknown option 'colour=' for 'alloc' (alloc ION LEN heap=H[,H...]|mask=0xN [align=A] [flags=cached,needs_sync] -> V)") },
	{ PRE "a close ion fd_flags=rdwr\n", E5(13, "'close' takes no option, not 'fd_flags=' (close FD)") },
	{ PRE "a alloc ion 1M heap=system heap=cma\n", E5(28, "option 'heap=' given twice") },
	{ PRE "a alloc ion 1M mask=1 heap=system\n", E5(23, "give heap= or mask=, not both") },
	{ PRE "a alloc ion 1M heap=\n", E5(21, "missing value after 'heap='") },
	{ PRE "a alloc ion 1M =system\n", E5(16, "missing option name before '='") },
	{ PRE "a alloc ion 1M heap=system,nope\n", E5(28, "no heap named 'nope' on this machine") },
	{ PRE "a alloc ion 1M heap=system,\n", E5(28, "missing heap name") },
	{ PRE "a alloc ion 1M heap=system flags=dirty\n", E5(34, "unknown flag 'dirty' (cached or needs_sync)") },
	{ PRE "a alloc ion 1M heap=system flags=cached,x\n", E5(41, "unknown flag 'x' (cached or needs_sync)") },
	{ PRE "a alloc ion 1M heap=system align=4Q\n", E5(34, "bad align '4Q': expected a size such as 4096, 0x1000 or 4K") },
	{ PRE "a alloc ion 1M mask=0x100000000\n", E5(21, "mask 0x100000000 is out of range (0 to 4294967295)") },
	{ PRE "a alloc ion 1M mask=x\n", E5(21, "bad mask 'x': expected a number") },
	{ PRE "a heapalloc ion 4K fd_flags=rw\n", E5(29, "unknown fd flag 'rw' (rdwr, rdonly, wronly or cloexec)") },
	{ PRE "a mmap ion 4K prot=x\n", E5(20, "bad prot 'x' (r, w or rw)") },
	{ PRE "a mmap ion 4K offset=-1\n", E5(22, "bad offset '-1': expected a size such as 4096, 0x1000 or 4K") },
	{ PRE "a mmap ion 4K 8K\n", E5(15, "too many operands for 'mmap' (mmap FD [LEN] [offset=N] [prot=r|w|rw] -> M)") },
	{ PRE "a write ion 0 4K\n", E5(17, "missing byte=0xNN after the length (write M OFFSET LEN byte=0xNN)") },
	{ PRE "a write ion 0 \"x\" byte=1\n", E5(19, "byte= goes with a length, not with a \"string\"") },
	{ PRE "a write ion 0 4K byte=0x100\n", E5(23, "byte 0x100 is out of range (0 to 255)") },
	{ PRE "a write ion x \"y\"\n", E5(13, "bad offset 'x': expected a size such as 4096, 0x1000 or 4K") },
	{ PRE "a read ion 0 4K\n", E5(14, "expected a \"string\" here (read M OFFSET \"text\")") },
	{ PRE "a cpu_begin ion sideways\n", E5(17, "bad direction 'sideways' (read, write or rw)") },
	{ PRE "a attach ion 9gpu -> x\n", E5(14, "bad device name '9gpu': names are [A-Za-z_][A-Za-z0-9_.-]*") },
	/* send and the driver's peers */
	{ PRE "a send ion to a\n", E5(15, "'a' is the sender's own process: send to another one") },
	{ PRE "thread a.t\na.t send ion to a\n", FILENAME ":6:17: error: 'a' is the sender's own process: send to another one\n" },
	{ PRE "a send ion to d\n", E5(15, "'d' is a driver, not a process") },
	{ PRE "kernel drain system\na send ion to kernel\n", FILENAME ":6:15: error: 'kernel' is the kernel actor, not a process\n" },
	{ PRE "a send ion to kernel\n", E5(15, "'kernel' is the kernel actor, not a process") },
	{ PRE "a send ion to zz\n", E5(15, "unknown process 'zz'") },
	{ PRE "a send ion b\n", E5(13, "missing operand for 'send' (send FD to PROC -> V)") },
	{ PRE "a send ion at b\n", E5(12, "expected 'to PROC' here (send FD to PROC -> V)") },
	{ PRE "d client -> c\nd import c fd from zz -> h\n", FILENAME ":6:20: error: unknown process 'zz'\n" },
	{ PRE "d client -> c\nd import c fd from a -> h\n", FILENAME ":6:12: error: unknown variable 'fd': nothing in process 'a' binds it before this line\n" },
	{ PRE "d get ion to a -> h\n", E5(11, "expected 'from PROC' here (get FD from PROC -> B)") },
	/* binds and outcomes */
	{ PRE "a dup ion ->\n", E5(13, "missing a variable name after '->'") },
	{ PRE "a dup ion ->x\n", E5(11, "put a blank after '->'") },
	{ PRE "a close ion =>EBADF\n", E5(13, "put a blank after '=>'") },
	{ PRE "a dup ion -> x -> y\n", E5(16, "a second '->' in one step") },
	{ PRE "a dup ion -> x y\n", E5(16, "unexpected 'y' after '->': operands and options come first") },
	{ PRE "a dup ion -> 9x\n", E5(14, "bad variable name '9x': names are [A-Za-z_][A-Za-z0-9_.-]*") },
	{ PRE "a dup ion -> abcdefghijabcdefghijabcdefghijab\n", E5(14, "variable name 'abcdefghijabcdefghijabcdefghijab' is longer than 31 characters") },
	{ PRE "a close ion -> x\n", E5(13, "'close' has no result to name with '->'") },
	{ PRE "a dup ion -> x => EBADF\n", E5(11, "'-> x' names the result of a step that must fail") },
	{ PRE "a close ion =>\n", E5(15, "missing the outcome (ok, or errno names joined by '|') after '=>'") },
	{ PRE "a close ion => EBADF => ok\n", E5(22, "a second '=>' in one step") },
	{ PRE "a close ion => \"ok\"\n", E5(16, "expected an outcome after '=>' (ok, or errno names joined by '|')") },
	{ PRE "a close ion => EFOO\n", E5(16, "unknown outcome 'EFOO' (ok, or an errno name such as EINVAL)") },
	{ PRE "a close ion => ok|einval\n", E5(19, "unknown outcome 'einval' (ok, or an errno name such as EINVAL)") },
	{ PRE "a close ion => ok|\n", E5(19, "empty alternative in the outcome") },
	{ PRE "a close ion => EPERM|ENOENT|ESRCH|EINTR|EIO|ENXIO|E2BIG|ENOEXEC|EBADF\n", E5(65, "more than 8 errnos in one outcome") },
	{ PRE "a fork\n", E5(7, "missing '-> CHILD' after fork: the child needs a name") },
	{ PRE "a fork -> b\n", E5(11, "duplicate actor 'b' (the first is on line 2)") },
	{ PRE "a fork -> x.y\n", E5(11, "child process name 'x.y' has a '.', which only thread names (PROCESS.T) have") },
	/* fail */
	{ PRE "fail\n", E5(5, "missing count after 'fail' (fail NTH KIND)") },
	{ PRE "fail 0 pages\n", E5(6, "count 0 is out of range (1 to 18446744073709551615)") },
	{ PRE "fail x pages\n", E5(6, "bad count 'x': expected a number") },
	{ PRE "fail 1\n", E5(7, "missing fault kind after the count (pages, genpool, kobj, fd or any)") },
	{ PRE "fail 1 bytes\n", E5(8, "unknown fault kind 'bytes' (pages, genpool, kobj, fd or any)") },
	{ PRE "fail 1 fd now\n", E5(11, "unexpected 'now' at the end of the fail statement") },
	/* preempt */
	{ PRE "preempt\n", E5(8, "'preempt' needs a count, lock or unlock, and a lock (preempt NTH lock|unlock CLASS)") },
	{ PRE "preempt 1 unlock\n", E5(17, "'preempt' needs a count, lock or unlock, and a lock (preempt NTH lock|unlock CLASS)") },
	{ PRE "preempt 0 unlock client->lock\n", E5(9, "count 0 is out of range (1 to 18446744073709551615)") },
	{ PRE "preempt 1 release client->lock\n", E5(11, "expected 'lock' or 'unlock' after the count, not 'release'") },
	{ PRE "preempt 1 lock client.lock\n", E5(16, "unknown lock 'client.lock' (client->lock, dev->lock, dev->buffer_lock, buffer->lock or debugfs_mutex)") },
	{ PRE "preempt 1 lock dev->lock now\n", E5(26, "unexpected 'now' at the end of the preempt statement") },
	/* expect and final */
	{ PRE "expect\n", E5(7, "missing expression after 'expect' (TERM OP NUMBER, such as leaks == 0)") },
	{ PRE "expect leakz == 0\n", E5(8, "unknown term 'leakz' (live_buffers, leaks, orphaned, used, free, frag, largest_free, failures, frag_failures, peak, refs, handles, fds or mappings)") },
	{ PRE "final used == 0\n", E5(12, "missing operand for 'used' (used HEAP)") },
	{ PRE "final used\n", E5(11, "missing operand for 'used' (used HEAP)") },
	{ PRE "final used nope == 0\n", E5(12, "no heap named 'nope' on this machine") },
	{ PRE "final used \"system\" == 0\n", E5(12, "bad heap name '\"'") },
	{ PRE "expect refs a == 1\n", E5(15, "missing operand for 'refs' (refs PROC VAR)") },
	{ PRE "expect refs a zz == 1\n", E5(15, "unknown variable 'zz': nothing in process 'a' binds it before this line") },
	{ PRE "expect refs a 3 == 1\n", E5(15, "refs takes a variable of 'a', not a number") },
	{ PRE "expect fds kernel == 1\n", E5(12, "the kernel actor has no fds, handles or mappings to count") },
	{ PRE "expect fds zz == 1\n", E5(12, "unknown process 'zz'") },
	{ PRE "expect leaks\n", E5(13, "missing comparison (==, !=, <, <=, >, >=) after the term") },
	{ PRE "expect leaks 0\n", E5(14, "bad comparison '0' (==, !=, <, <=, >, >=)") },
	{ PRE "expect leaks =< 0\n", E5(14, "bad comparison '=<' (==, !=, <, <=, >, >=)") },
	{ PRE "expect leaks ==\n", E5(16, "missing number after the comparison") },
	{ PRE "expect leaks == x\n", E5(17, "bad number 'x': expected a size (2M) or a decimal (0.25)") },
	{ PRE "expect leaks == -1\n", E5(17, "bad number '-1': expected a size (2M) or a decimal (0.25)") },
	{ PRE "expect frag system < 0.1234567890123456\n", E5(22, "bad number '0.1234567890123456': expected a size (2M) or a decimal (0.25)") },
	{ PRE "expect leaks == 1.2.3\n", E5(17, "bad number '1.2.3': expected a size (2M) or a decimal (0.25)") },
	{ PRE "expect leaks == .\n", E5(17, "bad number '.': expected a size (2M) or a decimal (0.25)") },
	{ PRE "expect leaks == 0 => ok\n", E5(19, "unexpected '=>' at the end of the expression") },
	/* the first word: a misspelt statement does not close the machine */
	{ "hep x type=system id=0\nheap y type=system id=0\nprocess a\n",
	  FILENAME ":1:1: error: unknown statement or actor 'hep'\n" },
	/* a bad step still binds its name: one error, not three */
	{ PRE "a alloc ion 1Q heap=system -> h\na free ion h\na free ion h\n", E5(13, "bad length '1Q': expected a size such as 4096, 0x1000 or 4K") },
	/* several errors, each on its line */
	{ "process a\nprocess a\na frob\n\nb exit\n",
	  FILENAME ":2:9: error: duplicate actor 'a' (the first is on line 1)\n"
	  FILENAME ":3:3: error: unknown operation 'frob'\n"
	  FILENAME ":5:1: error: unknown statement or actor 'b'\n" },
};

START_TEST(errors_have_message_line_and_column)
{
	parse_fails(bad_texts[_i].text, bad_texts[_i].out);
}
END_TEST

START_TEST(a_line_too_long_is_an_error_at_column_4097)
{
	char *text = malloc(8192);
	size_t n = (size_t)sprintf(text, "process a\n# ");

	memset(text + n, 'x', 4096);
	n += 4096;
	n += (size_t)sprintf(text + n, "\na exit\n");
	parse_fails(text, FILENAME ":2:4097: error: line is longer than 4096 bytes\n");
	/* a machine line too: the lexer sees it before the board */
	n = (size_t)sprintf(text, "ram 1M");
	memset(text + n, ' ', 4096);
	text[n + 4096] = '\0';
	parse_fails(text, FILENAME ":1:4097: error: line is longer than 4096 bytes\n");
	free(text);
}
END_TEST

START_TEST(a_nul_byte_is_an_error)
{
	static const char text[] = "process a\na ex\0it\n";
	struct scn_program *p;
	int ret;
	char *out = parse_text(text, sizeof(text) - 1, &ret, &p);

	ck_assert_int_eq(ret, 1);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(out, FILENAME ":2:5: error: NUL byte in the line (a scenario is text)\n");
	free(out);
}
END_TEST

START_TEST(at_most_twenty_errors)
{
	char text[2048];
	size_t n = 0;
	struct scn_program *p;
	char *out;
	int ret, lines = 0;

	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "nobody%d exit\n", i);
	out = parse_text(text, n, &ret, &p);
	ck_assert_int_eq(ret, SCN_MAX_ERRORS);
	for (char *c = out; *c; c++)
		lines += *c == '\n';
	ck_assert_int_eq(lines, SCN_MAX_ERRORS);
	ck_assert_ptr_nonnull(strstr(out, ":20:1: error: unknown statement or actor 'nobody19'\n"));
	ck_assert_ptr_null(strstr(out, "nobody20"));
	free(out);
}
END_TEST

START_TEST(no_errs_stream_still_counts)
{
	struct scn_program *p = (void *)1;

	ck_assert_int_eq(scn_parse("x", "frob\nfrob\n", 10, &p, NULL), 2);
	ck_assert_ptr_null(p);
	/* an empty text, even a NULL one, is a program with nothing in it */
	ck_assert_int_eq(scn_parse(NULL, NULL, 0, &p, NULL), 0);
	ck_assert_uint_eq(p->nactors + p->nsteps, 0);
	ck_assert(p->board.finished);
	scn_program_free(p);
	scn_program_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Files and names                                                      */
/* ------------------------------------------------------------------ */

START_TEST(parse_a_file)
{
	char path[] = "/tmp/ionsim-parser-XXXXXX";
	int fd = mkstemp(path);
	struct scn_program *p;
	char *out = NULL;
	size_t len = 0;
	FILE *errs;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, example, sizeof(example) - 1),
			 (ssize_t)sizeof(example) - 1);
	close(fd);
	ck_assert_int_eq(scn_parse_file(path, &p, stderr), 0);
	ck_assert_str_eq(p->filename, path);
	ck_assert_uint_eq(p->nsteps, 14);
	scn_program_free(p);
	/* errors name the file */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "frob\n", 5), 5);
	close(fd);
	errs = open_memstream(&out, &len);
	ck_assert_int_eq(scn_parse_file(path, &p, errs), 1);
	fclose(errs);
	ck_assert_ptr_nonnull(strstr(out, ":1:1: error: unknown statement or actor 'frob'"));
	ck_assert_int_eq(strncmp(out, path, strlen(path)), 0);
	free(out);
	unlink(path);
}
END_TEST

START_TEST(an_unreadable_file_is_one_error)
{
	struct scn_program *p = (void *)1;
	char *out = NULL;
	size_t len = 0;
	FILE *errs = open_memstream(&out, &len);

	ck_assert_int_eq(scn_parse_file("/nonexistent/x.ion", &p, errs), 1);
	ck_assert_int_eq(scn_parse_file("/", &p, errs), 1);
	fclose(errs);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(out, "/nonexistent/x.ion: error: cannot read: No such file or directory\n"
			      "/: error: cannot read: Is a directory\n");
	free(out);
}
END_TEST

START_TEST(op_names)
{
	static const char *const words[] = {
		"open", "alloc", "free", "share", "map", "import", "sync",
		"query", "heapalloc", "dup", "close", "send", "mmap", "munmap",
		"write", "read", "cpu_begin", "cpu_end", "kmap", "kunmap",
		"attach", "detach", "dmamap", "dmaunmap", "fork", "exit",
		"drain", "shrink", "fail", "preempt", "expect", "final",
		"client",
		"alloc", "free", "kmap", "kunmap", "share", "import", "get",
		"put", "destroy",
	};

	ck_assert_uint_eq(sizeof(words) / sizeof(*words), SCN_OP_NOPS);
	for (unsigned int i = 0; i < SCN_OP_NOPS; i++)
		ck_assert_str_eq(scn_op_name((enum scn_op)i), words[i]);
	ck_assert_str_eq(scn_op_name(SCN_OP_NOPS), "?");
	ck_assert_str_eq(scn_op_name((enum scn_op)-1), "?");
}
END_TEST

START_TEST(errno_names_both_ways)
{
	static const char *const usual[] = {
		"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG",
		"ENOEXEC", "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES",
		"EFAULT", "EBUSY", "EEXIST", "ENODEV", "EINVAL", "ENFILE",
		"EMFILE", "ENOTTY", "EFBIG", "ENOSPC", "ESPIPE", "ERANGE",
		"ENOSYS", "EOVERFLOW", "EOPNOTSUPP", "ETIMEDOUT", "EHWPOISON",
	};

	for (unsigned int i = 0; i < sizeof(usual) / sizeof(*usual); i++) {
		int err = scn_errno_parse(usual[i]);

		ck_assert_int_gt(err, 0);
		ck_assert_str_eq(scn_errno_name(err), usual[i]);
	}
	ck_assert_int_eq(scn_errno_parse("EINVAL"), EINVAL);
	/* every number 1..133 has a name (Linux has no 41 and no 58);
	 * aliases parse but never print */
	for (int err = 1; err <= 133; err++)
		if (err != 41 && err != 58)
			ck_assert_ptr_nonnull(scn_errno_name(err));
	ck_assert_int_eq(scn_errno_parse("EWOULDBLOCK"), EAGAIN);
	ck_assert_str_eq(scn_errno_name(EAGAIN), "EAGAIN");
	ck_assert_int_eq(scn_errno_parse("ENOTSUP"), EOPNOTSUPP);
	ck_assert_int_eq(scn_errno_parse("einval"), 0);
	ck_assert_int_eq(scn_errno_parse(""), 0);
	ck_assert_ptr_null(scn_errno_name(0));
	ck_assert_ptr_null(scn_errno_name(9999));
}
END_TEST

START_TEST(many_names_and_steps)
{
	/* enough names to rehash the name table several times */
	size_t cap = 4000 * 40, n = 0;
	char *text = malloc(cap);
	struct scn_program *p;

	n += (size_t)snprintf(text + n, cap - n, "process a\n");
	for (int i = 0; i < 4000; i++)
		n += (size_t)snprintf(text + n, cap - n,
				      "a open /dev/ion -> v%d\n", i);
	n += (size_t)snprintf(text + n, cap - n, "a close v1234\n");
	p = parse_ok(text);
	ck_assert_uint_eq(p->nvars, 4000);
	ck_assert_uint_eq(p->nsteps, 4001);
	arg_is_var(p, &p->steps[4000], 0, "v1234");
	scn_program_free(p);
	free(text);
}
END_TEST

static Suite *parser_suite(void)
{
	Suite *s = suite_create("scenarios-parser");
	TCase *t = tcase_create("example");

	tcase_add_test(t, example_machine_and_actors);
	tcase_add_test(t, example_steps);
	tcase_add_test(t, example_operands_and_binds);
	suite_add_tcase(s, t);
	t = tcase_create("statements");
	tcase_add_test(t, machine_statements_reach_the_board);
	tcase_add_test(t, actors_of_every_kind);
	tcase_add_test(t, ion_steps);
	tcase_add_test(t, fd_and_dmaheap_steps);
	tcase_add_test(t, mapping_steps);
	tcase_add_test(t, attachment_and_process_steps);
	tcase_add_test(t, driver_steps);
	tcase_add_test(t, kernel_fail_and_outcomes);
	tcase_add_test(t, expressions_of_the_sink);
	tcase_add_test(t, every_term_and_comparison);
	suite_add_tcase(s, t);
	t = tcase_create("lexical");
	tcase_add_test(t, comments_blanks_and_crlf);
	tcase_add_test(t, options_in_any_order);
	tcase_add_test(t, strings_and_escapes);
	tcase_add_test(t, names_and_literals);
	tcase_add_test(t, rebinding_and_scopes);
	tcase_add_test(t, a_line_of_4096_bytes_is_fine);
	suite_add_tcase(s, t);
	t = tcase_create("errors");
	tcase_add_loop_test(t, errors_have_message_line_and_column, 0,
			    sizeof(bad_texts) / sizeof(*bad_texts));
	tcase_add_test(t, a_line_too_long_is_an_error_at_column_4097);
	tcase_add_test(t, a_nul_byte_is_an_error);
	tcase_add_test(t, at_most_twenty_errors);
	tcase_add_test(t, no_errs_stream_still_counts);
	suite_add_tcase(s, t);
	t = tcase_create("files-and-names");
	tcase_add_test(t, parse_a_file);
	tcase_add_test(t, an_unreadable_file_is_one_error);
	tcase_add_test(t, op_names);
	tcase_add_test(t, errno_names_both_ways);
	tcase_add_test(t, many_names_and_steps);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(parser_suite)
