/*
 * model/trace.c - narration of the model's reference changes, and the
 * counters of kernel WARNs (defended ones apart) and use-after-free
 * touches.
 *
 * `ionsim run --explain` wants to say, step by step, which reference
 * moved and why ("ion_share: dma_buf 3 created, buffer 7 ref 1 -> 2").
 * Every refcount change in model/ calls kion_tracef with the name of the
 * kernel function that makes it; objects are named by their serials, so
 * the narration is the same bytes in every run.  With no hook installed a
 * call costs one test: nothing is formatted.
 */
#include <stdarg.h>
#include <stdio.h>

#include "model/kion.h"

#define TRACE_LINE_MAX 256	/* longer narration is cut, never split */

/* kion_set_trace - install @fn (NULL removes it); @ctx is handed back. */
void kion_set_trace(struct kion_device *dev, kion_trace_fn fn, void *ctx)
{
	dev->trace = fn;
	dev->trace_ctx = ctx;
}

/* kion_tracef_hooked - narrate one change at kernel function @func (the
 * kion_tracef macro calls it only when a hook is set); a no-op
 * without a hook. */
void kion_tracef_hooked(struct kion_device *dev, const char *func,
			const char *fmt, ...)
{
	char what[TRACE_LINE_MAX];
	va_list ap;

	if (!dev->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dev->trace(dev->trace_ctx, func, what);
}

/* kion_warn - a WARN the kernel would print at @func: counted for the
 * audit's report and narrated. */
void kion_warn(struct kion_device *dev, const char *func, const char *what)
{
	dev->warnings++;
	kion_tracef(dev, func, "WARNING: %s", what);
}

/* kion_warn_defended - see kion.h: a WARN like any other for whoever
 * counts WARNs (dev->warnings), and also one the audit forgives, because
 * the fixed kernel prints it while refusing a racing caller and changes
 * nothing. */
void kion_warn_defended(struct kion_device *dev, const char *func,
			const char *what)
{
	dev->warnings_defended++;
	kion_warn(dev, func, what);
}

/* kion_uaf - the kernel would have read or written freed memory here
 * (only a mutant gets this far): counted and narrated. */
void kion_uaf(struct kion_device *dev, const char *func, const char *what)
{
	dev->uaf++;
	kion_tracef(dev, func, "use after free: %s", what);
}
