/* cpython.c - a scene run in the student's own CPython (real --python).
 *
 * Why here: the C backends run the tool's VM for real, but they are not
 * Python; this runs the exported program (export.c) in an interpreter the
 * student has, so that "what does *my* Python do?" gets an answer.
 *
 * Each run is fork/exec of `PYTHON FILE` with no shell, in a process group
 * of its own, stdout and stderr read through pipes (the last 64 KiB of each
 * kept).  A run that passes its limit (the program's own bound plus a
 * margin for start-up) is killed with its whole group; after every run the
 * group is killed again, so no multiprocessing child is left behind.  The
 * last non-empty line of stdout is the program's JSON, read by the small
 * parser below (objects, arrays, strings, integers, true/false/null: what
 * json.dumps writes for it).
 */
#include "real/cpython.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "program.h"
#include "real/clock.h"
#include "vm.h"

enum {
    CPY_KEEP = 64 * 1024,           /* bytes of stdout/stderr kept */
    CPY_STARTUP_S = 10,             /* margin over the bound, per run */
};

struct child_run {
    struct strbuf out, err;
    int status;                     /* from waitpid */
    int timed_out;
    int cancelled;                  /* stopped by the caller's cancel */
    int exec_errno;                 /* exec failed with this (0: it ran) */
};

/* Keep only the last CPY_KEEP bytes of sb. */
static void keep_tail(struct strbuf *sb)
{
    if (sb->len > 2 * CPY_KEEP) {
        memmove(sb->s, sb->s + sb->len - CPY_KEEP, CPY_KEEP);
        sb->len = CPY_KEEP;
        sb->s[sb->len] = '\0';
    }
}

/* Run argv (argv[0] looked up on the PATH) with a limit; fill cr.  A
 * nonzero *cancel (cancel may be NULL) kills the child within 50 ms. */
static int spawn(char *const argv[], int64_t limit_ns,
                 const _Atomic int *cancel, struct child_run *cr)
{
    int po[2], pe[2], px[2];
    pid_t pid;
    uint64_t deadline = rclock_mono_ns() + (uint64_t)limit_ns;
    int open_fds = 2, reaped = 0;
    struct pollfd pf[2];

    sb_init(&cr->out);
    sb_init(&cr->err);
    cr->status = 0;
    cr->timed_out = 0;
    cr->cancelled = 0;
    cr->exec_errno = 0;
    if (pipe(po) < 0)
        return -1;
    if (pipe(pe) < 0) {
        close(po[0]), close(po[1]);
        return -1;
    }
    if (pipe(px) < 0) {
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return -1;
    }
    fcntl(px[1], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        close(px[0]), close(px[1]);
        return -1;
    }
    if (pid == 0) {
        int e;

        setpgid(0, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        close(px[0]);
        execvp(argv[0], argv);
        e = errno;
        if (write(px[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    setpgid(pid, pid);
    close(po[1]), close(pe[1]), close(px[1]);
    pf[0].fd = po[0];
    pf[1].fd = pe[0];
    pf[0].events = pf[1].events = POLLIN;
    while (open_fds > 0) {
        uint64_t now = rclock_mono_ns();
        int ms, n;

        if (now >= deadline) {
            cr->timed_out = 1;
            break;
        }
        if (cancel && atomic_load(cancel)) {
            cr->cancelled = 1;
            break;
        }
        /* Once the interpreter has ended, a process it forked that
         * outlives it (a pool's worker, left waiting for a job when its
         * maker was killed) must not keep its output open: the group goes
         * with it, and what is in the pipes is read to the end. */
        if (!reaped && waitpid(pid, &cr->status, WNOHANG) == pid) {
            reaped = 1;
            kill(-pid, SIGKILL);
        }
        ms = (int)((deadline - now) / 1000000) + 1;
        if (ms > 50)    /* (cancel and the interpreter's end are polled) */
            ms = 50;
        n = poll(pf, 2, ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        for (int i = 0; i < 2; i++) {
            char buf[8192];
            ssize_t got;

            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            got = read(pf[i].fd, buf, sizeof(buf));
            if (got > 0) {
                struct strbuf *sb = i == 0 ? &cr->out : &cr->err;

                sb_add(sb, buf, (size_t)got);
                keep_tail(sb);
            } else if (got == 0 || errno != EINTR) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
            }
        }
    }
    /* The group: the interpreter and any process it forked. */
    if (cr->timed_out || cr->cancelled)
        kill(-pid, SIGKILL), kill(pid, SIGKILL);
    while (!reaped && waitpid(pid, &cr->status, 0) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL);
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    if (read(px[0], &cr->exec_errno, sizeof(cr->exec_errno)) !=
        (ssize_t)sizeof(cr->exec_errno))
        cr->exec_errno = 0;
    close(px[0]);
    return 0;
}

static void child_done(struct child_run *cr)
{
    sb_done(&cr->out);
    sb_done(&cr->err);
}

/* The last non-empty line of s (in place), or "". */
static char *last_line(struct strbuf *sb)
{
    char *s = sb->s ? sb->s : (char *)"";
    size_t n = sb->len;

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
    while (n > 0 && s[n - 1] != '\n')
        n--;
    return s + n;
}

/* The last line of stderr, for messages. */
static void err_gist(struct strbuf *err, struct strbuf *msg)
{
    const char *l = last_line(err);

    if (*l)
        sb_printf(msg, ": %.300s", l);
}

static void describe_exit(const struct child_run *cr, struct strbuf *msg)
{
    if (cr->timed_out)
        sb_puts(msg, "it did not finish in time and was killed");
    else if (WIFSIGNALED(cr->status))
        sb_printf(msg, "it was killed by signal %d", WTERMSIG(cr->status));
    else
        sb_printf(msg, "it exited with status %d", WEXITSTATUS(cr->status));
}

int cpython_probe(const char *python, struct strbuf *version, int *gil,
                  struct strbuf *err)
{
    char *argv[] = {(char *)python, (char *)"-c",
                    (char *)"import sys; print(sys.version.split()[0], "
                    "int(getattr(sys, '_is_gil_enabled', lambda: True)()))",
                    NULL};
    struct child_run cr;
    char *v, *sp;

    if (spawn(argv, INT64_C(20000000000), NULL, &cr) < 0) {
        sb_printf(err, "cannot start '%s': %s", python, strerror(errno));
        return -1;
    }
    if (cr.exec_errno) {
        sb_printf(err, "no Python interpreter '%s': %s", python,
                  cr.exec_errno == ENOENT ? (strchr(python, '/') ?
                  "no such file" : "not found on the PATH") :
                  strerror(cr.exec_errno));
        child_done(&cr);
        return -1;
    }
    v = last_line(&cr.out);
    sp = strchr(v, ' ');
    *gil = !sp || atoi(sp + 1) != 0;
    if (sp)
        *sp = '\0';
    if (cr.timed_out || !WIFEXITED(cr.status) || WEXITSTATUS(cr.status) != 0 ||
        !(v[0] >= '2' && v[0] <= '9' && v[1] == '.')) {
        sb_printf(err, "'%s' does not run as a Python interpreter (", python);
        describe_exit(&cr, err);
        err_gist(&cr.err, err);
        sb_putc(err, ')');
        child_done(&cr);
        return -1;
    }
    if (v[0] < '3' || (v[0] == '3' && v[2] != '\0' && atoi(v + 2) < 8)) {
        sb_printf(err, "'%s' is Python %s; the exported program needs 3.8 "
                  "or newer", python, v);
        child_done(&cr);
        return -1;
    }
    sb_clear(version);
    sb_puts(version, v);
    child_done(&cr);
    return 0;
}

int cpython_version(const char *python, struct strbuf *version,
                    struct strbuf *err)
{
    int gil;

    return cpython_probe(python, version, &gil, err);
}

/* ---- the program's last line ----------------------------------------------- */

struct jp {
    const char *s;
    int bad;
};

static void jp_ws(struct jp *p)
{
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\r' || *p->s == '\n')
        p->s++;
}

static int jp_eat(struct jp *p, char c)
{
    jp_ws(p);
    if (*p->s == c) {
        p->s++;
        return 1;
    }
    return 0;
}

/* A string into out (escapes other than \" and \\ are kept as is: the
 * names are Python identifiers and task labels). */
static void jp_string(struct jp *p, struct strbuf *out)
{
    sb_clear(out);
    if (!jp_eat(p, '"')) {
        p->bad = 1;
        return;
    }
    while (*p->s && *p->s != '"') {
        if (*p->s == '\\' && p->s[1])
            p->s++;
        sb_putc(out, *p->s++);
    }
    if (*p->s != '"')
        p->bad = 1;
    else
        p->s++;
    if (!out->s)
        sb_puts(out, "");
}

static int64_t jp_int(struct jp *p)
{
    char *end;
    long long v;

    jp_ws(p);
    errno = 0;
    v = strtoll(p->s, &end, 10);
    if (end == p->s || errno)
        p->bad = 1;
    p->s = end;
    return v;
}

struct run_result {
    int64_t *final;
    int failed;                     /* a task raised */
    int deadlock;
    int64_t wall_ns;
    struct strbuf failed_labels;    /* "A, B" */
};

/* Parse {"final": {...}, "failed": [...], "deadlock": true, "wall_ns": N}. */
static int parse_result(const char *line, const struct program *P,
                        struct run_result *rr)
{
    struct jp p = {line, 0};
    struct strbuf key, name;
    int seen_final = 0;

    sb_init(&key);
    sb_init(&name);
    if (!jp_eat(&p, '{'))
        return -1;
    while (!p.bad && !jp_eat(&p, '}')) {
        jp_string(&p, &key);
        if (p.bad || !jp_eat(&p, ':'))
            break;
        if (strcmp(key.s, "final") == 0) {
            seen_final = 1;
            if (!jp_eat(&p, '{')) {
                p.bad = 1;
                break;
            }
            while (!p.bad && !jp_eat(&p, '}')) {
                int64_t v;

                jp_string(&p, &name);
                if (p.bad || !jp_eat(&p, ':')) {
                    p.bad = 1;
                    break;
                }
                v = jp_int(&p);
                for (int g = 0; g < P->nglobals; g++)
                    if (strcmp(P->global_names[g], name.s) == 0)
                        if (vm_box(P, v, &rr->final[g]))
                            rr->final[g] = v;   /* cannot happen */
                jp_eat(&p, ',');
            }
        } else if (strcmp(key.s, "failed") == 0) {
            if (!jp_eat(&p, '[')) {
                p.bad = 1;
                break;
            }
            while (!p.bad && !jp_eat(&p, ']')) {
                jp_string(&p, &name);
                if (rr->failed_labels.len)
                    sb_puts(&rr->failed_labels, ", ");
                sb_puts(&rr->failed_labels, name.s ? name.s : "");
                rr->failed = 1;
                jp_eat(&p, ',');
            }
        } else if (strcmp(key.s, "deadlock") == 0) {
            jp_ws(&p);
            if (strncmp(p.s, "true", 4) == 0)
                rr->deadlock = 1, p.s += 4;
            else if (strncmp(p.s, "false", 5) == 0)
                p.s += 5;
            else
                p.bad = 1;
        } else if (strcmp(key.s, "wall_ns") == 0) {
            rr->wall_ns = jp_int(&p);
        } else {
            p.bad = 1;
        }
        jp_eat(&p, ',');
    }
    sb_done(&key);
    sb_done(&name);
    return p.bad || !seen_final ? -1 : 0;
}

/* ---- the runs ----------------------------------------------------------------- */

static int64_t median64(const int64_t *v, int n)
{
    return n ? (v[(n - 1) / 2] + v[n / 2]) / 2 : 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Outcomes sorted as real's: ok first, then failed, then deadlocks; within
 * a status by final values (ng_sort of them, numbers of the program
 * P_sort: qsort has no context). */
static _Thread_local int ng_sort;
static _Thread_local const struct program *P_sort;
static int oc_qcmp(const void *a, const void *b)
{
    const struct real_outcome *x = a, *y = b;

    if (x->status != y->status)
        return (int)x->status - (int)y->status;
    for (int g = 0; g < ng_sort; g++) {
        int64_t u = vm_num(P_sort, x->final[g]);
        int64_t v = vm_num(P_sort, y->final[g]);

        if (u != v)
            return u < v ? -1 : 1;
    }
    if (x->why && y->why)
        return strcmp(x->why, y->why);
    return (x->why != NULL) - (y->why != NULL);
}

static void add_outcome(struct real_result *res, const struct run_result *rr,
                        int ng, int run)
{
    enum trace_status st = rr->deadlock ? TRACE_DEADLOCK :
                           rr->failed ? TRACE_FAILED : TRACE_OK;
    struct strbuf why;
    struct real_outcome *oc;

    sb_init(&why);
    if (rr->deadlock)
        sb_puts(&why, "the tasks were not done within the bound "
                "(a deadlock, or too slow)");
    if (rr->failed)
        sb_printf(&why, "%s%s stopped with an exception", why.len ? "; " : "",
                  rr->failed_labels.s);
    for (int i = 0; i < res->noutcomes; i++) {
        oc = &res->outcomes[i];
        if (oc->status == st &&
            memcmp(oc->final, rr->final, sizeof(int64_t) * (size_t)ng) == 0 &&
            strcmp(oc->why ? oc->why : "", why.s ? why.s : "") == 0) {
            oc->count++;
            sb_done(&why);
            return;
        }
    }
    res->outcomes = xrealloc(res->outcomes, sizeof(*res->outcomes) *
                             (size_t)(res->noutcomes + 1));
    oc = &res->outcomes[res->noutcomes++];
    memset(oc, 0, sizeof(*oc));
    oc->status = st;
    oc->final = xmalloc(sizeof(int64_t) * (size_t)(ng + 1));
    memcpy(oc->final, rr->final, sizeof(int64_t) * (size_t)ng);
    oc->count = 1;
    oc->first_run = run;
    oc->why = why.len ? sb_steal(&why) : NULL;
    sb_done(&why);
}

struct real_result *cpython_run(const struct lesson *L, int scene,
                                const struct scene_config *cfg,
                                const struct cpython_options *o,
                                int64_t *elapsed_ns, struct strbuf *err)
{
    const struct program *P = L->prog;
    const char *tmpdir = getenv("TMPDIR");
    struct strbuf dir, file, prog;
    struct real_result *res;
    int64_t *sorted, limit_ns;
    uint64_t t0;
    int fd;
    char *argv[3];

    sb_init(&dir);
    sb_init(&file);
    sb_init(&prog);
    sb_printf(&dir, "%s/taketurns-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir.s)) {
        sb_printf(err, "cannot make a temporary directory %s: %s", dir.s,
                  strerror(errno));
        sb_done(&dir);
        return NULL;
    }
    /* scene_ keeps a scene named like a module (queue) from hiding it */
    sb_printf(&file, "%s/scene_%s.py", dir.s, L->scenes[scene].name);
    export_python(L, scene, cfg, &o->ex, &prog, NULL);
    fd = open(file.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, prog.s, prog.len) != (ssize_t)prog.len) {
        sb_printf(err, "cannot write %s: %s", file.s, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(file.s);
        rmdir(dir.s);
        sb_done(&dir), sb_done(&file), sb_done(&prog);
        return NULL;
    }
    close(fd);
    sb_done(&prog);

    res = xcalloc(1, sizeof(*res));
    sb_init(&res->notes);
    res->scene = scene;
    res->backend = "cpython";
    res->detail = "CPython";
    res->runs_asked = o->runs;
    res->tick_ns = o->ex.tick_ns;
    res->nspaces = 1;
    res->nglobals = P->nglobals;
    res->walls = xcalloc((size_t)o->runs + 1, sizeof(int64_t));
    res->wall_ns.min = res->wall_ns.median = res->wall_ns.max = 0;
    limit_ns = (int64_t)((o->ex.bound_s + CPY_STARTUP_S) * 1e9);
    argv[0] = (char *)o->python;
    argv[1] = file.s;
    argv[2] = NULL;
    t0 = rclock_mono_ns();
    for (int run = 0; run < o->runs; run++) {
        struct child_run cr;
        struct run_result rr;
        const char *line;

        memset(&rr, 0, sizeof(rr));
        if (o->cancel && atomic_load(o->cancel)) {
            res->stopped = 1;
            break;
        }
        if (spawn(argv, limit_ns, o->cancel, &cr) < 0) {
            sb_printf(err, "cannot start '%s': %s", o->python, strerror(errno));
            goto fail;
        }
        if (cr.exec_errno) {
            sb_printf(err, "cannot run '%s': %s", o->python,
                      strerror(cr.exec_errno));
            child_done(&cr);
            goto fail;
        }
        if (cr.cancelled) {
            child_done(&cr);
            res->stopped = 1;
            break;
        }
        rr.final = xcalloc((size_t)P->nglobals + 1, sizeof(int64_t));
        sb_init(&rr.failed_labels);
        line = last_line(&cr.out);
        if (cr.timed_out || parse_result(line, P, &rr) < 0) {
            sb_printf(err, "run %d of the exported program (%s) printed no "
                      "result: ", run + 1, file.s);
            describe_exit(&cr, err);
            err_gist(&cr.err, err);
            free(rr.final);
            sb_done(&rr.failed_labels);
            child_done(&cr);
            goto fail;
        }
        add_outcome(res, &rr, P->nglobals, run);
        res->walls[run] = rr.wall_ns;
        res->runs++;
        res->nfailed += rr.failed && !rr.deadlock;
        res->ndeadlock += rr.deadlock;
        free(rr.final);
        sb_done(&rr.failed_labels);
        child_done(&cr);
        if (o->progress)
            o->progress(o->progress_arg, res->runs, o->runs);
    }
    *elapsed_ns = (int64_t)(rclock_mono_ns() - t0);
    unlink(file.s);
    rmdir(dir.s);
    sb_done(&dir), sb_done(&file);
    sorted = xmalloc(sizeof(int64_t) * (size_t)(res->runs + 1));
    memcpy(sorted, res->walls, sizeof(int64_t) * (size_t)res->runs);
    qsort(sorted, (size_t)res->runs, sizeof(int64_t), cmp_i64);
    res->wall_ns.min = res->runs ? sorted[0] : 0;
    res->wall_ns.max = res->runs ? sorted[res->runs - 1] : 0;
    res->wall_ns.median = median64(sorted, res->runs);
    free(sorted);
    res->median_run = real_median_run(res->walls, res->runs);
    res->median_kept = -1;      /* CPython's runs are not traced */
    ng_sort = P->nglobals;
    P_sort = P;
    qsort(res->outcomes, (size_t)res->noutcomes, sizeof(*res->outcomes),
          oc_qcmp);
    return res;

fail:
    unlink(file.s);
    rmdir(dir.s);
    sb_done(&dir), sb_done(&file);
    real_result_free(res);
    return NULL;
}
