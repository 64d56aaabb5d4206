/* view_text.c - wrapped text and titled rules for the TUI's panels.
 *
 * Text is word-wrapped into lines (struct tlines) before it is drawn, so a
 * panel knows how many rows it needs; `code` in backticks is drawn as code.
 */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/view_impl.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "explore.h"
#include "program.h"
#include "real/real.h"
#include "report.h"
#include "ui/draw.h"
#include "lanes.h"
#include "vm.h"

/* ---- wrapped text ------------------------------------------------------- */



void tl_init(struct tlines *t)
{
    memset(t, 0, sizeof(*t));
    sb_init(&t->buf);
    sb_putc(&t->buf, '\0');
}

void tl_done(struct tlines *t)
{
    free(t->v);
    sb_done(&t->buf);
}

void tl_add(struct tlines *t, const char *s, size_t n, int role,
            int indent, int pre, int code)
{
    struct tline *l;

    XGROW(t->v, t->cap, t->n + 1);
    l = &t->v[t->n++];
    l->off = t->buf.len;
    l->role = role;
    l->indent = indent;
    l->pre = pre;
    l->code = code;
    sb_add(&t->buf, s, n);
    sb_putc(&t->buf, '\0');
}

const char *tl_text(const struct tlines *t, size_t i)
{
    return t->buf.s + t->v[i].off;
}

/* Columns of s without its backticks. */
static int marked_width(const char *s, size_t n)
{
    char *copy = xstrndup(s, n);
    int w = draw_width(copy), ticks = 0;

    for (size_t i = 0; i < n; i++)
        ticks += s[i] == '`';
    free(copy);
    return w - ticks;
}

/* Word-wrap text to width columns; hang: indent of lines after the first.
 * Backticks mark `code` (kept in the text, drawn as a style). */
void tl_wrap(struct tlines *t, const char *text, int width, int role,
             int indent, int hang)
{
    const char *p = text;
    int code = 0, ind = indent;

    while (*p) {
        int w = width - ind, used = 0, line_code = code;
        const char *start = p, *end = p;

        if (w < 1)
            w = 1;
        while (*p) {
            const char *ws = p;
            int ww, gap = 0;

            /* The spaces before the word count as many columns as they
             * take: the line holds them all. */
            while (*p == ' ') {
                p++;
                gap++;
            }
            if (!*p)
                break;
            ws = p;
            while (*p && *p != ' ')
                p++;
            ww = marked_width(ws, (size_t)(p - ws));
            if (end > start && used + gap + ww > w) {
                p = ws;
                break;
            }
            if (end == start && gap + ww > w) {
                /* A word longer than the line: cut it. */
                char *copy = xstrndup(ws, (size_t)(p - ws));
                size_t fit = draw_fit(copy, w > gap ? w - gap : 1);

                free(copy);
                p = ws + (fit ? fit : 1);
                end = p;
                break;
            }
            used += gap + ww;   /* leading spaces stay on a first line */
            end = p;
        }
        for (const char *q = start; q < end; q++)
            code ^= *q == '`';
        tl_add(t, start, (size_t)(end - start), role, ind, 0, line_code);
        while (*p == ' ')
            p++;
        ind = hang;
    }
}

/* Draw a wrapped line at (y, x), w columns. */
void tl_draw(const struct tlines *t, size_t i, int y, int x, int w)
{
    const struct tline *l = &t->v[i];
    const char *s = tl_text(t, i);
    int code = l->code, col = l->indent;

    if (l->pre) {
        draw_str(y, x + col, w - col, l->role, s);
        return;
    }
    while (*s && col < w) {
        size_t n = strcspn(s, "`");
        char *seg = xstrndup(s, n);

        col += draw_str(y, x + col, w - col, code ? R_KEY : l->role, seg);
        free(seg);
        s += n;
        if (*s == '`') {
            code = !code;
            s++;
        }
    }
}

/* ---- panels: a titled rule ---------------------------------------------- */

/* A horizontal rule across [x, x + w) with a title near its left end.
 * Returns the column just after the title. */
int view_rule(int y, int x, int w, const char *title, int focused)
{
    draw_repeat(y, x, w, R_RULE, draw_glyph(G_HLINE));
    if (!title || !*title)
        return x + 1;
    return x + 1 + draw_strf(y, x + 1, w - 3, focused ? R_RULE_FOCUS : R_BOLD,
                             " %s ", title);
}

/* Text right-aligned at the end of a rule, if it fits after from. */
void view_rule_right(int y, int x, int w, int from, const char *text)
{
    int n = draw_width(text) + 2;

    if (x + w - n - 1 > from + 2)
        draw_strf(y, x + w - n - 1, n, R_DIM, " %s ", text);
}

/* "350ns", "12.5µs", "3.2ms" */
void view_ns_text(char *buf, size_t n, int64_t ns)
{
    const char *us = draw_is_ascii() ? "us" : "µs";

    if (ns < 1000)
        snprintf(buf, n, "%lldns", (long long)ns);
    else if (ns < 1000000)
        snprintf(buf, n, "%.3g%s", (double)ns / 1e3, us);
    else if (ns < 1000000000)
        snprintf(buf, n, "%.3gms", (double)ns / 1e6);
    else
        snprintf(buf, n, "%.3gs", (double)ns / 1e9);
}

