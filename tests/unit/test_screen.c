/* test_screen.c - `taketurns screen --step N` steps through the trace and
 * draws one frame at the end, not one a step (a million steps once took
 * 53 s of redrawing).  Counted in frames, not timed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "testhelp.h"
#include "ui/view.h"
#include "util.h"

static const char lesson[] =
    "lesson \"Long\"\n"
    "\n"
    "shared x = 0\n"
    "\n"
    "def w(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "\n"
    "scene long:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    quantum 3\n"
    "    run w(20000) as A\n"
    "    run w(20000) as B\n"
    "\n"
    "page \"Long\":\n"
    "    A long run.\n"
    "    @scene long\n";

/* Run `taketurns screen PATH --step STEPS` with its output thrown away;
 * returns the frames it drew. */
static long screen_frames(const char *path, const char *steps, int *rc)
{
    char *argv[] = {(char *)path, "--step", (char *)steps, "--size", "80x24",
                    NULL};
    long before = view_frames;
    int saved = dup(1);
    FILE *null = fopen("/dev/null", "w");

    fflush(stdout);
    if (null)
        dup2(fileno(null), 1);
    *rc = cmd_screen(5, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    if (null)
        fclose(null);
    return view_frames - before;
}

int main(void)
{
    char path[] = "/tmp/tt-screen-XXXXXX";
    int fd = mkstemp(path), rc = -1;
    long frames, base;

    CHECK(fd >= 0);
    if (fd < 0)
        return TEST_DONE();
    CHECK(write(fd, lesson, strlen(lesson)) == (ssize_t)strlen(lesson));
    close(fd);
    base = screen_frames(path, "0", &rc);
    CHECK_EQ(rc, 0);
    CHECK(base >= 1);
    /* A hundred thousand steps: one frame more than none at all. */
    frames = screen_frames(path, "100000", &rc);
    CHECK_EQ(rc, 0);
    CHECK_EQ(frames, base + 1);
    unlink(path);
    return TEST_DONE();
}
