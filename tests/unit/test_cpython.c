/* test_cpython.c - the bytecode is CPython 3.13's, checked against CPython.
 *
 * the files tests/cpython/NAME.txt were recorded from a real CPython 3.13 by
 * tests/cpython/record.py (make cpython-golden): for every function of a
 * lesson, the instructions `python3.13 -m dis` lists (handler blocks aside),
 * and for every scene, the ops CPython executes when the scene's tasks run
 * one after another.  This test compiles the same lessons and compares:
 * `taketurns dis` must list the same instructions with the same arguments,
 * labels and lines, and a sequential simulation must execute the same ops
 * in the same order (the tracer cannot see RESUME, nor the RETURN_GENERATOR
 * and POP_TOP that start a coroutine, so those are left out here too).
 * No CPython is needed to run it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "lesson.h"
#include "program.h"
#include "sim.h"
#include "testhelp.h"
#include "trace.h"

struct rec {
    char **f;       /* tab-separated fields */
    int n;
};

static int split(char *line, char **f, int max)
{
    int n = 0;

    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

static int func_index(const struct program *P, const char *name)
{
    for (int i = 0; i < P->nfuncs; i++)
        if (strcmp(P->funcs[i].name, name) == 0)
            return i;
    return -1;
}

/* Our listing of instruction pc as the recorder writes it. */
static void dis_line(const struct program *P, uint32_t pc, struct strbuf *out)
{
    sb_clear(out);
    if (P->pos[pc].line < 0)
        sb_puts(out, "-");
    else
        sb_printf(out, "%d", P->pos[pc].line);
    sb_printf(out, "\t%s\t", op_info[P->code[pc].op].name);
    program_format_arg(P, pc, out);
    sb_putc(out, '\t');
    if (P->label[pc])
        sb_printf(out, "L%u", (unsigned)P->label[pc]);
}

/* Is the op at pc one the tracer sees? */
static int traced(const struct program *P, uint32_t pc)
{
    const struct func *fn = &P->funcs[P->func_of[pc]];

    if (P->code[pc].op == OP_RESUME)
        return 0;
    if (fn->is_async && pc < fn->code_start + 2)
        return 0;
    return 1;
}

struct golden_task {
    const char *label, *status;
    char **ops;     /* "LINE\tOP" */
    int nops;
    size_t cap;
};

static void check_scene(const char *file, const struct lesson *L,
                        const char *scene, struct golden_task *gt, int ngt)
{
    int sc = lesson_find_scene(L, scene);
    struct scene_config cfg;
    struct sim *s;
    struct trace *tr;
    struct strbuf got;
    int *pos;

    if (sc < 0) {
        printf("FAIL %s: scene %s is not in the lesson\n", file, scene);
        return;
    }
    cfg = L->scenes[sc].cfg;
    /* asyncio tasks started by code run on the thread of the coroutine
     * that started them: CPython's tracer sees their ops mixed into its
     * own, in an order of its loop (every wait zero), so only the
     * bytecode (above) is compared for such a scene. */
    if (cfg.mode == MODE_ASYNCIO &&
        L->scenes[sc].ntasks > L->scenes[sc].nrun) {
        printf("ok %s %s: its asyncio tasks share one thread: its bytecode "
               "is compared, not the ops run\n", file, scene);
        return;
    }
    /* Threads started by code need threads; one CPU and one quantum
     * longer than any task runs each of them start to end, and only the
     * run lines' tasks are compared (CPython's tracer saw those); a
     * process pool's workers need processes. */
    if (L->scenes[sc].ntasks > L->scenes[sc].nrun) {
        if (cfg.mode != MODE_PROCESSES)
            cfg.mode = MODE_THREADS;
        cfg.cpus = 1;
        cfg.quantum = 1 << 20;
    } else {
        cfg.mode = MODE_SEQUENTIAL;
    }
    s = sim_new(L, sc, &cfg, NULL, 1);
    sim_run(s);
    tr = sim_trace(s);
    pos = xcalloc((size_t)ngt + 1, sizeof(int));
    sb_init(&got);
    for (int t = 0; t < ngt; t++) {
        int k = 0, ok = 1, whole = strcmp(gt[t].status, "ok") == 0 ||
                                   strncmp(gt[t].status, "error", 5) == 0;
        size_t i;

        for (i = 0; i < tr->nops && ok; i++) {
            const struct trace_op op = trace_op_get(tr, i);

            if (op.task != t || !traced(L->prog, op.pc))
                continue;
            if (k == gt[t].nops) {
                if (whole) {
                    printf("FAIL %s %s %s: the simulation runs more ops than "
                           "CPython (%d); the next is %s at line %d\n", file,
                           scene, gt[t].label, gt[t].nops,
                           op_info[L->prog->code[op.pc].op].name,
                           L->prog->pos[op.pc].line);
                    ok = 0;
                }
                break;
            }
            sb_clear(&got);
            sb_printf(&got, "%d\t%s", L->prog->pos[op.pc].line,
                      op_info[L->prog->code[op.pc].op].name);
            if (strcmp(got.s, gt[t].ops[k]) != 0) {
                printf("FAIL %s %s %s: op %d is '%s', CPython ran '%s'\n",
                       file, scene, gt[t].label, k, got.s, gt[t].ops[k]);
                ok = 0;
            }
            k++;
        }
        if (ok && k < gt[t].nops && whole) {
            printf("FAIL %s %s %s: the simulation ran %d ops, CPython %d\n",
                   file, scene, gt[t].label, k, gt[t].nops);
            ok = 0;
        }
        if (ok)
            printf("ok %s %s %s: %d ops as CPython 3.13 ran them\n", file,
                   scene, gt[t].label, k);
        else
            test_failed++;
    }
    free(pos);
    sb_done(&got);
    sim_free(s);
}

static void check_file(const char *dir, const char *name)
{
    char path[1024], lpath[1024];
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    struct diag d;
    struct lesson *L;
    struct strbuf ours;
    int fn = -1;
    uint32_t at = 0;
    int dis_ok = 1;
    char *scene = NULL;
    struct golden_task gt[LESSON_MAX_TASKS];
    int ngt = 0;
    size_t len = strlen(name);

    snprintf(path, sizeof(path), "%s/cpython/%s", dir, name);
    snprintf(lpath, sizeof(lpath), "%s/cpython/%.*s.lesson", dir,
             (int)(len - 4), name);
    if (access(lpath, R_OK) != 0)   /* else one of the lessons */
        snprintf(lpath, sizeof(lpath), "%s/../lessons/%.*s.lesson", dir,
                 (int)(len - 4), name);
    diag_init(&d);
    L = lesson_load(lpath, &d);
    if (!L) {
        printf("FAIL %s does not load:\n%s", lpath, d.text.s);
        test_failed++;
        diag_done(&d);
        return;
    }
    diag_done(&d);
    f = fopen(path, "r");
    if (!f) {
        printf("FAIL cannot open %s\n", path);
        test_failed++;
        lesson_free(L);
        return;
    }
    sb_init(&ours);
    memset(gt, 0, sizeof(gt));
    for (;;) {
        ssize_t n = getline(&line, &cap, f);
        char *fld[8];
        int nf;

        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        nf = n < 0 ? 0 : split(line, fld, 8);
        /* the end of a function's listing or of a scene */
        if (n < 0 || (nf && (strcmp(fld[0], "func") == 0 ||
                             strcmp(fld[0], "scene") == 0))) {
            if (fn >= 0) {
                const struct func *F = &L->prog->funcs[fn];

                if (dis_ok && at != F->ncode) {
                    printf("FAIL %s %s: dis lists %u instructions, CPython "
                           "%u\n", name, F->name, F->ncode, at);
                    dis_ok = 0;
                }
                if (dis_ok)
                    printf("ok %s dis %s: %u instructions as python3.13 -m "
                           "dis lists them\n", name, F->name, at);
                else
                    test_failed++;
                fn = -1;
            }
            if (scene) {
                check_scene(name, L, scene, gt, ngt);
                for (int t = 0; t < ngt; t++) {
                    for (int k = 0; k < gt[t].nops; k++)
                        free(gt[t].ops[k]);
                    free(gt[t].ops);
                    free((char *)gt[t].label);
                    free((char *)gt[t].status);
                }
                memset(gt, 0, sizeof(gt));
                ngt = 0;
                free(scene);
                scene = NULL;
            }
        }
        if (n < 0)
            break;
        if (nf < 2 || line[0] == '#')
            continue;
        if (strcmp(fld[0], "func") == 0) {
            fn = func_index(L->prog, fld[1]);
            at = 0;
            dis_ok = 1;
            if (fn < 0) {
                printf("FAIL %s: no function %s\n", name, fld[1]);
                test_failed++;
            }
        } else if (strcmp(fld[0], "dis") == 0 && fn >= 0 && nf >= 5) {
            const struct func *F = &L->prog->funcs[fn];
            char want[512];

            if (!dis_ok)
                continue;
            snprintf(want, sizeof(want), "%s\t%s\t%s\t%s", fld[1], fld[2],
                     fld[3], fld[4]);
            if (at >= F->ncode) {
                printf("FAIL %s %s: CPython lists more instructions: %s\n",
                       name, F->name, want);
                dis_ok = 0;
                continue;
            }
            dis_line(L->prog, F->code_start + at, &ours);
            if (strcmp(ours.s, want) != 0) {
                printf("FAIL %s %s: instruction %u is '%s', CPython lists "
                       "'%s'\n", name, F->name, at, ours.s, want);
                dis_ok = 0;
            }
            at++;
        } else if (strcmp(fld[0], "scene") == 0) {
            scene = xstrdup(fld[1]);
        } else if (strcmp(fld[0], "task") == 0 && nf >= 5 &&
                   ngt < LESSON_MAX_TASKS) {
            gt[ngt].label = xstrdup(fld[1]);
            gt[ngt].status = xstrdup(fld[4]);
            ngt++;
        } else if (strcmp(fld[0], "op") == 0 && ngt > 0 && nf >= 3) {
            struct golden_task *g = &gt[ngt - 1];

            XGROW(g->ops, g->cap, (size_t)g->nops + 1);
            g->ops[g->nops++] = xasprintf("%s\t%s", fld[1], fld[2]);
        }
    }
    free(line);
    fclose(f);
    sb_done(&ours);
    lesson_free(L);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *dir = getenv("TT_TESTS");
    char path[1024];
    DIR *dp;
    struct dirent *de;
    char *names[256];
    int n = 0;

    if (!dir)
        dir = "tests";
    snprintf(path, sizeof(path), "%s/cpython", dir);
    dp = opendir(path);
    CHECK(dp != NULL);
    if (!dp)
        return 1;
    while ((de = readdir(dp)) != NULL && n < 256) {
        size_t len = strlen(de->d_name);

        if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0)
            names[n++] = xstrdup(de->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof(names[0]), by_name);
    /* every shipped lesson and the construct lesson have a record */
    CHECK(n >= 15);
    for (int i = 0; i < n; i++) {
        check_file(dir, names[i]);
        free(names[i]);
    }
    return test_failed ? 1 : 0;
}
