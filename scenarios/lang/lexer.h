/*
 * scenarios/lang/lexer.h - the lexical layer of the scenario language:
 * a text cut into lines, a line cut into tokens.
 *
 * SCENARIO.md's lexical rules live here and nowhere else: one statement
 * per line of at most SCN_LINE_MAX bytes, `#` comments, blanks between
 * words, double-quoted strings with \n \t \\ \" and \xNN escapes.  The
 * lexer knows nothing of statements: it hands the parser a line's tokens
 * with their 1-based byte columns, and the line itself as a C string for
 * model/board.c, which reads machine statements from raw text.
 *
 * A line the lexer rejects (too long, a NUL byte, a broken string) gets
 * one error, at the column of the first thing wrong with it.
 */
#ifndef IONSIM_SCN_LEXER_H
#define IONSIM_SCN_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "model/board.h"

#define SCN_LINE_MAX KION_LINE_MAX	/* bytes of a line, newline excluded */
/* Every token but the last needs a blank after it, so this many at most. */
#define SCN_LINE_TOKENS_MAX (SCN_LINE_MAX / 2 + 1)

enum scn_tok_kind {
	SCN_TOK_WORD,		/* blank-separated text: names, numbers, key=value */
	SCN_TOK_STRING,		/* "...", escapes already undone */
	SCN_TOK_BIND,		/* `->` */
	SCN_TOK_OUTCOME,	/* `=>` */
};

struct scn_token {
	enum scn_tok_kind kind;
	/* a word: into the line's raw copy; a string: its unescaped bytes,
	 * which may hold NULs (from \x00), so len and not strlen counts */
	const char *s;
	unsigned int len;
	unsigned int col;	/* 1-based; a string's is its opening quote */
	unsigned int width;	/* bytes it takes in the line, quotes included */
};

/* One line of a scenario and its tokens; big, so the parser keeps one. */
struct scn_line {
	unsigned int lineno;	/* 1-based */
	const char *src;	/* the line in the caller's text (no NUL end) */
	size_t len;		/* bytes before its newline */
	/* src as a C string, for kion_board_parse_line; valid only once
	 * scn_lex_tokens has accepted the line (no NUL byte, not too long) */
	char raw[SCN_LINE_MAX + 1];
	unsigned int ntok;
	struct scn_token tok[SCN_LINE_TOKENS_MAX];
	char strings[SCN_LINE_MAX];	/* unescaped string bytes, back to back */
};

/* Where the next line starts in a text being cut into lines. */
struct scn_lexer {
	const char *text;
	size_t len;
	size_t pos;		/* offset of the next line's first byte */
	unsigned int lineno;	/* of the line last returned */
};

/* What is wrong with a line, and where. */
struct scn_lex_error {
	unsigned int col;
	char msg[160];
};

/* Prepares to cut @len bytes of @text (NULs allowed) into lines. */
void scn_lex_init(struct scn_lexer *lx, const char *text, size_t len);

/*
 * scn_lex_next_line - the next line of the text into @line (src, len and
 * lineno only: no tokens yet).  A newline ends a line; a last line without
 * one still counts, but an empty text and the empty rest after a final
 * newline are no line at all.  Returns false when no line is left.
 */
bool scn_lex_next_line(struct scn_lexer *lx, struct scn_line *line);

/*
 * scn_lex_tokens - cut @line (from scn_lex_next_line) into tokens and
 * fill its raw copy.  Returns 0, or -EINVAL with @err set: a line longer
 * than SCN_LINE_MAX (at the column just past the limit), a NUL byte, an
 * unterminated string, a bad escape, a quote glued to a word.
 */
int scn_lex_tokens(struct scn_line *line, struct scn_lex_error *err);

/* true when token @t is a word spelled exactly @text. */
bool scn_tok_is(const struct scn_token *t, const char *text);

/* The column just past @line's last token: where a missing word goes. */
unsigned int scn_line_end_col(const struct scn_line *line);

#endif /* IONSIM_SCN_LEXER_H */
