/*
 * tests/scenarios/test_parser_fuzz.c - the parser against thousands of
 * broken scenarios: a deterministic, seeded mutation fuzz.
 *
 * Valid scenarios (SCENARIO.md's example and texts using every statement)
 * are mutated - bytes flipped or replaced, text cut short, lines
 * duplicated, deleted or swapped, words of the language and stray
 * punctuation inserted, NUL bytes, random bytes, lines far past the 4096
 * byte limit - and each mutant is parsed.  SCENARIO.md's promise is
 * checked every time: no crash, no hang, no leak (under ASan or valgrind),
 * and either a program and silence, or NULL and exactly as many
 * `FILE:LINE:COL: error: ` lines as the count returned, at most 20, each
 * at a line of the text and a column of at most 4097.  An accepted
 * mutant's program must be well formed: every index in range.
 *
 * The seed is fixed, so a failure reproduces; IONSIM_FUZZ_ITERATIONS
 * asks for more mutants per seed text, IONSIM_FUZZ_SEED for other ones.
 */
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/scn.h"
#include "testlib.h"

#define FILENAME "fz.ion"
#define DEFAULT_ITERATIONS 1500	/* per seed text; 4500 in all */
#define DEFAULT_SEED 0x10ca1f022ULL
#define MAX_MUTATIONS 4		/* applied to one mutant, at most */
#define LONG_LINE_MIN 4000	/* long lines straddle the 4096 limit */
#define LONG_LINE_SPREAD 300

static const char *const seed_texts[] = {
	/* SCENARIO.md's example */
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
	"final used carveout == 0\n",
	/* machine statements, threads, fork, dma-buf heaps, mappings */
	"ram 512M base=0x40000000\nabi legacy\nkernel 4.9.45\nnofile 64\n"
	"bug cve-2016-9120\nfix query-einval\nkref_bits 3\n"
	"heap sys type=system id=0 orders=8,4,0\n"
	"heap cam type=carveout id=2 size=16M base=0x60000000 policy=best-fit\n"
	"heap chk type=chunk id=3 size=8M chunk=64K\n"
	"heap cma type=cma id=4 size=32M defer_free=on allow=app\n"
	"dmaheap camera heap=cam\n"
	"process app pid=200\nprocess gpu\nthread app.render\n"
	"app open /dev/ion -> ion\n"
	"app alloc ion 1M flags=cached,needs_sync align=4K heap=cam,cma -> h\n"
	"app alloc ion 4K mask=0x11 -> h2 => ok|ENOMEM\n"
	"app share ion h -> fd\napp map ion h -> fd2\napp import ion fd -> h3\n"
	"app sync ion fd\napp query ion\n"
	"app open /dev/dma_heap/camera -> hfd\n"
	"app heapalloc hfd 64K fd_flags=rdwr,cloexec -> dfd\n"
	"app dup fd -> fd3\napp close fd3\napp send fd to gpu -> gfd\n"
	"app.render mmap fd 8K prot=r offset=4K -> m\n"
	"app.render write m 1 \"hi\\n\\t\\\\\\\"\\x41\"\n"
	"app write m 16 32 byte=0xff\napp read m 0 \"hi\"\n"
	"app cpu_begin fd read\napp cpu_end fd rw\n"
	"app kmap ion h\napp kunmap ion h\n"
	"gpu attach gfd gpu0 -> at\ngpu dmamap at\ngpu dmaunmap at\ngpu detach at\n"
	"app fork -> child\nchild close fd\nchild exit\n"
	"app free ion 0 => EINVAL\napp close -1 => EBADF|EINVAL\n"
	"fail 2 pages\npreempt 2 unlock client->lock\n"
	"app free ion h3 => ok|EINVAL\napp.render free ion h3 => ok|EINVAL\n"
	"kernel drain cma\nkernel shrink sys 16\n"
	"expect refs app h >= 2\nfinal frag cma <= 0.25\n"
	"final mappings app.render != 1\nfinal largest_free cam > 1M\n",
	/* the dmabuf-test driver (our extension) */
	"driver dmabuf_test\nprocess demo\n"
	"dmabuf_test client -> c\n"
	"dmabuf_test alloc c 4K heap=system -> kh\n"
	"dmabuf_test kmap c kh\ndmabuf_test kunmap c kh\n"
	"dmabuf_test share c kh to demo -> fd\n"
	"demo mmap fd 4K prot=rw -> buf\ndemo read buf 0 \"\\x00\"\n"
	"dmabuf_test get fd from demo -> b\ndmabuf_test put b\n"
	"dmabuf_test import c fd from demo -> kh2\n"
	"dmabuf_test free c kh2\ndmabuf_test destroy c\n"
	"demo exit\nfinal live_buffers == 1\nfinal handles dmabuf_test == 1\n",
};

#define NSEEDS (sizeof(seed_texts) / sizeof(seed_texts[0]))

/* Words of the language and the punctuation that lexers trip on. */
static const char *const dictionary[] = {
	"process", "thread", "driver", "kernel", "fail", "expect", "final",
	"ram", "abi", "heap", "dmaheap", "nofile", "open", "alloc", "free",
	"share", "map", "import", "sync", "query", "heapalloc", "dup",
	"close", "send", "to", "from", "mmap", "munmap", "write", "read",
	"cpu_begin", "cpu_end", "kmap", "kunmap", "attach", "detach",
	"dmamap", "dmaunmap", "fork", "exit", "drain", "shrink", "client",
	"get", "put", "destroy", "->", "=>", "ok|EINVAL", "EBADF", "ok|",
	"heap=system", "heap=", "heap=a,,b", "mask=0x1f", "flags=cached",
	"fd_flags=rdwr", "offset=4K", "prot=rw", "byte=0xff", "align=",
	"pid=7", "\"", "\"\\x", "\\", "#", "=", "|", "-1", "-", "0x",
	"99999999999999999999999", "4K", "1M", "0.25", "==", "<=",
	"live_buffers", "refs", "used", "camera", "camera.T", "a.b.c",
	"ion", "fd", "frame", "\t", "\r", "\n", "\n\n", "kernel 4.19",
	"abi modern", ".", "type=carveout", "id=2", "size=1M",
	"base=0x1000", "/dev/ion", "\"\\xzz\"", "\"\\q\"", "\"\"",
};

#define NWORDS (sizeof(dictionary) / sizeof(dictionary[0]))

static const char specials[] = "\"\\#=|-> \t\n\r0123456789x.,_";

/* A growable byte string (NULs allowed). */
struct text {
	char *s;
	size_t len, cap;
};

static void text_reserve(struct text *t, size_t more)
{
	if (t->len + more <= t->cap)
		return;
	t->cap = (t->len + more) * 2;
	t->s = realloc(t->s, t->cap);
	ck_assert_ptr_nonnull(t->s);
}

static void text_insert(struct text *t, size_t at, const char *s, size_t n)
{
	text_reserve(t, n);
	memmove(t->s + at + n, t->s + at, t->len - at);
	memcpy(t->s + at, s, n);
	t->len += n;
}

static void text_delete(struct text *t, size_t at, size_t n)
{
	memmove(t->s + at, t->s + at + n, t->len - at - n);
	t->len -= n;
}

static size_t pick(struct sim_rng *rng, size_t n)
{
	return n ? (size_t)sim_rng_below(rng, n) : 0;
}

/* The line around offset @at: [*start, *end), newline included. */
static void line_around(const struct text *t, size_t at, size_t *start,
			size_t *end)
{
	size_t s = at, e = at;

	while (s > 0 && t->s[s - 1] != '\n')
		s--;
	while (e < t->len && t->s[e] != '\n')
		e++;
	*start = s;
	*end = e < t->len ? e + 1 : e;
}

/* The start of a random line. */
static size_t line_start(struct sim_rng *rng, const struct text *t)
{
	size_t s, e;

	line_around(t, pick(rng, t->len + 1), &s, &e);
	return s;
}

/* ------------------------------------------------------------------ */
/* Mutations                                                            */
/* ------------------------------------------------------------------ */

static void flip_byte(struct sim_rng *rng, struct text *t)
{
	if (t->len)
		t->s[pick(rng, t->len)] ^= (char)(1u << pick(rng, 8));
}

static void replace_byte(struct sim_rng *rng, struct text *t)
{
	if (t->len)
		t->s[pick(rng, t->len)] = specials[pick(rng, sizeof(specials) - 1)];
}

static void truncate_text(struct sim_rng *rng, struct text *t)
{
	t->len = pick(rng, t->len + 1);
}

static void duplicate_line(struct sim_rng *rng, struct text *t)
{
	size_t s, e, to = line_start(rng, t);
	char *copy;

	line_around(t, pick(rng, t->len + 1), &s, &e);
	copy = malloc(e - s + 1);
	memcpy(copy, t->s + s, e - s);
	text_insert(t, to, copy, e - s);
	free(copy);
}

static void delete_line(struct sim_rng *rng, struct text *t)
{
	size_t s, e;

	line_around(t, pick(rng, t->len + 1), &s, &e);
	text_delete(t, s, e - s);
}

/* Moves a line elsewhere: the order of declarations and steps matters. */
static void move_line(struct sim_rng *rng, struct text *t)
{
	size_t s, e, to;
	char *copy;

	line_around(t, pick(rng, t->len + 1), &s, &e);
	copy = malloc(e - s + 1);
	memcpy(copy, t->s + s, e - s);
	text_delete(t, s, e - s);
	to = line_start(rng, t);
	text_insert(t, to, copy, e - s);
	free(copy);
}

static void insert_word(struct sim_rng *rng, struct text *t)
{
	const char *w = dictionary[pick(rng, NWORDS)];
	size_t at = pick(rng, t->len + 1);

	if (pick(rng, 2))
		text_insert(t, at, " ", 1);
	text_insert(t, at, w, strlen(w));
}

static void insert_nul(struct sim_rng *rng, struct text *t)
{
	text_insert(t, pick(rng, t->len + 1), "", 1);
}

static void insert_random_bytes(struct sim_rng *rng, struct text *t)
{
	char bytes[8];
	size_t n = 1 + pick(rng, sizeof(bytes));

	for (size_t i = 0; i < n; i++)
		bytes[i] = (char)pick(rng, 256);
	text_insert(t, pick(rng, t->len + 1), bytes, n);
}

/* A line just under, at or past the limit, of words or of one long word,
 * or a long tail on an existing line. */
static void insert_long_line(struct sim_rng *rng, struct text *t)
{
	size_t n = LONG_LINE_MIN + pick(rng, LONG_LINE_SPREAD);
	const char *w = dictionary[pick(rng, NWORDS)];
	size_t wl = strlen(w), at;
	char *line = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		line[i] = pick(rng, 2) ? 'x' : w[i % wl] == '\n' ? ' ' : w[i % wl];
	line[n] = '\n';
	at = pick(rng, 2) ? line_start(rng, t) : pick(rng, t->len + 1);
	text_insert(t, at, line, n + 1);
	free(line);
}

typedef void (*mutation_fn)(struct sim_rng *rng, struct text *t);

static const mutation_fn mutations[] = {
	flip_byte, replace_byte, truncate_text, duplicate_line, delete_line,
	move_line, insert_word, insert_word, insert_nul, insert_random_bytes,
	insert_long_line,
};

#define NMUTATIONS (sizeof(mutations) / sizeof(mutations[0]))

/* ------------------------------------------------------------------ */
/* Checks                                                               */
/* ------------------------------------------------------------------ */

static unsigned int count_lines(const struct text *t)
{
	unsigned int n = 0;

	for (size_t i = 0; i < t->len; i++)
		n += t->s[i] == '\n';
	return n + 1;
}

/* Every line of @out is `FILENAME:LINE:COL: error: ...`; how many. */
static int check_error_lines(const char *out, unsigned int nlines)
{
	const char *line = out;
	int n = 0;

	while (*line) {
		const char *nl = strchr(line, '\n');
		unsigned int l = 0, c = 0;
		int used = 0;

		test_require(nl != NULL);
		test_require(strncmp(line, FILENAME ":", strlen(FILENAME) + 1) == 0);
		test_require(sscanf(line + strlen(FILENAME) + 1, "%u:%u: error: %n",
				    &l, &c, &used) == 2 && used > 0);
		test_require(l >= 1 && l <= nlines);
		test_require(c >= 1 && c <= 4097);
		test_require(nl > line + strlen(FILENAME) + 1 + (size_t)used);
		n++;
		line = nl + 1;
	}
	return n;
}

static bool actor_ok(const struct scn_program *p, int a)
{
	return a >= 0 && (unsigned int)a < p->nactors;
}

static void check_value(const struct scn_program *p, const struct scn_value *v)
{
	test_require(v->kind != SCN_VALUE_VAR ||
		     (v->var >= 0 && (unsigned int)v->var < p->nvars));
}

/* An accepted program's indices all point where they should. */
static void check_program(const struct scn_program *p)
{
	test_require(p->board.finished);
	for (unsigned int i = 0; i < p->nactors; i++) {
		const struct scn_actor *a = &p->actors[i];

		test_require(actor_ok(p, a->process));
		test_require(p->actors[a->process].kind != SCN_ACTOR_THREAD);
		test_require(a->kind != SCN_ACTOR_FORKED ||
			     (a->fork_step >= 0 &&
			      (unsigned int)a->fork_step < p->nsteps));
	}
	for (unsigned int i = 0; i < p->nsteps; i++) {
		const struct scn_step *s = &p->steps[i];

		test_require(s->actor == -1 || actor_ok(p, s->actor));
		test_require(s->other == -1 || actor_ok(p, s->other));
		test_require(s->bind == -1 ||
			     ((unsigned int)s->bind < p->nvars &&
			      actor_ok(p, s->bind_actor)));
		test_require((unsigned int)s->op < SCN_OP_NOPS);
		test_require(s->outcome.nerrnos <= SCN_MAX_ERRNOS);
		for (unsigned int k = 0; k < SCN_MAX_ARGS; k++)
			check_value(p, &s->arg[k]);
		test_require(s->text || s->text_len == 0);
	}
}

/* Parses @t; returns what was printed (malloc'd) and checks the promise. */
static char *parse_and_check(const struct text *t, int *accepted)
{
	struct scn_program *p = NULL;
	char *out = NULL;
	size_t outlen = 0;
	FILE *errs = open_memstream(&out, &outlen);
	int ret;

	test_require(errs != NULL);
	ret = scn_parse(FILENAME, t->s, t->len, &p, errs);
	fclose(errs);
	test_require(ret >= 0 && ret <= SCN_MAX_ERRORS);
	test_require((ret == 0) == (p != NULL));
	if (p) {
		test_require(outlen == 0);
		check_program(p);
		scn_program_free(p);
	} else {
		test_require(check_error_lines(out, count_lines(t)) == ret);
	}
	*accepted += ret == 0;
	return out;
}

static unsigned long env_number(const char *name, unsigned long fallback)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : fallback;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

START_TEST(seed_texts_are_valid)
{
	for (unsigned int i = 0; i < NSEEDS; i++) {
		struct text t = { (char *)seed_texts[i], strlen(seed_texts[i]), 0 };
		int accepted = 0;

		free(parse_and_check(&t, &accepted));
		ck_assert_msg(accepted == 1, "seed text %u is not valid", i);
	}
}
END_TEST

START_TEST(mutants_never_crash_hang_or_leak)
{
	unsigned long iterations = env_number("IONSIM_FUZZ_ITERATIONS",
					      DEFAULT_ITERATIONS);
	struct sim_rng rng;
	struct text t = { 0 };
	int accepted = 0, total = 0;

	sim_rng_seed(&rng, env_number("IONSIM_FUZZ_SEED", DEFAULT_SEED) + (unsigned long)_i);
	for (unsigned long n = 0; n < iterations; n++) {
		size_t nmut = 1 + pick(&rng, MAX_MUTATIONS);
		char *out, *again;
		int dummy = 0;

		t.len = 0;
		text_insert(&t, 0, seed_texts[_i], strlen(seed_texts[_i]));
		for (size_t m = 0; m < nmut; m++)
			mutations[pick(&rng, NMUTATIONS)](&rng, &t);
		out = parse_and_check(&t, &accepted);
		total++;
		/* the same text, the same bytes out */
		if (n % 16 == 0) {
			again = parse_and_check(&t, &dummy);
			test_require(strcmp(out, again) == 0);
			free(again);
		}
		free(out);
	}
	free(t.s);
	/* a fuzzer that only ever breaks its input tests half the parser */
	ck_assert_msg(accepted > 0 && accepted < total,
		      "%d of %d mutants accepted", accepted, total);
}
END_TEST

START_TEST(long_lines_and_nul_bytes_everywhere)
{
	/* every position of a short text, each with a NUL and with a byte
	 * past the limit */
	const char *base = seed_texts[2];
	size_t len = strlen(base);
	struct text t = { 0 };
	int accepted = 0;

	for (size_t at = 0; at <= len; at += 7) {
		t.len = 0;
		text_insert(&t, 0, base, len);
		text_insert(&t, at, "", 1);
		free(parse_and_check(&t, &accepted));
		t.len = 0;
		text_insert(&t, 0, base, len);
		text_reserve(&t, 4200);
		for (int i = 0; i < 4100; i++)
			text_insert(&t, at, "y", 1);
		free(parse_and_check(&t, &accepted));
	}
	free(t.s);
	ck_assert_int_eq(accepted, 0);
}
END_TEST

static Suite *fuzz_suite(void)
{
	Suite *s = suite_create("scenarios-parser-fuzz");
	TCase *t = tcase_create("mutants");

	/* valgrind runs this suite too: give it room */
	tcase_set_timeout(t, 600);
	tcase_add_test(t, seed_texts_are_valid);
	tcase_add_loop_test(t, mutants_never_crash_hang_or_leak, 0, NSEEDS);
	tcase_add_test(t, long_lines_and_nul_bytes_everywhere);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(fuzz_suite)
