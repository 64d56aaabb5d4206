/* test_svg.c - the timeline as an SVG picture: a well-formed document
 * (every element closed, in order), one lane per task and per CPU, text
 * escaped, the glyphs of the states it shows, and the same bytes twice. */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "svg.h"
#include "testhelp.h"
#include "testlesson.h"

static const char text[] =
    "lesson \"Locks & <races>\"\n"
    "import threading\n"
    "m = threading.Lock()\n"
    "x = 0\n"
    "def work(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        with m:\n"
    "            x = x + 1\n"
    "scene two:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    quantum 3\n"
    "    run work(3) as A\n"
    "    run work(3) as Bee\n";

/* Every start tag is closed by its own end tag (or is empty: <x/>), in
 * nesting order; returns the number of elements, or -1. */
static int balanced(const char *s)
{
    char stack[64][16];
    int depth = 0, n = 0;

    while ((s = strchr(s, '<')) != NULL) {
        const char *e = strchr(s, '>');
        size_t len;

        if (!e)
            return -1;
        if (s[1] == '?') {          /* the XML declaration */
            s = e + 1;
            continue;
        }
        if (s[1] == '/') {
            len = strcspn(s + 2, " >");
            if (depth == 0 || len >= sizeof(stack[0]) ||
                strncmp(stack[depth - 1], s + 2, len) != 0 ||
                stack[depth - 1][len])
                return -1;
            depth--;
        } else {
            len = strcspn(s + 1, " />");
            n++;
            if (e[-1] != '/') {
                if (depth == 64 || len >= sizeof(stack[0]))
                    return -1;
                memcpy(stack[depth], s + 1, len);
                stack[depth++][len] = '\0';
            }
        }
        s = e + 1;
    }
    return depth == 0 ? n : -1;
}

static int count(const char *s, const char *what)
{
    int n = 0;

    for (; (s = strstr(s, what)) != NULL; s++)
        n++;
    return n;
}

int main(void)
{
    struct lesson *L = test_lesson("svg.lesson", text);
    struct strbuf a, b;
    struct svg_view v;
    struct svg_run r;
    struct sim *s;

    if (!L)
        return 1;
    s = sim_new(L, 0, &L->scenes[0].cfg, NULL, 1);
    sim_run(s);
    r = (struct svg_run){L, 0, &L->scenes[0].cfg, sim_trace(s),
                         sim_trace(s)->end};
    svg_view_whole(&v, r.tr->end);
    CHECK_EQ(v.per, 1);
    CHECK_EQ(v.cols, r.tr->end);
    sb_init(&a);
    sb_init(&b);
    svg_timeline(&a, &v, &r, 1);
    svg_timeline(&b, &v, &r, 1);
    CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
    CHECK(strncmp(a.s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44)
          == 0);
    CHECK(a.len > 7 && strcmp(a.s + a.len - 7, "</svg>\n") == 0);
    CHECK(balanced(a.s) > 10);
    /* the axis's "tick", the two tasks and the one CPU */
    CHECK_EQ(count(a.s, "class=\"l\""), 1 + 2 + 1);
    CHECK(strstr(a.s, "class=\"l\">Bee</text>") != NULL);
    CHECK(strstr(a.s, "Locks &amp; &lt;races&gt;") != NULL);
    CHECK(strstr(a.s, "<races>") == NULL);
    /* the states it shows, by their glyphs: a lock wait, a preemption */
    CHECK(strstr(a.s, ">L</text>") != NULL);
    CHECK(strstr(a.s, ">!</text>") != NULL);
    CHECK(strstr(a.s, "lock wait</text>") != NULL);
    /* a view of part of the run, zoomed out, with a cursor */
    sb_clear(&a);
    v.t0 = 4;
    v.per = 3;
    v.cols = 5;
    v.cursor = 10;
    r.upto = 11;
    svg_timeline(&a, &v, &r, 1);
    CHECK(balanced(a.s) > 10);
    CHECK_EQ(count(a.s, "class=\"c\""), 1);
    CHECK(strstr(a.s, ">*</text>") != NULL);    /* several tasks a column */
    /* the checker itself can fail */
    CHECK_EQ(balanced("<svg><text>x</svg></text>"), -1);
    CHECK_EQ(balanced("<svg><rect/>"), -1);
    sb_done(&a);
    sb_done(&b);
    sim_free(s);
    lesson_free(L);
    return TEST_DONE();
}
