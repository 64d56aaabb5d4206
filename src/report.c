/* report.c - text, JSON and ASCII-chart views of a trace. */
#include "report.h"
#include "lanes.h"

#include <stdio.h>

#include <string.h>

#include "sync.h"
#include "vm.h"

/* ---- small pieces ----------------------------------------------------------- */

static const char *label(const struct report *r, int t)
{
    return t >= 0 && t < r->tr->ntasks ? r->tr->labels[t] : "?";
}

/* "tick"/"ticks" for simulated traces, "ns" for real ones. */
static const char *units(const struct trace *tr, int64_t n)
{
    return strcmp(tr->unit, "tick") != 0 ? tr->unit : n == 1 ? "tick" : "ticks";
}

static const char *lock_name(const struct report *r, int lock)
{
    const struct program *P = r->L->prog;

    return lock >= 0 && lock < P->nlocks ? P->lock_names[lock] : "?";
}

static int is_lock(const struct report *r, int obj)
{
    const struct program *P = r->L->prog;

    return obj >= 0 && obj < P->nlocks && sync_is_lock(P->lock_kind[obj]);
}

/* What a task waits for in sync object obj (queue: the queue it is in),
 * after "waits for ". */
static void wait_text(struct strbuf *out, const struct report *r, int obj,
                      int queue, int holder, int task)
{
    const struct program *P = r->L->prog;

    if (obj < 0 || obj >= P->nlocks) {
        sb_puts(out, "?");
        return;
    }
    sync_wait_text(P->lock_kind[obj], queue, P->lock_names[obj],
                   holder == task ? "itself" : holder >= 0 ?
                   label(r, holder) : NULL, out);
}

/* The real system, in a few words for a scene line. */
const char *report_runtime_short(const struct scene_config *c)
{
    switch (c->mode) {
    case MODE_SEQUENTIAL: return "plain Python";
    case MODE_THREADS: return "free-threaded or C: no GIL";
    case MODE_GIL:
        return c->checkpoints == CHECK_EVERY_OP ? "Python 3.9 or older" :
               "CPython 3.13";
    case MODE_ASYNCIO: return "CPython 3.13";
    case MODE_PROCESSES: return "multiprocessing, fork";
    default: return "?";
    }
}

/* The settings, in full or (brief) in the fewest words that still name
 * the model. */
static void settings(struct strbuf *out, const struct scene_config *c,
                     int brief)
{
    if (!brief)
        sb_printf(out, "%s (%s)", mode_name(c->mode), report_runtime_short(c));
    else if (c->mode == MODE_THREADS)
        sb_puts(out, "threads (no GIL)");
    else if (c->mode == MODE_GIL)
        sb_printf(out, "gil (%s)", c->checkpoints == CHECK_EVERY_OP ?
                  "Python 3.9" : "CPython 3.13");
    else
        sb_puts(out, mode_name(c->mode));
    switch (c->mode) {
    case MODE_SEQUENTIAL:
        sb_puts(out, brief ? ", one after another" : ", one task after another");
        break;
    case MODE_ASYNCIO:
        sb_puts(out, ", one event loop");
        break;
    case MODE_GIL:
        /* checkpoints every-op is what "Python 3.9 or older" means */
        sb_printf(out, ", %s %d", brief ? "interval" : "switch interval",
                  c->switch_interval);
        break;
    case MODE_THREADS:
    case MODE_PROCESSES:
        sb_printf(out, ", %d CPU%s", c->cpus, c->cpus == 1 ? "" : "s");
        if (c->preempt == PREEMPT_RANDOM && brief)
            sb_printf(out, ", random 1 in %d, seed %llu", c->quantum,
                      (unsigned long long)c->seed);
        else if (c->preempt == PREEMPT_RANDOM)
            sb_printf(out, ", random preemption (1 in %d ticks, seed %llu)",
                      c->quantum, (unsigned long long)c->seed);
        else
            sb_printf(out, ", quantum %d", c->quantum);
        if (c->mode == MODE_PROCESSES)
            sb_printf(out, ", spawn cost %d", c->spawn_cost);
        break;
    case MODE_COUNT:
        break;
    }
    if (c->schedule && brief)
        sb_puts(out, ", scripted");
    else if (c->schedule)
        sb_printf(out, ", schedule \"%s\"", c->schedule);
}

void report_settings(struct strbuf *out, const struct scene_config *c)
{
    settings(out, c, 0);
}

void report_settings_brief(struct strbuf *out, const struct scene_config *c)
{
    settings(out, c, 1);
}

void report_call(struct strbuf *out, const struct lesson *L, int scene, int t)
{
    const struct scene_task *st = &L->scenes[scene].tasks[t];

    if (st->spawned) {
        /* its arguments are the threading.Thread call's */
        sb_printf(out, "%s(...) from line %d", st->func_name, st->line);
        return;
    }
    sb_printf(out, "%s(", st->func_name);
    for (int i = 0; i < st->nargs; i++)
        sb_printf(out, "%s%lld", i ? ", " : "", (long long)st->args[i]);
    sb_putc(out, ')');
}

void report_memory(struct strbuf *out, const struct program *P,
                   const struct trace *tr, int space)
{
    if (P->nglobals == 0) {
        sb_puts(out, "(no module variables)");
        return;
    }
    for (int g = 0; g < P->nglobals; g++) {
        sb_printf(out, "%s%s = ", g ? ", " : "", P->global_names[g]);
        vm_format_value(P, tr->final ? tr->final[space * P->nglobals + g] :
                        P->global_init[g], out);
    }
}

const char *report_op_meaning(int op, enum mode mode)
{
    static const struct {
        int op;
        const char *words;
    } no_gil[] = {
        {OP_RESUME, "start (0) or resume after an await (3)"},
        {OP_JUMP_BACKWARD, "jump back to the top of the loop"},
        {OP_JUMP_BACKWARD_NO_INTERRUPT, "jump back to SEND"},
        {OP_CALL, "call a function"},
    };

    if (op == OP_LOAD_GLOBAL && mode == MODE_PROCESSES)
        return "read a module variable (this process's own copy) onto the "
               "stack";
    if (op == OP_LOAD_GLOBAL && mode != MODE_THREADS && mode != MODE_GIL)
        return "read a module variable (shared by every task) onto the stack";
    for (size_t i = 0; mode != MODE_GIL && i < TT_ARRAY_LEN(no_gil); i++)
        if (no_gil[i].op == op)
            return no_gil[i].words;
    return op_info[op].desc;
}

void report_op_effect(struct strbuf *out, const struct program *P,
                      const struct trace_op *op)
{
    const struct instr *in = &P->code[op->pc];
    const struct func *fn = &P->funcs[P->func_of[op->pc]];
    long long v = (long long)vm_num(P, op->value);

    switch (op->status) {
    case VM_ERROR:
        return;
    case VM_COMPUTE:
        sb_printf(out, "%lld tick%s of CPU work", v > 0 ? v : 1,
                  v > 1 ? "s" : "");
        return;
    case VM_SLEEP:
        sb_printf(out, "sleeps %lld ticks (blocking)", v);
        return;
    case VM_IO:
        sb_printf(out, "waits %lld ticks for I/O (blocking)", v);
        return;
    case VM_AWAIT_SLEEP:
        sb_printf(out, "yields to the event loop for %lld ticks", v);
        return;
    case VM_AWAIT_IO:
        sb_printf(out, "yields to the event loop; I/O takes %lld ticks", v);
        return;
    default:
        break;
    }
    switch ((enum opcode)in->op) {
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_CHECK:
    case OP_STORE_FAST:
        sb_printf(out, "%s %s ", fn->local_names[in->a],
                  in->op == OP_STORE_FAST ? "=" : "is");
        vm_format_value(P, op->value, out);
        break;
    case OP_LOAD_GLOBAL:
        if (in->a >= 0) {
            sb_printf(out, "reads %s: ", P->global_names[in->a]);
            vm_format_value(P, op->value, out);
        }
        break;
    case OP_STORE_GLOBAL:
        sb_printf(out, "writes %s = ", P->global_names[in->a]);
        vm_format_value(P, op->value, out);
        break;
    case OP_BINARY_OP:
    case OP_UNARY_NEGATIVE:
        sb_printf(out, "result %lld", v);
        break;
    case OP_COMPARE_OP:
    case OP_UNARY_NOT:
    case OP_TO_BOOL:
        sb_puts(out, v ? "True" : "False");
        break;
    case OP_POP_JUMP_IF_FALSE:
        sb_puts(out, v ? "true: goes on" : "false: jumps");
        break;
    case OP_POP_JUMP_IF_TRUE:
        sb_puts(out, v ? "true: jumps" : "false: goes on");
        break;
    case OP_FOR_ITER:
        if (op->value == VM_UNSET)
            sb_puts(out, in->c ? "list done: leaves the loop" :
                    "range done: leaves the loop");
        else if (!vm_is_num(op->value))
            vm_format_value(P, op->value, out);
        else
            sb_printf(out, "next value %lld", v);
        break;
    case OP_CALL:
        if (in->kind == CK_FUNC || in->kind == CK_ASYNC_FUNC)
            sb_printf(out, "calls %s", P->funcs[in->b].name);
        break;
    case OP_RETURN_VALUE:
        if (vm_is_num(op->value))
            sb_printf(out, "returns %lld", v);
        break;
    default:
        break;
    }
}

/* ", B runs" / ", B takes it" when we know who came next. */
static void next_runs(struct strbuf *out, const struct report *r,
                      const struct trace_event *ev)
{
    if (ev->other < 0)
        return;
    if (r->cfg->mode == MODE_GIL)
        sb_printf(out, "; %s takes the GIL", label(r, ev->other));
    else
        sb_printf(out, "; %s runs", label(r, ev->other));
}

/* What the event loop does while a coroutine awaits at ev: it runs
 * another task only if one is ready; with every other task waiting it
 * sleeps until a wait is over (asyncio's select() with a timeout), and with
 * none left it waits for this one. */
static const char *loop_meanwhile(const struct report *r,
                                  const struct trace_event *ev)
{
    int ready = ev->other >= 0 && ev->other != ev->task, waiting = 0;

    for (int k = 0; k < r->tr->ntasks && !ready; k++) {
        const struct trace_span *sp = trace_span_at(r->tr, k, ev->t);

        if (k == ev->task || !sp)
            continue;
        switch ((enum task_state)sp->state) {
        case TS_STARTING:
        case TS_READY:
        case TS_RUNNING:
        case TS_GIL_WAIT:
            ready = 1;
            break;
        case TS_BLOCKED:
        case TS_LOCK_WAIT:
            waiting = 1;
            break;
        case TS_NEW:
        case TS_DONE:
        case TS_FAILED:
        case TS_COUNT:
            break;
        }
    }
    if (ready)
        return ": the loop runs others meanwhile";
    if (waiting)
        return ": nothing else is ready: the loop sleeps";
    return ": no other task is left: the loop waits";
}

static void explain_switch(struct strbuf *out, const struct report *r,
                           const struct trace_event *ev)
{
    const char *A = label(r, ev->task);
    int gil = r->cfg->mode == MODE_GIL;

    switch ((enum switch_reason)ev->reason) {
    case SW_QUANTUM:
        sb_printf(out, "%s preempted: its quantum of %d tick%s is used up", A,
                  ev->arg, ev->arg == 1 ? "" : "s");
        break;
    case SW_RANDOM:
        sb_printf(out, "%s preempted by a timer interrupt (random, seed "
                  "%llu)", A, (unsigned long long)r->cfg->seed);
        break;
    case SW_SCHEDULE:
        sb_printf(out, "%s switched out: the schedule gives the next turn to "
                  "another task", A);
        break;
    case SW_GIL_DROP:
        sb_printf(out, "%s drops the GIL at a checkpoint: a waiting thread "
                  "asked for it", A);
        break;
    case SW_AWAIT:
        if (ev->arg == 0 && ev->other == ev->task) {
            sb_printf(out, "%s yields at await sleep(0); nothing else is "
                      "ready: %s runs again", A, A);
            return;
        }
        if (ev->arg == 0)
            sb_printf(out, "%s yields at await sleep(0)", A);
        else
            sb_printf(out, "%s yields at await %s(%d)%s", A,
                      ev->arg2 == VM_AWAIT_IO ? "io" : "sleep", ev->arg,
                      loop_meanwhile(r, ev));
        break;
    case SW_SLEEP:
        sb_printf(out, gil ? "%s releases the GIL and sleeps %d tick%s" :
                  "%s blocks in sleep(%d)%s", A, ev->arg,
                  gil ? (ev->arg == 1 ? "" : "s") : "");
        break;
    case SW_IO:
        sb_printf(out, gil ? "%s releases the GIL to wait %d tick%s for I/O" :
                  "%s blocks, waiting %d tick%s for I/O", A, ev->arg,
                  ev->arg == 1 ? "" : "s");
        break;
    case SW_LOCK:
        if (!is_lock(r, ev->arg2) || ev->arg < 0) {
            /* arg: -1 - the queue it waits in (sync_wait_arg) */
            sb_printf(out, "%s waits for ", A);
            wait_text(out, r, ev->arg2, -1 - ev->arg, -1, ev->task);
        } else {
            sb_printf(out, "%s blocks on lock %s, held by %s", A,
                      lock_name(r, ev->arg2), ev->arg == ev->task ? "itself" :
                      label(r, ev->arg));
        }
        break;
    case SW_JOIN:
        if (r->cfg->mode == MODE_ASYNCIO && ev->arg2 > 0)
            sb_printf(out, "%s awaits asyncio.gather(): it waits until all "
                      "its tasks are done (%d not yet, %s first)", A,
                      ev->arg2, label(r, ev->arg));
        else if (r->cfg->mode == MODE_ASYNCIO)
            sb_printf(out, "%s awaits %s: it waits until that task is "
                      "done", A, label(r, ev->arg));
        else if (ev->arg2 == TRACE_WORK_MARK)
            sb_printf(out, "%s leaves the pool's with block: shutdown"
                      "(wait=True) waits until every worker has finished "
                      "(%s first)", A, label(r, ev->arg));
        else
            sb_printf(out, "%s waits in join() for %s to finish", A,
                      label(r, ev->arg));
        break;
    case SW_WORK:
        sb_printf(out, "%s has no job: it waits in the pool's queue for the "
                  "next (an idle worker)", A);
        break;
    case SW_RESULT:
        sb_printf(out, "%s waits in result() until job %d is done", A,
                  (int)ev->arg + 1);
        break;
    case SW_NONE:
    case SW_COUNT:
        sb_printf(out, "%s stops", A);
        break;
    }
    next_runs(out, r, ev);
}

int report_explain(struct strbuf *out, const struct report *r,
                   const struct trace_event *ev)
{
    const char *A = label(r, ev->task);

    switch ((enum trace_event_kind)ev->kind) {
    case EV_START: {
        const struct scene *sc = &r->L->scenes[r->scene];
        unsigned by, k;

        /* a ProcessPoolExecutor's worker, ForkProcess-I:K: forked by the
         * run line's process I */
        if (r->cfg->mode == MODE_PROCESSES && ev->task < sc->ntasks &&
            sc->tasks[ev->task].pooled &&
            sscanf(A, "ForkProcess-%u:%u", &by, &k) == 2 && by >= 1 &&
            (int)by <= sc->ntasks)
            sb_printf(out, "process %s has started: forked by %s's first "
                      "submit(), with a copy of its memory (spawn cost %d "
                      "each)", A, label(r, (int)by - 1), r->cfg->spawn_cost);
        else if (r->cfg->mode == MODE_PROCESSES && ev->t > 0)
            sb_printf(out, "process %s has started (spawn cost %d)", A,
                      r->cfg->spawn_cost);
        else
            sb_printf(out, "%s starts", A);
        return 1;
    }
    case EV_SWITCH:
        explain_switch(out, r, ev);
        return 1;
    case EV_WAKE:
        if (ev->arg2 == TRACE_WORK_MARK)
            sb_printf(out, "%s takes job %d from the pool's queue", A,
                      (int)ev->arg + 1);
        else if (ev->arg2 == TRACE_RESULT_MARK)
            sb_printf(out, "%s's result() returns: job %d is done (%s ran "
                      "it)", A, (int)ev->arg + 1, ev->other >= 0 ?
                      label(r, ev->other) : "a worker");
        else if (ev->arg2 == TRACE_JOIN_MARK && ev->arg == 2)
            sb_printf(out, "%s's shutdown returns: every worker has "
                      "finished, the last %s", A, label(r, ev->other));
        else if (ev->arg2 == TRACE_JOIN_MARK && ev->other >= 0 && ev->arg == 1)
            sb_printf(out, "%s's await of asyncio.gather() returns: all its "
                      "tasks are done, the last %s", A, label(r, ev->other));
        else if (ev->arg2 == TRACE_JOIN_MARK && ev->other >= 0)
            sb_printf(out, r->cfg->mode == MODE_ASYNCIO ?
                      "%s's await returns: %s is done" :
                      "%s's join() returns: %s has finished", A,
                      label(r, ev->other));
        else if (ev->arg2 >= 0 && ev->other >= 0)
            sb_printf(out, "%s is let go on by %s (%s %s)", A,
                      label(r, ev->other), sync_kind_info[
                      r->L->prog->lock_kind[ev->arg2]].name,
                      lock_name(r, ev->arg2));
        else if (ev->arg2 >= 0 && r->L->prog->lock_kind[ev->arg2] ==
                 SYNC_CONDITION)
            sb_printf(out, "%s stops waiting for %s: its timeout is over; "
                      "it needs the lock back", A, lock_name(r, ev->arg2));
        else if (ev->arg2 >= 0)
            sb_printf(out, "%s stops waiting for %s: its timeout is over", A,
                      lock_name(r, ev->arg2));
        else
            sb_printf(out, "%s's wait is over: it can run again", A);
        return 1;
    case EV_ACQUIRE:
        if (is_lock(r, ev->arg2))
            sb_printf(out, "%s takes lock %s", A, lock_name(r, ev->arg2));
        else
            sb_printf(out, "%s takes a place of semaphore %s", A,
                      lock_name(r, ev->arg2));
        return 1;
    case EV_RELEASE:
        if (ev->arg > 0 && ev->arg <= r->L->prog->nlocks)
            sb_printf(out, "%s's error leaves `%swith %s:`, whose %s "
                      "releases %s %s", A, r->L->prog->lock_async[ev->arg - 1] ?
                      "async " : "", lock_name(r, ev->arg - 1),
                      r->L->prog->lock_async[ev->arg - 1] ? "__aexit__" :
                      "__exit__", is_lock(r, ev->arg2) ? "lock" : "semaphore",
                      lock_name(r, ev->arg2));
        else
            sb_printf(out, "%s releases %s %s", A, is_lock(r, ev->arg2) ?
                      "lock" : "semaphore", lock_name(r, ev->arg2));
        if (ev->other >= 0)
            sb_printf(out, "; %s, first in line, gets %s", label(r, ev->other),
                      is_lock(r, ev->arg2) ? "it" : "the place");
        return 1;
    case EV_GIL_REQUEST:
        sb_printf(out, "%s has waited a switch interval (%d tick%s): it asks "
                  "%s to drop the GIL", A, ev->arg, ev->arg == 1 ? "" : "s",
                  label(r, ev->other));
        return 1;
    case EV_STALL:
        sb_printf(out, "%s blocks the whole event loop for %d tick%s: %s(%d) "
                  "is not awaited, so no other coroutine can run", A, ev->arg,
                  ev->arg == 1 ? "" : "s", ev->arg2 == VM_IO ? "io" : "sleep",
                  ev->arg);
        return 1;
    case EV_PRINT:
        if (ev->arg2 == TRACE_WORK_MARK)
            sb_printf(out, "%s's job fails: %s (kept in its future: "
                      "result() raises it)", A, trace_text_at(r->tr, ev->arg));
        else
            sb_printf(out, "%s prints: %s", A, trace_text_at(r->tr, ev->arg));
        return 1;
    case EV_EXIT:
        sb_printf(out, "%s is done", A);
        return 1;
    case EV_ERROR:
        sb_printf(out, "%s fails: %s", A, trace_text_at(r->tr, ev->arg));
        return 1;
    case EV_DEADLOCK:
        if (ev->arg2 == TRACE_RESULT_MARK) {
            sb_printf(out, "deadlock: %s waits forever in result() for job "
                      "%d", A, (int)ev->arg + 1);
        } else if (ev->arg2 == TRACE_WORK_MARK) {
            sb_printf(out, "deadlock: %s waits forever for work", A);
        } else if (ev->arg2 == TRACE_JOIN_MARK && ev->other >= 0 &&
                   r->cfg->mode == MODE_ASYNCIO) {
            sb_printf(out, "deadlock: %s ", A);
            sync_join_text(1, ev->arg, label(r, ev->other), out);
        } else if (ev->arg2 == TRACE_JOIN_MARK && ev->other >= 0) {
            sb_printf(out, "deadlock: %s waits forever for %s to finish "
                      "(join)", A, label(r, ev->other));
        } else if (ev->arg2 >= 0 && !is_lock(r, ev->arg2)) {
            sb_printf(out, "deadlock: %s waits forever for ", A);
            wait_text(out, r, ev->arg2, ev->arg, -1, ev->task);
        } else if (ev->arg2 >= 0)
            sb_printf(out, "deadlock: %s waits for lock %s, held by %s, "
                      "forever", A, lock_name(r, ev->arg2),
                      ev->other == ev->task ? "itself" : label(r, ev->other));
        else
            sb_printf(out, "deadlock: %s never gets to run", A);
        return 1;
    case EV_LIMIT:
        sb_printf(out, "stopped: %s", trace_text_at(r->tr, ev->arg));
        return 1;
    case EV_LOCK_WAIT:
    case EV_GIL_TAKE:
        return 0;   /* the switch line says it */
    }
    return 0;
}

/* Whether event e is told before op i in a listing of the run: it was
 * recorded before that op, and is not later in time (a task is done at the
 * end of its last tick, after the ops other CPUs run in that tick). */
static int event_due(const struct trace *tr, size_t e, size_t i)
{
    return e < tr->nevents && tr->events[e].op_index <= i &&
           (i >= tr->nops || tr->events[e].t <= trace_op_t(tr, i));
}

/* ---- summary ------------------------------------------------------------------- */

void report_summary(struct strbuf *out, const struct report *r)
{
    const struct trace *tr = r->tr;
    const struct program *P = r->L->prog;
    int first = 1;

    if (r->cfg->mode == MODE_PROCESSES) {
        int values = 0;

        for (int i = 0; i < P->nlocks; i++)
            values += P->lock_kind[i] == SYNC_VALUE;
        sb_puts(out, "final (main program): ");
        report_memory(out, P, tr, 0);
        sb_puts(out, values ? "   (a Value is shared by every process; the "
                "rest is each process's own copy)\n" :
                "   (each process changed only its own copy)\n");
        for (int t = 0; t < tr->ntasks; t++) {
            sb_printf(out, "  in process %s: ", label(r, t));
            report_memory(out, P, tr, t + 1);
            sb_putc(out, '\n');
        }
    } else {
        sb_puts(out, "final: ");
        report_memory(out, P, tr, 0);
        sb_putc(out, '\n');
    }
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        if (ev->kind != EV_DEADLOCK)
            continue;
        if (first)
            sb_printf(out, "deadlock at %s %lld:", strcmp(tr->unit, "tick") ?
                      tr->unit : "tick", (long long)ev->t);
        if (ev->arg2 >= 0) {
            sb_printf(out, "%s %s waits for ", first ? "" : ";",
                      label(r, ev->task));
            wait_text(out, r, ev->arg2, ev->arg, ev->other, ev->task);
        } else if (ev->arg2 == TRACE_JOIN_MARK) {
            sb_printf(out, "%s %s ", first ? "" : ";", label(r, ev->task));
            sync_join_text(r->cfg->mode == MODE_ASYNCIO, ev->arg,
                           label(r, ev->other), out);
        } else if (ev->arg2 == TRACE_RESULT_MARK ||
                   ev->arg2 == TRACE_WORK_MARK) {
            sb_printf(out, "%s %s ", first ? "" : ";", label(r, ev->task));
            sync_pool_wait_text(ev->arg2 == TRACE_RESULT_MARK, ev->arg, out);
        } else
            sb_printf(out, "%s %s cannot start", first ? "" : ";",
                      label(r, ev->task));
        first = 0;
    }
    if (!first)
        sb_putc(out, '\n');
    sb_printf(out, "makespan: %lld %s · %zu ops · switches: %lld preempt, "
              "%lld yield, %lld block\n", (long long)tr->end,
              units(tr, tr->end), tr->nops,
              (long long)tr->switches[SWK_PREEMPT],
              (long long)tr->switches[SWK_YIELD],
              (long long)tr->switches[SWK_BLOCK]);
}

/* ---- the event log ------------------------------------------------------------- */

static void op_line(struct strbuf *out, const struct report *r,
                    const struct trace_op *op)
{
    const struct program *P = r->L->prog;
    size_t start = out->len;

    int width = 5;

    /* wider for the long labels of threads started by code */
    for (int t = 0; t < r->tr->ntasks; t++)
        if ((int)strlen(label(r, t)) > width)
            width = (int)strlen(label(r, t));
    sb_printf(out, "%6lld  %s%-2d %-*s %4d  ", (long long)op->t,
              r->cfg->mode == MODE_ASYNCIO ? "lp" : "cpu", op->cpu,
              width, label(r, op->task), P->pos[op->pc].line);
    program_format_instr(P, op->pc, out);
    sb_pad_to(out, start, 50);
    report_op_effect(out, P, op);
    while (out->len > start && out->s[out->len - 1] == ' ')
        out->len--;
    out->s[out->len] = '\0';
    sb_putc(out, '\n');
}

static void event_line(struct strbuf *out, const struct report *r,
                       const struct trace_event *ev)
{
    size_t mark = out->len;

    sb_printf(out, "%6lld  -- ", (long long)ev->t);
    if (!report_explain(out, r, ev)) {
        out->len = mark;
        out->s[mark] = '\0';
        return;
    }
    sb_putc(out, '\n');
}

/* Hand what is written so far to the report's stream, once it is long. */
static void spill(struct strbuf *out, const struct report *r)
{
    if (r->stream && out->len >= (size_t)1 << 16) {
        fwrite(out->s, 1, out->len, r->stream);
        out->len = 0;
        out->s[0] = '\0';
    }
}

void report_text(struct strbuf *out, const struct report *r)
{
    const struct trace *tr = r->tr;
    const struct scene *sc = &r->L->scenes[r->scene];
    size_t e = 0;

    sb_printf(out, "%s — scene %s\n", r->L->title, sc->name);
    report_settings(out, r->cfg);
    sb_puts(out, "\ntasks:");
    for (int t = 0; t < tr->ntasks; t++) {
        sb_printf(out, "%s %s = ", t ? "," : "", label(r, t));
        report_call(out, r->L, r->scene, t);
    }
    {
        size_t start = out->len + 2;

        sb_puts(out, "\n\n  tick  cpu   task  line  op");
        sb_pad_to(out, start, 50);
        sb_puts(out, "effect\n");
    }
    for (size_t i = 0; i <= tr->nops; i++) {
        while (event_due(tr, e, i))
            event_line(out, r, &tr->events[e++]);
        if (i < tr->nops) {
            struct trace_op op = trace_op_get(tr, i);

            op_line(out, r, &op);
        }
        spill(out, r);
    }
    sb_putc(out, '\n');
    report_summary(out, r);
}

/* ---- JSON ----------------------------------------------------------------------- */

static void json_memory(struct json *j, const char *key, const struct report *r,
                        int space)
{
    const struct program *P = r->L->prog;

    json_object(j, key);
    for (int g = 0; g < P->nglobals; g++)
        json_int(j, P->global_names[g],
                 vm_num(P, r->tr->final ?
                           r->tr->final[space * P->nglobals + g] :
                           P->global_init[g]));
    json_end(j);
}

static void json_settings(struct json *j, const struct scene_config *c)
{
    json_object(j, "settings");
    if (c->mode == MODE_THREADS || c->mode == MODE_PROCESSES ||
        c->mode == MODE_GIL)
        json_int(j, "cpus", c->cpus);
    if (c->mode == MODE_THREADS || c->mode == MODE_PROCESSES) {
        json_int(j, "quantum", c->quantum);
        json_str(j, "preempt", c->preempt == PREEMPT_RANDOM ? "random" :
                 "quantum");
        json_int(j, "seed", (int64_t)c->seed);
    }
    if (c->mode == MODE_GIL) {
        json_int(j, "switch_interval", c->switch_interval);
        json_str(j, "checkpoints", c->checkpoints == CHECK_EVERY_OP ?
                 "every-op" : "loops-and-calls");
    }
    if (c->mode == MODE_PROCESSES)
        json_int(j, "spawn_cost", c->spawn_cost);
    if (c->schedule)
        json_str(j, "schedule", c->schedule);
    json_int(j, "budget", c->budget);
    json_end(j);
}

static void json_op(struct json *j, const struct report *r,
                    const struct trace_op *op, struct strbuf *tmp)
{
    const struct program *P = r->L->prog;
    const struct instr *in = &P->code[op->pc];

    json_object(j, NULL);
    json_int(j, "t", op->t);
    json_str(j, "type", "op");
    json_str(j, "task", label(r, op->task));
    json_int(j, "cpu", op->cpu);
    json_str(j, "op", op_info[in->op].name);
    sb_clear(tmp);
    program_format_arg(P, op->pc, tmp);
    if (tmp->len)
        json_str(j, "arg", tmp->s);
    json_int(j, "line", P->pos[op->pc].line);
    json_int(j, "col", P->pos[op->pc].col);
    if (op->status == VM_COMPUTE || op->status == VM_SLEEP ||
        op->status == VM_IO || op->status == VM_AWAIT_SLEEP ||
        op->status == VM_AWAIT_IO) {
        json_int(j, "ticks", op->value);
    } else if (op->status != VM_ERROR && vm_is_num(op->value)) {
        int64_t v = vm_num(P, op->value);

        switch ((enum opcode)in->op) {
        case OP_LOAD_GLOBAL:
            if (in->a >= 0)
                json_int(j, "read", v);
            break;
        case OP_STORE_GLOBAL:
            json_int(j, "wrote", v);
            break;
        case OP_LOAD_CONST:
        case OP_LOAD_FAST:
        case OP_LOAD_FAST_CHECK:
        case OP_STORE_FAST:
        case OP_BINARY_OP:
        case OP_COMPARE_OP:
        case OP_UNARY_NOT:
        case OP_UNARY_NEGATIVE:
        case OP_TO_BOOL:
        case OP_RETURN_VALUE:
            json_int(j, "value", v);
            break;
        case OP_FOR_ITER:
            if (op->value != VM_UNSET)
                json_int(j, "value", v);
            break;
        default:
            break;
        }
    }
    json_end(j);
}

static const char *const event_type[] = {
    [EV_START] = "start", [EV_SWITCH] = "switch", [EV_WAKE] = "wake",
    [EV_ACQUIRE] = "acquire", [EV_LOCK_WAIT] = "lock_wait",
    [EV_RELEASE] = "release", [EV_GIL_REQUEST] = "gil_request",
    [EV_GIL_TAKE] = "gil_take", [EV_STALL] = "stall", [EV_PRINT] = "print",
    [EV_EXIT] = "exit", [EV_ERROR] = "error", [EV_DEADLOCK] = "deadlock",
    [EV_LIMIT] = "limit",
};

static const char *const reason_name[] = {
    [SW_NONE] = "none", [SW_QUANTUM] = "quantum", [SW_RANDOM] = "random",
    [SW_SCHEDULE] = "schedule", [SW_GIL_DROP] = "gil_drop",
    [SW_AWAIT] = "await", [SW_SLEEP] = "sleep", [SW_IO] = "io",
    [SW_LOCK] = "lock", [SW_JOIN] = "join", [SW_WORK] = "work",
    [SW_RESULT] = "result",
};

static void json_event(struct json *j, const struct report *r,
                       const struct trace_event *ev, struct strbuf *tmp)
{
    json_object(j, NULL);
    json_int(j, "t", ev->t);
    json_str(j, "type", event_type[ev->kind]);
    json_str(j, "task", label(r, ev->task));
    switch ((enum trace_event_kind)ev->kind) {
    case EV_SWITCH:
        json_str(j, "reason", switch_kind_name[switch_kind_of[ev->reason]]);
        json_str(j, "why", reason_name[ev->reason]);
        if (ev->other >= 0)
            json_str(j, "next", label(r, ev->other));
        break;
    case EV_WAKE:
        if (ev->arg2 == TRACE_JOIN_MARK && ev->other >= 0)
            json_str(j, "joined", label(r, ev->other));
        break;
    case EV_ACQUIRE:
    case EV_LOCK_WAIT:
    case EV_RELEASE:
    case EV_DEADLOCK:
        if (ev->arg2 == TRACE_JOIN_MARK) {
            /* asyncio awaits a task; a thread joins one */
            json_str(j, r->cfg->mode == MODE_ASYNCIO ? "awaits" : "joins",
                     label(r, ev->other));
            break;
        }
        if (ev->arg2 >= 0)
            json_str(j, "lock", lock_name(r, ev->arg2));
        if (ev->other >= 0)
            json_str(j, ev->kind == EV_RELEASE ? "to" : "held_by",
                     label(r, ev->other));
        break;
    case EV_GIL_REQUEST:
        json_str(j, "holder", label(r, ev->other));
        break;
    case EV_STALL:
        json_int(j, "ticks", ev->arg);
        break;
    default:
        break;
    }
    sb_clear(tmp);
    if (report_explain(tmp, r, ev))
        json_str(j, "text", tmp->s);
    json_end(j);
}

/* Where a task's error happened: the op recorded just before the event
 * (its index, or -1). */
static int64_t op_before(const struct trace *tr, const struct trace_event *ev)
{
    for (size_t i = ev->op_index; i-- > 0;)
        if (trace_op_task(tr, i) == ev->task)
            return (int64_t)i;
    return -1;
}

void report_json(struct strbuf *out, const struct report *r)
{
    const struct trace *tr = r->tr;
    const struct program *P = r->L->prog;
    const struct scene *sc = &r->L->scenes[r->scene];
    struct json j;
    struct strbuf tmp;
    size_t e = 0;
    int deadlock = tr->status == TRACE_DEADLOCK;

    sb_init(&tmp);
    json_init(&j, out, 2);
    json_object(&j, NULL);
    json_str(&j, "lesson", r->L->title);
    json_str(&j, "scene", sc->name);
    json_str(&j, "mode", mode_name(r->cfg->mode));
    json_str(&j, "runtime", scene_runtime(r->cfg));
    json_settings(&j, r->cfg);
    json_array(&j, "tasks");
    for (int t = 0; t < tr->ntasks; t++) {
        const struct trace_lane *ln = &tr->lanes[t];
        const struct trace_span *last = ln->n ? &ln->spans[ln->n - 1] : NULL;

        json_object(&j, NULL);
        json_str(&j, "label", label(r, t));
        sb_clear(&tmp);
        report_call(&tmp, r->L, r->scene, t);
        json_str(&j, "call", tmp.s);
        json_str(&j, "state", last ? task_state_info[last->state].name : "?");
        if (last && (last->state == TS_DONE || last->state == TS_FAILED))
            json_int(&j, "end", last->start);
        json_end(&j);
    }
    json_end(&j);
    json_str(&j, "status", trace_status_name(tr->status));
    json_int(&j, "makespan", tr->end);
    json_memory(&j, "final", r, 0);
    if (r->cfg->mode == MODE_PROCESSES) {
        json_object(&j, "processes");
        for (int t = 0; t < tr->ntasks; t++)
            json_memory(&j, label(r, t), r, t + 1);
        json_end(&j);
    }
    json_object(&j, "switches");
    json_int(&j, "preempt", tr->switches[SWK_PREEMPT]);
    json_int(&j, "yield", tr->switches[SWK_YIELD]);
    json_int(&j, "block", tr->switches[SWK_BLOCK]);
    json_end(&j);
    json_bool(&j, "deadlock", deadlock);
    if (deadlock) {
        json_array(&j, "deadlocked");
        for (size_t i = 0; i < tr->nevents; i++) {
            const struct trace_event *ev = &tr->events[i];

            if (ev->kind != EV_DEADLOCK)
                continue;
            json_object(&j, NULL);
            json_str(&j, "task", label(r, ev->task));
            if (ev->arg2 >= 0) {
                json_str(&j, "waits_for", lock_name(r, ev->arg2));
                if (ev->other >= 0)
                    json_str(&j, "held_by", label(r, ev->other));
            } else if (ev->arg2 == TRACE_JOIN_MARK && ev->other >= 0) {
                /* as explore --json says it */
                json_str(&j, r->cfg->mode == MODE_ASYNCIO ? "awaits" :
                         "joins", label(r, ev->other));
            }
            json_end(&j);
        }
        json_end(&j);
    }
    json_array(&j, "errors");
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];
        int64_t k;

        if (ev->kind != EV_ERROR && ev->kind != EV_LIMIT)
            continue;
        k = op_before(tr, ev);
        json_object(&j, NULL);
        json_str(&j, "task", label(r, ev->task));
        if (k >= 0) {
            uint32_t pc = trace_op_pc(tr, (size_t)k);

            json_int(&j, "line", P->pos[pc].line);
            json_int(&j, "col", P->pos[pc].col);
        }
        json_str(&j, "message", trace_text_at(tr, ev->arg));
        json_end(&j);
    }
    json_end(&j);
    json_array(&j, "output");
    for (size_t i = 0; i < tr->nevents; i++)     /* (a job's kept error is
                                                 * not printed) */
        if (tr->events[i].kind == EV_PRINT &&
            tr->events[i].arg2 != TRACE_WORK_MARK)
            json_str(&j, NULL, trace_text_at(tr, tr->events[i].arg));
    json_end(&j);
    json_int(&j, "ops", (int64_t)tr->nops);
    json_array(&j, "events");
    for (size_t i = 0; i <= tr->nops; i++) {
        while (event_due(tr, e, i))
            json_event(&j, r, &tr->events[e++], &tmp);
        if (i < tr->nops) {
            struct trace_op op = trace_op_get(tr, i);

            json_op(&j, r, &op, &tmp);
        }
        spill(out, r);
    }
    json_end(&j);
    json_end(&j);
    sb_done(&tmp);
}

/* ---- the timeline ----------------------------------------------------------------- */

/* The state shown for task t in [c0, c1) (lanes.c), with the timeline's
 * own rules: a mark only where a column is one tick, and a failure shown
 * once, where it happens. */
static int column_state(const struct trace *tr, int t, int64_t c0, int64_t c1,
                        int *mark)
{
    int st = lane_task_cell(tr, t, c0, c1, mark);

    if (c1 - c0 != 1)
        *mark = SWK_NONE;
    if (st == TS_FAILED) {
        const struct trace_span *sp = trace_span_at(tr, t, c0);

        if (sp && sp->state == TS_FAILED && sp->start < c0)
            st = TS_DONE;
    }
    return st == TS_NEW ? TS_NEW : st;
}

void report_timeline(struct strbuf *out, const struct report *r, int width)
{
    const struct trace *tr = r->tr;
    const struct scene *sc = &r->L->scenes[r->scene];
    int64_t end = tr->end > 0 ? tr->end : 1, per, cols;
    int used[TS_COUNT + 1] = {0}, marks[SWK_COUNT] = {0};
    char keys[LESSON_MAX_TASKS];
    int single = 1, stall_seen = 0, mixed_seen = 0;
    const int name_w = 7;

    if (width < 10)
        width = 10;
    per = (end + width - 1) / width;
    cols = (end + per - 1) / per;
    /* A deadlocked run gets one more column: the states it is stuck in. */
    if (tr->status == TRACE_DEADLOCK)
        cols++;
    for (int t = 0; t < tr->ntasks; t++)
        single &= strlen(tr->labels[t]) == 1;
    for (int t = 0; t < tr->ntasks; t++)
        keys[t] = single ? tr->labels[t][0] : (char)('a' + t);

    sb_printf(out, "%s — scene %s: ", r->L->title, sc->name);
    report_settings(out, r->cfg);
    sb_printf(out, "\n1 column = %lld %s\n\n", (long long)per,
              units(tr, per));
    /* The ruler: a number every 10 columns. */
    {
        size_t start = out->len;

        sb_printf(out, "%-*s", name_w, strcmp(tr->unit, "tick") ? tr->unit :
                  "tick");
        for (int64_t c = 0; c < cols; c += 10) {
            char num[24];
            int n = snprintf(num, sizeof(num), "%lld", (long long)(c * per));

            sb_puts(out, num);
            for (int k = n; k < 10 && c + k < cols; k++)
                sb_putc(out, ' ');
        }
        while (out->len > start && out->s[out->len - 1] == ' ')
            out->len--;
        out->s[out->len] = '\0';
        sb_putc(out, '\n');
    }
    sb_printf(out, "%-*s", name_w, "");
    for (int64_t c = 0; c < cols; c++)
        sb_putc(out, c % 10 == 0 ? '|' : '.');
    sb_putc(out, '\n');
    for (int t = 0; t < tr->ntasks; t++) {
        size_t start = out->len;

        sb_printf(out, "%-*s", name_w, tr->labels[t]);
        for (int64_t c = 0; c < cols; c++) {
            int mark, st = column_state(tr, t, c * per, (c + 1) * per, &mark);
            char g;

            if (c * per >= end && tr->lanes[t].n > 0)
                st = tr->lanes[t].spans[tr->lanes[t].n - 1].state;
            g = st == LANE_PART ? '=' : task_state_info[st].glyph;

            used[st] = 1;
            if (mark == SWK_PREEMPT || mark == SWK_YIELD) {
                g = mark == SWK_PREEMPT ? '!' : '>';
                marks[mark] = 1;
            }
            sb_putc(out, g);
        }
        while (out->len > start && out->s[out->len - 1] == ' ')
            out->len--;
        out->s[out->len] = '\0';
        sb_putc(out, '\n');
    }
    for (int cpu = 0; cpu < tr->ncpus; cpu++) {
        char name[16];

        if (r->cfg->mode == MODE_ASYNCIO)
            snprintf(name, sizeof(name), "loop");
        else
            snprintf(name, sizeof(name), "cpu%d", cpu);
        sb_printf(out, "%-*s", name_w, name);
        for (int64_t c = 0; c < cols; c++) {
            int stalled, t = lane_cpu_cell(tr, cpu, c * per, (c + 1) * per,
                                           &stalled);

            stall_seen |= t >= 0 && stalled;
            mixed_seen |= t == LANE_MIXED;
            sb_putc(out, t == LANE_IDLE ? '-' : t == LANE_MIXED ? '*' :
                    stalled ? '~' : keys[t]);
        }
        sb_putc(out, '\n');
    }
    sb_puts(out, "\n");
    for (int s = 0; s < TS_COUNT; s++)
        if (used[s] && task_state_info[s].glyph != ' ')
            sb_printf(out, "%c %s  ", task_state_info[s].glyph,
                      task_state_info[s].name);
    if (used[LANE_PART])
        sb_puts(out, "= ran part of the column  ");
    if (marks[SWK_PREEMPT])
        sb_puts(out, "! preempted  ");
    if (marks[SWK_YIELD])
        sb_puts(out, "> yielded  ");
    sb_puts(out, "- idle CPU");
    if (stall_seen)
        sb_puts(out, "  ~ on the loop: blocked, nobody else can run");
    if (mixed_seen)
        sb_puts(out, "  * several tasks took turns within the column");
    if (!single) {
        sb_puts(out, "\nCPU lanes:");
        for (int t = 0; t < tr->ntasks; t++)
            sb_printf(out, " %c=%s", keys[t], tr->labels[t]);
    }
    sb_puts(out, "\n");
    report_summary(out, r);
}
