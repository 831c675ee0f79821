/*
 * scenarios/lang/parser.h - what the parser's files share; not part of
 * the language's contract (that is scn.h) and not for the interpreter.
 *
 * The parser reads a scenario one line at a time, in one pass:
 *   parser.c    the line loop: lexing, machine statements (handed to
 *               model/board.c), routing the rest, and error reporting;
 *   actors.c    process, thread and driver declarations, forked children,
 *               the kernel actor, and finding the actor a line names;
 *   vars.c      variable names and which process has bound which;
 *   steps.c     `ACTOR OP ARGS [-> VAR] [=> OUTCOME]` for every op;
 *   operands.c  the words inside steps: values, numbers, sizes, options,
 *               outcomes;
 *   expr.c      fail, expect and final;
 *   program.c   the program's arrays, scn_program_free and the names.
 * Every function here that reports an error prints it at once and returns
 * -EINVAL; the line loop then moves on to the next line.
 */
#ifndef IONSIM_SCN_PARSER_H
#define IONSIM_SCN_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenarios/lang/lexer.h"
#include "scenarios/lang/scn.h"

#define SCN_QUOTE_MAX 40	/* bytes of user text a message quotes, at most */

/* The variables one process has bound so far, as a bit per name index. */
struct scn_scope {
	unsigned char *bits;
	size_t nbytes;
};

struct scn_parser {
	const char *filename;	/* as messages name the file */
	FILE *errs;
	const char *text;	/* the whole text, for looking ahead */
	size_t len;
	struct scn_program *p;	/* being built; freed on any error */
	struct scn_line *line;	/* the line being parsed */
	unsigned int nerrors;
	bool stop;		/* too many errors, or out of memory */
	/* kion_board_finish ran: it runs at the first step (or the end),
	 * which is when heap names can be resolved */
	bool board_done;
	/* a machine statement was bad, so heap names are not checked
	 * against a board that may be missing a heap */
	bool board_broken;
	unsigned int first_step_line;	/* 0 until a step is seen */
	unsigned int actors_cap, steps_cap, vars_cap;
	struct scn_scope *scopes;	/* one per actor (used by processes) */
	/* open-addressed name table: var index + 1 per slot, 0 when free */
	unsigned int *var_slots;
	unsigned int var_slots_cap;	/* a power of two, or 0 */
	int kernel;			/* the kernel actor's index, -1 until used */
};

/* --- parser.c ----------------------------------------------------- */

/* Reports `FILE:LINE:COL: error: ...` for the current line; -EINVAL. */
int scn_perr(struct scn_parser *ps, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at any line (errors kion_board_finish finds); -EINVAL. */
int scn_perr_at(struct scn_parser *ps, unsigned int line, unsigned int col,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reports that the host is out of memory and stops the parse; -ENOMEM. */
int scn_perr_oom(struct scn_parser *ps);
/* How many bytes of @t a message quotes. */
int scn_qlen(const struct scn_token *t);
/* Finishes the board unless done: called at the first step. */
void scn_parse_board_finish(struct scn_parser *ps);

/* --- actors.c ----------------------------------------------------- */

/* true when @t is a word that starts a declaration (process, thread,
 * driver). */
bool scn_is_declaration(const struct scn_token *t);
/* true when @t may not name an actor: statement keywords and `kernel`. */
bool scn_is_reserved(const struct scn_token *t);
/* Parses the current line, a declaration; 0 or -EINVAL. */
int scn_parse_declaration(struct scn_parser *ps);
/* The index of the actor spelled @t, or -1. */
int scn_actor_find(const struct scn_program *p, const struct scn_token *t);
/*
 * scn_actor_lookup - the actor that token @t names, which must exist by
 * now; otherwise an error saying whether it is declared further down or
 * nowhere (@role: "actor", "process", ... for the message).
 */
int scn_actor_lookup(struct scn_parser *ps, const struct scn_token *t,
		     const char *role);
/* The reserved kernel actor, added when first used; index or -ENOMEM. */
int scn_actor_kernel(struct scn_parser *ps, unsigned int col);
/*
 * scn_actor_fork - adds the child named @t of a `fork` by @parent (an
 * actor index) as step @step: a new process whose variables are a copy
 * of the parent process's.  Returns the child's index or an error.
 */
int scn_actor_fork(struct scn_parser *ps, int parent, const struct scn_token *t,
		   unsigned int step);
/* true when @s[0..@len) is a name: [A-Za-z_][A-Za-z0-9_.-]*. */
bool scn_name_valid(const char *s, size_t len);
/* "process", "thread", "driver", ... for messages. */
const char *scn_actor_kind_word(enum scn_actor_kind kind);

/* --- vars.c ------------------------------------------------------- */

/* The index of variable name @t, added when new; or an error (a bad or
 * long name, too many names, no memory). */
int scn_var_intern(struct scn_parser *ps, const struct scn_token *t);
/* The index of variable name @t, or -1 when no step ever bound it. */
int scn_var_find(const struct scn_parser *ps, const struct scn_token *t);
/* true when process @scope (an actor index) has bound @var. */
bool scn_var_bound(const struct scn_parser *ps, int scope, int var);
/* Marks @var bound in process @scope; 0 or -ENOMEM (reported). */
int scn_var_bind(struct scn_parser *ps, int scope, int var);
/* Gives process @dst a copy of @src's bound variables (fork). */
int scn_scope_copy(struct scn_parser *ps, int dst, int src);
/* Frees the scopes and the name table. */
void scn_vars_release(struct scn_parser *ps);

/* --- steps.c ------------------------------------------------------ */

/* Parses the current line, a step of the actor its first token names. */
int scn_parse_actor_step(struct scn_parser *ps);

/* --- operands.c --------------------------------------------------- */

/*
 * scn_parse_value - operand @t as a variable of process @scope (it must
 * be bound there) or an integer literal; into *@v.
 */
int scn_parse_value(struct scn_parser *ps, const struct scn_token *t,
		    int scope, struct scn_value *v);
/* A size (sim_parse_size's syntax) called @what in messages. */
int scn_parse_size_tok(struct scn_parser *ps, const struct scn_token *t,
		       const char *what, uint64_t *out);
/* A whole number, decimal or 0x hex, from @min to @max. */
int scn_parse_uint_tok(struct scn_parser *ps, const struct scn_token *t,
		       const char *what, uint64_t min, uint64_t max,
		       uint64_t *out);
/* A heap name on the board: its id into *@id (unchecked when the board
 * is broken: *@id is then 0). */
int scn_parse_heap_name(struct scn_parser *ps, const char *s, unsigned int len,
			unsigned int col, unsigned int *id);
/* A key=value option of @step named by word @t. */
int scn_parse_option(struct scn_parser *ps, const struct scn_token *t,
		     struct scn_step *step);
/* The word after `=>`: ok and errno names joined by '|'. */
int scn_parse_outcome(struct scn_parser *ps, const struct scn_token *t,
		      struct scn_outcome *out);
/* Splits word @t at its first '=' into @key and @val; false if none. */
bool scn_split_option(const struct scn_token *t, struct scn_token *key,
		      struct scn_token *val);

/* --- expr.c ------------------------------------------------------- */

/* `fail NTH KIND` on the current line. */
int scn_parse_fail(struct scn_parser *ps);
/* preempt NTH lock|unlock CLASS: the next actor step is preempted at its
 * NTH such point between critical sections, and the step after it runs
 * there (docs/SCENARIOS.md). */
int scn_parse_preempt(struct scn_parser *ps);
/* `expect EXPR` or `final EXPR` (@op) on the current line. */
int scn_parse_expect(struct scn_parser *ps, enum scn_op op);

/* --- program.c ---------------------------------------------------- */

/* A new, empty program named @filename; NULL when out of memory. */
struct scn_program *scn_program_new(const char *filename);
/* Appends a copy of @s (whose text the program then owns); its index,
 * or -ENOMEM (reported; @s->text is freed). */
int scn_program_add_step(struct scn_parser *ps, struct scn_step *s);
/* Appends an actor (and its empty scope); its index or an error. */
int scn_program_add_actor(struct scn_parser *ps, const struct scn_actor *a);
/* A step with nothing set: no actor, no operand, no bind, ok allowed. */
void scn_step_init(struct scn_step *s, unsigned int line, unsigned int col);

#endif /* IONSIM_SCN_PARSER_H */
