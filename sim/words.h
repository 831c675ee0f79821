/*
 * sim/words.h - blank-separated words of one statement, with columns.
 *
 * Machine statements (model/board.c) and heap statements (heaps/config.c)
 * read their lines the same way and must agree on what a word and a
 * column are, so that every FILE:LINE:COL points at the same byte.
 */
#ifndef IONSIM_SIM_WORDS_H
#define IONSIM_SIM_WORDS_H

#include <stdbool.h>
#include <string.h>

#define SIM_WORD_QUOTE_MAX 40	/* user text echoed in a message, at most */

struct sim_word {
	const char *s;		/* first byte, inside the line */
	unsigned int len;
	unsigned int col;	/* 1-based column of s[0] in the line */
};

/*
 * sim_next_word - the next word of @line at or after byte *@pos; a word
 * ends at a blank (space, tab, CR, LF) or at the NUL.  Returns false at the
 * end of the line; otherwise fills @w and moves *@pos past the word.
 */
bool sim_next_word(const char *line, unsigned int *pos, struct sim_word *w);

/* True when @w is exactly @text. */
static inline bool sim_word_is(const struct sim_word *w, const char *text)
{
	return strlen(text) == w->len && memcmp(w->s, text, w->len) == 0;
}

/* How much of @w a message quotes: long words are cut, not the message. */
static inline int sim_word_quote_len(const struct sim_word *w)
{
	return (int)(w->len < SIM_WORD_QUOTE_MAX ? w->len : SIM_WORD_QUOTE_MAX);
}

#endif /* IONSIM_SIM_WORDS_H */
