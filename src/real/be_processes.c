/* be_processes.c - the processes backend: one fork()ed process per task.
 *
 * Each child works on its own copy of the shared variables and locks (the
 * copy fork makes), which is the lesson: nothing is shared unless asked
 * for.  The trace records are written straight into a MAP_SHARED mapping
 * that the parent made before forking, one slot per task: a header (the
 * child's final values, how it ended, its printed text) and its record
 * buffer.  Children are forked one after another, as multiprocessing
 * starts its workers; the parent records when it began each fork, so the
 * cost of starting a process shows as a "starting" span.  The scene's
 * spawn-cost is not used: the real cost is what fork() takes here.
 *
 * The parent polls its children every 500 us; at the time limit (or on
 * cancel) it kills the rest with SIGKILL, and it reaps every child before
 * returning.  A child dies with its parent (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "real/real_impl.h"

enum { TEXT_CAP = 64 * 1024, POLL_NS = 500000 };

/* The head of a task's slot in shared memory. */
struct pslot {
    uint32_t nrec;
    int32_t end_state;
    uint64_t t_start, t_end;
    uint64_t t_abort;       /* when the child stopped at a limit, or 0 */
    int64_t ops;
    int64_t err_off;
    uint32_t text_len;
    int32_t truncated;
    int32_t abort;
    int32_t dl_lock, dl_holder, dl_queue;
    int32_t done;
    int64_t final[];        /* nglobals, then the records, then text */
};

struct pshm {
    unsigned char *map;
    size_t size, slot;
    size_t rec_off, text_off;   /* within a slot */
};

static struct pslot *slot_of(const struct pshm *sh, int t)
{
    return (struct pslot *)(void *)(sh->map + sh->slot * (size_t)t);
}

static int proc_setup(struct rrun *r, struct strbuf *err)
{
    struct pshm *sh = xcalloc(1, sizeof(*sh));
    size_t head = sizeof(struct pslot) + sizeof(int64_t) * (size_t)(r->nglobals + 1);

    sh->rec_off = (head + 63) / 64 * 64;
    sh->text_off = sh->rec_off + sizeof(struct real_rec) * r->rec_cap;
    sh->slot = (sh->text_off + TEXT_CAP + 4095) / 4096 * 4096;
    sh->size = sh->slot * (size_t)r->ntasks;
    sh->map = mmap(NULL, sh->size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh->map == MAP_FAILED) {
        sb_printf(err, "cannot map shared memory for the trace: %s",
                  strerror(errno));
        free(sh);
        return -1;
    }
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        free(T->rec);   /* the records live in shared memory instead */
        T->rec = r->rec_cap ? (struct real_rec *)(void *)(sh->map + sh->slot *
                                                   (size_t)t + sh->rec_off) :
                 NULL;
    }
    r->be_state = sh;
    r->solo = 1;
    return 0;
}

static void proc_teardown(struct rrun *r)
{
    struct pshm *sh = r->be_state;

    if (!sh)
        return;
    for (int t = 0; t < r->ntasks; t++)
        r->tasks[t].rec = NULL;
    munmap(sh->map, sh->size);
    free(sh);
    r->be_state = NULL;
}

/* The child: run the task on its own copy of everything, leave the
 * results in its slot, and exit without running any of the parent's exit
 * handlers or flushing its stdio buffers. */
TT_NORETURN static void child(struct rrun *r, struct pshm *sh, int t,
                              pid_t parent)
{
    struct rtask *T = &r->tasks[t];
    struct pslot *ps = slot_of(sh, t);

    die_in_child();     /* a fatal error here must not run exit handlers */
#ifdef PR_SET_PDEATHSIG
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0UL, 0UL, 0UL);
#endif
    if (getppid() != parent)
        _exit(1);
    if (r->pin)
        sched_setaffinity(0, sizeof(r->cpuset), &r->cpuset);
    rtask_run(r, T);
    ps->nrec = T->nrec;
    ps->end_state = T->end_state;
    ps->t_start = T->t_start;
    ps->t_end = T->t_end;
    ps->ops = T->ops;
    ps->err_off = T->err_off < TEXT_CAP ? T->err_off : -1;
    ps->truncated = T->truncated;
    ps->abort = atomic_load(&r->abort);
    ps->t_abort = ps->abort != RA_NONE ? r->t_abort : 0;
    ps->dl_lock = r->dl_found ? r->dl_lock[t] : -1;
    ps->dl_holder = r->dl_found ? r->dl_holder[t] : -1;
    ps->dl_queue = r->dl_found ? r->dl_queue[t] : 0;
    for (int g = 0; g < r->nglobals; g++)
        ps->final[g] = atomic_load_explicit(&r->mem[g], memory_order_relaxed);
    ps->text_len = (uint32_t)(T->text.len < TEXT_CAP ? T->text.len : TEXT_CAP);
    if (ps->text_len)
        memcpy((unsigned char *)ps + sh->text_off, T->text.s, ps->text_len);
    ps->done = 1;
    _exit(0);
}

/* A record the parent makes about task T (in T->prec). */
static void parent_state(struct rtask *T, uint64_t t, int state)
{
    struct real_rec *rc;

    if (T->nprec >= TT_ARRAY_LEN(T->prec))
        return;
    rc = &T->prec[T->nprec++];
    memset(rc, 0, sizeof(*rc));
    rc->t = t;
    rc->kind = REC_STATE;
    rc->status = (uint8_t)state;
    rc->cpu = -1;
    rc->other = -1;
    rc->pc = (uint32_t)-1;
}

static void reap(struct rrun *r, int kill_rest)
{
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        if (T->pid <= 0)
            continue;
        if (kill_rest)
            kill(T->pid, SIGKILL);
        while (waitpid(T->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        T->pid = 0;
    }
}

/* Wait for every child, killing them all at the time limit or on cancel. */
static void wait_children(struct rrun *r)
{
    int alive = 0;

    for (int t = 0; t < r->ntasks; t++)
        alive += r->tasks[t].pid > 0;
    while (alive > 0) {
        struct timespec ts = {0, POLL_NS};

        for (int t = 0; t < r->ntasks; t++) {
            struct rtask *T = &r->tasks[t];
            pid_t p;

            if (T->pid <= 0)
                continue;
            p = waitpid(T->pid, NULL, WNOHANG);
            if (p == T->pid || (p < 0 && errno != EINTR)) {
                T->pid = 0;
                alive--;
            }
        }
        if (alive == 0)
            break;
        if (rclock_mono_ns() > r->deadline_mono + 100000000u) {
            rrun_abort(r, RA_TIMEOUT);
            reap(r, 1);
            break;
        }
        if (r->opt->cancel && atomic_load(r->opt->cancel)) {
            rrun_abort(r, RA_CANCEL);
            reap(r, 1);
            break;
        }
        nanosleep(&ts, NULL);
    }
}

/* Read each child's slot back into its task. */
static void collect(struct rrun *r, struct pshm *sh)
{
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];
        struct pslot *ps = slot_of(sh, t);
        int64_t *fin = &r->final[(t + 1) * r->nglobals];

        if (!ps->done) {
            for (int g = 0; g < r->nglobals; g++)
                fin[g] = r->P->global_init[g];
            continue;
        }
        T->nrec = ps->nrec;
        T->end_state = (int8_t)ps->end_state;
        T->t_start = ps->t_start;
        T->t_end = ps->t_end;
        T->ops = ps->ops;
        T->err_off = ps->err_off;
        T->truncated = (uint8_t)ps->truncated;
        T->last_t = T->nrec ? T->rec[T->nrec - 1].t : T->last_t;
        sb_add(&T->text, (const char *)ps + sh->text_off, ps->text_len);
        for (int g = 0; g < r->nglobals; g++)
            fin[g] = ps->final[g];
        if (ps->dl_lock >= 0) {
            r->dl_found = 1;
            r->dl_lock[t] = ps->dl_lock;
            r->dl_holder[t] = ps->dl_holder;
            r->dl_queue[t] = ps->dl_queue;
        }
        if (ps->abort == RA_BUDGET && r->limit_task < 0)
            r->limit_task = t;
        if (ps->abort != RA_NONE) {
            int expected = RA_NONE;

            if (atomic_compare_exchange_strong(&r->abort, &expected,
                                               ps->abort))
                r->t_abort = ps->t_abort ? ps->t_abort :
                             ps->t_end ? ps->t_end : T->last_t;
        }
    }
}

static void proc_run(struct rrun *r)
{
    struct pshm *sh = r->be_state;
    pid_t parent = getpid();

    for (int t = 0; t < r->ntasks; t++) {
        struct pslot *ps = slot_of(sh, t);

        memset(ps, 0, sh->rec_off);
        ps->end_state = -1;
        ps->dl_lock = ps->dl_holder = -1;
        ps->dl_queue = 0;
    }
    /* Children leave by _exit, which should not flush stdio, but under a
     * sanitizer it may: a child must not repeat output the parent has not
     * written yet. */
    fflush(NULL);
    r->t0 = rclock_now();
    r->deadline_mono = rclock_mono_ns() + (uint64_t)r->opt->timeout_ns;
    r->deadline_raw = r->t0 + rclock_units((uint64_t)r->opt->timeout_ns);
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];
        pid_t pid;

        parent_state(T, rclock_now(), TS_STARTING);
        pid = fork();
        if (pid == 0)
            child(r, sh, t, parent);
        if (pid < 0) {
            r->limit_task = t;
            rrun_abort(r, RA_RESOURCE);
            break;
        }
        T->pid = pid;
    }
    if (rrun_aborted(r))
        reap(r, 1);
    else
        wait_children(r);
    collect(r, sh);
}

const struct real_backend real_processes = {
    .name = "processes",
    .detail = "fork(): a process per task",
    .setup = proc_setup,
    .run = proc_run,
    .teardown = proc_teardown,
};
