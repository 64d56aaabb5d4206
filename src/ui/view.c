/* view.c - the TUI's screens: lesson, lesson picker, help, too small.
 *
 * A lesson screen, top to bottom: a header bar; the page title; the page's
 * text and its questions; the timeline (one lane per task and per CPU, a
 * ruler, the cursor); the code of one task beside the memory; the event
 * log; a footer with the keys or a message.  Rows are shared out by need
 * and priority, so that 80x24 shows everything that matters and a larger
 * screen shows more of each panel.
 */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/view_impl.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "diag.h"
#include "explore.h"
#include "program.h"
#include "real/real.h"
#include "report.h"
#include "ui/draw.h"
#include "lanes.h"
#include "vm.h"

/* ---- the header and footer ---------------------------------------------- */

static void status_text(struct app *a, char *buf, size_t n)
{
    int64_t end = a->tape ? a->tape->end : 0;

    for (int i = 0; i < a->ncmp; i++)
        if (a->cmp[i]->end > end)
            end = a->cmp[i]->end;
    if (!a->tape && !a->ncmp) {
        snprintf(buf, n, "page %d/%d", a->page + 1, a->L->npages);
        return;
    }
    if (a->manual)
        snprintf(buf, n, "tick %lld · you schedule", (long long)a->cursor);
    else if (app_pending_ask(a, NULL))
        /* The total would answer "how many ticks?" before it is asked. */
        snprintf(buf, n, "tick %lld %s %s", (long long)a->cursor,
                 draw_glyph(a->playing ? G_PLAY : G_PAUSE),
                 a->playing ? "playing" : "paused");
    else if (a->playing)
        snprintf(buf, n, "tick %lld/%lld %s playing %d/s", (long long)a->cursor,
                 (long long)end, draw_glyph(G_PLAY),
                 a->boost ? (int)a->boost : app_speeds[a->speed]);
    else
        snprintf(buf, n, "tick %lld/%lld %s paused", (long long)a->cursor,
                 (long long)end, draw_glyph(G_PAUSE));
}

static void draw_header(struct app *a, int W)
{
    char status[96];
    int sw;

    draw_blank(0, 0, W, R_HEADER);
    status_text(a, status, sizeof(status));
    sw = draw_width(status);
    draw_str(0, 1, W - sw - 4, R_HEADER, "taketurns");
    draw_str(0, 12, W - sw - 15, R_HEADER, a->L->title);
    draw_str(0, W - sw - 1, sw, R_HEADER, status);
}

static void draw_page_title(struct app *a, int y, int W)
{
    const struct page *pg = app_page(a);
    char left[32];
    int n;

    snprintf(left, sizeof(left), "%d/%d ", a->page + 1, a->L->npages);
    n = draw_str(y, 1, W - 2, R_DIM, left);
    draw_str(y, 1 + n, W - 2 - n, R_TITLE, pg->title);
}

static void draw_hints(int y, int W, const struct app_hint *h, int n)
{
    int x = 1;

    for (int i = 0; i < n; i++) {
        int need = draw_width(h[i].key) + 1 + draw_width(h[i].what) + 2;

        if (x + need > W - 1)
            continue;
        x += draw_str(y, x, W - x, R_KEY, h[i].key);
        x += 1;
        x += draw_str(y, x, W - x, R_NORMAL, h[i].what);
        x += 2;
    }
}

/* The footer: the message of the last key, else the keys of the mode. */
static void draw_footer(struct app *a, int y, int W)
{
    struct app_hint h[16];

    draw_blank(y, 0, W, R_NORMAL);
    if (a->prompt == PROMPT_PAGE) {
        draw_strf(y, 1, W - 2, R_PROMPT, "go to page (1-%d, Enter; Esc: "
                  "stay): %s_", a->L->npages, a->input);
        return;
    }
    if (a->msg[0]) {
        draw_str(y, 1, W - 2, a->msg_bad ? R_BAD : R_BOLD, a->msg);
        return;
    }
    draw_hints(y, W, h, app_hints(app_mode(a), h, (int)TT_ARRAY_LEN(h)));
}

/* ---- the page's text and questions -------------------------------------- */

static int text_width(int W)
{
    int w = W - 4;

    return w > 100 ? 100 : w;
}

static void build_text(const struct page *pg, int width, struct tlines *t)
{
    struct strbuf para;
    int blank = 0;

    sb_init(&para);
    for (int i = 0; i <= pg->nlines; i++) {
        const struct page_line *pl = i < pg->nlines ? &pg->lines[i] : NULL;

        if (!pl || !pl->text[0] || pl->indent > 0) {
            if (para.len) {
                tl_wrap(t, para.s, width, R_NORMAL, 0, 0);
                sb_clear(&para);
                blank = 0;
            }
            if (!pl)
                break;
            if (!pl->text[0]) {
                if (!blank && t->n)
                    tl_add(t, "", 0, R_NORMAL, 0, 1, 0);
                blank = 1;
            } else {
                tl_add(t, pl->text, strlen(pl->text), R_NORMAL,
                       pl->indent < 8 ? pl->indent : 8, 1, 0);
                blank = 0;
            }
            continue;
        }
        if (para.len)
            sb_putc(&para, ' ');
        sb_puts(&para, pl->text);
    }
    while (t->n && !tl_text(t, t->n - 1)[0])
        t->n--;
    sb_done(&para);
}

/* The @measure table: what each way of taking turns costs here, with bars
 * on a log scale (1 ns to 1 ms) so that 8 ns and 200 us both show. */
static void measure_lines(struct app *a, struct tlines *t, int width)
{
    const struct real_costs *c = &a->costs;
    struct strbuf sb;
    char coro[64];
    struct {
        const char *what;
        double ns;
    } rows[5];

    if (!a->have_costs) {
        tl_wrap(t, job_busy(&a->job) && a->job.kind == JOB_MEASURE ?
                "measuring on this machine..." :
                "r measures these on this machine: a coroutine switch, a "
                "thread hand-off, starting a thread, starting a process",
                width, R_PROMPT, 0, 2);
        return;
    }
    snprintf(coro, sizeof(coro), "switch coroutines (%s)", c->coro);
    rows[0].what = coro;
    rows[0].ns = c->coro_switch_ns;
    rows[1].what = "switch coroutines (swapcontext)";
    rows[1].ns = c->ucontext_switch_ns;
    rows[2].what = "hand off between two threads";
    rows[2].ns = c->thread_handoff_ns;
    rows[3].what = "start and join a thread";
    rows[3].ns = c->thread_start_ns;
    rows[4].what = "start a process (fork, exit, wait)";
    rows[4].ns = c->process_start_ns;
    sb_init(&sb);
    tl_wrap(t, "measured on this machine, just now:", width, R_BOLD, 0, 2);
    for (int i = 0; i < 5; i++) {
        char ns[32];
        int len = rows[i].ns > 1 ? (int)(log10(rows[i].ns) * 4 + 0.5) : 1;
        size_t start;

        if (len > 24)
            len = 24;
        view_ns_text(ns, sizeof(ns), (int64_t)(rows[i].ns + 0.5));
        sb_clear(&sb);
        sb_printf(&sb, "  %s", rows[i].what);
        start = 0;
        sb_pad_to(&sb, start, 38);
        sb_printf(&sb, "%8s  ", rows[i].ns > 0 ? ns : "-");
        for (int k = 0; k < len; k++)
            sb_puts(&sb, draw_glyph(G_BAR));
        tl_wrap(t, sb.s, width, R_NORMAL, 0, 0);
    }
    sb_done(&sb);
}

/* While the run follows a schedule chosen in the explorer, an explanation
 * written for the page's own run may no longer describe the timeline: it
 * still fits a question about every schedule (how many outcomes), and one
 * about an extreme (min x) when the chosen schedule reaches it. */
static int explain_fits(const struct app *a, const struct directive *ask)
{
    const struct explore_outcome *o;
    int g;

    if (a->witness < 0 || !a->ex || a->witness >= a->ex->noutcomes)
        return 1;
    if (ask->about == ASK_OUTCOMES)
        return 1;
    if ((ask->about != ASK_MIN && ask->about != ASK_MAX) || !ask->about_name)
        return 0;
    o = &a->ex->outcomes[a->witness];
    g = lesson_find_shared(a->L, ask->about_name);
    return g >= 0 && g < a->ex->nglobals && o->status == TRACE_OK &&
           vm_num(a->L->prog, o->final[g]) == ask->answer_int;
}

static void build_questions(struct app *a, int width, struct tlines *t)
{
    const struct page *pg = app_page(a);
    int pending, first_pending = 1;
    const struct directive *cur = app_pending_ask(a, &pending);
    const struct ask_state *st;
    int off = 0;
    struct strbuf sb;

    for (int i = 0; i < a->page; i++)
        off += a->L->pages[i].ndirs;
    st = a->asks + off;
    sb_init(&sb);
    for (int i = 0; i < pg->ndirs; i++) {
        const struct directive *dv = &pg->dirs[i];

        sb_clear(&sb);
        if (dv->kind == DIR_ASK && st[i].answered) {
            if (st[i].right)
                sb_printf(&sb, "%s %s %s — right.", draw_glyph(G_RIGHT),
                          dv->question, st[i].given);
            else
                sb_printf(&sb, "%s %s You said %s; the answer is %s.",
                          draw_glyph(G_WRONG), dv->question, st[i].given,
                          dv->answer);
            tl_wrap(t, sb.s, width, st[i].right ? R_GOOD : R_BAD, 0, 2);
        } else if (dv->kind == DIR_ASK) {
            if (dv == cur && first_pending) {
                first_pending = 0;
                if (a->prompt == PROMPT_ANSWER)
                    sb_printf(&sb, "? %s  predict %s %s_", dv->question,
                              draw_glyph(G_ARROW), a->input);
                else
                    sb_printf(&sb, "? %s  (predict: type your answer, then "
                              "Enter)", dv->question);
                tl_wrap(t, sb.s, width, R_PROMPT, 0, 2);
            } else {
                sb_printf(&sb, "? %s", dv->question);
                tl_wrap(t, sb.s, width, R_DIM, 0, 2);
            }
        } else if (dv->kind == DIR_GOAL && a->goal == dv) {
            app_goal_words(a, &sb);
            tl_wrap(t, sb.s, width, a->goal_solved ? R_GOOD : R_PROMPT, 0, 2);
        } else if (dv->kind == DIR_EXPLAIN) {
            /* Shown once the question (or the goal) before it is answered
             * (reached). */
            int k = i;

            while (k > 0 && pg->dirs[k].kind != DIR_ASK &&
                   pg->dirs[k].kind != DIR_GOAL)
                k--;
            if ((pg->dirs[k].kind == DIR_ASK && st[k].answered &&
                 explain_fits(a, &pg->dirs[k])) ||
                (pg->dirs[k].kind == DIR_GOAL && a->goal_solved))
                tl_wrap(t, dv->text, width, R_NORMAL, 2, 2);
            else if (pg->dirs[k].kind == DIR_ASK && st[k].answered)
                tl_wrap(t, "(the explanation describes another run than "
                        "the schedule chosen in the explorer: open the page "
                        "again to read it)", width, R_NORMAL, 2, 2);
        } else if (dv->kind == DIR_MEASURE) {
            measure_lines(a, t, width);
        } else if (dv->kind == DIR_EXPLORE || dv->kind == DIR_REAL) {
            /* Said in the footer and the help. */
        }
    }
    sb_done(&sb);
}

/* ---- the lesson screen -------------------------------------------------- */

struct layout {
    int text_y, text_h;
    int q_y, q_h;
    int tl_y, tl_h, legend, lane_h;
    int band_y, band_h;     /* code and memory, side by side */
    int log_y, log_h;
};

/* Share out the rows: first what must be seen, then more of each panel. */
static void plan(struct app *a, int ntext, int nq, struct layout *lo)
{
    int H = a->height, avail = H - 3, tl = 0, band = 0, log = 0;
    int text, q = nq < 6 ? nq : 6, extra, nl = 0, want_band = 0;
    int log_want = 1 + 8;

    memset(lo, 0, sizeof(*lo));
    lo->lane_h = 1;
    if (a->tape && a->view != VIEW_SIM) {
        /* A real run: its timeline (with the simulation's above it, for
         * both), and its results where the code and the log were. */
        int n = view_real_rows(a);

        tl = view_real_timeline_rows(a);
        if (a->view == VIEW_BOTH)
            tl += 2 + a->tape->tr->ntasks + a->tape->tr->ncpus;
        log = 1 + (n < 3 ? n : 3);
        log_want = 1 + n;
    } else if (a->tape) {
        nl = a->tape->tr->ntasks + a->tape->tr->ncpus;
        tl = 2 + nl;
        band = 4;
        log = 2;
        want_band = view_band_want(a);
        if (a->ex_open) {
            /* The outcomes need their rows more than the code does. */
            int want = view_explore_rows(a);

            log = 1 + (want < 6 ? want : 6);
            log_want = 1 + want;
            band = 0;
        }
    } else if (a->ncmp) {
        tl = 2 + a->ncmp;
    }
    text = ntext < 2 ? ntext : 2;
    extra = avail - tl - band - log - q - text;
    if (extra < 0) {
        /* Too little room: give up the log, a question line, code rows. */
        int cut = -extra, c;

        c = log < cut ? log : cut;
        log -= c;
        cut -= c;
        /* Then lanes, down to 6 (the timeline says how many are below):
         * a question and its explanation must be read whole. */
        c = tl - 8 < cut ? tl - 8 : cut;
        if (c > 0 && a->tape && a->view == VIEW_SIM) {
            tl -= c;
            cut -= c;
        }
        c = q - 1 < cut ? q - 1 : cut;
        if (c > 0) {
            q -= c;
            cut -= c;
        }
        c = band - 2 < cut ? band - 2 : cut;
        if (c > 0) {
            band -= c;
            cut -= c;
        }
        extra = 0;  /* the rest is cut below, lanes before the text */
    }
#define GIVE(var, upto)                        \
    while (extra > 0 && (var) < (upto)) {      \
        (var)++;                               \
        extra--;                               \
    }
    if (a->tape) {
        int cap = H * 2 / 5;

        GIVE(text, ntext < 4 ? ntext : 4);
        /* The presenter's layout: lanes as thick as the room allows
         * before the log and the code get more (a projector's big font
         * leaves few rows). */
        for (int k = lo->lane_h + 1; a->present && k <= 6 && nl > 0; k++)
            if (extra >= a->tape->tr->ntasks + 3) {
                lo->lane_h = k;
                extra -= a->tape->tr->ntasks;
                tl += a->tape->tr->ntasks;
            }
        GIVE(log, 3);
        if (a->ex_open)
            GIVE(log, log_want);
        if (band == 0 && extra >= 4) {
            band = 1;   /* room for the code again: a rule and 3 rows */
            extra--;
        }
        if (band > 0)
            GIVE(band, want_band < 6 ? want_band : 6);
        GIVE(text, ntext < cap ? ntext : cap);
        if (extra > 0) {
            lo->legend = 1;
            extra--;
        }
        GIVE(log, log_want);
        if (band > 0)
            GIVE(band, want_band);
        GIVE(log, 1 + 8);
        /* Thick task lanes read better from the back of a room. */
        for (int k = lo->lane_h + 1; k <= 3 && nl > 0; k++)
            if (extra >= a->tape->tr->ntasks * (k - 1) + 6 * k) {
                lo->lane_h = k;
                extra -= a->tape->tr->ntasks;
                tl += a->tape->tr->ntasks;
            }
        /* A big screen (200x60): thicker still, keeping rows for the log. */
        for (int k = lo->lane_h + 1; k <= 5 && lo->lane_h >= 3; k++)
            if (extra >= a->tape->tr->ntasks + 10) {
                lo->lane_h = k;
                extra -= a->tape->tr->ntasks;
                tl += a->tape->tr->ntasks;
            }
        GIVE(text, ntext);
        log += extra;
    } else if (a->ncmp) {
        GIVE(text, ntext);
        tl += extra;
    } else {
        GIVE(text, ntext);
    }
#undef GIVE
    /* Never more rows than the screen has, whatever happened above. */
    for (int over = text + q + tl + lo->legend + band + log - avail;
         over > 0; over--) {
        if (log > 0)
            log--;
        else if (band > 0)
            band--;
        else if (lo->legend)
            lo->legend = 0;
        else if (tl > 6)
            tl--;       /* some lanes go: the text must stay readable */
        else if (text > 1)
            text--;
        else if (q > 1)
            q--;
        else if (tl > 0)
            tl--;
        else if (text > 0)
            text--;
        else
            q--;
    }
    lo->text_y = 2;
    lo->text_h = text;
    lo->q_y = lo->text_y + text;
    lo->q_h = q;
    lo->tl_y = lo->q_y + q;
    lo->tl_h = tl + lo->legend;
    lo->band_y = lo->tl_y + lo->tl_h;
    lo->band_h = band;
    lo->log_y = lo->band_y + band;
    lo->log_h = log;
}

static void draw_text_block(struct app *a, const struct tlines *t, int y, int h)
{
    int W = a->width, tw = text_width(W), max_scroll;

    max_scroll = (int)t->n - h;
    if (max_scroll < 0)
        max_scroll = 0;
    /* Text that does not fit gets the focus, so ↓ scrolls it at once. */
    if (a->focus_auto)
        a->focus = max_scroll > 0 ? FOCUS_TEXT : FOCUS_TIMELINE;
    if (a->text_scroll > max_scroll)
        a->text_scroll = max_scroll;
    for (int i = 0; i < h && (size_t)(i + a->text_scroll) < t->n; i++)
        tl_draw(t, (size_t)(i + a->text_scroll), y + i, 2, tw);
    if (a->text_scroll > 0)
        draw_str(y, W - 2, 1, R_KEY, draw_glyph(G_MORE_UP));
    if (a->text_scroll < max_scroll && h > 0) {
        /* Said on the title row, where it hides no text. */
        const char *more = a->focus == FOCUS_TEXT ? "more text: ↓" :
                           "more text: Tab, then ↓";
        int mw = draw_width(more);

        draw_blank(1, W - mw - 3, mw + 3, R_NORMAL);
        draw_str(1, W - mw - 2, mw + 1, R_KEY, more);
    }
}

static void draw_lesson(struct app *a)
{
    int W = a->width, H = a->height, tw = text_width(W);
    const struct page *pg = app_page(a);
    struct tlines text, qs;
    struct layout lo;

    tl_init(&text);
    tl_init(&qs);
    build_text(pg, tw, &text);
    build_questions(a, tw, &qs);
    plan(a, (int)text.n, (int)qs.n, &lo);
    a->nhits = 0;

    draw_header(a, W);
    draw_page_title(a, 1, W);
    draw_text_block(a, &text, lo.text_y, lo.text_h);
    for (int i = 0; i < lo.q_h && (size_t)i < qs.n; i++) {
        /* If the questions do not all fit, the last lines matter most. */
        size_t k = qs.n > (size_t)lo.q_h ? qs.n - (size_t)lo.q_h + (size_t)i :
                   (size_t)i;

        tl_draw(&qs, k, lo.q_y + i, 2, tw);
    }
    if (a->tape && a->view != VIEW_SIM) {
        int rt = view_real_timeline_rows(a), y = lo.tl_y;

        if (a->view == VIEW_BOTH) {
            int st = 2 + a->tape->tr->ntasks + a->tape->tr->ncpus;

            view_timeline(a, y, st, 0, 1);
            y += st;
        }
        view_real_timeline(a, y, rt);
        if (lo.log_h > 1)
            view_real_panel(a, lo.log_y + 1, 0, W, lo.log_h - 1);
    } else if (a->tape) {
        int code_w = view_code_width(a), mem_w = W - code_w;

        view_timeline(a, lo.tl_y, lo.tl_h, lo.legend, lo.lane_h);
        if (lo.band_h > 1) {
            view_code(a, lo.band_y + 1, 0, code_w, lo.band_h - 1);
            view_memory(a, lo.band_y + 1, code_w + 1, mem_w - 1,
                        lo.band_h - 1);
            draw_str(lo.band_y, code_w, 1, R_RULE, draw_glyph(G_TEE_DOWN));
            for (int yy = lo.band_y + 1; yy < lo.band_y + lo.band_h; yy++)
                draw_str(yy, code_w, 1, R_RULE, draw_glyph(G_VLINE));
        }
        if (lo.log_h > 1 && a->ex_open)
            view_explore(a, lo.log_y + 1, 0, W, lo.log_h - 1);
        else if (lo.log_h > 1)
            view_log(a, lo.log_y + 1, 0, W, lo.log_h - 1);
    } else if (a->ncmp) {
        view_compare(a, lo.tl_y, lo.tl_h);
    }
    draw_footer(a, H - 1, W);
    tl_done(&text);
    tl_done(&qs);
}

/* ---- the lesson picker -------------------------------------------------- */

static void draw_picker(struct app *a)
{
    int W = a->width, H = a->height, y = 2, per = 3, visible;

    draw_blank(0, 0, W, R_HEADER);
    draw_str(0, 1, W - 2, R_HEADER, "taketurns · lessons: how tasks take turns");
    if (a->nentries == 0) {
        draw_str(2, 2, W - 4, R_BOLD, "No lessons found.");
        draw_str(4, 2, W - 4, R_NORMAL, "taketurns looks in $TAKETURNS_LESSONS, "
                 "./lessons and the installed lessons.");
        draw_str(5, 2, W - 4, R_NORMAL, "Open one by its path: taketurns "
                 "path/to/lesson.lesson");
    }
    visible = (H - 4) / per;
    if (visible < 1)
        visible = 1;
    if (a->pick < a->pick_top)
        a->pick_top = a->pick;
    if (a->pick >= a->pick_top + visible)
        a->pick_top = a->pick - visible + 1;
    for (int i = a->pick_top; i < a->nentries && y + 1 < H - 1; i++, y += per) {
        const struct picker_entry *e = &a->entries[i];
        const struct progress_lesson *pl =
            progress_find(a->progress, progress_key(e->path));
        int sel = i == a->pick, x = 2, solved = 0;
        char prog[96];

        if (sel)
            draw_blank(y, 0, W, R_CURLINE);
        draw_str(y, 0, 2, sel ? R_CURLINE : R_NORMAL,
                 sel ? draw_glyph(G_ARROW) : " ");
        if (e->number >= 0) {
            /* "4a": the letter takes the first column of the gap, so
             * that the titles stay in line */
            draw_strf(y, x, 4, sel ? R_CURLINE : R_BOLD, "%2d%s",
                      e->number, e->tag);
            x += 2;
        }
        x += 2;
        if (e->error)
            snprintf(prog, sizeof(prog), "does not load");
        else if (!pl || progress_pages_seen(pl) == 0)
            snprintf(prog, sizeof(prog), "not started · %d pages", e->npages);
        else if (e->nasks == 0 && e->ngoals > 0)
            snprintf(prog, sizeof(prog), "%d/%d pages",
                     progress_pages_seen(pl) < e->npages ?
                     progress_pages_seen(pl) : e->npages, e->npages);
        else if (e->nasks == 0 || pl->nasks >= e->nasks)
            snprintf(prog, sizeof(prog), "%d/%d pages · %d/%d right",
                     progress_pages_seen(pl) < e->npages ?
                     progress_pages_seen(pl) : e->npages, e->npages,
                     progress_right(pl), e->nasks);
        else if (pl->nasks == 0)
            /* "0/2 right" would read as two wrong answers */
            snprintf(prog, sizeof(prog), "%d/%d pages · not answered yet",
                     progress_pages_seen(pl) < e->npages ?
                     progress_pages_seen(pl) : e->npages, e->npages);
        else
            snprintf(prog, sizeof(prog), "%d/%d pages · %d/%d right · %d "
                     "not answered yet", progress_pages_seen(pl) < e->npages ?
                     progress_pages_seen(pl) : e->npages, e->npages,
                     progress_right(pl), pl->nasks, e->nasks - pl->nasks);
        if (!e->error && pl && progress_pages_seen(pl) > 0 && e->ngoals > 0) {
            /* the puzzles solved, on pages the lesson still has */
            size_t len = strlen(prog);

            for (int k = 0; k < pl->ngoals; k++)
                solved += pl->goals[k].page < e->npages;
            snprintf(prog + len, sizeof(prog) - len, " · %d/%d solved",
                     solved < e->ngoals ? solved : e->ngoals, e->ngoals);
        }
        draw_str(y, x, W - x - draw_width(prog) - 3, sel ? R_CURLINE : R_TITLE,
                 e->title);
        draw_str(y, W - draw_width(prog) - 2, draw_width(prog) + 1,
                 sel ? R_CURLINE : R_DIM, prog);
        {
            /* The chosen lesson's summary in full, the others' cut short. */
            const char *about = e->error ? e->error : e->about ? e->about : "";
            struct tlines t;

            tl_init(&t);
            tl_wrap(&t, about, W - 10,
                    e->error ? R_BAD : sel ? R_NORMAL : R_DIM, 0, 0);
            if (sel && t.n > 1 && per < 4) {
                /* Room for a second line: the entries below move down. */
                tl_draw(&t, 0, y + 1, 8, W - 10);
                tl_draw(&t, 1, y + 2, 8, W - 10);
                y++;
            } else if (t.n > 0) {
                const char *l0 = tl_text(&t, 0);

                if (t.n > 1) {
                    char buf[512];

                    snprintf(buf, sizeof(buf), "%.*s%s",
                             (int)draw_fit(l0, W - 12), l0,
                             draw_glyph(G_ELLIPSIS));
                    draw_str(y + 1, 8, W - 10, t.v[0].role, buf);
                } else {
                    tl_draw(&t, 0, y + 1, 8, W - 10);
                }
            }
            tl_done(&t);
        }
    }
    draw_footer(a, H - 1, W);
}

/* ---- help and too small ------------------------------------------------- */

/* The help's lines: each action's entry, continued lines indented under
 * the first line's description. */
static int help_lines(char lines[][96], int max)
{
    const char *entries[48];
    int n = app_help(entries, (int)TT_ARRAY_LEN(entries)), k = 0;

    for (int i = 0; i < n; i++) {
        const char *p = entries[i];

        for (int first = 1; *p && k < max; first = 0) {
            size_t len = strcspn(p, "\n");

            snprintf(lines[k++], sizeof(lines[0]), "%s%.*s",
                     first ? "" : "             ", (int)len, p);
            p += len + (p[len] == '\n');
        }
    }
    return k;
}

static void draw_help(struct app *a)
{
    char lines[64][96];
    int nlines = help_lines(lines, (int)TT_ARRAY_LEN(lines));
    int W = a->width, H = a->height, bw = W - 8 > 74 ? 74 : W - 8;
    int bh = nlines + 6, x0 = (W - bw) / 2, y0;
    int used[LEG_COUNT];

    if (bh > H - 2)
        bh = H - 2;
    y0 = (H - bh) / 2;
    for (int y = y0; y < y0 + bh; y++)
        draw_blank(y, x0, bw, R_NORMAL);
    draw_repeat(y0, x0, bw, R_RULE_FOCUS, draw_glyph(G_HLINE));
    draw_repeat(y0 + bh - 1, x0, bw, R_RULE_FOCUS, draw_glyph(G_HLINE));
    for (int y = y0; y < y0 + bh; y++) {
        draw_str(y, x0, 1, R_RULE_FOCUS, draw_glyph(G_VLINE));
        draw_str(y, x0 + bw - 1, 1, R_RULE_FOCUS, draw_glyph(G_VLINE));
    }
    draw_str(y0, x0 + 2, bw - 4, R_RULE_FOCUS, " keys · any key closes this ");
    for (int i = 0; i < nlines && y0 + 1 + i < y0 + bh - 5; i++)
        draw_str(y0 + 1 + i, x0 + 2, bw - 4, R_NORMAL, lines[i]);
    for (int s = 0; s < LEG_COUNT; s++)
        used[s] = 1;
    /* Every glyph, over as many rows as it takes. */
    draw_str(y0 + bh - 5, x0 + 2, bw - 4, R_BOLD, "on the timeline:");
    view_legend(y0 + bh - 4, x0 + 2, bw - 4, 3, used, 3);
}

static void draw_too_small(struct app *a)
{
    int W = a->width, H = a->height, y = H / 2 - 2;
    char line[128];

    snprintf(line, sizeof(line), "This terminal is %dx%d.", W, H);
    if (y < 0)
        y = 0;
    draw_str(y, 1, W - 2, R_BOLD, "taketurns needs at least 80x24:");
    draw_str(y + 1, 1, W - 2, R_NORMAL, line);
    draw_str(y + 2, 1, W - 2, R_NORMAL, "Make it larger, or press q to quit.");
}

long view_frames;

void view_draw(struct app *a)
{
    view_frames++;
    draw_set_present(a->present);
    erase();
    a->nhits = 0;
    if (a->width < VIEW_MIN_WIDTH || a->height < VIEW_MIN_HEIGHT) {
        draw_too_small(a);
        return;
    }
    if (a->screen == SCREEN_PICKER)
        draw_picker(a);
    else
        draw_lesson(a);
    if (a->help)
        draw_help(a);
}

