/* test_report.c - JSON, text and timeline output of runs are well formed. */
#include <stdlib.h>

#include "lesson.h"
#include "report.h"
#include "sim.h"
#include "testhelp.h"

/* ---- a strict JSON checker: returns the end of one value, or NULL ---- */

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *value(const char *p, int depth);

static const char *string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p != '"'; p++) {
        if (!*p || (unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *number(const char *p)
{
    const char *start;

    if (*p == '-')
        p++;
    start = p;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == start || (start[0] == '0' && p - start > 1))
        return NULL;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

static const char *container(const char *p, int depth, char close)
{
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (close == '}') {
            p = string(ws(p));
            if (!p)
                return NULL;
            p = ws(p);
            if (*p++ != ':')
                return NULL;
        }
        p = value(ws(p), depth + 1);
        if (!p)
            return NULL;
        p = ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *value(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = ws(p);
    switch (*p) {
    case '{': return container(p, depth, '}');
    case '[': return container(p, depth, ']');
    case '"': return string(p);
    case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
    default: return number(p);
    }
}

static int valid_json(const char *s)
{
    const char *end = value(s, 0);

    return end && *ws(end) == '\0';
}

/* ---------------------------------------------------------------------- */

static const char lesson[] =
    "lesson \"Quotes \\\" and \\\\ in a title\"\n"
    "import asyncio\n"
    "shared x = 0\n"
    "lock m\n"
    "def f(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        with m:\n"
    "            x += 1\n"
    "        print(\"x is\", x, \"\\ttab\")\n"
    "    assert x < 3, \"too big\"\n"
    "async def g():\n"
    "    await asyncio.sleep(2)\n"
    "    sleep(1)\n"
    "    compute(3)\n"
    "scene t:\n"
    "    mode threads\n"
    "    quantum 2\n"
    "    run f(2) as A\n"
    "    run f(2) as B\n"
    "scene g:\n"
    "    mode gil\n"
    "    switch-interval 2\n"
    "    run f(2) as A\n"
    "    run f(2) as B\n"
    "scene a:\n"
    "    mode asyncio\n"
    "    run g() as A\n"
    "    run g() as B\n"
    "scene p:\n"
    "    mode processes\n"
    "    run f(1) as A\n"
    "    run f(1) as B\n"
    "scene s:\n"
    "    mode sequential\n"
    "    run f(1) as A\n"
    "    run f(1) as B\n";

static void test_outputs(void)
{
    struct diag d;
    struct lesson *L;
    struct strbuf out;

    diag_init(&d);
    L = lesson_from_text("t.lesson", lesson, &d);
    CHECK(L != NULL);
    if (!L) {
        printf("%s", d.text.s);
        diag_done(&d);
        return;
    }
    sb_init(&out);
    for (int i = 0; i < L->nscenes; i++) {
        struct sim *s = sim_new(L, i, &L->scenes[i].cfg, NULL, 1);
        struct report r;
        struct trace *tr;

        sim_run(s);
        tr = sim_trace(s);
        r.L = L;
        r.scene = i;
        r.cfg = &L->scenes[i].cfg;
        r.tr = tr;
        sb_clear(&out);
        report_json(&out, &r);
        CHECK(valid_json(out.s));
        CHECK(strstr(out.s, "\"makespan\": ") != NULL);
        CHECK(strstr(out.s, "\"final\": {") != NULL);
        CHECK(strstr(out.s, "\"switches\": {") != NULL);
        CHECK(strstr(out.s, "\"deadlock\": false") != NULL);
        CHECK(strstr(out.s, "\"events\": [") != NULL);
        CHECK((strstr(out.s, "\"processes\": {") != NULL) ==
              (L->scenes[i].cfg.mode == MODE_PROCESSES));
        sb_clear(&out);
        report_text(&out, &r);
        CHECK(strstr(out.s, "\nfinal") != NULL);
        sb_clear(&out);
        report_timeline(&out, &r, 60);
        CHECK(strstr(out.s, "makespan: ") != NULL);
        /* Spans of each lane follow each other with no gap. */
        for (int t = 0; t < tr->ntasks; t++) {
            const struct trace_lane *ln = &tr->lanes[t];
            int ok = ln->n > 0 && ln->spans[0].start == 0 && ln->end >= 0;

            for (size_t k = 1; k < ln->n; k++)
                ok &= ln->spans[k].start > ln->spans[k - 1].start;
            CHECK(ok);
        }
        /* Ops are recorded in time order. */
        {
            int ok = 1;

            for (size_t k = 1; k < tr->nops; k++)
                ok &= trace_op_t(tr, k) >= trace_op_t(tr, k - 1);
            CHECK(ok);
        }
        sim_free(s);
    }
    sb_done(&out);
    lesson_free(L);
    diag_done(&d);
}

/* The log says what the event loop does while a coroutine awaits only as
 * the state allows: others run if one is ready; with every other task
 * waiting the loop sleeps; with none left it only waits. */
static const char loop_lesson[] =
    "lesson \"The loop meanwhile\"\n"
    "import asyncio\n"
    "async def a():\n"
    "    await asyncio.sleep(20)\n"
    "    await asyncio.sleep(0)\n"
    "    await asyncio.sleep(5)\n"
    "async def b():\n"
    "    await asyncio.sleep(3)\n"
    "scene loop:\n"
    "    mode asyncio\n"
    "    run a() as A\n"
    "    run b() as B\n";

/* Load a lesson from text and run its first scene: the run, or NULL
 * (the loader's message printed) if the lesson does not load. */
static struct sim *run_text(const char *name, const char *text,
                            struct lesson **L)
{
    struct diag d;
    struct sim *s = NULL;

    diag_init(&d);
    *L = lesson_from_text(name, text, &d);
    CHECK(*L != NULL);
    if (*L) {
        s = sim_new(*L, 0, &(*L)->scenes[0].cfg, NULL, 1);
        sim_run(s);
    } else {
        printf("%s", d.text.s);
    }
    diag_done(&d);
    return s;
}

static void test_loop_meanwhile(void)
{
    static const char *const want[] = {
        "A yields at await sleep(20): the loop runs others meanwhile; B runs",
        "B yields at await sleep(3): nothing else is ready: the loop sleeps",
        "A yields at await sleep(0); nothing else is ready: A runs again",
        "A yields at await sleep(5): no other task is left: the loop waits",
    };
    struct lesson *L;
    struct sim *s;
    struct report r;
    struct strbuf out;
    size_t n = 0;

    s = run_text("loop.lesson", loop_lesson, &L);
    if (!s)
        return;
    r = (struct report){L, 0, &L->scenes[0].cfg, sim_trace(s), NULL};
    sb_init(&out);
    for (size_t i = 0; i < r.tr->nevents; i++) {
        const struct trace_event *ev = &r.tr->events[i];

        if (ev->kind != EV_SWITCH || ev->reason != SW_AWAIT)
            continue;
        sb_clear(&out);
        report_explain(&out, &r, ev);
        if (n < TT_ARRAY_LEN(want))
            CHECK_STR(out.s, want[n]);
        else
            printf("FAIL an await too many: %s\n", out.s);
        n++;
    }
    CHECK_EQ(n, TT_ARRAY_LEN(want));
    sb_done(&out);
    sim_free(s);
    lesson_free(L);
}

static void test_checker(void)
{
    CHECK(valid_json("{\"a\": [1, -2.5e3, true, null, \"x\\n\"]}\n"));
    CHECK(!valid_json("{\"a\": [1, ]}"));
    CHECK(!valid_json("{\"a\" 1}"));
    CHECK(!valid_json("\"tab\there\""));
}

/* A long run's report goes to its stream as it is written, and what the
 * stream gets is byte for byte what the buffer would have held: the text
 * of millions of ops is never all in memory at once. */
static const char long_lesson[] =
    "lesson \"Long\"\n"
    "x = 0\n"
    "def f(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene long:\n"
    "    mode threads\n"
    "    run f(4000) as A\n"
    "    run f(4000) as B\n";

static void streamed(const struct report *base, int json, struct strbuf *want,
                     struct strbuf *got)
{
    struct report r = *base;
    struct strbuf out;
    FILE *f = tmpfile();
    char buf[4096];
    size_t n;

    r.stream = NULL;
    if (json)
        report_json(want, &r);
    else
        report_text(want, &r);
    CHECK(f != NULL);
    if (!f)
        return;
    r.stream = f;
    sb_init(&out);
    if (json)
        report_json(&out, &r);
    else
        report_text(&out, &r);
    /* Less than the whole report is left in the buffer at the end. */
    CHECK(out.len < want->len);
    fwrite(out.s, 1, out.len, f);
    rewind(f);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(got, buf, n);
    fclose(f);
    sb_done(&out);
}

static void test_streamed(void)
{
    struct lesson *L;
    struct sim *s;
    struct report r;

    s = run_text("long.lesson", long_lesson, &L);
    if (!s)
        return;
    r = (struct report){L, 0, &L->scenes[0].cfg, sim_trace(s), NULL};
    for (int json = 0; json < 2; json++) {
        struct strbuf want, got;

        sb_init(&want);
        sb_init(&got);
        streamed(&r, json, &want, &got);
        CHECK(want.len > (size_t)1 << 17);
        CHECK(got.len == want.len && memcmp(got.s, want.s, want.len) == 0);
        sb_done(&want);
        sb_done(&got);
    }
    sim_free(s);
    lesson_free(L);
}

int main(void)
{
    test_checker();
    test_outputs();
    test_loop_meanwhile();
    test_streamed();
    return TEST_DONE();
}
