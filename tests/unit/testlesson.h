/* testlesson.h - a lesson from text, for the unit tests.
 *
 * A lesson that does not load is a failed check, with its error shown.
 */
#ifndef TT_TESTLESSON_H
#define TT_TESTLESSON_H

#include <stdio.h>

#include "lesson.h"

static struct lesson *test_lesson(const char *name, const char *text)
{
    struct diag d;
    struct lesson *L;

    diag_init(&d);
    L = lesson_from_text(name, text, &d);
    if (!L)
        printf("FAIL %s does not load:\n%s", name, d.text.s);
    diag_done(&d);
    return L;
}

#endif
