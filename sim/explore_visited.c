/*
 * sim/explore_visited.c - the explorer's visited set: which states have
 * been explored, and with how much left to explore them with.
 *
 * A stateless search only needs this to prune; a state counts as covered
 * when an earlier visit was at least as able to go on as this one: no
 * deeper, with no more faults and preemptions used (when those are
 * bounded), and with no step asleep then that is awake now (the sleep set
 * stored is a subset of the current one).  Anything else is visited again,
 * and the slot is updated: when the earlier visit was at least as able but
 * for the sleep set, the stored set becomes the intersection of the two
 * (both explorations together cover everything but what both slept on,
 * Godefroid's rule for state caching with sleep sets); otherwise it takes
 * this visit's values, which this visit is about to explore.
 *
 * The exact table is open addressing with linear probing over 32-byte
 * slots, doubled at three quarters full while the doubled table fits half
 * the memory budget (the old and new tables coexist for a moment while it
 * grows), so that at least half is left for the bits.  Past that the
 * table is frozen, still consulted and updated in place, and new states
 * go to a bit array made of the rest of the budget,
 * as SPIN's bitstate mode does: k = 3 bit positions per state by double
 * hashing of a 128-bit hash, the state taken as seen when all three are
 * set.  After n states in m bits, a new state is wrongly taken as seen
 * with probability
 *
 *	p = (1 - (1 - 1/m)^(k n))^k,  close to (1 - e^(-k n / m))^k,
 *
 * the figure reported as the omission probability.  The bits can hold no
 * depth, so in bitstate mode a state is not explored again from a
 * shallower depth (as in SPIN without -DREACH); the sleep set and the
 * bounded counts go into the hash instead, so they still separate states.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sim/explore_internal.h"

#define FIRST_SLOTS 1024u	/* 32 KiB: the table's first size */
#define MIN_SLOTS 16u		/* smaller budgets go bitstate at once */
#define BITSTATE_K 3u		/* bits per state, SPIN's default */

static size_t slot_bytes(size_t slots)
{
	return slots * sizeof(struct sim_visited_slot);
}

/* The largest power of two <= @x (x >= 1). */
static uint64_t pow2_floor(uint64_t x)
{
	uint64_t p = 1;

	while (p <= x / 2)
		p *= 2;
	return p;
}

/* Turns @v bitstate over the budget the table leaves. */
static int start_bitstate(struct sim_visited *v)
{
	size_t used = slot_bytes(v->cap);
	size_t left = v->budget > used ? v->budget - used : 0;
	uint64_t bytes = pow2_floor(left > sizeof(uint64_t) ? left :
				    sizeof(uint64_t));

	v->bits = calloc((size_t)bytes / sizeof(uint64_t), sizeof(uint64_t));
	if (!v->bits)
		return -ENOMEM;
	v->nbits = bytes * 8;
	v->bitstate = true;
	return 0;
}

int sim_visited_init(struct sim_visited *v, size_t budget)
{
	size_t cap = FIRST_SLOTS;

	memset(v, 0, sizeof(*v));
	v->budget = budget;
	while (cap > MIN_SLOTS && slot_bytes(cap) > budget / 2)
		cap /= 2;
	if (slot_bytes(cap) > budget / 2)
		return start_bitstate(v);
	v->slots = calloc(cap, sizeof(*v->slots));
	if (!v->slots)
		return -ENOMEM;
	v->cap = cap;
	return 0;
}

void sim_visited_fini(struct sim_visited *v)
{
	free(v->slots);
	free(v->bits);
	v->slots = NULL;
	v->bits = NULL;
}

/*
 * Where the search for @lo:@hi starts.  Worlds may hand in structured
 * digests (packed counters, say) rather than hashes, so both halves are
 * mixed, or such keys would pile up in a few runs of slots.
 */
static size_t home(uint64_t lo, uint64_t hi)
{
	uint64_t h = lo ^ (hi * 0x9E3779B97F4A7C15ULL);

	h ^= h >> 32;
	h *= 0xD6E8FEB86659FD93ULL;
	h ^= h >> 32;
	return (size_t)h;
}

/* The slot holding @lo:@hi, or the empty slot where it would go. */
static struct sim_visited_slot *probe(const struct sim_visited *v,
				      uint64_t lo, uint64_t hi)
{
	size_t mask = v->cap - 1;
	size_t i = home(lo, hi) & mask;

	for (;; i = (i + 1) & mask) {
		struct sim_visited_slot *s = &v->slots[i];

		if (!s->depth1 || (s->lo == lo && s->hi == hi))
			return s;
	}
}

/* Moves every slot of @v into a table twice the size. */
static int grow(struct sim_visited *v)
{
	struct sim_visited old = *v;
	size_t i;

	v->slots = calloc(old.cap * 2, sizeof(*v->slots));
	if (!v->slots) {
		v->slots = old.slots;
		return -ENOMEM;
	}
	v->cap = old.cap * 2;
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].depth1)
			*probe(v, old.slots[i].lo, old.slots[i].hi) =
				old.slots[i];
	free(old.slots);
	return 0;
}

/* Makes room for one more slot: a bigger table, or the switch to bits. */
static int make_room(struct sim_visited *v)
{
	if (v->count + 1 <= v->cap / 4 * 3)
		return 0;
	if (slot_bytes(v->cap * 2) <= v->budget / 2)
		return grow(v);
	return start_bitstate(v);
}

/* True when the visit stored in @s can reach all that @k can. */
static bool covers(const struct sim_visited_slot *s,
		   const struct sim_visit_key *k)
{
	return s->depth1 - 1 <= k->depth && s->faults <= k->faults &&
	       s->preemptions <= k->preemptions &&
	       !(s->sleep & ~k->sleep_under);
}

/*
 * A known state met again: cut, or record what this visit will cover.
 * The two visits together only vouch for the budgets of the poorer one,
 * which is this one whenever the intersection is taken.
 */
static int revisit(struct sim_visited_slot *s, const struct sim_visit_key *k)
{
	if (covers(s, k))
		return SIM_VISIT_SEEN;
	if (s->depth1 - 1 <= k->depth && s->faults <= k->faults &&
	    s->preemptions <= k->preemptions)
		s->sleep &= k->sleep_over;
	else
		s->sleep = k->sleep_over;
	s->depth1 = k->depth + 1;
	s->faults = k->faults;
	s->preemptions = k->preemptions;
	return SIM_VISIT_AGAIN;
}

static void fill(struct sim_visited_slot *s, const struct sim_visit_key *k)
{
	s->lo = k->lo;
	s->hi = k->hi;
	s->sleep = k->sleep_over;
	s->depth1 = k->depth + 1;
	s->faults = k->faults;
	s->preemptions = k->preemptions;
}

/* Records @k in the bits: seen when all its bits were already set. */
static int bits_visit(struct sim_visited *v, const struct sim_visit_key *k)
{
	struct {
		uint64_t lo, hi, sleep, counts;
	} in = { k->lo, k->hi, k->sleep_hash,
		 (uint64_t)k->faults << 16 | k->preemptions };
	XXH128_hash_t h = XXH3_128bits(&in, sizeof(in));
	uint64_t step = h.high64 | 1, mask = v->nbits - 1;
	bool seen = true;
	unsigned int i;

	for (i = 0; i < BITSTATE_K; i++) {
		uint64_t bit = (h.low64 + i * step) & mask;
		uint64_t word = (uint64_t)1 << (bit % 64);

		if (!(v->bits[bit / 64] & word)) {
			seen = false;
			v->bits[bit / 64] |= word;
		}
	}
	if (seen)
		return SIM_VISIT_SEEN;
	v->bit_states++;
	return SIM_VISIT_NEW;
}

int sim_visited_visit(struct sim_visited *v, const struct sim_visit_key *k)
{
	struct sim_visited_slot *s;
	int err;

	if (v->slots) {
		s = probe(v, k->lo, k->hi);
		if (s->depth1)
			return revisit(s, k);
		if (!v->bitstate) {
			err = make_room(v);
			if (err)
				return err;
		}
		if (!v->bitstate) {
			fill(probe(v, k->lo, k->hi), k);
			v->count++;
			return SIM_VISIT_NEW;
		}
	}
	return bits_visit(v, k);
}

size_t sim_visited_memory(const struct sim_visited *v)
{
	return slot_bytes(v->cap) + (size_t)(v->nbits / 8);
}

/* @x to the power @n, by squaring. */
static double power(double x, uint64_t n)
{
	double r = 1;

	for (; n; n /= 2, x *= x)
		if (n & 1)
			r *= x;
	return r;
}

double sim_visited_omission(const struct sim_visited *v)
{
	double one_bit;

	if (!v->bitstate || !v->bit_states)
		return 0;
	/* the chance that one given bit is set after k n draws */
	one_bit = 1 - power(1 - 1.0 / (double)v->nbits,
			    BITSTATE_K * v->bit_states);
	return power(one_bit, BITSTATE_K);
}

void sim_visited_mix(uint64_t *lo, uint64_t *hi, uint64_t tag)
{
	/* the tag is hashed with the digest, not used as a seed: XXH3 folds
	 * a seed into short inputs almost linearly, so that structured
	 * digests with nearby seeds collide */
	uint64_t in[3] = { *lo, *hi, tag };
	XXH128_hash_t h = XXH3_128bits(in, sizeof(in));

	*lo = h.low64;
	*hi = h.high64;
}

uint64_t sim_visited_hash64(uint64_t x)
{
	return XXH3_64bits(&x, sizeof(x));
}
