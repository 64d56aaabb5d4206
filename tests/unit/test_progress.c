/* test_progress.c - the progress file at its edges: names with any byte,
 * lines of any length, tens of thousands of lessons (checked by counting
 * hash probes, not by a clock), and lines it does not understand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp.h"
#include "ui/progress.h"
#include "util.h"

static char dir[] = "/tmp/tt-progress-XXXXXX";

static char *file_path(void)
{
    return xasprintf("%s/taketurns/progress", dir);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb;
    char buf[4096];
    size_t n;

    sb_init(&sb);
    if (f) {
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            sb_add(&sb, buf, n);
        fclose(f);
    }
    *len = sb.len;
    return sb_steal(&sb);
}

static void write_file(const char *text)
{
    char *path = file_path();
    FILE *f = fopen(path, "w");

    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(path);
}

/* Names with spaces, tabs, '%', newlines and bytes above 0x7F. */
static void test_odd_names(void)
{
    static const char *names[] = {
        "my race.lesson", "tab\there.lesson", "100%.lesson", "two\nlines",
        "caf\xc3\xa9 \x01\x7f\xff.lesson", "%20", " ",
    };
    struct progress *pg = progress_load();

    for (size_t i = 0; i < TT_ARRAY_LEN(names); i++)
        progress_see(pg, names[i], (int)i + 1);
    progress_answer(pg, "my race.lesson", 2, 1, 1);
    progress_save(pg);
    progress_free(pg);
    pg = progress_load();
    CHECK_EQ(pg->n, TT_ARRAY_LEN(names));
    CHECK_EQ(pg->dropped, 0);
    for (size_t i = 0; i < TT_ARRAY_LEN(names); i++) {
        const struct progress_lesson *pl = progress_find(pg, names[i]);

        CHECK(pl != NULL);
        CHECK_EQ(progress_pages_seen(pl), 1);
        CHECK(pl && pl->nwords > 0 && (pl->seen[0] >> (i + 1) & 1));
    }
    CHECK_EQ(progress_answered(progress_find(pg, "my race.lesson"), 2, 1), 1);
    CHECK(progress_find(pg, "my") == NULL);
    progress_free(pg);
}

/* Thousands of answers: one line far longer than any fixed buffer. */
static void test_long_line(void)
{
    struct progress *pg = progress_load();
    const struct progress_lesson *pl;
    char *path = file_path(), *text;
    size_t len, longest = 0, run = 0;

    for (int k = 0; k < 3000; k++)
        progress_answer(pg, "long.lesson", k / 10, k % 10, k % 3 == 0);
    progress_save(pg);
    progress_free(pg);
    text = slurp(path, &len);
    for (size_t i = 0; i < len; i++) {
        run = text[i] == '\n' ? 0 : run + 1;
        longest = run > longest ? run : longest;
    }
    CHECK(longest > 20000);
    free(text);
    pg = progress_load();
    pl = progress_find(pg, "long.lesson");
    CHECK(pl != NULL);
    CHECK_EQ(pl ? pl->nasks : 0, 3000);
    CHECK_EQ(progress_right(pl), 1000);
    CHECK_EQ(progress_answered(pl, 299, 7), 1);
    CHECK_EQ(progress_answered(pl, 299, 8), 0);
    CHECK_EQ(pg->dropped, 0);
    CHECK_EQ(pg->n, 8);     /* and no junk key from a split line */
    progress_free(pg);
    free(path);
}

/* 50,000 lessons: loading looks at a bounded number of slots per key. */
static void test_many_keys(void)
{
    enum { N = 50000 };
    struct progress *pg = progress_load();
    char key[64];
    int found = 0;

    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "%05d-lesson.lesson", i);
        progress_see(pg, key, i % 7);
    }
    progress_save(pg);
    progress_free(pg);
    pg = progress_load();
    CHECK_EQ(pg->n, N + 8);
    /* Linear: a few probes a key, not n/2 of them (a list would need
     * more than a billion). */
    CHECK(pg->probes < (uint64_t)8 * N);
    for (int i = 0; i < N; i += 997) {
        const struct progress_lesson *pl;

        snprintf(key, sizeof(key), "%05d-lesson.lesson", i);
        pl = progress_find(pg, key);
        found += pl && (pl->seen[0] >> (i % 7) & 1);
    }
    CHECK_EQ(found, (N + 996) / 997);
    progress_free(pg);
}

/* Lines it does not understand are ignored and gone after the next save. */
static void test_foreign_lines(void)
{
    struct progress *pg;
    char *path = file_path(), *text;
    size_t len;

    write_file("# a comment\n"
               "ok.lesson seen=1,2 asks=1.0:1\n"
               "ok.lesson\n"
               "root:x:0:0:root:/root:/bin/bash\n"
               "bad.lesson seen=1,x\n"
               "bad2.lesson asks=1.0:7\n"
               "bad3.lesson colour=blue\n"
               "bad%zz.lesson seen=1\n"
               "\n"
               "ok.lesson seen=3 asks=1.0:0,2.0:0\n");
    pg = progress_load();
    CHECK_EQ(pg->n, 1);
    CHECK_EQ(pg->dropped, 6);
    CHECK_EQ(progress_pages_seen(progress_find(pg, "ok.lesson")), 3);
    CHECK_EQ(progress_answered(progress_find(pg, "ok.lesson"), 1, 0), 1);
    CHECK_EQ(progress_answered(progress_find(pg, "ok.lesson"), 2, 0), 0);
    progress_save(pg);      /* nothing new, but the junk goes */
    progress_free(pg);
    text = slurp(path, &len);
    CHECK(strstr(text, "root:") == NULL);
    CHECK(strstr(text, "bad") == NULL);
    CHECK(strstr(text, "ok.lesson seen=1,2,3 asks=1.0:1,2.0:0\n") != NULL);
    free(text);
    free(path);
}

/* Puzzles solved: the best way of each page is kept, across lines and
 * runs; a file without goals= reads as none solved. */
static void test_goals(void)
{
    struct progress *pg;
    char *path = file_path(), *text;
    size_t len;
    int steps = -1, preempts = -1;

    write_file("p.lesson seen=0,4 asks= goals=4:30:2,4:28:1,6:9:0\n"
               "p.lesson seen=5 asks= goals=4:40:1,6:7:0\n"
               "q.lesson seen=0 asks=\n"
               "r.lesson seen=0 asks= goals=4:x:1\n");
    pg = progress_load();
    CHECK_EQ(pg->dropped, 1);
    CHECK_EQ(progress_solved(progress_find(pg, "p.lesson"), 4, &steps,
                             &preempts), 1);
    CHECK_EQ(steps, 28);
    CHECK_EQ(preempts, 1);
    CHECK_EQ(progress_solved(progress_find(pg, "p.lesson"), 6, &steps,
                             &preempts), 1);
    CHECK_EQ(steps, 7);
    CHECK_EQ(progress_solved(progress_find(pg, "p.lesson"), 5, &steps,
                             &preempts), 0);
    CHECK_EQ(progress_solved(progress_find(pg, "q.lesson"), 4, &steps,
                             &preempts), 0);
    CHECK_EQ(progress_solved(progress_find(pg, "none.lesson"), 4, &steps,
                             &preempts), 0);
    /* a worse way changes nothing; a better one, or a new page, is kept */
    pg->dirty = 0;
    progress_solve(pg, "p.lesson", 4, 20, 2);
    CHECK_EQ(pg->dirty, 0);
    progress_solve(pg, "p.lesson", 4, 31, 0);
    progress_solve(pg, "q.lesson", 2, 12, 1);
    CHECK_EQ(pg->dirty, 1);
    progress_save(pg);
    progress_free(pg);
    text = slurp(path, &len);
    CHECK(strstr(text, "p.lesson seen=0,4,5 asks= goals=4:31:0,6:7:0\n") !=
          NULL);
    CHECK(strstr(text, "q.lesson seen=0 asks= goals=2:12:1\n") != NULL);
    free(text);
    pg = progress_load();
    CHECK_EQ(pg->dropped, 0);
    CHECK_EQ(progress_solved(progress_find(pg, "q.lesson"), 2, &steps,
                             &preempts), 1);
    CHECK_EQ(steps, 12);
    CHECK_EQ(preempts, 1);
    progress_free(pg);
    free(path);
}

int main(void)
{
    char *path;

    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return TEST_DONE();
    }
    setenv("XDG_STATE_HOME", dir, 1);
    test_odd_names();
    test_long_line();
    test_many_keys();
    test_goals();
    path = file_path();
    unlink(path);
    free(path);
    test_foreign_lines();
    path = file_path();
    unlink(path);
    free(path);
    path = xasprintf("%s/taketurns", dir);
    rmdir(path);
    free(path);
    rmdir(dir);
    return TEST_DONE();
}
