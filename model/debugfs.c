/*
 * model/debugfs.c - the text files Linux prints about ION and dma-bufs:
 * debugfs's ion/ tree and dma_buf/bufinfo, and /proc/PID/fdinfo/FD.
 * Users compare them with a real kernel's, so widths, labels, order and
 * blank lines follow the kernel's seq_file output exactly.
 *
 * Which kernel a file follows is the device's release:
 *  - legacy ABI: Linux 4.9 (ion.c's heap and client files, dma-buf.c's
 *    bufinfo with its unpadded header, fs/proc/fd.c's three lines);
 *  - modern ABI: 4.19, where ion/ keeps only NAME_shrink, and bufinfo
 *    pads its header to 8 columns;
 *  - modern ABI on a board with DMA-BUF heaps: those exist from 5.6 and
 *    ION's fd ABI until 5.10, so the machine is a 5.10 one: bufinfo gains
 *    the inode and name columns, a dma-buf's fdinfo gains 5.10's size,
 *    count and exp_name lines, and a shrink file moves into its heap's
 *    directory, ion/NAME/NAME_shrink.  (5.10's other files there,
 *    num_of_buffers, num_of_alloc_bytes and alloc_bytes_wm, are not
 *    shown: the heaps keep no watermark of buffer sizes, and 5.10 counts
 *    only ION's buffers where ionsim's DMA-BUF heaps share ION's heaps.)
 * A legacy board with DMA-BUF heaps (an anachronism ionsim allows) keeps
 * 4.9's files; its heap buffers show there as rows of their exporter.
 *
 * What the simulation does not have is printed as a fixed stand-in:
 *  - 4.18+ marks every file FMODE_OPENED; sim files do not, so the 4.19
 *    and 5.10 mode columns add it;
 *  - mnt_id is boot-dependent in Linux; here a dma-buf file is on mount
 *    13 (anon_inodefs, or 5.10's dmabuf fs), the terminal on 23 (devpts)
 *    and device nodes on 21 (devtmpfs);
 *  - files opened by path carry O_LARGEFILE, as open(2) adds it on 64-bit
 *    kernels; dma-buf files are made by the kernel without it;
 *  - pos is always 0: no file here has a position (a dma-buf's llseek
 *    answers without moving f_pos, as the kernel's does);
 *  - the clients/ file of a destroyed client prints, where the kernel
 *    prints its address, the client's serial in hex;
 *  - where the kernel lists clients and buffers in address order (its
 *    rbtrees' keys), they come in creation order (kion.h's keys).
 * DMA-BUF heap buffers are not ION's: the legacy heap file leaves out a
 * buffer whose only dma-bufs are another exporter's.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "model/kion.h"

#define ION_DIR "/sys/kernel/debug/ion/"
#define BUFINFO_PATH "/sys/kernel/debug/dma_buf/bufinfo"
#define PROC_DIR "/proc/"
#define SHRINK_SUFFIX "_shrink"
#define RULE "----------------------------------------------------\n"

_Static_assert(sizeof(RULE) == 52 + 2, "ion.c's rules are 52 dashes");

#define FMODE_OPENED 0x80000		/* 4.18+ */
#define O_LARGEFILE_64 0100000		/* asm-generic and x86-64 */
#define MNT_ID_DMABUF 13
#define MNT_ID_DEVTMPFS 21
#define MNT_ID_DEVPTS 23

/* The kernel whose text a file follows. */
enum era {
	ERA_4_9,
	ERA_4_19,
	ERA_5_10,
};

static enum era device_era(const struct kion_device *dev)
{
	if (dev->cfg.abi == KION_ABI_LEGACY)
		return ERA_4_9;
	return dev->ndmaheaps ? ERA_5_10 : ERA_4_19;
}

/* @s past @prefix, or NULL when it does not start with it. */
static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* ion_device_add_heap registers a shrinker for a DEFER_FREE heap or one
 * with a shrink op; of ionsim's heaps only the system heap has one. */
static bool has_shrinker(struct heap *heap)
{
	return (heap_flags(heap) & HEAP_FLAG_DEFER_FREE) ||
	       heap_type(heap) == HEAP_TYPE_SYSTEM;
}

/* ---- heaps/NAME -------------------------------------------------- */

/* ion_debug_heap_total: what @client's handles hold on heap @id. */
static uint64_t client_heap_total(struct kion_client *client, unsigned int id)
{
	struct kion_handle *h;
	uint64_t size = 0;

	RB_FOREACH(h, kion_handle_by_buffer, &client->handles)
		if (heap_id(h->buffer->heap) == id)
			size += h->buffer->size;
	return size;
}

/* A process's client shows its task's comm; a driver's its name. */
static const char *client_label(const struct kion_client *client)
{
	return client->kernel ? client->name : client->comm;
}

static void show_heap_clients(struct kion_device *dev, struct heap *heap,
			      FILE *out)
{
	struct kion_client *c;

	RB_FOREACH(c, kion_client_tree, &dev->clients) {
		uint64_t size = client_heap_total(c, heap_id(heap));

		if (size)
			fprintf(out, "%16s %16u %16" PRIu64 "\n",
				client_label(c), (unsigned int)c->pid, size);
	}
}

/* A DMA-BUF heap's buffer: no handle, and only foreign dma-bufs. */
static bool dmaheap_buffer(const struct kion_device *dev,
			   const struct kion_buffer *b)
{
	const struct kion_dmabuf *db;
	bool exported = false;

	if (b->handle_count)
		return false;
	for (db = dev->db_list; db; db = db->db_next) {
		if (db->buffer != b)
			continue;
		if (db->ion)
			return false;
		exported = true;
	}
	return exported;
}

/* The orphan lines, summing the heap's live buffers on the way. */
static void show_heap_orphans(struct kion_device *dev, struct heap *heap,
			      uint64_t *total, uint64_t *orphaned, FILE *out)
{
	struct kion_buffer *b;

	RB_FOREACH(b, kion_buffer_tree, &dev->buffers) {
		if (heap_id(b->heap) != heap_id(heap) || dmaheap_buffer(dev, b))
			continue;
		*total += b->size;
		if (b->handle_count)
			continue;
		fprintf(out, "%16s %16u %16" PRIu64 " %d %d\n", b->task_comm,
			(unsigned int)b->pid, b->size, b->hb.kmap_cnt,
			(int)b->ref);
		*orphaned += b->size;
	}
}

static void show_heap(struct kion_device *dev, struct heap *heap, FILE *out)
{
	struct heap_metrics mt;
	uint64_t total = 0, orphaned = 0;

	fprintf(out, "%16s %16s %16s\n", "client", "pid", "size");
	fputs(RULE, out);
	show_heap_clients(dev, heap, out);
	fputs(RULE, out);
	fputs("orphaned allocations (info is from last known client):\n", out);
	show_heap_orphans(dev, heap, &total, &orphaned, out);
	fputs(RULE, out);
	fprintf(out, "%16s %16" PRIu64 "\n", "total orphaned", orphaned);
	fprintf(out, "%16s %16" PRIu64 "\n", "total ", total);
	if (heap_flags(heap) & HEAP_FLAG_DEFER_FREE) {
		heap_metrics(heap, &mt);
		fprintf(out, "%16s %16" PRIu64 "\n", "deferred free",
			mt.deferred);
	}
	fputs(RULE, out);
	heap_debug_show(heap, out);
}

/* NAME_shrink, read: the shrinker's count, as debug_shrink_get gives it. */
static void show_shrink(struct heap *heap, FILE *out)
{
	fprintf(out, "%lu\n", heap_shrink_count(heap));
}

/* The heap NAME_shrink names, if it has a shrinker; else NULL. */
static struct heap *shrink_heap(struct kion_device *dev, const char *name)
{
	size_t n = strlen(name), s = strlen(SHRINK_SUFFIX);
	char base[HEAP_NAME_MAX];
	struct heap *heap;

	if (n <= s || n - s >= sizeof(base) ||
	    strcmp(name + n - s, SHRINK_SUFFIX) != 0)
		return NULL;
	memcpy(base, name, n - s);
	base[n - s] = '\0';
	heap = kion_heap_by_name(dev, base);
	return heap && has_shrinker(heap) ? heap : NULL;
}

/* heaps/NAME or heaps/NAME_shrink. */
static int show_heaps_entry(struct kion_device *dev, const char *name,
			    FILE *out)
{
	struct heap *heap = kion_heap_by_name(dev, name);

	if (heap) {
		show_heap(dev, heap, out);
		return 0;
	}
	heap = shrink_heap(dev, name);
	if (!heap)
		return -ENOENT;
	show_shrink(heap, out);
	return 0;
}

/* ---- clients/NAME-SERIAL ----------------------------------------- */

/* ion_debug_client_show's table: per heap id, ascending, the bytes the
 * client's handles hold, for the heaps it holds any on. */
static void show_client_table(struct kion_client *client, FILE *out)
{
	const char *names[HEAP_MAX_IDS] = { NULL };
	uint64_t sizes[HEAP_MAX_IDS] = { 0 };
	struct kion_handle *h;
	unsigned int i;

	RB_FOREACH(h, kion_handle_by_buffer, &client->handles) {
		unsigned int id = heap_id(h->buffer->heap);

		if (!names[id])
			names[id] = heap_name(h->buffer->heap);
		sizes[id] += h->buffer->size;
	}
	fprintf(out, "%16.16s: %16.16s\n", "heap_name", "size_in_bytes");
	for (i = 0; i < HEAP_MAX_IDS; i++)
		if (names[i])
			fprintf(out, "%16.16s: %16" PRIu64 "\n", names[i],
				sizes[i]);
}

static struct kion_client *client_by_display_name(struct kion_device *dev,
						  const char *name)
{
	struct kion_client *c;

	RB_FOREACH(c, kion_client_tree, &dev->clients)
		if (strcmp(c->display_name, name) == 0)
			return c;
	return NULL;
}

/* kion_debugfs_show_client - see kion.h. */
int kion_debugfs_show_client(struct kion_device *dev, uint64_t serial,
			     FILE *out)
{
	struct kion_client key = { .serial = serial };
	struct kion_client *c;

	if (dev->cfg.abi != KION_ABI_LEGACY)
		return -ENOENT;
	c = RB_FIND(kion_client_tree, &dev->clients, &key);
	if (!c) {
		fprintf(out, "ion_client 0x%" PRIx64
			" dead, can't dump its buffers\n", serial);
		return 0;
	}
	show_client_table(c, out);
	return 0;
}

/* ---- ion/ -------------------------------------------------------- */

/* The modern tree's shrink files: NAME_shrink directly under ion/ in
 * 4.19, NAME/NAME_shrink in 5.10 (each heap has a directory there). */
static struct heap *modern_shrink_heap(struct kion_device *dev,
				       const char *rest)
{
	const char *slash = strchr(rest, '/');
	struct heap *heap;
	size_t n;

	if (device_era(dev) != ERA_5_10)
		return shrink_heap(dev, rest);
	if (!slash)
		return NULL;
	heap = shrink_heap(dev, slash + 1);
	n = (size_t)(slash - rest);
	if (!heap || strlen(heap_name(heap)) != n ||
	    strncmp(heap_name(heap), rest, n) != 0)
		return NULL;
	return heap;
}

/* A path under ion/: heaps/ and clients/ in the legacy tree, only the
 * shrink files in the modern one. */
static int show_ion_entry(struct kion_device *dev, const char *rest,
			  FILE *out)
{
	struct kion_client *c;
	const char *name;
	struct heap *heap;

	if (dev->cfg.abi != KION_ABI_LEGACY) {
		heap = modern_shrink_heap(dev, rest);
		if (!heap)
			return -ENOENT;
		show_shrink(heap, out);
		return 0;
	}
	if ((name = after(rest, "heaps/")))
		return show_heaps_entry(dev, name, out);
	if (!(name = after(rest, "clients/")))
		return -ENOENT;
	c = client_by_display_name(dev, name);
	if (!c)
		return -ENOENT;
	show_client_table(c, out);
	return 0;
}

/* ---- dma_buf/bufinfo --------------------------------------------- */

static void show_bufinfo_header(enum era era, FILE *out)
{
	fputs("\nDma-buf Objects:\n", out);
	if (era == ERA_4_9)
		fputs("size\tflags\tmode\tcount\texp_name\n", out);
	else if (era == ERA_4_19)
		fprintf(out, "%-8s\t%-8s\t%-8s\t%-8s\texp_name\n", "size",
			"flags", "mode", "count");
	else
		fprintf(out, "%-8s\t%-8s\t%-8s\t%-8s\texp_name\t%-8s\n",
			"size", "flags", "mode", "count", "ino");
}

/* One dma-buf's row; no dma-buf here has a user-set name (5.10's last
 * column stays empty). */
static void show_dmabuf_row(enum era era, const struct kion_dmabuf *db,
			    FILE *out)
{
	const struct sim_file *f = db->file;
	unsigned int mode = f->f_mode | (era == ERA_4_9 ? 0 : FMODE_OPENED);

	fprintf(out, "%08" PRIu64 "\t%08x\t%08x\t%08lu\t%s", db->size,
		f->f_flags, mode, f->count, db->exp_name);
	if (era == ERA_5_10)
		fprintf(out, "\t%08" PRIu64 "\t", f->ino);
	fputc('\n', out);
}

/* Attached devices, newest first (dma_buf_attach links at the head). */
static void show_attachments(const struct kion_dmabuf *db, FILE *out)
{
	const struct kion_attachment *att;
	int n = 0;

	fputs("\tAttached Devices:\n", out);
	for (att = db->attachments; att; att = att->next, n++)
		fprintf(out, "\t%s\n", att->dev_name);
	fprintf(out, "Total %d devices attached\n\n", n);
}

/* dma_buf_debug_show: every dma-buf, newest first, then the totals.  No
 * dma-buf here carries fences, so 4.19's and 5.10's fence lines never
 * appear. */
static void show_bufinfo(struct kion_device *dev, FILE *out)
{
	enum era era = device_era(dev);
	const struct kion_dmabuf *db;
	uint64_t bytes = 0;
	int n = 0;

	show_bufinfo_header(era, out);
	for (db = dev->db_list; db; db = db->db_next, n++) {
		show_dmabuf_row(era, db, out);
		show_attachments(db, out);
		bytes += db->size;
	}
	fprintf(out, "\nTotal %d objects, %" PRIu64 " bytes\n", n, bytes);
}

/* ---- /proc/PID/fdinfo/FD ----------------------------------------- */

/* A number as procfs reads a name: decimal digits, no leading zero, no
 * overflow.  Returns it with *@end past it, or -1. */
static int proc_number(const char *s, const char **end)
{
	long v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -1;
	}
	*end = s;
	return (int)v;
}

static int fdinfo_mnt_id(struct kion_device *dev, const struct sim_file *f)
{
	if (f->ops == &kion_dmabuf_fops)
		return MNT_ID_DMABUF;
	return f == sim_tty(dev->m) ? MNT_ID_DEVPTS : MNT_ID_DEVTMPFS;
}

/* fs/proc/fd.c's seq_show: the file's flags, plus O_CLOEXEC when this fd
 * has close-on-exec set; then the file's own lines (5.10's dma-buf). */
static void show_fdinfo(struct kion_device *dev, struct sim_proc *p, int fd,
			struct sim_file *f, FILE *out)
{
	struct kion_dmabuf *db = kion_dmabuf_from_file(f);
	unsigned int flags = f->f_flags;

	if (sim_fd_get_flags(p, fd) & SIM_FD_CLOEXEC)
		flags |= SIM_O_CLOEXEC;
	if (!db)
		flags |= O_LARGEFILE_64;
	fprintf(out, "pos:\t%lli\nflags:\t0%o\nmnt_id:\t%i\n", 0LL, flags,
		fdinfo_mnt_id(dev, f));
	if (db && device_era(dev) == ERA_5_10)
		fprintf(out, "size:\t%" PRIu64 "\ncount:\t%lu\nexp_name:\t%s\n",
			db->size, f->count, db->exp_name);
}

/* PID/fdinfo/FD: a live process's open fd. */
static int show_proc_entry(struct kion_device *dev, const char *rest,
			   FILE *out)
{
	struct sim_proc *p;
	struct sim_file *f;
	int pid, fd;

	pid = proc_number(rest, &rest);
	if (pid < 0 || !(rest = after(rest, "/fdinfo/")))
		return -ENOENT;
	fd = proc_number(rest, &rest);
	if (fd < 0 || *rest != '\0')
		return -ENOENT;
	p = sim_proc_find(dev->m, pid);
	if (!p || !sim_proc_alive(p))
		return -ENOENT;
	f = sim_fd_peek(p, fd);
	if (!f)
		return -ENOENT;
	show_fdinfo(dev, p, fd, f, out);
	return 0;
}

/* ---- the entry point --------------------------------------------- */

/* kion_debugfs_show - see kion.h. */
int kion_debugfs_show(struct kion_device *dev, const char *path, FILE *out)
{
	const char *rest;

	if (!path)
		return -ENOENT;
	if ((rest = after(path, ION_DIR)))
		return show_ion_entry(dev, rest, out);
	if (strcmp(path, BUFINFO_PATH) == 0) {
		show_bufinfo(dev, out);
		return 0;
	}
	if ((rest = after(path, PROC_DIR)))
		return show_proc_entry(dev, rest, out);
	return -ENOENT;
}
