/*
 * scenarios/lang/report.c - the end of a run: final expressions, the full
 * audit, the live-buffer classes (held, orphaned, leaked), the heaps'
 * figures, the exit status, and the report in words.
 *
 * The audit and the live-buffer walk are the model's (kion_audit,
 * kion_buffer_foreach_live); this file turns what they say into
 * findings.  Each audit violation becomes one AUDIT finding with the
 * audit's own message, and each leaked buffer (alive, and nothing
 * reachable holds it: a refcount bug) one LEAK finding naming the line
 * that allocated it.  Held and orphaned buffers are not findings: a
 * scenario may end with processes still holding memory; the report
 * lists them with their holders all the same.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/interp.h"

/* ------------------------------------------------------------------ */
/* Names                                                                */
/* ------------------------------------------------------------------ */

static const char *const kind_names[] = {
	[SCN_FIND_UNEXPECTED_FAILURE] = "unexpected_failure",
	[SCN_FIND_UNEXPECTED_SUCCESS] = "unexpected_success",
	[SCN_FIND_WRONG_ERRNO] = "wrong_errno",
	[SCN_FIND_EXPECT] = "expect",
	[SCN_FIND_FINAL] = "final",
	[SCN_FIND_READ] = "read",
	[SCN_FIND_AUDIT] = "audit",
	[SCN_FIND_LEAK] = "leak",
	[SCN_FIND_SKIPPED] = "skipped",
};

/* scn_finding_kind_name - see scn.h. */
const char *scn_finding_kind_name(enum scn_finding_kind kind)
{
	if ((unsigned int)kind >= sizeof(kind_names) / sizeof(kind_names[0]) ||
	    !kind_names[kind])
		return "?";
	return kind_names[kind];
}

/* ------------------------------------------------------------------ */
/* The end of the run                                                    */
/* ------------------------------------------------------------------ */

/* Every final, in file order, whichever steps ran. */
static void check_finals(struct scn_run *run)
{
	const struct scn_program *p = run->p;
	unsigned int i;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].op == SCN_OP_FINAL)
			scn_run_expr_check(run, &p->steps[i], &p->steps[i].expr,
					   SCN_FIND_FINAL);
}

/* One AUDIT finding per line of the audit's report, its "audit: " gone. */
static void audit_findings(struct scn_run *run, const char *text)
{
	const char *line = text;

	while (line && *line) {
		size_t n = strcspn(line, "\n");

		if (strncmp(line, "audit: ", 7) == 0 && n >= 7)
			scn_run_finding(run, SCN_FIND_AUDIT, NULL, "%.*s",
					(int)(n - 7), line + 7);
		else if (n)
			scn_run_finding(run, SCN_FIND_AUDIT, NULL, "%.*s",
					(int)n, line);
		line += n + (line[n] == '\n');
	}
}

/* The full audit, its violations as findings. */
static void full_audit(struct scn_run *run)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int ret = kion_audit(run->dev, f);

	if (f)
		fclose(f);
	if (ret < 0)
		scn_run_finding(run, SCN_FIND_AUDIT, NULL,
				"the audit could not run (%s)",
				ret == -EBUSY ? "an entry point is in flight"
					      : "out of memory");
	else
		run->rep.audit_violations = (unsigned int)ret;
	if (ret > 0 && text && *text)
		audit_findings(run, text);
	else if (ret > 0)
		scn_run_finding(run, SCN_FIND_AUDIT, NULL,
				"%d audit violations", ret);
	free(text);
}

/* A leaked buffer in the leak report's words, with the line that
 * allocated it and who did. */
static void leak_finding(struct scn_run *run,
			 const struct kion_buffer_info *info)
{
	char who[48];

	if (info->alloc_pid)
		snprintf(who, sizeof(who), "pid %d (%s)", info->alloc_pid,
			 info->alloc_comm);
	else
		snprintf(who, sizeof(who), "kernel client %s",
			 info->alloc_comm);
	scn_run_finding(run, SCN_FIND_LEAK, NULL,
			"buffer %" PRIu64 ": %" PRIu64 " bytes on heap %s, "
			"allocated at line %u by %s: leaked (ref %u, "
			"handle_count %d, nothing reachable holds it)",
			info->serial, info->size, info->heap, info->alloc_tag,
			who, info->ref, info->handle_count);
}

/* kion_buffer_foreach_live visitor: the counts, and a LEAK finding per
 * leaked buffer. */
static int count_live(void *ctx, const struct kion_buffer_info *info)
{
	struct scn_run *run = ctx;
	struct kion_buffer_counts *c = &run->rep.counts;

	c->live_buffers++;
	if (info->cls == KION_BUFFER_HELD)
		c->held++;
	else if (info->cls == KION_BUFFER_ORPHANED)
		c->orphaned++;
	if (info->cls != KION_BUFFER_LEAKED)
		return 0;
	c->leaks++;
	leak_finding(run, info);
	return 0;
}

static void live_buffers(struct scn_run *run)
{
	memset(&run->rep.counts, 0, sizeof(run->rep.counts));
	if (kion_buffer_foreach_live(run->dev, count_live, run) < 0)
		scn_run_finding(run, SCN_FIND_AUDIT, NULL, "the live-buffer "
				"walk ran out of memory");
}

/* The heaps in the order the machine description names them. */
static void heap_summaries(struct scn_run *run)
{
	const struct heap_board *board = &run->p->board.heaps;
	unsigned int i;

	run->rep.nheaps = 0;
	for (i = 0; i < board->n && i < HEAP_MAX_HEAPS; i++) {
		struct heap *heap = kion_heap_by_name(run->dev,
						      board->heaps[i].name);
		struct scn_heap_summary *hs = &run->rep.heaps[run->rep.nheaps];

		if (!heap)
			continue;
		snprintf(hs->name, sizeof(hs->name), "%s", heap_name(heap));
		heap_metrics(heap, &hs->metrics);
		run->rep.nheaps++;
	}
}

/*
 * The machine goes idle at the end of a run, and Linux's deferred-free
 * thread (SCHED_IDLE) runs when the CPU is idle: it empties every heap's
 * free list before the final checks look.  During the run it runs only
 * where the scenario says so (kernel drain), under shrink, and when an
 * allocation fails, so mid-run expectations still see deferred buffers.
 */
static void idle_drain(struct scn_run *run)
{
	struct kion_device *dev = run->dev;
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		if (heap_flags(dev->heaps[i]) & HEAP_FLAG_DEFER_FREE)
			heap_drain(dev->heaps[i], 0);
}

/* scn_run_finish - see scn.h.  A second call returns the same report. */
const struct scn_report *scn_run_finish(struct scn_run *run)
{
	if (run->finished)
		return &run->rep;
	run->finished = true;
	idle_drain(run);
	check_finals(run);
	full_audit(run);
	live_buffers(run);
	heap_summaries(run);
	return &run->rep;
}

/* scn_report_status - see scn.h. */
int scn_report_status(const struct scn_report *rep)
{
	return rep->nfindings || rep->findings_dropped ||
	       rep->audit_violations || rep->counts.leaks;
}

/* ------------------------------------------------------------------ */
/* The report in words                                                   */
/* ------------------------------------------------------------------ */

static void print_findings(const struct scn_run *run, FILE *out)
{
	const struct scn_report *rep = &run->rep;
	const char *file = run->p->filename ? run->p->filename : "<scenario>";
	unsigned int i;

	for (i = 0; i < rep->nfindings; i++) {
		const struct scn_finding *f = &rep->findings[i];

		if (f->line)
			fprintf(out, "%s:%u: %s: %s\n", file, f->line,
				scn_finding_kind_name(f->kind), f->msg);
		else
			fprintf(out, "%s: %s: %s\n", file,
				scn_finding_kind_name(f->kind), f->msg);
	}
	if (rep->findings_dropped)
		fprintf(out, "%s: %lu more findings not kept\n", file,
			rep->findings_dropped);
}

static void print_heaps(const struct scn_report *rep, FILE *out)
{
	unsigned int i;

	for (i = 0; i < rep->nheaps; i++) {
		const struct heap_metrics *mt = &rep->heaps[i].metrics;

		fprintf(out, "heap %s: used %" PRIu64 " free %" PRIu64
			" largest_free %" PRIu64 " frag %.3f peak %" PRIu64
			" failures %lu frag_failures %lu\n", rep->heaps[i].name,
			mt->used, mt->free, mt->largest_free, mt->frag,
			mt->peak, mt->failures, mt->frag_failures);
	}
}

/* scn_run_print_report - see scn.h. */
void scn_run_print_report(struct scn_run *run, FILE *out)
{
	const struct scn_report *rep = scn_run_finish(run);

	print_findings(run, out);
	kion_leak_report(run->dev, out);
	print_heaps(rep, out);
	fprintf(out, "%u steps, %lu findings, %u audit violations: %s\n",
		rep->steps_run, rep->nfindings + rep->findings_dropped,
		rep->audit_violations,
		scn_report_status(rep) ? "FAILED" : "ok");
}
