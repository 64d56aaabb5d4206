/* lex.h - splitting a lesson into lines and the lines into tokens.
 *
 * The lesson format is line-based, Python style: lex_lines() measures the
 * indentation of every line (spaces only; a tab is an error), and the parser
 * builds blocks from it.  Code lines are cut into tokens by lex_line();
 * narrative lines of pages are kept as raw text and never tokenized.
 */
#ifndef TT_LEX_H
#define TT_LEX_H

#include <stdint.h>

#include "arena.h"
#include "diag.h"

struct lex_line {
    int no;             /* 1-based line number */
    int indent;         /* leading spaces */
    const char *text;   /* after the indentation, not NUL-terminated */
    int len;            /* bytes of text, without newline or trailing \r */
    int blank;          /* empty or only a comment */
};

enum tok_kind {
    TOK_END,            /* end of the line */
    TOK_NAME,
    TOK_INT,
    TOK_STRING,
    TOK_PUNCT,          /* see enum punct */
};

enum punct {
    P_LPAREN, P_RPAREN, P_COMMA, P_COLON, P_DOT, P_AT,
    P_ASSIGN, P_PLUS_EQ, P_MINUS_EQ, P_STAR_EQ, P_SLASH_EQ, P_PERCENT_EQ,
    P_PLUS, P_MINUS, P_STAR, P_SLASH2, P_SLASH, P_PERCENT,
    P_EQ, P_NE, P_LT, P_LE, P_GT, P_GE,
    P_LBRACKET, P_RBRACKET,
};

struct token {
    enum tok_kind kind;
    int col;            /* 1-based column of the first character */
    int end_col;        /* column just past the token */
    const char *p;      /* start in the source */
    int len;            /* bytes */
    int punct;          /* TOK_PUNCT */
    int64_t ival;       /* TOK_INT; INT64_MIN stands for 2^63, a
                         * number only when negated */
    const char *sval;   /* TOK_STRING: the decoded text (arena) */
    const char *name;   /* TOK_NAME: NUL-terminated copy (arena) */
};

/* Split src into lines.  Returns 0, or -1 with d filled (a tab in the
 * indentation is the one error found here). */
int lex_lines(const struct source *src, struct lex_line **lines, int *nlines,
              struct diag *d);

/* Tokenize text[0..len) of line ln whose text starts at column col0.
 * Stops at a comment.  Returns the number of tokens (the last is TOK_END),
 * or -1 with d filled. */
int lex_line(const struct source *src, const struct lex_line *ln,
             int offset, struct arena *a, struct token **toks, struct diag *d);

const char *punct_text(int p);

#endif
