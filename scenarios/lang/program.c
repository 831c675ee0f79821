/*
 * scenarios/lang/program.c - the parsed program as data: growing its
 * arrays while parsing, freeing it, and the names messages print.
 *
 * Arrays grow by doubling, so a trace of a million steps costs a million
 * copies in all, not a million squared.  The parser keeps the capacities
 * (struct scn_parser), not the program: a finished program never grows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ionsim/uapi/dma-buf.h"
#include "scenarios/lang/parser.h"

/* scn_program_new - see parser.h. */
struct scn_program *scn_program_new(const char *filename)
{
	struct scn_program *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->filename = strdup(filename);
	if (!p->filename) {
		free(p);
		return NULL;
	}
	kion_board_init(&p->board);
	return p;
}

/* scn_program_free - see scn.h. */
void scn_program_free(struct scn_program *p)
{
	if (!p)
		return;
	for (unsigned int i = 0; i < p->nsteps; i++)
		free(p->steps[i].text);
	free(p->steps);
	free(p->actors);
	free(p->vars);
	free(p->filename);
	free(p);
}

/* scn_step_init - see parser.h. */
void scn_step_init(struct scn_step *s, unsigned int line, unsigned int col)
{
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->col = col;
	s->actor = -1;
	s->other = -1;
	s->bind = -1;
	s->bind_actor = -1;
	s->outcome.ok = true;
	/* SCENARIO.md's defaults, set for every step so that the fields
	 * mean the same whichever op the interpreter looks at */
	s->fd_flags = SIM_O_RDWR | SIM_O_CLOEXEC;
	s->prot = SIM_PROT_READ | SIM_PROT_WRITE;
	s->dir = DMA_BUF_SYNC_RW;
}

/* scn_program_add_step - see parser.h. */
int scn_program_add_step(struct scn_parser *ps, struct scn_step *s)
{
	struct scn_program *p = ps->p;

	if (p->nsteps == ps->steps_cap) {
		unsigned int cap = ps->steps_cap ? ps->steps_cap * 2 : 32;
		struct scn_step *steps = realloc(p->steps, cap * sizeof(*steps));

		if (!steps) {
			free(s->text);
			s->text = NULL;
			return scn_perr_oom(ps);
		}
		p->steps = steps;
		ps->steps_cap = cap;
	}
	p->steps[p->nsteps] = *s;
	return (int)p->nsteps++;
}

/* Room for one more actor and its scope, side by side. */
static int grow_actors(struct scn_parser *ps)
{
	unsigned int cap = ps->actors_cap ? ps->actors_cap * 2 : 8;
	struct scn_actor *actors;
	struct scn_scope *scopes;

	actors = realloc(ps->p->actors, cap * sizeof(*actors));
	if (!actors)
		return scn_perr_oom(ps);
	ps->p->actors = actors;
	scopes = realloc(ps->scopes, cap * sizeof(*scopes));
	if (!scopes)
		return scn_perr_oom(ps);
	memset(scopes + ps->actors_cap, 0,
	       (cap - ps->actors_cap) * sizeof(*scopes));
	ps->scopes = scopes;
	ps->actors_cap = cap;
	return 0;
}

/* scn_program_add_actor - see parser.h. */
int scn_program_add_actor(struct scn_parser *ps, const struct scn_actor *a)
{
	struct scn_program *p = ps->p;

	if (p->nactors == ps->actors_cap && grow_actors(ps))
		return -ENOMEM;
	p->actors[p->nactors] = *a;
	return (int)p->nactors++;
}

/* ------------------------------------------------------------------ */
/* Names                                                                */
/* ------------------------------------------------------------------ */

static const char *const op_names[SCN_OP_NOPS] = {
	[SCN_OP_OPEN] = "open",
	[SCN_OP_ALLOC] = "alloc",
	[SCN_OP_FREE] = "free",
	[SCN_OP_SHARE] = "share",
	[SCN_OP_MAP] = "map",
	[SCN_OP_IMPORT] = "import",
	[SCN_OP_SYNC] = "sync",
	[SCN_OP_QUERY] = "query",
	[SCN_OP_HEAPALLOC] = "heapalloc",
	[SCN_OP_DUP] = "dup",
	[SCN_OP_CLOSE] = "close",
	[SCN_OP_SEND] = "send",
	[SCN_OP_MMAP] = "mmap",
	[SCN_OP_MUNMAP] = "munmap",
	[SCN_OP_WRITE] = "write",
	[SCN_OP_READ] = "read",
	[SCN_OP_CPU_BEGIN] = "cpu_begin",
	[SCN_OP_CPU_END] = "cpu_end",
	[SCN_OP_KMAP] = "kmap",
	[SCN_OP_KUNMAP] = "kunmap",
	[SCN_OP_ATTACH] = "attach",
	[SCN_OP_DETACH] = "detach",
	[SCN_OP_DMAMAP] = "dmamap",
	[SCN_OP_DMAUNMAP] = "dmaunmap",
	[SCN_OP_FORK] = "fork",
	[SCN_OP_EXIT] = "exit",
	[SCN_OP_DRAIN] = "drain",
	[SCN_OP_SHRINK] = "shrink",
	[SCN_OP_FAIL] = "fail",
	[SCN_OP_PREEMPT] = "preempt",
	[SCN_OP_EXPECT] = "expect",
	[SCN_OP_FINAL] = "final",
	/* a driver's ops print as written in its lines */
	[SCN_OP_KCLIENT] = "client",
	[SCN_OP_KALLOC] = "alloc",
	[SCN_OP_KFREE] = "free",
	[SCN_OP_KMAP_KERNEL] = "kmap",
	[SCN_OP_KUNMAP_KERNEL] = "kunmap",
	[SCN_OP_KSHARE] = "share",
	[SCN_OP_KIMPORT] = "import",
	[SCN_OP_KGET] = "get",
	[SCN_OP_KPUT] = "put",
	[SCN_OP_KDESTROY] = "destroy",
};

/* scn_op_name - see scn.h. */
const char *scn_op_name(enum scn_op op)
{
	if ((unsigned int)op >= SCN_OP_NOPS || !op_names[op])
		return "?";
	return op_names[op];
}

/* scn_step_actor - see scn.h. */
const char *scn_step_actor(const struct scn_program *p,
			   const struct scn_step *s)
{
	if (s->actor < 0 || (unsigned int)s->actor >= p->nactors)
		return "";
	return p->actors[s->actor].name;
}
