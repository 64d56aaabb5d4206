/* draw.c - text, glyphs and colours on the curses screen (see draw.h). */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/draw.h"

#include <curses.h>
#include <stdarg.h>
#include <string.h>
#include <wchar.h>

#include "util.h"

static int ascii_mode;
static int color_mode;

/* ---- glyphs ------------------------------------------------------------- */

static const char *const glyph_utf8[G_COUNT] = {
    [G_HLINE] = "─", [G_VLINE] = "│", [G_TEE_DOWN] = "┬", [G_TEE_UP] = "┴",
    [G_CROSS] = "┼", [G_ARROW] = "▶", [G_CURSOR_MARK] = "▼",
    [G_RIGHT] = "✓", [G_WRONG] = "✗", [G_PREEMPT] = "!", [G_YIELD] = "»",
    [G_IDLE] = "-", [G_BAR] = "█", [G_BAR_EMPTY] = "░",
    [G_ELLIPSIS] = "…", [G_PLAY] = "▶", [G_PAUSE] = "❚❚",
    [G_MORE_UP] = "▲", [G_MORE_DOWN] = "▼", [G_DOT] = "·",
};

static const char *const glyph_ascii[G_COUNT] = {
    [G_HLINE] = "-", [G_VLINE] = "|", [G_TEE_DOWN] = "+", [G_TEE_UP] = "+",
    [G_CROSS] = "+", [G_ARROW] = ">", [G_CURSOR_MARK] = "v",
    [G_RIGHT] = "+", [G_WRONG] = "x", [G_PREEMPT] = "!", [G_YIELD] = ">",
    [G_IDLE] = "-", [G_BAR] = "#", [G_BAR_EMPTY] = ".",
    [G_ELLIPSIS] = "~", [G_PLAY] = ">", [G_PAUSE] = "||",
    [G_MORE_UP] = "^", [G_MORE_DOWN] = "v", [G_DOT] = ".",
};

/* Task states: UTF-8 glyphs where they read better; ASCII ones are the
 * command line's (trace.h), so the two views agree. */
static const char *const state_utf8[TS_COUNT] = {
    [TS_NEW] = " ", [TS_STARTING] = "+", [TS_READY] = "·",
    [TS_RUNNING] = "█", [TS_GIL_WAIT] = "░", [TS_BLOCKED] = "~",
    [TS_LOCK_WAIT] = "L", [TS_DONE] = " ", [TS_FAILED] = "X",
};

static const char *const state_ascii[TS_COUNT] = {
    [TS_NEW] = " ", [TS_STARTING] = "+", [TS_READY] = ".",
    [TS_RUNNING] = "#", [TS_GIL_WAIT] = "g", [TS_BLOCKED] = "~",
    [TS_LOCK_WAIT] = "L", [TS_DONE] = " ", [TS_FAILED] = "X",
};

const char *draw_glyph(enum glyph g)
{
    return ascii_mode ? glyph_ascii[g] : glyph_utf8[g];
}

const char *draw_state_glyph(int state)
{
    if (state == TS_COUNT)  /* lanes.h's LANE_PART: ran part of the column */
        return ascii_mode ? "=" : "▄";
    if (state < 0 || state >= TS_COUNT)
        return " ";
    return ascii_mode ? state_ascii[state] : state_utf8[state];
}

int draw_state_role(int state)
{
    if (state == TS_COUNT)  /* ran part of the column */
        return R_ST_NEW + TS_RUNNING;
    return R_ST_NEW + (state >= 0 && state < TS_COUNT ? state : 0);
}

int draw_task_role(int task)
{
    return R_TASK0 + (task < 0 ? 0 : task % DRAW_TASK_COLOURS);
}

int draw_is_ascii(void)
{
    return ascii_mode;
}

int draw_has_color(void)
{
    return color_mode;
}

/* ---- roles -------------------------------------------------------------- */

struct role_style {
    short fg, bg;       /* -1: the terminal's default */
    attr_t color_attr;  /* with colour */
    attr_t mono_attr;   /* without */
};

static const struct role_style styles[R_COUNT] = {
    [R_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [R_DIM] = {-1, -1, A_DIM, A_DIM},
    [R_BOLD] = {-1, -1, A_BOLD, A_BOLD},
    [R_HEADER] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [R_TITLE] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [R_RULE] = {-1, -1, A_DIM, A_NORMAL},
    [R_RULE_FOCUS] = {COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [R_CURSOR] = {-1, -1, A_REVERSE, A_REVERSE},
    [R_KEY] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [R_GOOD] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [R_BAD] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [R_CHANGED] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE},
    [R_CURLINE] = {-1, -1, A_REVERSE, A_REVERSE},
    [R_NEXT] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [R_STALE] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [R_PROMPT] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [R_BAR] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [R_BAR_DONE] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [R_ST_NEW] = {-1, -1, A_NORMAL, A_NORMAL},
    [R_ST_STARTING] = {COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    [R_ST_READY] = {-1, -1, A_NORMAL, A_NORMAL},
    [R_ST_RUNNING] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [R_ST_GIL] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [R_ST_BLOCKED] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [R_ST_LOCK] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [R_ST_DONE] = {-1, -1, A_NORMAL, A_NORMAL},
    [R_ST_FAILED] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [R_PREEMPT] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [R_YIELD] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
    [R_IDLE] = {-1, -1, A_DIM, A_DIM},
    [R_TASK0 + 0] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [R_TASK0 + 1] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
    [R_TASK0 + 2] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [R_TASK0 + 3] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [R_TASK0 + 4] = {COLOR_BLUE, -1, A_BOLD, A_BOLD},
    [R_TASK0 + 5] = {COLOR_RED, -1, A_BOLD, A_BOLD},
};

void draw_setup(int ascii, int color)
{
    ascii_mode = ascii;
    color_mode = color && has_colors();
    if (!color_mode)
        return;
    start_color();
    if (use_default_colors() != OK) {
        /* No default colours: a plain white on black background. */
        for (int r = 0; r < R_COUNT; r++)
            init_pair((short)(r + 1),
                      styles[r].fg < 0 ? COLOR_WHITE : styles[r].fg,
                      styles[r].bg < 0 ? COLOR_BLACK : styles[r].bg);
        return;
    }
    for (int r = 0; r < R_COUNT; r++)
        init_pair((short)(r + 1), styles[r].fg, styles[r].bg);
}

static int present_mode;

void draw_set_present(int on)
{
    present_mode = on;
}

/* A role's attributes, as presenter mode changes them: nothing is dim,
 * and task names, states and marks are bold. */
static attr_t role_attr(int role)
{
    attr_t at = color_mode ? styles[role].color_attr : styles[role].mono_attr;

    if (!present_mode)
        return at;
    at &= ~(attr_t)A_DIM;
    if (role >= R_ST_NEW)
        at |= A_BOLD;
    return at;
}

static void set_role(int role)
{
    if (role < 0 || role >= R_COUNT)
        role = R_NORMAL;
    attr_set(role_attr(role), color_mode ? (short)(role + 1) : 0, NULL);
}

/* ---- text --------------------------------------------------------------- */

/* Decode one UTF-8 code point; advances *s.  Bad bytes become U+FFFD. */
static unsigned decode(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned c = p[0];
    int n;

    if (c < 0x80) {
        *s += 1;
        return c;
    }
    n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (n == 0) {
        *s += 1;
        return 0xFFFD;
    }
    c &= 0x3F >> n;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s += i;
            return 0xFFFD;
        }
        c = c << 6 | (p[i] & 0x3F);
    }
    *s += n + 1;
    return c;
}

static const struct {
    unsigned cp;
    const char *ascii;
} translit[] = {
    {0x2014, "-"}, {0x2013, "-"}, {0x2018, "'"}, {0x2019, "'"},
    {0x201C, "\""}, {0x201D, "\""}, {0x2026, "..."}, {0x00D7, "x"},
    {0x00B7, "."}, {0x2192, "->"}, {0x2190, "<-"}, {0x2191, "^"},
    {0x2193, "v"}, {0x2500, "-"}, {0x2502, "|"}, {0x252C, "+"},
    {0x2534, "+"}, {0x253C, "+"}, {0x251C, "+"}, {0x2524, "+"},
    {0x2588, "#"}, {0x2591, ":"}, {0x2592, ":"}, {0x25B6, ">"},
    {0x25BC, "v"}, {0x25B2, "^"}, {0x2713, "+"}, {0x2717, "x"},
    {0x00BB, ">"}, {0x00AB, "<"}, {0x275A, "|"}, {0x2264, "<="},
    {0x2265, ">="}, {0x2260, "!="}, {0x00A0, " "}, {0x2022, "*"},
    {0x00E9, "e"}, {0x00E8, "e"}, {0x00E0, "a"}, {0x00FC, "u"},
    {0x00F6, "o"}, {0x00E4, "a"}, {0x00B5, "u"}, {0x03BC, "u"},
};

/* The ASCII form of a code point (in ascii mode). */
static const char *to_ascii(unsigned cp, char buf[2])
{
    if (cp < 0x80) {
        buf[0] = (char)(cp >= 0x20 && cp < 0x7F ? cp : '?');
        buf[1] = '\0';
        return buf;
    }
    for (size_t i = 0; i < TT_ARRAY_LEN(translit); i++)
        if (translit[i].cp == cp)
            return translit[i].ascii;
    return "?";
}

static int cp_width(unsigned cp)
{
    int w;

    if (cp < 0x20 || cp == 0x7F)
        return 1;   /* shown as '?' */
    w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

int draw_width(const char *s)
{
    int w = 0;
    char buf[2];

    while (*s) {
        unsigned cp = decode(&s);

        w += ascii_mode ? (int)strlen(to_ascii(cp, buf)) : cp_width(cp);
    }
    return w;
}

size_t draw_fit(const char *s, int w)
{
    const char *p = s;
    int used = 0;
    char buf[2];

    while (*p) {
        const char *q = p;
        unsigned cp = decode(&q);
        int cw = ascii_mode ? (int)strlen(to_ascii(cp, buf)) : cp_width(cp);

        if (used + cw > w)
            break;
        used += cw;
        p = q;
    }
    return (size_t)(p - s);
}

int draw_str(int y, int x, int w, int role, const char *s)
{
    wchar_t buf[512];
    int n = 0, used = 0;
    char ab[2];

    if (w <= 0 || y < 0 || x < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + w > COLS)
        w = COLS - x;
    while (*s && used < w) {
        unsigned cp = decode(&s);

        if (ascii_mode) {
            for (const char *a = to_ascii(cp, ab); *a && used < w; a++) {
                buf[n++] = (wchar_t)*a;
                used++;
                if (n == (int)TT_ARRAY_LEN(buf))
                    break;
            }
        } else {
            int cw = cp_width(cp);

            if (cp < 0x20 || cp == 0x7F)
                cp = '?';
            if (used + cw > w)
                break;
            if (cw == 0 && n == 0)
                continue;
            buf[n++] = (wchar_t)cp;
            used += cw;
        }
        if (n >= (int)TT_ARRAY_LEN(buf) - 1)
            break;
    }
    if (n == 0)
        return 0;
    set_role(role);
    mvaddnwstr(y, x, buf, n);
    attr_set(A_NORMAL, 0, NULL);
    return used;
}

int draw_strf(int y, int x, int w, int role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return draw_str(y, x, w, role, buf);
}

void draw_repeat(int y, int x, int n, int role, const char *s)
{
    int w = draw_width(s);

    if (w <= 0)
        return;
    for (int i = 0; i + w <= n; i += w)
        draw_str(y, x + i, w, role, s);
}

void draw_blank(int y, int x, int w, int role)
{
    if (w <= 0 || y < 0 || y >= LINES)
        return;
    if (x + w > COLS)
        w = COLS - x;
    set_role(role);
    mvhline(y, x, ' ', w);
    attr_set(A_NORMAL, 0, NULL);
}

void draw_restyle(int y, int x, int w, int role)
{
    if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
        return;
    if (x + w > COLS)
        w = COLS - x;
    mvchgat(y, x, w, role_attr(role), color_mode ? (short)(role + 1) : 0,
            NULL);
}

void draw_invert(int y, int x, int w)
{
    for (int i = 0; i < w && x + i < COLS; i++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t attrs;
        short pair;

        if (mvin_wch(y, x + i, &cc) != OK ||
            getcchar(&cc, wch, &attrs, &pair, NULL) == ERR)
            continue;
        if (!wch[0]) {
            wch[0] = L' ';
            wch[1] = 0;
        }
        setcchar(&cc, wch, (attrs & ~A_DIM) | A_REVERSE, pair, NULL);
        mvadd_wch(y, x + i, &cc);
    }
}

/* ---- reading the screen back -------------------------------------------- */

static void put_utf8(FILE *out, unsigned c)
{
    if (c < 0x80) {
        fputc((int)c, out);
    } else if (c < 0x800) {
        fputc((int)(0xC0 | c >> 6), out);
        fputc((int)(0x80 | (c & 0x3F)), out);
    } else if (c < 0x10000) {
        fputc((int)(0xE0 | c >> 12), out);
        fputc((int)(0x80 | (c >> 6 & 0x3F)), out);
        fputc((int)(0x80 | (c & 0x3F)), out);
    } else {
        fputc((int)(0xF0 | c >> 18), out);
        fputc((int)(0x80 | (c >> 12 & 0x3F)), out);
        fputc((int)(0x80 | (c >> 6 & 0x3F)), out);
        fputc((int)(0x80 | (c & 0x3F)), out);
    }
}

void draw_dump(FILE *out, int w, int h)
{
    unsigned *row = xcalloc((size_t)w + 1, sizeof(unsigned));

    for (int y = 0; y < h && y < LINES; y++) {
        int n = 0, last = 0;

        for (int x = 0; x < w && x < COLS; x++) {
            cchar_t cc;
            wchar_t wch[CCHARW_MAX + 1];
            attr_t attrs;
            short pair;
            unsigned c = ' ';

            if (mvin_wch(y, x, &cc) == OK &&
                getcchar(&cc, wch, &attrs, &pair, NULL) != ERR && wch[0])
                c = (unsigned)wch[0];
            row[n++] = c;
            if (c != ' ')
                last = n;
            if (c >= 0x80 && cp_width(c) == 2)
                x++;    /* the next cell is the second half of c */
        }
        for (int i = 0; i < last; i++)
            put_utf8(out, row[i]);
        fputc('\n', out);
    }
    free(row);
}
