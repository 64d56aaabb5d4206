/* testscreen.h - the headless screen as text, for the unit tests that read
 * what a page shows (needs _GNU_SOURCE for open_memstream). */
#ifndef TT_TESTSCREEN_H
#define TT_TESTSCREEN_H

#include <stdio.h>

#include "ui/app.h"
#include "ui/driver.h"

/* Draws a frame and returns it as text (the caller frees it). */
static char *screen_text(struct app *a)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    driver_dump(a, f);
    fclose(f);
    return buf;
}

#endif
