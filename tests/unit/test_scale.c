/* test_scale.c - loading a lesson takes time linear in its size: counted in
 * the slots its name and constant tables look at (lesson_probes), never
 * timed.  A table searched by a linear scan would look at about n/2 slots
 * a name: 50,000 for the large lesson, where these allow a handful. */
#include "testhelp.h"

#include <stdlib.h>

#include "lesson.h"
#include "program.h"
#include "util.h"

/* Slots looked at per name while loading a lesson of n variables and n
 * functions (each with a name and a constant of its own). */
static double probes_per_name(int n)
{
    struct strbuf text;
    struct diag d;
    struct lesson *L;
    uint64_t before;
    double per;

    sb_init(&text);
    lesson_scale_text(&text, n);
    diag_init(&d);
    before = lesson_probes();
    L = lesson_from_text("scale.lesson", text.s, &d);
    per = (double)(lesson_probes() - before) / (2.0 * n);
    CHECK(L != NULL);
    if (L) {
        CHECK_EQ(L->nshared, n);
        CHECK_EQ(L->nfuncs, n + 2);
        /* every constant was kept, once */
        CHECK(L->prog->nconsts >= n);
        lesson_free(L);
    }
    diag_done(&d);
    sb_done(&text);
    printf("# %d names: %.2f slots looked at per name\n", n, per);
    return per;
}

int main(void)
{
    double small = probes_per_name(1000);
    double large = probes_per_name(100000);

    /* Bounded work per name, the same at 100 times the size. */
    CHECK(small > 0);
    CHECK(small < 32);
    CHECK(large < 32);
    CHECK(large < 2 * small + 1);
    return TEST_DONE();
}
