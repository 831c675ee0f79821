/*
 * tools/ionsim/out_metrics.c - `ionsim run --metrics FILE.csv`: every
 * heap's figures after every step, as a time series to plot.
 *
 * One header line, then one row per heap per executed step, heaps in the
 * order the board lists them.  Step 0 is the machine as booted (line 0),
 * so a plot starts from the warmed pools and the empty heaps.  The
 * columns are heap_metrics' fields under SCENARIO.md's names; the first
 * one names the scenario file, so that several files' series can share
 * one CSV.  No field needs quoting except the file name, which is quoted
 * as RFC 4180 says whenever it holds a comma, a quote or a line break.
 */
#include <inttypes.h>
#include <string.h>

#include "tools/ionsim/tool.h"

/* out_metrics_header - see tool.h. */
void out_metrics_header(FILE *out)
{
	fputs("file,step,line,heap,size,used,free,peak,largest_free,"
	      "free_extents,frag,waste,live,allocs,failures,frag_failures,"
	      "deferred,deferred_buffers,pool_pages\n", out);
}

/* A CSV field: as is, or quoted with its quotes doubled. */
static void put_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static unsigned long pool_pages(const struct heap_metrics *m)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < HEAP_MAX_ORDERS; i++)
		n += m->pool_pages[i];
	return n;
}

/* The figures of one heap, after the file, step, line and heap name. */
static void put_metrics(FILE *out, const struct heap_metrics *m)
{
	fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%lu,%.6f,%" PRIu64 ",%lu,%lu,%lu,%lu,%" PRIu64
		",%lu,%lu\n", m->size, m->used, m->free, m->peak,
		m->largest_free, m->free_extents, m->frag, m->waste, m->live,
		m->allocs, m->failures, m->frag_failures, m->deferred,
		m->deferred_buffers, pool_pages(m));
}

/* out_metrics_rows - see tool.h. */
void out_metrics_rows(FILE *out, const char *path, struct scn_run *run,
		      unsigned int step, unsigned int line)
{
	const struct heap_board *board = &scn_run_program(run)->board.heaps;
	struct kion_device *dev = scn_run_device(run);
	struct heap_metrics m;
	unsigned int i;

	for (i = 0; i < board->n; i++) {
		struct heap *h = kion_heap_by_name(dev, board->heaps[i].name);

		if (!h)
			continue;
		heap_metrics(h, &m);
		put_field(out, path);
		fprintf(out, ",%u,%u,", step, line);
		put_field(out, board->heaps[i].name);
		put_metrics(out, &m);
	}
}
