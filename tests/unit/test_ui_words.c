/* test_ui_words.c - the screen never loses a word of a page.
 *
 * Every page of every lesson is opened on the headless screen at 80x24 and
 * 120x40, as `taketurns screen` draws it; the words of its text and its
 * question must all be on the screen, each as many times as the page has
 * it (counted, not as a set).  Then each question is answered and its
 * explanation must be on the screen too.  A page whose text scrolls at a
 * size is checked where it fits (it says so with "more text").
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lessons.h"
#include "testhelp.h"
#include "testscreen.h"

#include "goal.h"
#include "ui/app.h"
#include "ui/driver.h"
#include "ui/draw.h"
#include "ui/term.h"
#include "ui/view_impl.h"

struct words {
    char **w;
    size_t n, cap;
};

static void add_words(struct words *ws, const char *text)
{
    const char *p = text;

    while (*p) {
        size_t n;
        char *w;
        int k = 0;

        p += strspn(p, " \t\n");
        n = strcspn(p, " \t\n");
        if (!n)
            break;
        w = xstrndup(p, n);
        /* `code` is drawn as a style, without its backticks */
        for (size_t i = 0; i < n; i++)
            if (w[i] != '`')
                w[k++] = w[i];
        w[k] = '\0';
        if (k) {
            XGROW(ws->w, ws->cap, ws->n + 1);
            ws->w[ws->n++] = w;
        } else {
            free(w);
        }
        p += n;
    }
}

static void free_words(struct words *ws)
{
    for (size_t i = 0; i < ws->n; i++)
        free(ws->w[i]);
    free(ws->w);
    memset(ws, 0, sizeof(*ws));
}

static int count(const struct words *ws, const char *w)
{
    int n = 0;

    for (size_t i = 0; i < ws->n; i++)
        n += strcmp(ws->w[i], w) == 0;
    return n;
}

/* The first word of want missing from the screen, or NULL. */
static const char *missing(const struct words *want, const struct words *got)
{
    for (size_t i = 0; i < want->n; i++)
        if (count(got, want->w[i]) < count(want, want->w[i]))
            return want->w[i];
    return NULL;
}

/* The wrapper alone: runs of spaces take their columns, so no line is
 * wider than its width and no word is lost, at any width. */
static void test_wrap(void)
{
    static const char *const texts[] = {
        "sleep(25) is not awaited, so  no other coroutine can run until it "
        "returns: the loop  is  blocked.",
        "  leading spaces   and `code  with spaces` and   a verylongwordthat"
        "doesnotfitanywhere at all",
        "? How many ticks?  (predict: type your answer, then Enter)",
    };
    int bad = 0;

    for (size_t k = 0; k < TT_ARRAY_LEN(texts); k++)
        for (int w = 16; w <= 70; w++) {
            struct tlines t;
            struct words in = {0}, out = {0};
            char *all;
            struct strbuf sb;

            tl_init(&t);
            tl_wrap(&t, texts[k], w, 0, 2, 4);
            sb_init(&sb);
            for (size_t i = 0; i < t.n; i++) {
                const char *l = tl_text(&t, i);
                char *copy = xstrdup(l);
                int cols = t.v[i].indent, k2 = 0;

                for (size_t j = 0; copy[j]; j++)
                    if (copy[j] != '`')
                        copy[k2++] = copy[j];
                copy[k2] = '\0';
                cols += draw_width(copy);
                if (cols > w && !bad++)
                    printf("FAIL wrap: '%s' takes %d columns of %d\n", l,
                           cols, w);
                free(copy);
                sb_printf(&sb, "%s\n", l);
            }
            all = sb_steal(&sb);
            add_words(&in, texts[k]);
            add_words(&out, all);
            /* a word cut at the end of a line is two words on screen */
            if (k != 1 && in.n != out.n && !bad++)
                printf("FAIL wrap at %d: %zu words in, %zu out\n", w, in.n,
                       out.n);
            free(all);
            free_words(&in);
            free_words(&out);
            tl_done(&t);
        }
    test_failed += bad > 0;
    if (!bad)
        printf("ok wrap: no line too wide, no word lost\n");
}

static int checked, scrolled;

static void check_screen(struct app *a, const struct words *want,
                         const char *name)
{
    char *s = screen_text(a);
    struct words got = {0};
    const char *miss;

    if (strstr(s, "more text")) {
        scrolled++;
        free(s);
        return;
    }
    add_words(&got, s);
    miss = missing(want, &got);
    checked++;
    if (miss)
        printf("FAIL %s: '%s' is not on the screen:\n%s", name, miss, s);
    else
        printf("ok %s\n", name);
    test_failed += miss != NULL;
    free_words(&got);
    free(s);
}

/* Reach the page's goal (a puzzle) by a shortest way there, key by key. */
static void solve_goal(struct app *a, const struct directive *dv,
                       int64_t *clock)
{
    struct goal_result gr;

    goal_search(a->L, app_page(a)->scene, &a->tape->cfg, NULL, dv,
                GOAL_DEFAULT_MAX_STATES, &gr);
    for (int i = 0; i < gr.witness.nsteps; i++)
        for (int64_t k = 0; k < gr.witness.steps[i].count; k++)
            app_key(a, app_task_key(a, gr.witness.steps[i].task));
    driver_settle(a, clock);
    goal_result_done(&gr);
    if (!a->goal_solved) {
        printf("FAIL %s p%d: the goal's way there does not solve it\n",
               a->path, a->page + 1);
        test_failed++;
    }
}

static void check_page(const char *path, int p, int w, int h)
{
    struct progress *pg = xcalloc(1, sizeof(*pg));
    struct app a;
    struct strbuf err;
    struct words want = {0};
    const struct page *page;
    int64_t clock = 0;
    char name[200];

    sb_init(&err);
    app_init(&a, pg);
    if (app_open(&a, path, p, &err) < 0) {
        printf("FAIL %s does not open: %s", path, err.s);
        test_failed++;
        goto out;
    }
    term_resize(w, h);
    app_resize(&a, w, h);
    driver_settle(&a, &clock);
    page = app_page(&a);
    for (int i = 0; i < page->nlines; i++)
        add_words(&want, page->lines[i].text);
    for (int i = 0; i < page->ndirs; i++)
        if (page->dirs[i].kind == DIR_ASK) {
            add_words(&want, page->dirs[i].question);
            break;  /* the others wait their turn */
        }
    snprintf(name, sizeof(name), "%s p%d %dx%d", progress_key(path), p + 1, w,
             h);
    check_screen(&a, &want, name);
    /* Answer every question: the explanations join the page. */
    for (int i = 0, nask = 0; i < page->ndirs; i++) {
        const struct directive *dv = &page->dirs[i];

        if (dv->kind == DIR_ASK) {
            if (!a.prompt)
                app_key(&a, K_ENTER);
            for (const char *c = dv->answer; *c; c++)
                app_key(&a, (unsigned char)*c);
            app_key(&a, K_ENTER);
            driver_settle(&a, &clock);
            if (nask++ > 0)
                add_words(&want, dv->question);
        } else if (dv->kind == DIR_GOAL) {
            solve_goal(&a, dv, &clock);
        } else if (dv->kind == DIR_EXPLAIN) {
            add_words(&want, dv->text);
            snprintf(name, sizeof(name), "%s p%d %dx%d answered",
                     progress_key(path), p + 1, w, h);
            check_screen(&a, &want, name);
        }
    }
out:
    free_words(&want);
    app_done(&a);
    progress_free(pg);
    sb_done(&err);
}

int main(void)
{
    struct term_opts o = {1, 80, 24, 0, 0};
    struct strbuf err;
    char **paths;
    int n = lessons_list(&paths);
    static const int sizes[][2] = {{80, 24}, {120, 40}};

    sb_init(&err);
    test_wrap();
    if (term_start(&o, &err) < 0) {
        printf("FAIL no headless screen: %s\n", err.s);
        return 1;
    }
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        struct progress *pg = xcalloc(1, sizeof(*pg));
        struct app a;
        int npages;

        app_init(&a, pg);
        if (app_open(&a, paths[i], 0, &err) < 0) {
            printf("FAIL %s: %s", paths[i], err.s);
            test_failed++;
            app_done(&a);
            progress_free(pg);
            continue;
        }
        npages = a.L->npages;
        app_done(&a);
        progress_free(pg);
        for (int p = 0; p < npages; p++)
            for (size_t s = 0; s < TT_ARRAY_LEN(sizes); s++)
                check_page(paths[i], p, sizes[s][0], sizes[s][1]);
    }
    term_stop();
    lessons_list_free(paths, n);
    sb_done(&err);
    /* Most pages fit: a test that skips them all would prove nothing. */
    printf("%s screens checked: %d, text scrolled: %d\n",
           checked > 4 * scrolled ? "ok" : "FAIL", checked, scrolled);
    test_failed += checked <= 4 * scrolled;
    return TEST_DONE();
}
