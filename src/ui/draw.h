/* draw.h - drawing on the curses screen: text, glyphs, colours by role.
 *
 * Every cell the TUI draws goes through here.  Text is UTF-8 and clipped to
 * a number of columns; when the locale is not UTF-8 it is transliterated to
 * ASCII (so a lesson's "—" becomes "-"), and glyphs have ASCII forms.
 * Colours belong to roles (a task state, a highlight); without colour
 * (NO_COLOR, a monochrome terminal) each role falls back to bold, reverse
 * or plain, and the glyphs alone tell the states apart.  draw_dump() reads
 * the screen back from curses' own virtual screen, as text.
 */
#ifndef TT_UI_DRAW_H
#define TT_UI_DRAW_H

#include <stdio.h>

#include "trace.h"

enum role {
    R_NORMAL, R_DIM, R_BOLD, R_HEADER, R_TITLE, R_RULE, R_RULE_FOCUS,
    R_CURSOR, R_KEY, R_GOOD, R_BAD, R_CHANGED, R_CURLINE, R_NEXT, R_STALE,
    R_PROMPT, R_BAR, R_BAR_DONE,
    R_ST_NEW, R_ST_STARTING, R_ST_READY, R_ST_RUNNING, R_ST_GIL,
    R_ST_BLOCKED, R_ST_LOCK, R_ST_DONE, R_ST_FAILED,
    R_PREEMPT, R_YIELD, R_IDLE,
    R_TASK0, /* R_TASK0 + k for task k, DRAW_TASK_COLOURS of them */
    R_COUNT = R_TASK0 + 6
};

enum { DRAW_TASK_COLOURS = 6 };

enum glyph {
    G_HLINE, G_VLINE, G_TEE_DOWN, G_TEE_UP, G_CROSS, G_ARROW, G_CURSOR_MARK,
    G_RIGHT, G_WRONG, G_PREEMPT, G_YIELD, G_IDLE, G_BAR, G_BAR_EMPTY,
    G_ELLIPSIS, G_PLAY, G_PAUSE, G_MORE_UP, G_MORE_DOWN, G_DOT,
    G_COUNT
};

/* Set up colours (if color) and the glyph set (ascii or UTF-8).  Call
 * after curses has started. */
void draw_setup(int ascii, int color);
int draw_is_ascii(void);
/* Presenter mode: nothing is drawn dim (it washes out on a projector) and
 * task names and lanes are bold. */
void draw_set_present(int on);
int draw_has_color(void);

/* The glyph of a task state, and its role. */
const char *draw_state_glyph(int state);
int draw_state_role(int state);
const char *draw_glyph(enum glyph g);
int draw_task_role(int task);

/* Columns s takes on screen (after transliteration). */
int draw_width(const char *s);
/* Bytes of s that fit in w columns. */
size_t draw_fit(const char *s, int w);

/* Draw s at (y, x), at most w columns, in role.  Returns columns drawn. */
int draw_str(int y, int x, int w, int role, const char *s);
int draw_strf(int y, int x, int w, int role, const char *fmt, ...)
    TT_PRINTF(5, 6);
/* Draw s repeated n times (a glyph or a character). */
void draw_repeat(int y, int x, int n, int role, const char *s);
/* Paint w cells of a row with spaces in role. */
void draw_blank(int y, int x, int w, int role);
/* Change the role of w cells already drawn, keeping their text. */
void draw_restyle(int y, int x, int w, int role);
/* Show w cells in reverse video, keeping their text and colour (the
 * timeline's cursor). */
void draw_invert(int y, int x, int w);

/* The whole screen (w columns, h rows) as UTF-8 text, trailing blanks of
 * each row dropped. */
void draw_dump(FILE *out, int w, int h);

#endif
