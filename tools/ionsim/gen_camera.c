/*
 * tools/ionsim/gen_camera.c - `ionsim gen camera`: a camera -> compositor
 * -> display pipeline on the legacy ABI.
 *
 * The camera HAL allocates --frames frames once, on a carveout sized to
 * hold exactly those frames, and hands them to the compositor; the
 * compositor allocates a double-buffered scanout on the system heap and
 * hands it to the display.  Then --steps frames flow: the sensor fills
 * slot t % frames (its DMA: an ISP attachment mapped and unmapped) while
 * the compositor, frames - 1 behind, reads the oldest frame and writes a
 * tag naming it into the back scanout buffer, which the display maps for
 * scan-out and reads through its own mapping: the tag proves the pages
 * are shared.  Sizes are fixed; the seed only decides which frames the
 * compositor drops (1 in 16), so the pipeline's shape never changes.
 */
#include "tools/ionsim/gen_internal.h"

#define FRAME_BYTES 3110400ULL	/* 1920 x 1080 NV12 */
#define SCANOUT_BYTES 8294400ULL	/* 1920 x 1080 RGBA */
#define MIB (1ULL << 20)
#define DROP_ONE_IN 16

struct camera {
	struct gen *g;
	unsigned int n;		/* frames in flight */
	int shown;		/* scanout buffer the display has mapped, -1 */
};

static void machine(struct camera *c)
{
	uint64_t need = c->n * gen_page_align(FRAME_BYTES);
	uint64_t carveout = (need + MIB - 1) / MIB * MIB;

	gen_line(c->g, "ram 256M");
	gen_line(c->g, "heap system   type=system   id=0");
	gen_line(c->g, "heap carveout type=carveout id=2 size=%lluM",
		 (unsigned long long)(carveout / MIB));
	gen_blank(c->g);
	gen_line(c->g, "process camera");
	gen_line(c->g, "process compositor");
	gen_line(c->g, "process display");
	gen_blank(c->g);
}

/* The camera's ring: allocated, shared, sent and attached to the ISP. */
static void camera_setup(struct camera *c)
{
	struct gen *g = c->g;
	unsigned int i;

	gen_line(g, "camera     open /dev/ion -> ion");
	for (i = 0; i < c->n; i++)
		gen_line(g, "camera     alloc ion %llu heap=carveout -> f%u",
			 FRAME_BYTES, i);
	gen_line(g, "expect used carveout == %llu",
		 (unsigned long long)(c->n * gen_page_align(FRAME_BYTES)));
	for (i = 0; i < c->n; i++) {
		gen_line(g, "camera     share ion f%u -> fd%u", i, i);
		gen_line(g, "camera     send fd%u to compositor -> in%u", i, i);
		gen_line(g, "camera     attach fd%u isp -> isp%u", i, i);
	}
}

/* The compositor imports the ring, maps it, and makes the scanout pair. */
static void compositor_setup(struct camera *c)
{
	struct gen *g = c->g;
	unsigned int i;

	gen_line(g, "compositor open /dev/ion -> ion");
	for (i = 0; i < c->n; i++) {
		gen_line(g, "compositor import ion in%u -> f%u", i, i);
		gen_line(g, "compositor mmap in%u prot=r -> m%u", i, i);
	}
	gen_line(g, "expect refs compositor f0 == 3");
	for (i = 0; i < 2; i++) {
		gen_line(g, "compositor alloc ion %llu heap=system -> s%u",
			 SCANOUT_BYTES, i);
		gen_line(g, "compositor share ion s%u -> o%u", i, i);
		gen_line(g, "compositor mmap o%u prot=rw -> w%u", i, i);
		gen_line(g, "compositor send o%u to display -> d%u", i, i);
		gen_line(g, "display    attach d%u dpu -> p%u", i, i);
		gen_line(g, "display    mmap d%u prot=r -> v%u", i, i);
	}
	gen_line(g, "expect live_buffers == %u", c->n + 2);
	gen_blank(g);
}

static void capture(struct camera *c, unsigned long frame)
{
	unsigned int slot = (unsigned int)(frame % c->n);

	gen_line(c->g, "camera     dmamap isp%u", slot);
	gen_line(c->g, "camera     dmaunmap isp%u", slot);
}

/* Compose @frame into scanout buffer frame % 2 and show it. */
static void compose(struct camera *c, unsigned long frame)
{
	struct gen *g = c->g;
	unsigned int slot = (unsigned int)(frame % c->n);
	int b = (int)(frame % 2);

	if (gen_one_in(g, DROP_ONE_IN)) {
		gen_line(g, "# frame %lu dropped by the compositor", frame);
		return;
	}
	gen_line(g, "compositor cpu_begin in%u read", slot);
	gen_line(g, "compositor cpu_end in%u read", slot);
	gen_line(g, "compositor write w%d 0 \"frame%08lu\"", b, frame);
	if (c->shown == b) {
		gen_line(g, "display    dmaunmap p%d", b);
		c->shown = -1;
	}
	gen_line(g, "display    dmamap p%d", b);
	gen_line(g, "display    read v%d 0 \"frame%08lu\"", b, frame);
	if (c->shown >= 0)
		gen_line(g, "display    dmaunmap p%d", c->shown);
	c->shown = b;
}

/* Tick t: the camera captures frame t while the compositor works on
 * frame t - (n - 1), the oldest frame in flight. */
static void run_frames(struct camera *c)
{
	unsigned long total = c->g->o->steps, t;
	unsigned long lag = c->n - 1;

	for (t = 0; t < total + lag; t++) {
		if (t < total)
			capture(c, t);
		if (t >= lag)
			compose(c, t - lag);
	}
	gen_blank(c->g);
}

static void teardown(struct camera *c)
{
	struct gen *g = c->g;
	unsigned int i;

	if (c->shown >= 0)
		gen_line(g, "display    dmaunmap p%d", c->shown);
	for (i = 0; i < 2; i++) {
		gen_line(g, "display    detach p%u", i);
		gen_line(g, "display    munmap v%u", i);
	}
	gen_line(g, "display    exit");
	for (i = 0; i < c->n; i++) {
		gen_line(g, "camera     detach isp%u", i);
		gen_line(g, "camera     free ion f%u", i);
	}
	gen_line(g, "camera     exit");
	gen_line(g, "expect live_buffers == %u", c->n + 2);
	gen_line(g, "compositor exit");
	gen_line(g, "kernel drain carveout");
	gen_line(g, "kernel drain system");
	gen_line(g, "final live_buffers == 0");
	gen_line(g, "final leaks == 0");
	gen_line(g, "final used carveout == 0");
	gen_line(g, "final used system == 0");
	gen_line(g, "final peak carveout == %llu",
		 (unsigned long long)(c->n * gen_page_align(FRAME_BYTES)));
}

int gen_camera(struct gen *g)
{
	struct camera c = { .g = g, .n = g->o->frames, .shown = -1 };

	gen_header(g, "A camera -> compositor -> display pipeline: the camera's "
		   "frames (1920x1080 NV12)\non a carveout, the compositor's "
		   "double-buffered scanout (1920x1080 RGBA)\non the system "
		   "heap, frames in flight = --frames, frames captured = "
		   "--steps.");
	machine(&c);
	camera_setup(&c);
	compositor_setup(&c);
	run_frames(&c);
	teardown(&c);
	return 0;
}
