/*
 * model/board.h - the machine description: what a scenario's machine
 * statements say, parsed, checked and booted.
 *
 * A board gathers everything that must be known before the first step
 * runs: the simulated machine (RAM, fd limit, the reserved and CMA ranges
 * of the heaps), the ION heaps, which ABI and which kernel release
 * /dev/ion follows, and which heaps also appear as DMA-BUF heap nodes.
 * The statements are SCENARIO.md's,
 *
 *     ram SIZE [base=ADDR]
 *     abi legacy | modern
 *     heap NAME type=TYPE id=N [options]      (heaps/config.c parses these)
 *     dmaheap NAME heap=HEAPNAME
 *     nofile N                                (3 .. 1048576)
 *
 * plus extensions of ours,
 *
 *     kernel 4.4 | 4.9.45 | 4.9.337 | 4.19
 *     bug NAME                                (a defect on, model/bugs.c)
 *     fix NAME | all                          (its fix; all: every defect off)
 *     kref_bits N                             (1..32)
 *
 * `kernel` picks the release whose ION /dev/ion follows, defects included
 * (kion_kernel_bugs).  4.4 and 4.9.x speak the legacy ABI, 4.19 the modern
 * one; `abi legacy` alone means 4.9.337, `abi modern` alone 4.19, and
 * giving both with a contradiction is an error.  `bug` and `fix` adjust
 * that release's set (kion_config.bugs_on / bugs_off); any number of
 * them may be given, and where two switch the same defect the later line
 * wins.  `kref_bits` narrows handle krefs and user_ref_counts so that
 * their overflows (ION-SPEC 7.5) are a few steps away.  The machine's kernel also
 * sets which kernel's heap code every heap follows (4.9 or 4.19) unless
 * its heap statement says kernel= itself.  Because `kernel` is also the
 * scenario actor for kernel threads (`kernel drain HEAP`), a `kernel` line
 * is a machine statement only when its second word starts with a digit
 * (or is missing).
 *
 * Without any heap statement the board is SCENARIO.md's default board
 * (heap_board_default).  Without any dmaheap statement, the default board
 * also gets two DMA-BUF heap nodes, /dev/dma_heap/system (the system heap)
 * and /dev/dma_heap/cma (the cma heap), as a 5.10 kernel has its "system"
 * heap and one CMA heap; a board with heap statements of its own has
 * only the nodes its dmaheap statements name.
 *
 * Statements may come in any order: kion_board_finish() checks what needs
 * the whole board (dmaheap targets, the physical map) once every line has
 * been read.  Every error names a line and a 1-based column; printed, it
 * reads `FILE:LINE:COL: error: message`.
 */
#ifndef IONSIM_MODEL_BOARD_H
#define IONSIM_MODEL_BOARD_H

#include <stdbool.h>
#include <stdio.h>

#include "ionsim/heap.h"
#include "ionsim/sim.h"
#include "model/kion.h"

#define KION_LINE_MAX 4096	/* bytes of one statement, newline excluded */
#define KION_NOFILE_MAX 1048576	/* Linux's default fs.nr_open */

/* An error found in a machine description: where, and what is wrong. */
struct kion_board_error {
	unsigned int line;	/* 1-based; 0 for the built-in board */
	unsigned int col;	/* 1-based */
	char msg[160];
};

/* One `dmaheap NAME heap=HEAPNAME` node. */
struct kion_board_dmaheap {
	char name[HEAP_NAME_MAX];	/* /dev/dma_heap/NAME */
	char heap[HEAP_NAME_MAX];	/* the ION heap behind it */
	unsigned int line;		/* its statement; 0 when built in */
	unsigned int heap_col;		/* where HEAPNAME is: blamed if unknown */
};

/* Where a heap statement's words were, for errors kion_board_finish finds. */
struct kion_board_heap_src {
	unsigned int col;	/* column of the `heap` keyword */
	unsigned int base_col;	/* column of its base= word, 0 without */
	bool has_kernel;	/* kernel= given: the machine's does not apply */
};

struct kion_board {
	/* RAM and nofile; once finished, the heaps' regions too */
	struct sim_config sim;
	struct heap_board heaps;	/* in statement order */
	/* heap_src[i] locates heaps.heaps[i]'s statement */
	struct kion_board_heap_src heap_src[HEAP_MAX_HEAPS];
	struct kion_config kion;	/* abi, kernel, defects, kref width */
	struct kion_board_dmaheap dmaheaps[KION_MAX_DMAHEAPS];
	unsigned int ndmaheaps;
	bool has_heaps;			/* heap statements replace the default board */
	/* Where each once-only statement was (0: not given), for the
	 * duplicate errors and those kion_board_finish blames on RAM. */
	unsigned int ram_line, ram_col;
	unsigned int abi_line;
	unsigned int kernel_line;
	unsigned int nofile_line;
	unsigned int kref_bits_line;
	bool finished;			/* kion_board_finish succeeded */
};

/* An empty description: 256 MiB of RAM at 0, nofile 1024, abi legacy on
 * 4.9.337, no heap and no dmaheap statement yet. */
void kion_board_init(struct kion_board *b);

/*
 * kion_board_parse_line - read ONE statement, @lineno being its line
 * number (kept for later errors).  A `#` comment and surrounding blanks
 * are allowed.  Returns 1 when it was a machine statement and it is now
 * part of @b, 0 when it is not a machine statement (a blank line, a
 * comment, or a step for the scenario parser), -EINVAL when it is a
 * machine statement with an error: @err then holds the column and the
 * message.  A line longer than KION_LINE_MAX is an error at the column
 * just past the limit.  Must not be called once @b is finished.
 */
int kion_board_parse_line(struct kion_board *b, const char *line,
			  unsigned int lineno, struct heap_parse_error *err);

/*
 * kion_board_finish - complete @b once every statement is in: the default
 * board when no heap statement was given, the default dmaheap nodes, the
 * machine kernel's heap code version, a check that every dmaheap names an
 * existing heap, and the physical map (heap_board_reserve: each carveout,
 * chunk and cma heap becomes a region of @b->sim).  Returns 0, or -EINVAL
 * (-ENOSPC when the regions do not fit in the table) with @err naming the
 * statement to blame: the dmaheap's heap name, the later of two
 * overlapping heaps (at its base=), the ram statement when RAM itself does
 * not fit.  Calling it again after success does nothing.
 */
int kion_board_finish(struct kion_board *b, struct kion_board_error *err);

/*
 * kion_board_parse_text - parse a whole machine description (@text, one
 * statement per line; blank lines and # comments allowed) into @b, which
 * kion_board_init() has prepared, then finish it.  Every error goes to
 * @errs as `FILENAME:LINE:COL: error: message`, one line each; parsing
 * goes on after a bad line so that all of them are reported, and the
 * board is not finished when any was found.  A line that is not a machine
 * statement is an error here.  Returns 0 or -EINVAL.
 */
int kion_board_parse_text(const char *text, const char *filename,
			  struct kion_board *b, FILE *errs);

/* Prints @e as `FILENAME:LINE:COL: error: message` and a newline. */
void kion_board_error_print(FILE *out, const char *filename,
			    const struct kion_board_error *e);

/*
 * kion_board_boot - build the machine a finished board describes: boot the
 * simulated machine, create ION on it (kion_device_create) and add its
 * DMA-BUF heap nodes.  Returns 0 with *@machine and *@device set, or a
 * negative errno (-EINVAL for a board that is not finished) with nothing
 * left allocated.
 */
int kion_board_boot(const struct kion_board *b, struct sim_machine **machine,
		    struct kion_device **device);

/*
 * kion_board_shutdown - undo kion_board_boot: every live process exits
 * (mappings, then fds), every fd message in flight is dropped, then ION
 * and then the machine are torn down, in that order so that no file is
 * released after the device it points into.  Returns sim_shutdown()'s
 * count of kernel objects that were never freed: 0 unless something
 * leaked.
 */
unsigned long kion_board_shutdown(struct sim_machine *m,
				  struct kion_device *dev);

#endif /* IONSIM_MODEL_BOARD_H */
