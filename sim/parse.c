/*
 * sim/parse.c - numbers as machine descriptions write them.
 *
 * Sizes appear in heap statements, the ram line and every scenario step;
 * one parser keeps them consistent: decimal or 0x hex, then an optional
 * binary suffix.  strtoull is not used because it accepts signs, spaces
 * and octal, none of which a size may have.
 */
#include <errno.h>

#include "sim/sim_internal.h"
#include "sim/words.h"

static int digit_value(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = (unsigned int)(c - '0');
	else if (c >= 'a' && c <= 'f')
		v = (unsigned int)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		v = (unsigned int)(c - 'A' + 10);
	else
		return -1;
	return v < base ? (int)v : -1;
}

static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	default: return 0;
	}
}

int sim_parse_size(const char *s, uint64_t *out)
{
	unsigned int base = 10, shift, ndigits = 0;
	uint64_t v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit_value(*s, base)) >= 0; s++, ndigits++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	if (ndigits == 0)
		return -EINVAL;
	shift = suffix_shift(*s);
	if (shift) {
		s++;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool sim_next_word(const char *line, unsigned int *pos, struct sim_word *w)
{
	unsigned int p = *pos;

	while (line[p] && is_blank(line[p]))
		p++;
	if (!line[p])
		return false;
	w->s = line + p;
	w->col = p + 1;
	while (line[p] && !is_blank(line[p]))
		p++;
	w->len = (unsigned int)(line + p - w->s);
	*pos = p;
	return true;
}
