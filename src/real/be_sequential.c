/* be_sequential.c - the tasks one after another, on the calling thread.
 *
 * Task i + 1 starts when task i has ended, as a plain program calls one
 * function after another.  A task that waits for a lock nobody else can
 * release (held by an earlier task, or by itself) is a deadlock at once;
 * the tasks after it never start.
 */
#define _GNU_SOURCE
#include "real/real_impl.h"

static int seq_setup(struct rrun *r, struct strbuf *err)
{
    (void)err;
    r->single = 1;
    r->solo = 1;
    return 0;
}

static void seq_run(struct rrun *r)
{
    r->t0 = rclock_now();
    r->deadline_mono = rclock_mono_ns() + (uint64_t)r->opt->timeout_ns;
    r->deadline_raw = r->t0 + rclock_units((uint64_t)r->opt->timeout_ns);
    for (int t = 0; t < r->ntasks; t++) {
        rtask_run(r, &r->tasks[t]);
        if (rrun_aborted(r) || r->dl_found)
            break;
    }
}

static void seq_teardown(struct rrun *r)
{
    (void)r;
}

const struct real_backend real_sequential = {
    .name = "sequential",
    .detail = "one thread, one task after another",
    .setup = seq_setup,
    .run = seq_run,
    .teardown = seq_teardown,
};
