/*
 * tools/ionsim/out_graph.c - `ionsim run --graph`: every object of the
 * simulated machine and every reference between them, as a Graphviz DOT
 * digraph, to answer "what holds this buffer right now, and why".
 *
 * Nodes are processes, their fds and mappings, files, ION clients and
 * their handles, dma-bufs and their attachments, buffers, heaps, fd
 * messages in flight, and "kernel" for what drivers hold.  Each node is
 * named from what identifies it in the simulation (pid, fd number, file
 * ino, serials, handle ids, user addresses, message tokens), never from
 * a host pointer, so the same run draws the same bytes.
 *
 * Edges that hold a reference say how many ("1 ref", "kref 2"), and the
 * node they point to shows its count: the numbers on the edges into a
 * file add up to its count, those into a buffer to its ref, exactly the
 * sum the audit checks.  Where they do not (the terminal's own reference
 * that the machine keeps, or a reference a bug left behind), the file
 * says how many are not drawn.  Dashed edges hold no reference (a file's
 * private data, the heap a buffer came from, an attachment).
 *
 * Every node is declared before an edge names it: heaps, buffers,
 * dma-bufs, clients and handles, files, then the processes, messages and
 * the kernel that point into them.  A reference to a buffer that is no
 * longer live (only a refcount bug makes one) declares that buffer on
 * the spot, drawn in red.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/tool.h"

#define ID_MAX 64	/* "vma:4194304:0xffffffffffffffff" and the like */
#define LABEL_MAX 256

/* A file, and how many of its references the graph draws. */
struct file_refs {
	struct sim_file *file;
	unsigned long drawn;
};

struct graph {
	FILE *out;
	struct kion_device *dev;
	struct sim_machine *m;
	struct file_refs *files;	/* every file reachable, by ino */
	size_t nfiles, cap;
};

/* ------------------------------------------------------------------ */
/* DOT text                                                             */
/* ------------------------------------------------------------------ */

/* A DOT string: quoted, with quotes and backslashes escaped and line
 * breaks written as DOT's \n. */
static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* `  "id" [attrs, label="label"];` */
static void put_node(FILE *out, const char *id, const char *attrs,
		     const char *label)
{
	fputs("  ", out);
	put_string(out, id);
	fprintf(out, " [%s%slabel=", attrs, *attrs ? ", " : "");
	put_string(out, label);
	fputs("];\n", out);
}

/* `  "from" -> "to" [label="label"];`, dashed when it holds nothing. */
static void put_edge(FILE *out, const char *from, const char *to,
		     const char *label, bool holds)
{
	fputs("  ", out);
	put_string(out, from);
	fputs(" -> ", out);
	put_string(out, to);
	fputs(" [label=", out);
	put_string(out, label);
	fputs(holds ? "];\n" : ", style=dashed];\n", out);
}

/* ------------------------------------------------------------------ */
/* Node names                                                           */
/* ------------------------------------------------------------------ */

static void heap_id_str(const struct heap *h, char *id)
{
	snprintf(id, ID_MAX, "heap:%s", heap_name(h));
}

static void buffer_id(const struct kion_buffer *b, char *id)
{
	snprintf(id, ID_MAX, "buffer:%" PRIu64, b->serial);
}

static void dmabuf_id(const struct kion_dmabuf *db, char *id)
{
	snprintf(id, ID_MAX, "dmabuf:%" PRIu64, db->serial);
}

static void client_id(const struct kion_client *c, char *id)
{
	snprintf(id, ID_MAX, "client:%" PRIu64, c->serial);
}

static void file_id(const struct sim_file *f, char *id)
{
	snprintf(id, ID_MAX, "file:%" PRIu64, f->ino);
}

static void proc_id(const struct sim_proc *p, char *id)
{
	snprintf(id, ID_MAX, "proc:%d", sim_proc_pid(p));
}

/* ------------------------------------------------------------------ */
/* Heaps and buffers                                                    */
/* ------------------------------------------------------------------ */

static void draw_heaps(struct graph *g)
{
	char id[ID_MAX], label[LABEL_MAX], used[32], size[32];
	struct heap_metrics m;
	unsigned int i;

	for (i = 0; i < g->dev->nheaps; i++) {
		struct heap *h = g->dev->heaps[i];

		heap_metrics(h, &m);
		tool_size_str(m.used, used, sizeof(used));
		tool_size_str(m.size, size, sizeof(size));
		heap_id_str(h, id);
		snprintf(label, sizeof(label), "heap %s\n%s, id %u\nused %s "
			 "of %s", heap_name(h), heap_type_name(heap_type(h)),
			 heap_id(h), used, size);
		put_node(g->out, id, "shape=cylinder", label);
	}
}

static void draw_buffer(struct graph *g, const struct kion_buffer *b)
{
	char id[ID_MAX], heap[ID_MAX], label[LABEL_MAX], size[32];

	buffer_id(b, id);
	tool_size_str(b->size, size, sizeof(size));
	snprintf(label, sizeof(label), "buffer %" PRIu64 "\n%s\nref %u, "
		 "handle_count %d%s", b->serial, size, b->ref, b->handle_count,
		 b->live ? "" : "\nnot live");
	put_node(g->out, id, b->live ? "shape=box3d" : "shape=box3d, color=red",
		 label);
	heap_id_str(b->heap, heap);
	put_edge(g->out, id, heap, "allocated from", false);
}

/* A reference may point at a buffer that left dev->buffers (only a
 * refcount bug does that): declare it before the edge names it. */
static void need_buffer(struct graph *g, const struct kion_buffer *b)
{
	if (!b->live)
		draw_buffer(g, b);
}

static void draw_buffers(struct graph *g)
{
	struct kion_buffer *b;

	RB_FOREACH(b, kion_buffer_tree, &g->dev->buffers)
		draw_buffer(g, b);
}

/* ------------------------------------------------------------------ */
/* dma-bufs                                                             */
/* ------------------------------------------------------------------ */

static void draw_attachments(struct graph *g, const struct kion_dmabuf *db,
			     const char *db_id)
{
	const struct kion_attachment *a;
	char id[ID_MAX], label[LABEL_MAX];
	unsigned int n = 0;

	/* The list is newest first: numbered from its tail, an attachment
	 * keeps its name while newer ones come and go. */
	for (a = db->attachments; a; a = a->next)
		n++;
	for (a = db->attachments; a; a = a->next) {
		snprintf(id, sizeof(id), "attachment:%" PRIu64 ":%u",
			 db->serial, --n);
		snprintf(label, sizeof(label), "attachment\n%s%s",
			 a->dev_name, a->mapped ? "\nmapped" : "");
		put_node(g->out, id, "shape=hexagon", label);
		put_edge(g->out, db_id, id, "attached", false);
	}
}

static void draw_dmabuf(struct graph *g, const struct kion_dmabuf *db)
{
	char id[ID_MAX], buf[ID_MAX], label[LABEL_MAX], size[32];

	dmabuf_id(db, id);
	tool_size_str(db->size, size, sizeof(size));
	snprintf(label, sizeof(label), "dma-buf %" PRIu64 "\nexp %s, %s",
		 db->serial, db->exp_name, size);
	put_node(g->out, id, "shape=box, style=rounded", label);
	need_buffer(g, db->buffer);
	buffer_id(db->buffer, buf);
	put_edge(g->out, id, buf, "1 ref", true);
	draw_attachments(g, db, id);
}

/* Oldest first: db_list is newest first, so walk it from its tail. */
static void draw_dmabufs(struct graph *g)
{
	const struct kion_dmabuf *db = g->dev->db_list;

	while (db && db->db_next)
		db = db->db_next;
	for (; db; db = db->db_prev)
		draw_dmabuf(g, db);
}

/* ------------------------------------------------------------------ */
/* Clients and handles                                                  */
/* ------------------------------------------------------------------ */

static void draw_handle(struct graph *g, const struct kion_handle *h,
			const char *cid)
{
	char id[ID_MAX], buf[ID_MAX], label[LABEL_MAX], kref[32];

	snprintf(id, sizeof(id), "handle:%" PRIu64 ":%d", h->client->serial,
		 h->id);
	snprintf(label, sizeof(label), "handle %d\nkref %u, user_ref_count "
		 "%u%s", h->id, h->kref, h->user_ref_count,
		 h->kmap_cnt ? "\nkernel mapped" : "");
	put_node(g->out, id, "shape=ellipse", label);
	snprintf(kref, sizeof(kref), "kref %u", h->kref);
	put_edge(g->out, cid, id, kref, true);
	need_buffer(g, h->buffer);
	buffer_id(h->buffer, buf);
	put_edge(g->out, id, buf, "1 ref", true);
}

static void draw_client(struct graph *g, struct kion_client *c)
{
	char id[ID_MAX], label[LABEL_MAX];
	struct kion_handle *h;

	client_id(c, id);
	if (c->kernel)
		snprintf(label, sizeof(label), "kernel client %" PRIu64 "\n%s",
			 c->serial, c->name);
	else
		snprintf(label, sizeof(label), "client %" PRIu64 "\n%s\n"
			 "pid %d (%s)", c->serial, c->display_name, c->pid,
			 c->comm);
	put_node(g->out, id, "shape=component", label);
	RB_FOREACH(h, kion_handle_by_id, &c->idr)
		draw_handle(g, h, id);
}

static void draw_clients(struct graph *g)
{
	struct kion_client *c;

	RB_FOREACH(c, kion_client_tree, &g->dev->clients)
		draw_client(g, c);
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

/* Notes @drawn references to @f (once per place that holds some). */
static int add_file(struct graph *g, struct sim_file *f, unsigned long drawn)
{
	if (g->nfiles == g->cap) {
		size_t cap = 2 * g->cap + 16;
		struct file_refs *bigger = realloc(g->files,
						   cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		g->files = bigger;
		g->cap = cap;
	}
	g->files[g->nfiles].file = f;
	g->files[g->nfiles++].drawn = drawn;
	return 0;
}

static int collect_fd(struct sim_proc *p, int fd, struct sim_file *f,
		      void *ctx)
{
	return add_file(ctx, f, 1);
}

static int collect_vma(struct sim_vma *vma, void *ctx)
{
	return add_file(ctx, vma->file, 1);
}

static int collect_proc(struct sim_proc *p, void *ctx)
{
	int ret = sim_fd_foreach(p, collect_fd, ctx);

	return ret ? ret : sim_vma_foreach(p, collect_vma, ctx);
}

static int collect_message(int token, struct sim_file *f, void *ctx)
{
	return add_file(ctx, f, 1);
}

static int by_ino(const void *a, const void *b)
{
	uint64_t ia = ((const struct file_refs *)a)->file->ino;
	uint64_t ib = ((const struct file_refs *)b)->file->ino;

	return (ia > ib) - (ia < ib);
}

/* Sorts the files by ino and merges the entries of each into one. */
static void merge_files(struct graph *g)
{
	size_t i, n = 0;

	if (g->nfiles)
		qsort(g->files, g->nfiles, sizeof(*g->files), by_ino);
	for (i = 0; i < g->nfiles; i++) {
		if (n && g->files[n - 1].file == g->files[i].file)
			g->files[n - 1].drawn += g->files[i].drawn;
		else
			g->files[n++] = g->files[i];
	}
	g->nfiles = n;
}

/* Every file something points at, once each, by ino: those behind fds,
 * mappings, messages in flight, and every dma-buf's (with the drivers'
 * references to it). */
static int collect_files(struct graph *g)
{
	const struct kion_dmabuf *db;
	int ret;

	ret = sim_proc_foreach(g->m, collect_proc, g);
	if (!ret)
		ret = sim_inflight_foreach(g->m, collect_message, g);
	for (db = g->dev->db_list; db && !ret; db = db->db_next)
		ret = add_file(g, db->file, db->kernel_refs);
	if (ret)
		return ret;
	merge_files(g);
	return 0;
}

/* What the file's private data is, as a dashed edge: the client of a
 * legacy /dev/ion, the dma-buf of a dma-buf file, the heap behind a
 * /dev/dma_heap node. */
static void draw_file_private(struct graph *g, struct sim_file *f,
			      const char *fid)
{
	const struct kion_dmaheap *node;
	struct kion_client *c;
	struct kion_dmabuf *db;
	char to[ID_MAX];

	if ((c = kion_client_from_file(f))) {
		client_id(c, to);
		put_edge(g->out, fid, to, "private_data", false);
	} else if ((db = kion_dmabuf_from_file(f))) {
		dmabuf_id(db, to);
		put_edge(g->out, fid, to, "private_data", false);
	} else if (f->ops == &kion_dmaheap_fops && f->private_data) {
		node = f->private_data;
		heap_id_str(node->heap, to);
		put_edge(g->out, fid, to, "dma-heap node", false);
	}
}

/* "count 7\n+1 the machine's own": the references no edge shows.  The
 * machine keeps one on its terminal; any other difference is news. */
static void file_count_str(const struct graph *g, const struct file_refs *fr,
			   char *buf, size_t len)
{
	const struct sim_file *f = fr->file;
	long extra = (long)f->count - (long)fr->drawn;
	int n = snprintf(buf, len, "count %lu", f->count);

	if (f == sim_tty(g->m) && extra > 0) {
		n += snprintf(buf + n, len - (size_t)n, "\n+1 the machine's own");
		extra--;
	}
	if (extra > 0)
		snprintf(buf + n, len - (size_t)n, "\n+%ld not drawn", extra);
	else if (extra < 0)
		snprintf(buf + n, len - (size_t)n, "\n%ld fewer than drawn",
			 -extra);
}

static void draw_files(struct graph *g)
{
	char id[ID_MAX], label[LABEL_MAX], count[96];
	size_t i;

	for (i = 0; i < g->nfiles; i++) {
		struct sim_file *f = g->files[i].file;

		file_id(f, id);
		file_count_str(g, &g->files[i], count, sizeof(count));
		snprintf(label, sizeof(label), "file %" PRIu64 "\n%s\n%s",
			 f->ino, f->ops && f->ops->kind ? f->ops->kind : "?",
			 count);
		put_node(g->out, id, "shape=note", label);
		draw_file_private(g, f, id);
	}
}

/* ------------------------------------------------------------------ */
/* Processes, messages in flight, the kernel                            */
/* ------------------------------------------------------------------ */

static int draw_fd(struct sim_proc *p, int fd, struct sim_file *f, void *ctx)
{
	struct graph *g = ctx;
	char id[ID_MAX], pid[ID_MAX], fid[ID_MAX], label[32];

	snprintf(id, sizeof(id), "fd:%d:%d", sim_proc_pid(p), fd);
	snprintf(label, sizeof(label), "fd %d%s", fd,
		 sim_fd_get_flags(p, fd) == SIM_FD_CLOEXEC ? "\ncloexec" : "");
	put_node(g->out, id, "shape=circle", label);
	proc_id(p, pid);
	put_edge(g->out, pid, id, "fd table", false);
	file_id(f, fid);
	put_edge(g->out, id, fid, "1 ref", true);
	return 0;
}

static const char *prot_str(int prot)
{
	if ((prot & SIM_PROT_READ) && (prot & SIM_PROT_WRITE))
		return "rw";
	return prot & SIM_PROT_WRITE ? "w" : prot & SIM_PROT_READ ? "r" : "-";
}

static int draw_vma(struct sim_vma *vma, void *ctx)
{
	struct graph *g = ctx;
	char id[ID_MAX], pid[ID_MAX], fid[ID_MAX], label[LABEL_MAX], len[32];

	snprintf(id, sizeof(id), "vma:%d:0x%" PRIx64, sim_proc_pid(vma->proc),
		 vma->uaddr);
	tool_size_str(vma->len, len, sizeof(len));
	snprintf(label, sizeof(label), "mapping 0x%" PRIx64 "\n%s, %s",
		 vma->uaddr, len, prot_str(vma->prot));
	put_node(g->out, id, "shape=parallelogram", label);
	proc_id(vma->proc, pid);
	put_edge(g->out, pid, id, "mm", false);
	file_id(vma->file, fid);
	put_edge(g->out, id, fid, "1 ref", true);
	return 0;
}

static int draw_proc(struct sim_proc *p, void *ctx)
{
	struct graph *g = ctx;
	char id[ID_MAX], label[LABEL_MAX];
	bool alive = sim_proc_alive(p);

	proc_id(p, id);
	snprintf(label, sizeof(label), "pid %d\n%s%s", sim_proc_pid(p),
		 sim_proc_name(p), alive ? "" : "\nexited");
	put_node(g->out, id, alive ? "shape=house" : "shape=house, style=dashed",
		 label);
	if (!alive)
		return 0;
	sim_fd_foreach(p, draw_fd, g);
	sim_vma_foreach(p, draw_vma, g);
	return 0;
}

static int draw_message(int token, struct sim_file *f, void *ctx)
{
	struct graph *g = ctx;
	char id[ID_MAX], fid[ID_MAX], label[64];

	snprintf(id, sizeof(id), "message:%d", token);
	snprintf(label, sizeof(label), "message %d\nfd in flight", token);
	put_node(g->out, id, "shape=cds", label);
	file_id(f, fid);
	put_edge(g->out, id, fid, "1 ref", true);
	return 0;
}

static bool kernel_holds_anything(const struct graph *g)
{
	const struct kion_dmabuf *db;
	struct kion_client *c;

	for (db = g->dev->db_list; db; db = db->db_next)
		if (db->kernel_refs)
			return true;
	RB_FOREACH(c, kion_client_tree, &g->dev->clients)
		if (c->kernel)
			return true;
	return false;
}

/* Drivers' clients and their dma_buf_get references. */
static void draw_kernel(struct graph *g)
{
	const struct kion_dmabuf *db;
	struct kion_client *c;
	char to[ID_MAX], label[32];

	if (!kernel_holds_anything(g))
		return;
	put_node(g->out, "kernel", "shape=doubleoctagon", "kernel\n(drivers)");
	RB_FOREACH(c, kion_client_tree, &g->dev->clients) {
		if (!c->kernel)
			continue;
		client_id(c, to);
		put_edge(g->out, "kernel", to, "ion_client_create", false);
	}
	for (db = g->dev->db_list; db; db = db->db_next) {
		if (!db->kernel_refs)
			continue;
		file_id(db->file, to);
		snprintf(label, sizeof(label), "%lu ref%s", db->kernel_refs,
			 db->kernel_refs == 1 ? "" : "s");
		put_edge(g->out, "kernel", to, label, true);
	}
}

/* ------------------------------------------------------------------ */
/* The graph                                                            */
/* ------------------------------------------------------------------ */

static void draw(struct graph *g, const char *title)
{
	fputs("digraph ionsim {\n", g->out);
	fputs("  graph [rankdir=LR, labelloc=t, label=", g->out);
	put_string(g->out, title);
	fputs("];\n  node [fontsize=10];\n  edge [fontsize=9];\n", g->out);
	draw_heaps(g);
	draw_buffers(g);
	draw_dmabufs(g);
	draw_clients(g);
	draw_files(g);
	sim_proc_foreach(g->m, draw_proc, g);
	sim_inflight_foreach(g->m, draw_message, g);
	draw_kernel(g);
	fputs("}\n", g->out);
}

/* out_graph_write - see tool.h. */
int out_graph_write(FILE *out, struct scn_run *run, const char *title)
{
	struct graph g = {
		.out = out,
		.dev = scn_run_device(run),
		.m = scn_run_machine(run),
	};
	int ret = collect_files(&g);

	if (ret == 0)
		draw(&g, title);
	free(g.files);
	return ret;
}
