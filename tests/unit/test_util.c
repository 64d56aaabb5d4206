/* test_util.c - util.c: saturating arithmetic, and die() in a fork()ed
 * child, which must leave by _exit without the parent's exit handlers or
 * its die hook (both would restore the parent's terminal from the child). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testhelp.h"
#include "util.h"

static int hook_fd = -1;

/* Both write a byte to the pipe: a child that runs them is caught. */
static void at_exit_hook(void)
{
    if (hook_fd >= 0 && write(hook_fd, "x", 1) < 0)
        return;
}

static void die_hook(void)
{
    if (hook_fd >= 0 && write(hook_fd, "h", 1) < 0)
        return;
}

static void test_die_in_child(void)
{
    int fds[2], status = 0;
    char buf[8];
    ssize_t n;
    pid_t pid;

    CHECK(pipe(fds) == 0);
    hook_fd = fds[1];
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        FILE *quiet = freopen("/dev/null", "w", stderr);

        (void)quiet;
        die_in_child();
        die("the child fails on purpose");
    }
    close(fds[1]);
    hook_fd = -1;
    CHECK(pid > 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    n = read(fds[0], buf, sizeof(buf));
    CHECK_EQ(n, 0);     /* neither the atexit handler nor the hook ran */
    close(fds[0]);
}

static void test_sat(void)
{
    CHECK_EQ(sat_add(1, 2), 3);
    CHECK(sat_add(INT64_MAX - 1, 9223372036854775807) == INT64_MAX);
    CHECK(sat_add(INT64_MIN + 1, -5) == INT64_MIN);
    CHECK(sat_add(100, -200) == -100);
    CHECK(sat_mul(1000000, 9223372036854775807) == INT64_MAX);
    CHECK_EQ(sat_mul(1000, 1000), 1000000);
    CHECK_EQ(sat_mul(-3, 5), 0);
}

int main(void)
{
    atexit(at_exit_hook);
    die_set_hook(die_hook);
    test_die_in_child();
    test_sat();
    die_set_hook(NULL);
    return TEST_DONE();
}
