/* spawn.c - lanes for the threads a scene's code starts.
 *
 * A scene's tasks come from its run lines, and from threading.Thread calls
 * in the code they run.  Every task has a lane from tick 0, so that traces,
 * schedules, the explorer and the UI see a fixed set of tasks; the threads
 * that code starts are found by running the scene once (its own settings)
 * and counting them.  They are added after the run-line tasks, in the
 * order they were made, labelled as Python names them (name=, or Thread-N)
 * and not started until start() is called.  A later run that makes more
 * threads than this first one stops that thread with an error (ERR_SPAWN).
 */
#include <string.h>

#include "sim.h"
#include "spawn.h"

static int has_thread_calls(const struct program *P)
{
    for (uint32_t pc = 0; pc < P->ncode; pc++)
        if (sim_is_spawn_call(P, pc))
            return 1;
    return 0;
}

static int add_spawned(struct lesson *L, int i, struct diag *d)
{
    struct scene *sc = &L->scenes[i];
    struct sim_spawn found[LESSON_MAX_TASKS];
    struct scene_task *tasks;
    uint32_t mode_pc;
    int n = sim_discover(L, i, &sc->cfg, found,
                         LESSON_MAX_TASKS - sc->nrun, &mode_pc);

    if (mode_pc != UINT32_MAX && L->prog->code[mode_pc].kind == CK_POOL_NEW) {
        int proc = L->prog->code[mode_pc].sub;  /* ProcessPoolExecutor */

        diag_error(d, L->src, L->prog->pos[mode_pc].line,
                   L->prog->pos[mode_pc].col, "concurrent.futures.%s, but "
                   "scene '%s' runs in mode %s: use mode %s",
                   proc ? "ProcessPoolExecutor forks processes" :
                   "ThreadPoolExecutor starts OS threads", sc->name,
                   mode_name(sc->cfg.mode),
                   proc ? "processes" : "threads or gil");
        return -1;
    }
    if (mode_pc != UINT32_MAX && L->prog->code[mode_pc].kind == CK_THREAD) {
        diag_error(d, L->src, L->prog->pos[mode_pc].line,
                   L->prog->pos[mode_pc].col, "threading.Thread starts an "
                   "OS thread, but scene '%s' runs in mode %s: use mode "
                   "threads or gil", sc->name, mode_name(sc->cfg.mode));
        return -1;
    }
    if (mode_pc != UINT32_MAX) {
        diag_error(d, L->src, L->prog->pos[mode_pc].line,
                   L->prog->pos[mode_pc].col, "asyncio.%s needs an "
                   "event loop, but scene '%s' runs in mode %s: use mode "
                   "asyncio", L->prog->code[mode_pc].kind == CK_GATHER ?
                   "gather" : "create_task", sc->name,
                   mode_name(sc->cfg.mode));
        return -1;
    }
    if (n == 0)
        return 0;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < sc->nrun + k; j++) {
            const char *other = j < sc->nrun ? sc->tasks[j].label :
                                found[j - sc->nrun].label;

            if (strcmp(other, found[k].label) == 0) {
                diag_error(d, L->src, L->prog->pos[found[k].pc].line,
                           L->prog->pos[found[k].pc].col, "scene '%s' "
                           "already has a task named '%s': give each "
                           "thread its own name=", sc->name, found[k].label);
                return -1;
            }
        }
    tasks = arena_alloc(&L->arena, sizeof(*tasks) * (size_t)(sc->nrun + n));
    memcpy(tasks, sc->tasks, sizeof(*tasks) * (size_t)sc->nrun);
    for (int k = 0; k < n; k++) {
        struct scene_task *st = &tasks[sc->nrun + k];

        memset(st, 0, sizeof(*st));
        st->label = arena_strdup(&L->arena, found[k].label);
        st->func = found[k].func;
        st->func_name = L->prog->funcs[found[k].func].name;
        st->line = L->prog->pos[found[k].pc].line;
        st->col = L->prog->pos[found[k].pc].col;
        st->spawned = 1;
        st->pooled = found[k].pooled;
    }
    sc->tasks = tasks;
    sc->ntasks = sc->nrun + n;
    return 0;
}

int spawn_add_tasks(struct lesson *L, struct diag *d)
{
    if (!has_thread_calls(L->prog))
        return 0;
    for (int i = 0; i < L->nscenes; i++)
        if (add_spawned(L, i, d) < 0)
            return -1;
    return 0;
}
