/* view_panels.c - the panels under the timeline: code, memory, event log,
 * the explorer's outcomes, and real runs.
 *
 * Each reads the state at the cursor (tape_at) and bounded slices of the
 * trace around it, never the whole trace.
 */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/view_impl.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "explore.h"
#include "program.h"
#include "real/real.h"
#include "report.h"
#include "sync.h"
#include "ui/draw.h"
#include "lanes.h"
#include "vm.h"

/* ---- the code panel ----------------------------------------------------- */

struct line_op {
    uint32_t pc;
    int64_t busy;       /* the op is at work: ticks left */
    int blocked;        /* the task waits in this op (a lock, sleep, I/O) */
    int done;           /* ran in this visit of the line */
    int64_t value;
    int status;
    int64_t t;
};

int view_code_width(const struct app *a)
{
    int w = a->width * 3 / 5;

    return w < 46 ? 46 : w;
}

/* Source and bytecode side by side (else one above the other). */
static int code_side(const struct app *a)
{
    return view_code_width(a) >= 76;
}

/* The last line of function fn. */
static int func_last_line(const struct program *P, const struct func *fn)
{
    int last = fn->line;

    for (uint32_t i = 0; i < fn->ncode; i++)
        if (P->pos[fn->code_start + i].line > last)
            last = P->pos[fn->code_start + i].line;
    return last;
}

/* The ops of line in fn, with what the task did in its current visit. */
static int line_ops(struct app *a, int task, const struct func *fn, int line,
                    uint32_t pc_next, int at_work, struct line_op *out,
                    int max)
{
    const struct program *P = a->L->prog;
    const struct trace *tr = a->tape->tr;
    int n = 0;
    size_t k = trace_op_seek(tr, a->cursor);
    int budget = 512;

    for (uint32_t i = 0; i < fn->ncode && n < max; i++) {
        uint32_t pc = fn->code_start + i;

        if (P->pos[pc].line != line)
            continue;
        out[n].pc = pc;
        out[n].busy = 0;
        out[n].done = 0;
        out[n].status = 0;
        out[n].value = 0;
        out[n].t = -1;
        n++;
    }
    /* Walk back over this task's recent ops while they are on this line
     * and before the next op (bounded: the cost does not grow with the
     * trace). */
    while (k-- > 0 && budget-- > 0) {
        struct trace_op op;

        if (trace_op_task(tr, k) != task)
            continue;
        op = trace_op_get(tr, k);
        if (at_work && op.pc == pc_next) {
            at_work = 0;    /* the op still at work: it began the visit */
            continue;
        }
        if (P->pos[op.pc].line != line || op.pc >= pc_next ||
            P->func_of[op.pc] != P->func_of[pc_next])
            break;
        for (int j = 0; j < n; j++)
            if (out[j].pc == op.pc && !out[j].done) {
                out[j].done = 1;
                out[j].value = op.value;
                out[j].status = op.status;
                out[j].t = op.t;
            }
    }
    return n;
}

struct stale {
    int found;
    int g;
    int64_t read, now;
    int64_t t;
};

/* A value read from memory in this visit of the line that memory no
 * longer holds: the stale value of a lost update, on its way back. */
static void find_stale(const struct app *a, const struct line_op *ops, int n,
                       int task, const struct sim *s, struct stale *stale)
{
    const struct program *P = a->L->prog;

    for (int i = 0; i < n; i++) {
        int g = P->code[ops[i].pc].a;
        int64_t now;

        if (!ops[i].done || P->code[ops[i].pc].op != OP_LOAD_GLOBAL || g < 0)
            continue;
        now = sim_global(s, sim_task_space(s, task), g);
        if (now != ops[i].value) {
            stale->found = 1;
            stale->g = g;
            stale->read = vm_num(P, ops[i].value);
            stale->now = vm_num(P, now);
            stale->t = ops[i].t;
        }
    }
}

/* What a bytecode row says after its instruction: the next op's meaning
 * (or why it waits), a done op's effect. */
static void op_row_words(struct app *a, const struct line_op *o, int is_next,
                         int task, struct strbuf *sb)
{
    const struct program *P = a->L->prog;

    if (is_next && o->blocked) {
        char why[64];

        view_lane_state_text(a->tape, task, a->cursor, why, sizeof(why));
        sb_printf(sb, "blocked here: %s", why);
    } else if (is_next && o->busy > 0) {
        sb_printf(sb, "%s: %lld tick%s still to go",
                  P->code[o->pc].kind == CK_COMPUTE ? "at work" :
                  "blocking the loop", (long long)o->busy,
                  o->busy == 1 ? "" : "s");
    } else if (is_next) {
        sb_puts(sb, report_op_meaning(P->code[o->pc].op, a->tape->cfg.mode));
    } else if (o->done) {
        struct trace_op top;

        memset(&top, 0, sizeof(top));
        top.t = o->t;
        top.value = o->value;
        top.pc = o->pc;
        top.task = (uint16_t)task;
        top.status = (uint8_t)o->status;
        report_op_effect(sb, P, &top);
    }
}

/* The columns a row's instruction takes (at least 17, so that the words
 * after it line up). */
static int op_row_instr_width(const struct program *P, const struct line_op *o)
{
    struct strbuf sb;
    int n;

    sb_init(&sb);
    program_format_instr(P, o->pc, &sb);
    n = draw_width(sb.s);
    sb_done(&sb);
    return n < 17 ? 17 : n;
}

/* Rows the next op's row needs in w columns for its words not to be cut
 * (1 if they cannot wrap there). */
static int op_row_need(struct app *a, const struct line_op *o, int task, int w)
{
    struct strbuf sb;
    struct tlines t;
    int n = op_row_instr_width(a->L->prog, o), rows = 1;

    if (w - n - 3 < 8)
        return 1;
    sb_init(&sb);
    op_row_words(a, o, 1, task, &sb);
    tl_init(&t);
    tl_wrap(&t, sb.s, w - n - 3, R_NORMAL, 0, 0);
    if (t.n > 1)
        rows = (int)t.n;
    tl_done(&t);
    sb_done(&sb);
    return rows;
}

/* One bytecode row: marker, instruction, and its effect or meaning; the
 * next op's meaning wraps onto up to rows rows rather than being cut.
 * Returns the rows drawn. */
static int draw_op_row(struct app *a, const struct line_op *o, int is_next,
                       int task, int y, int x, int w, int rows)
{
    const struct program *P = a->L->prog;
    struct strbuf sb;
    struct tlines t;
    int n, used = 1;

    sb_init(&sb);
    program_format_instr(P, o->pc, &sb);
    draw_str(y, x, 2, R_NEXT, is_next ? draw_glyph(G_ARROW) : " ");
    n = draw_str(y, x + 2, w - 2, is_next ? R_NEXT : o->done ? R_NORMAL : R_DIM,
                 sb.s);
    if (n < 17)
        n = 17;
    sb_clear(&sb);
    op_row_words(a, o, is_next, task, &sb);
    tl_init(&t);
    if (is_next && rows > 1 && w - n - 3 >= 8)
        tl_wrap(&t, sb.s, w - n - 3, R_NORMAL, 0, 0);
    if (t.n > 1) {
        used = (int)t.n < rows ? (int)t.n : rows;
        for (int i = 0; i < used; i++)
            tl_draw(&t, (size_t)i, y + i, x + 2 + n + 1, w - n - 3);
    } else {
        draw_str(y, x + 2 + n + 1, w - n - 3, is_next ? R_NORMAL : R_DIM,
                 sb.s);
    }
    tl_done(&t);
    sb_done(&sb);
    return used;
}

/* The operand stack (and the locals, or what makes the stack stale). */
static void draw_stack(struct app *a, const struct vm *vm,
                       const struct vm_frame *fr, const struct func *fn,
                       const struct stale *stale, int y, int x, int w)
{
    const struct program *P = a->L->prog;
    uint32_t base = fr->base + (uint32_t)fn->nlocals;
    struct strbuf sb;
    int col;

    sb_init(&sb);
    sb_puts(&sb, "stack [");
    for (uint32_t i = base; i < fr->sp; i++) {
        if (i > base)
            sb_puts(&sb, ", ");
        vm_format_value(P, vm->slots[i], &sb);
    }
    sb_puts(&sb, "]");
    col = draw_str(y, x, w, R_BOLD, sb.s);
    sb_clear(&sb);
    if (stale->found && base < fr->sp) {
        sb_printf(&sb, "  stale: %s was %lld at tick %lld, is %lld now",
                  P->global_names[stale->g], (long long)stale->read,
                  (long long)stale->t, (long long)stale->now);
        draw_str(y, x + col, w - col, R_STALE, sb.s);
    } else {
        for (int i = 0; i < fn->nlocals; i++) {
            const char *nm = fn->local_names[i];
            int64_t v = vm->slots[fr->base + (uint32_t)i];

            if (nm[0] == '.')
                continue;
            if (v == VM_UNSET) {
                sb_printf(&sb, "  %s -", nm);
            } else {
                sb_printf(&sb, "  %s=", nm);
                vm_format_value(P, v, &sb);
            }
        }
        if (sb.len)
            draw_str(y, x + col, w - col, R_DIM, sb.s);
    }
    sb_done(&sb);
}

static void draw_source(struct app *a, const struct func *fn, int line,
                        int rows, int y, int x, int w)
{
    const struct program *P = a->L->prog;
    int first = fn->line, last = func_last_line(P, fn), top;

    top = line - rows / 2 + a->code_scroll;
    if (top > last - rows + 1)
        top = last - rows + 1;
    if (top < first)
        top = first;
    for (int i = 0; i < rows && top + i <= last; i++) {
        int ln = top + i, cur = ln == line;
        size_t len;
        const char *text = source_line(a->L->src, ln, &len);
        char *copy = xstrndup(text ? text : "", text ? len : 0);
        int role = cur ? R_CURLINE : R_NORMAL;

        if (cur)
            draw_blank(y + i, x, w, R_CURLINE);
        draw_strf(y + i, x, 5, cur ? R_CURLINE : R_NORMAL, "%4d", ln);
        draw_str(y + i, x + 5, 1, role, cur ? draw_glyph(G_ARROW) : " ");
        draw_str(y + i, x + 7, w - 7, role, copy);
        free(copy);
    }
}

void view_code(struct app *a, int y, int x, int w, int h)
{
    const struct program *P = a->L->prog;
    int task = app_shown_task(a);
    const struct sim *s = tape_at(a->tape, a->cursor);
    const struct vm *vm = sim_task_vm(s, task);
    enum task_state state = sim_task_state(s, task);
    const struct trace *tr = a->tape->tr;
    struct strbuf sb;
    const struct func *fn;
    const struct vm_frame *fr;
    int line, lines, nops, next_i = -1, ops_rows, src_rows, start = 0;
    int blocked = 0, spare;
    uint32_t cur_pc;
    int64_t busy;
    struct line_op ops[64];
    struct stale stale = {0, 0, 0, 0, 0};

    sb_init(&sb);
    sb_printf(&sb, "code of %s: ", tr->labels[task]);
    report_call(&sb, a->L, a->tape->scene, task);
    if (a->sel < 0 && draw_width(sb.s) + 24 < w)
        sb_puts(&sb, " · follows who runs");
    view_rule(y - 1, x, w, sb.s, a->focus == FOCUS_CODE);
    sb_clear(&sb);
    if (vm->nframes == 0 || state == TS_DONE || state == TS_FAILED) {
        const struct trace_span *sp = trace_span_at(tr, task, a->cursor);

        sb_printf(&sb, "%s is done", tr->labels[task]);
        if (state == TS_FAILED)
            sb_printf(&sb, ": it stopped with an error");
        else if (sp)
            sb_printf(&sb, " (its function returned at tick %lld)",
                      (long long)sp->start);
        draw_str(y, x + 1, w - 2, R_DIM, sb.s);
        sb_done(&sb);
        return;
    }
    sb_done(&sb);
    fr = &vm->frames[vm->cur];
    fn = &P->funcs[fr->fn];
    cur_pc = fr->pc;
    /* In the middle of compute(N) (or of a call that blocks the event
     * loop) the pc is already past that op: show the op still at work. */
    busy = sim_task_busy(s, task);
    if (busy > 0 && cur_pc > fn->code_start &&
        P->code[cur_pc - 1].op == OP_CALL &&
        (P->code[cur_pc - 1].kind == CK_COMPUTE ||
         P->code[cur_pc - 1].kind == CK_IO ||
         P->code[cur_pc - 1].kind == CK_SLEEP))
        cur_pc--;
    else
        busy = 0;
    /* A task waiting for a lock, a sleep or I/O has run the op it waits
     * in, and will go on after it: show the op it is blocked on. */
    if (!busy && (state == TS_LOCK_WAIT || state == TS_BLOCKED) &&
        cur_pc > fn->code_start) {
        cur_pc--;
        blocked = 1;
    }
    line = P->pos[cur_pc].line;
    lines = func_last_line(P, fn) - fn->line + 1;
    nops = line_ops(a, task, fn, line, cur_pc, busy > 0 || blocked, ops,
                    (int)TT_ARRAY_LEN(ops));
    for (int i = 0; i < nops; i++)
        if (ops[i].pc == cur_pc) {
            next_i = i;
            ops[i].busy = busy;
            ops[i].blocked = blocked;
        }
    find_stale(a, ops, nops, task, s, &stale);
    if (code_side(a) && h >= 3) {
        /* Source on the left; the line's bytecode and the stack on the
         * right, one under the other. */
        int ox = x + w / 2, ow = w - w / 2 - 1, oy = y;

        draw_source(a, fn, line, h < lines ? h : lines, y, x, w / 2 - 1);
        ops_rows = nops < h - 2 ? nops : h - 2;
        if (next_i >= ops_rows)
            start = next_i - ops_rows + 1;
        draw_strf(oy++, ox, ow, R_DIM, "line %d, op by op:", line);
        spare = h - 2 - ops_rows;
        for (int i = 0; i < ops_rows && start + i < nops; i++) {
            int r = draw_op_row(a, &ops[start + i], start + i == next_i, task,
                                oy, ox, ow, 1 + spare);

            oy += r;
            spare -= r - 1;
        }
        draw_stack(a, vm, fr, fn, &stale, oy, ox, ow);
        return;
    }
    /* One above the other: as much source as fits around the current
     * line, then its ops, then the stack. */
    if (h >= lines + nops + 1) {
        src_rows = lines;
        ops_rows = nops;
    } else {
        src_rows = h - 1 - nops;
        if (src_rows > 3)
            src_rows = 3;
        if (src_rows < 1)
            src_rows = 1;
        ops_rows = h - 1 - src_rows;
        if (ops_rows > nops)
            ops_rows = nops;
        if (ops_rows < 1) {
            ops_rows = h >= 2 ? 1 : 0;
            src_rows = h - 1 - ops_rows > 0 ? h - 1 - ops_rows : 0;
        }
        if (src_rows + ops_rows + 1 < h)
            src_rows = h - 1 - ops_rows;
        if (src_rows > lines)
            src_rows = lines;
    }
    spare = h - 1 - src_rows - ops_rows;
    if (next_i >= ops_rows)
        start = next_i - ops_rows + 1;
    /* On a short panel the ops still to come, then the source lines
     * around the current one, give way to the next op's meaning, so that
     * it is read whole; the ops already run keep their rows, since what
     * they read and wrote is the story. */
    if (next_i >= 0) {
        int need = op_row_need(a, &ops[next_i], task, w - 2) - 1;
        int after = (start + ops_rows < nops ? start + ops_rows : nops) - 1 -
                    next_i;

        while (need > (spare > 0 ? spare : 0) && after-- > 0) {
            ops_rows--;
            spare++;
        }
        while (need > (spare > 0 ? spare : 0) && src_rows > 1) {
            src_rows--;
            spare++;
        }
    }
    draw_source(a, fn, line, src_rows, y, x, w - 1);
    for (int i = 0, oy = y + src_rows; i < ops_rows && start + i < nops; i++) {
        int r = draw_op_row(a, &ops[start + i], start + i == next_i, task,
                            oy, x + 1, w - 2, 1 + (spare > 0 ? spare : 0));

        oy += r;
        spare -= r - 1;
        src_rows += r - 1;  /* the stack goes below the wrapped lines */
    }
    if (src_rows + ops_rows < h)
        draw_stack(a, vm, fr, fn, &stale, y + src_rows + ops_rows, x + 1,
                   w - 2);
}

/* ---- the memory panel --------------------------------------------------- */

struct mline {
    char text[200];
    int role;
};

static void madd(struct mline *m, int *n, int max, int role, const char *fmt,
                 ...) TT_PRINTF(5, 6);

static void madd(struct mline *m, int *n, int max, int role, const char *fmt,
                 ...)
{
    va_list ap;

    if (*n >= max)
        return;
    va_start(ap, fmt);
    vsnprintf(m[*n].text, sizeof(m[*n].text), fmt, ap);
    va_end(ap);
    m[*n].role = role;
    (*n)++;
}

/* The last store to global g before the cursor (bounded search): 1 and
 * *op, or 0 if there is none. */
static int last_store(const struct app *a, int g, struct trace_op *op)
{
    const struct trace *tr = a->tape->tr;
    const struct program *P = a->L->prog;
    size_t k = trace_op_seek(tr, a->cursor);
    int budget = 2048;

    while (k-- > 0 && budget-- > 0) {
        uint32_t pc = trace_op_pc(tr, k);

        if (P->code[pc].op == OP_STORE_GLOBAL && P->code[pc].a == g) {
            *op = trace_op_get(tr, k);
            return 1;
        }
    }
    return 0;
}

static void task_list(struct strbuf *sb, const struct trace *tr,
                      const int *tasks, int n)
{
    if (n == 0)
        sb_puts(sb, "none");
    for (int i = 0; i < n; i++)
        sb_printf(sb, "%s%s", i ? " " : "", tr->labels[tasks[i]]);
}

/* The shared variables and locks the scene's code can touch: the lesson
 * may declare more for its other scenes. */
static void scene_uses(const struct app *a, unsigned char *globals,
                       unsigned char *locks)
{
    const struct program *P = a->L->prog;
    const struct scene *sc = &a->L->scenes[a->tape->scene];
    unsigned char *seen = xcalloc((size_t)P->nfuncs + 1, 1);
    int *todo = xcalloc((size_t)P->nfuncs + 1, sizeof(int)), n = 0;

    for (int t = 0; t < sc->ntasks; t++)
        if (!seen[sc->tasks[t].func]) {
            seen[sc->tasks[t].func] = 1;
            todo[n++] = sc->tasks[t].func;
        }
    while (n > 0) {
        const struct func *fn = &P->funcs[todo[--n]];

        for (uint32_t i = 0; i < fn->ncode; i++) {
            const struct instr *in = &P->code[fn->code_start + i];
            int acq, lk = program_lock_op(P, fn->code_start + i, &acq);

            if ((in->op == OP_LOAD_GLOBAL || in->op == OP_STORE_GLOBAL) &&
                in->a >= 0 && in->a < P->nglobals)
                globals[in->a] = 1;
            else if (lk >= 0 && lk < P->nlocks)
                locks[lk] = 1;
            else if (in->op == OP_CALL && (in->kind == CK_FUNC ||
                                           in->kind == CK_ASYNC_FUNC) &&
                     !seen[in->b]) {
                seen[in->b] = 1;
                todo[n++] = in->b;
            }
        }
    }
    free(seen);
    free(todo);
}

/* ": x = 3, y = 1": the module variables this scene uses as the run left
 * them, the same ones the memory panel shows (nothing if it uses none). */
static void final_memory(const struct app *a, struct strbuf *sb)
{
    const struct program *P = a->L->prog;
    const struct trace *tr = a->tape->tr;
    unsigned char *gl = xcalloc((size_t)P->nglobals + 1, 1);
    unsigned char *lk = xcalloc((size_t)P->nlocks + 1, 1);
    int n = 0, procs = a->tape->cfg.mode == MODE_PROCESSES;

    scene_uses(a, gl, lk);
    for (int l = 0; l < P->nlocks; l++)     /* a Value's number: v.value */
        if (lk[l] && P->lock_kind[l] == SYNC_VALUE && P->lock_link[l] >= 0 &&
            P->lock_link[l] < P->nglobals)
            gl[P->lock_link[l]] = 2;
    /* in processes, each its own copy but what a Value shares */
    for (int pass = 1; pass <= 2; pass++)
        for (int g = 0; g < P->nglobals; g++) {
            if (!gl[g] || (procs ? gl[g] != pass : pass != 1))
                continue;
            if (n++ == 0)
                sb_puts(sb, ": ");
            else
                sb_puts(sb, ", ");
            if (procs && gl[g] == 1 && n == 1)
                sb_puts(sb, "in the main program ");
            sb_printf(sb, "%s = ", P->global_names[g]);
            vm_format_value(P, tr->final ? tr->final[g] : P->global_init[g],
                            sb);
            if (procs && gl[g] == 2)
                sb_puts(sb, " (shared)");
        }
    free(gl);
    free(lk);
}

static int memory_lines(struct app *a, struct mline *m, int max)
{
    struct tape *tp = a->tape;
    const struct trace *tr = tp->tr;
    const struct program *P = a->L->prog;
    const struct sim *s = tape_at(tp, a->cursor);
    int n = 0, shown = 0;
    struct strbuf sb;
    int q[LESSON_MAX_TASKS], nq, inq[LESSON_MAX_TASKS] = {0};
    int64_t when[LESSON_MAX_TASKS];
    const char *names[LESSON_MAX_TASKS];
    enum mode mode = tp->cfg.mode;
    unsigned char *gl = xcalloc((size_t)P->nglobals + 1, 1);
    unsigned char *lk = xcalloc((size_t)P->nlocks + 1, 1);

    scene_uses(a, gl, lk);
    sb_init(&sb);
    /* Shared variables, the last change highlighted. */
    for (int g = 0; g < P->nglobals; g++) {
        struct trace_op op;
        int stored, fresh;

        if (!gl[g])
            continue;
        stored = last_store(a, g, &op);
        fresh = stored && op.t == a->cursor - 1;
        shown++;
        sb_clear(&sb);
        if (mode == MODE_PROCESSES) {
            int named_main = 0;     /* a process called main */

            for (int t = 0; t < tr->ntasks; t++)
                named_main |= strcmp(tr->labels[t], "main") == 0;
            sb_printf(&sb, "%s: main%s ", P->global_names[g],
                      named_main ? " program" : "");
            vm_format_value(P, sim_global(s, 0, g), &sb);
            for (int t = 0; t < tr->ntasks && t + 1 < sim_nspaces(s); t++) {
                sb_printf(&sb, " · %s ", tr->labels[t]);
                vm_format_value(P, sim_global(s, t + 1, g), &sb);
            }
        } else {
            sb_printf(&sb, "%s = ", P->global_names[g]);
            vm_format_value(P, sim_global(s, 0, g), &sb);
            if (stored)
                sb_printf(&sb, " (by %s, tick %lld)",
                          tr->labels[op.task], (long long)op.t);
        }
        madd(m, &n, max, fresh ? R_CHANGED : R_BOLD, "%s", sb.s);
    }
    for (int t = 0; t < tr->ntasks && t < LESSON_MAX_TASKS; t++)
        names[t] = tr->labels[t];
    /* ThreadPoolExecutors: their workers and the jobs queued. */
    for (int i = 0; ; i++) {
        sb_clear(&sb);
        if (sim_pool_describe(s, i, &sb) < 0)
            break;
        shown++;
        madd(m, &n, max, R_NORMAL, "%s", sb.s);
    }
    /* Sync objects. */
    for (int l = 0; l < P->nlocks; l++) {
        if (!lk[l])
            continue;
        shown++;
        for (int sp = 0; sp < sim_nspaces(s); sp++) {
            const struct sync_obj *o = sim_sync(s, sp, l);
            int owner = sync_holder(o);
            int one = sync_kind_shared(P->lock_kind[l]);

            if (sp > 0 && (one || (owner < 0 && o->nwait == 0)))
                continue;   /* a multiprocessing object is one, space 0's */
            sb_clear(&sb);
            if (o->kind == SYNC_LOCK || o->kind == SYNC_ALOCK)
                sb_printf(&sb, "lock %s", P->lock_names[l]);
            else
                sb_printf(&sb, "%s %s", sync_kind_info[o->kind].name,
                          P->lock_names[l]);
            if (mode == MODE_PROCESSES && sp > 0)
                sb_printf(&sb, " (in %s)", tr->labels[sp - 1]);
            else if (mode == MODE_PROCESSES && one)
                sb_puts(&sb, " (shared)");
            sb_puts(&sb, ": ");
            sync_describe(o, names, &sb);
            madd(m, &n, max, owner >= 0 ? R_BOLD : R_NORMAL, "%s", sb.s);
        }
    }
    if (!shown)
        madd(m, &n, max, R_DIM, "no module variables or locks");
    /* The GIL. */
    if (mode == MODE_GIL) {
        int holder = -1;

        for (int cpu = 0; cpu < tr->ncpus && holder < 0; cpu++)
            holder = tape_on_cpu(tp, cpu, a->cursor);
        if (holder < 0)
            holder = sim_gil_holder(s);
        sb_clear(&sb);
        if (holder >= 0)
            sb_printf(&sb, "GIL: held by %s", tr->labels[holder]);
        else
            sb_puts(&sb, "GIL: free");
        if (sim_gil_drop_request(s))
            sb_puts(&sb, " · a waiting thread asked for it");
        madd(m, &n, max, R_BOLD, "%s", sb.s);
    }
    /* Who waits to run, in order, as it stands for this tick. */
    nq = sim_ready_queue(s, q);
    {
        int out[LESSON_MAX_TASKS], k = 0;

        for (int i = 0; i < nq; i++) {
            const struct trace_span *sp = trace_span_at(tr, q[i], a->cursor);

            if (sp && sp->state == TS_RUNNING)
                continue;
            out[k++] = q[i];
            inq[q[i]] = 1;
        }
        for (int t = 0; t < tr->ntasks; t++) {
            const struct trace_span *sp = trace_span_at(tr, t, a->cursor);

            if (!inq[t] && sp && (sp->state == TS_READY ||
                                   sp->state == TS_GIL_WAIT))
                out[k++] = t;
        }
        sb_clear(&sb);
        sb_puts(&sb, mode == MODE_GIL ? "waiting for the GIL: " :
                mode == MODE_ASYNCIO ? "loop's ready queue: " :
                mode == MODE_SEQUENTIAL ? "still to run: " : "ready queue: ");
        if (mode == MODE_SEQUENTIAL) {
            k = 0;
            for (int t = 0; t < tr->ntasks; t++) {
                const struct trace_span *sp = trace_span_at(tr, t, a->cursor);

                if (sp && (sp->state == TS_READY || sp->state == TS_NEW))
                    out[k++] = t;
            }
        }
        task_list(&sb, tr, out, k);
        madd(m, &n, max, R_NORMAL, "%s", sb.s);
    }
    /* Timers: sleeping and waiting tasks, soonest first. */
    nq = sim_timers(s, q, when);
    if (nq > 0) {
        sb_clear(&sb);
        sb_puts(&sb, mode == MODE_ASYNCIO ? "timers: " : "waiting: ");
        for (int i = 0; i < nq; i++)
            sb_printf(&sb, "%s%s until %lld", i ? " · " : "",
                      tr->labels[q[i]], (long long)when[i]);
        madd(m, &n, max, R_NORMAL, "%s", sb.s);
    }
    sb_done(&sb);
    free(gl);
    free(lk);
    return n;
}

void view_memory(struct app *a, int y, int x, int w, int h)
{
    struct mline m[48];
    int n = memory_lines(a, m, (int)TT_ARRAY_LEN(m));
    struct tlines t;

    view_rule(y - 1, x, w, "memory", 0);
    tl_init(&t);
    /* Long lines wrap, indented. */
    for (int i = 0; i < n; i++)
        tl_wrap(&t, m[i].text, w - 2, m[i].role, 0, 2);
    for (int i = 0; i < h && (size_t)i < t.n; i++) {
        if (i == h - 1 && t.n > (size_t)h) {
            draw_str(y + i, x + 1, w - 2, R_DIM, draw_glyph(G_ELLIPSIS));
            break;
        }
        tl_draw(&t, (size_t)i, y + i, x + 1, w - 2);
    }
    tl_done(&t);
}

/* ---- the event log ------------------------------------------------------ */

/* One log entry's text; 0 if the event is left out. */
static int log_text(struct app *a, const struct trace_event *ev,
                    struct strbuf *out)
{
    struct tape *tp = a->tape;
    struct report r = {a->L, tp->scene, &tp->cfg, tp->tr, NULL};

    if (ev->kind == EV_START && ev->t == 0)
        return 0;   /* every task starts at 0: the log opens with that */
    if (ev->kind == EV_SWITCH && ev->reason == SW_SCHEDULE &&
        tape_by_hand(tp, ev->t)) {
        sb_printf(out, "%s switched out: you gave the next turn to %s",
                  tp->tr->labels[ev->task],
                  ev->other >= 0 ? tp->tr->labels[ev->other] : "another task");
        return 1;
    }
    return report_explain(out, &r, ev);
}

static int digits(int64_t v)
{
    int n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* The event log: why each switch happened, newest at the bottom.  Only
 * the entries that fit are formatted, walking back from the cursor. */
void view_log(struct app *a, int y, int x, int w, int h)
{
    struct tape *tp = a->tape;
    const struct trace *tr = tp->tr;
    size_t i = tape_past_events(tp, a->cursor);
    struct tlines rev;      /* lines, newest first */
    struct strbuf sb;
    int want = h + a->log_scroll, budget = 4096, nd = digits(tp->end);
    int total, top, skip = a->log_scroll;

    if (nd < 3)
        nd = 3;
    view_rule(y - 1, x, w, "why: the event log", a->focus == FOCUS_LOG);
    if (h <= 0)
        return;
    tl_init(&rev);
    sb_init(&sb);
    if (tape_finished(tp) && a->cursor >= tp->end) {
        struct tlines one;

        sb_printf(&sb, "%*lld  the run is over", nd, (long long)tp->end);
        final_memory(a, &sb);
        sb_printf(&sb, " · makespan %lld ticks", (long long)tr->end);
        tl_init(&one);
        tl_wrap(&one, sb.s, w - 2, R_GOOD, 0, nd + 2);
        for (size_t k = one.n; k-- > 0;)
            tl_add(&rev, tl_text(&one, k), strlen(tl_text(&one, k)), R_GOOD,
                   one.v[k].indent, 1, 0);
        tl_done(&one);
    }
    while (i-- > 0 && budget-- > 0 && (int)rev.n < want) {
        const struct trace_event *ev = &tr->events[i];
        int64_t c = tape_event_cursor(tp, ev);
        /* What the last move brought is bold. */
        int role = (a->last_ts >= 0 && c > a->last_ts && c <= a->cursor) ||
                   (a->last_ts < 0 && c == a->cursor) ? R_BOLD : R_NORMAL;
        struct tlines one;

        sb_clear(&sb);
        sb_printf(&sb, "%*lld  ", nd, (long long)ev->t);
        if (!log_text(a, ev, &sb))
            continue;
        tl_init(&one);
        tl_wrap(&one, sb.s, w - 2, role, 0, nd + 2);
        for (size_t k = one.n; k-- > 0;)
            tl_add(&rev, tl_text(&one, k), strlen(tl_text(&one, k)), role,
                   one.v[k].indent, 1, 0);
        tl_done(&one);
    }
    total = (int)rev.n;
    if (skip > total - 1)
        skip = a->log_scroll = total > 0 ? total - 1 : 0;
    top = total - skip - h;
    if (top < 0)
        top = 0;
    for (int k = top, row = 0; k < total - skip && row < h; k++, row++) {
        size_t ri = rev.n - 1 - (size_t)k;

        draw_str(y + row, x + 1 + rev.v[ri].indent, w - 2 - rev.v[ri].indent,
                 rev.v[ri].role, tl_text(&rev, ri));
    }
    if (total == 0)
        draw_str(y, x + 1, w - 2, R_DIM, a->cursor != 0 ?
                 "no switch yet: every task has run without a break" :
                 a->manual ? "nothing has happened yet: a task's letter "
                 "runs its next op" :
                 "nothing has happened yet: space plays, → steps");
    if (skip > 0)
        draw_strf(y + h - 1, x + w - 16, 15, R_KEY, "%s %d newer",
                  draw_glyph(G_MORE_DOWN), skip);
    sb_done(&sb);
    tl_done(&rev);
}

/* ---- the explorer's outcomes -------------------------------------------- */

/* A bar of frac (0..1) in w cells, with eighths in UTF-8. */
static void bar(int y, int x, int w, double frac, int role)
{
    static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊",
                                          "▉"};
    int units = (int)(frac * w * 8 + 0.5), full = units / 8;

    if (units <= 0 && frac > 0)
        units = 1;
    full = units / 8;
    if (draw_is_ascii()) {
        int n = (units + 4) / 8;

        if (n == 0 && frac > 0)
            n = 1;
        draw_repeat(y, x, n, role, "#");
        return;
    }
    draw_repeat(y, x, full, role, "█");
    if (units % 8 && full < w)
        draw_str(y, x + full, 1, role, eighths[units % 8]);
}

/* A decimal number with thousands separators: 126,410,606. */
static void thousands(struct strbuf *sb, const char *digits)
{
    size_t n = strlen(digits);

    if (strspn(digits, "0123456789") != n) {
        sb_puts(sb, digits);    /* "infinite" */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            sb_putc(sb, ',');
        sb_putc(sb, digits[i]);
    }
}

int view_explore_rows(const struct app *a)
{
    if (!a->ex)
        return 1;
    return a->ex->noutcomes + 2 + !a->ex->complete;
}

/* "at most K preemptions: K=0 1 outcome · K=1 4 outcomes": what a search
 * bounded to K preemptions finds, as `taketurns explore` prints it. */
static void bound_line(struct strbuf *sb, const struct explore_result *r)
{
    int maxk = 0;

    for (int i = 0; i < r->noutcomes; i++)
        if (r->outcomes[i].preemptions > maxk)
            maxk = r->outcomes[i].preemptions;
    sb_puts(sb, "with at most K preemptions:");
    for (int k = 0; k <= maxk; k++) {
        int n = 0;

        for (int i = 0; i < r->noutcomes; i++)
            n += r->outcomes[i].preemptions <= k;
        sb_printf(sb, "%s K=%d %d outcome%s", k ? " ·" : "", k, n,
                  n == 1 ? "" : "s");
    }
}

void view_explore(struct app *a, int y, int x, int w, int h)
{
    const struct explore_result *r = a->ex;
    struct strbuf sb;
    int label_w = 8, top = 0;
    int focused = a->focus == FOCUS_LOG;
    char status[200];

    sb_init(&sb);
    if (!r) {
        view_rule(y - 1, x, w, "every interleaving", focused);
        app_job_status(a, status, sizeof(status));
        draw_str(y, x + 1, w - 2, R_DIM, status[0] ? status :
                 "e explores every interleaving of this scene");
        sb_done(&sb);
        return;
    }
    sb_printf(&sb, "every interleaving: %d outcome%s of ", r->noutcomes,
              r->noutcomes == 1 ? "" : "s");
    thousands(&sb, r->schedules);
    sb_printf(&sb, " %s", explore_count_noun(r, 1));
    if (r->max_preemptions >= 0)
        sb_printf(&sb, " with at most %d preemption%s", r->max_preemptions,
                  r->max_preemptions == 1 ? "" : "s");
    view_rule_right(y - 1, x, w, view_rule(y - 1, x, w, sb.s, focused),
               focused ? "↑↓ choose · Enter runs it · e closes" :
               "Tab, then ↑↓ Enter · e closes");
    for (int i = 0; i < r->noutcomes; i++) {
        int n;

        sb_clear(&sb);
        explore_outcome_label(&sb, r, i, EXPLORE_LABEL_TERSE);
        n = draw_width(sb.s);
        if (n > label_w)
            label_w = n;
    }
    if (label_w > w / 3)
        label_w = w / 3;
    /* A share of the schedules, not a chance: a real scheduler does not
     * pick schedules uniformly. */
    draw_strf(y, x + 4, w - 5, R_NORMAL, "%-*s %-27s  %s", label_w,
              "outcome", r->reduced ? "share of orders (not odds)" :
              "share of schedules (not odds)",
              "fewest preemptions and a schedule that gives it");
    if (a->ex_sel >= top + h - 1)
        top = a->ex_sel - (h - 2);
    for (int i = top, row = 1; i < r->noutcomes && row < h; i++, row++) {
        const struct explore_outcome *o = &r->outcomes[i];
        int sel = i == a->ex_sel, cx = x + 4;
        int role = o->status == TRACE_OK ? R_NORMAL : R_BAD;

        if (sel && focused)
            draw_blank(y + row, x, w, R_CURLINE);
        draw_str(y + row, x + 1, 1, sel ? R_NEXT : R_NORMAL,
                 sel ? draw_glyph(G_ARROW) : " ");
        if (a->witness == i)
            draw_str(y + row, x + 2, 1, R_GOOD, draw_glyph(G_RIGHT));
        sb_clear(&sb);
        explore_outcome_label(&sb, r, i, EXPLORE_LABEL_TERSE);
        draw_str(y + row, cx, label_w, sel && focused ? R_CURLINE : role, sb.s);
        cx += label_w + 1;
        bar(y + row, cx, 20, o->share, R_BAR);
        cx += 21;
        sb_clear(&sb);
        if (o->infinite)
            sb_puts(&sb, "  many");
        else if (o->share < 0.001)
            sb_puts(&sb, " <0.1%");
        else if (o->share > 0.999 && o->share < 1)
            sb_puts(&sb, ">99.9%");
        else
            sb_printf(&sb, "%5.1f%%", o->share * 100);
        cx += draw_str(y + row, cx, 7, R_NORMAL, sb.s) + 2;
        sb_clear(&sb);
        sb_printf(&sb, "%d  %s", o->preemptions, o->witness_text);
        draw_str(y + row, cx, x + w - cx - 1, R_DIM, sb.s);
    }
    if (h > r->noutcomes + 1 && top == 0) {
        sb_clear(&sb);
        bound_line(&sb, r);
        draw_str(y + r->noutcomes + 1, x + 4, w - 5, R_NORMAL, sb.s);
    }
    if (!r->complete && h > r->noutcomes + 2 && r->stop == EXPLORE_MEMORY)
        draw_strf(y + r->noutcomes + 2, x + 1, w - 2, R_BAD, "partial: %s "
                  "after %lld states; shares are of the schedules explored",
                  r->stop_text, (long long)r->states);
    else if (!r->complete && h > r->noutcomes + 2)
        draw_strf(y + r->noutcomes + 2, x + 1, w - 2, R_NORMAL, "partial: "
                  "the search stopped after %lld states; shares are of the "
                  "schedules explored", (long long)r->states);
    sb_done(&sb);
}

/* ---- a real run --------------------------------------------------------- */

/* "x = 6, y = 2": the main program's module variables in v. */
static void finals_text(struct strbuf *sb, const struct program *P,
                        const int64_t *v)
{
    if (P->nglobals == 0)
        sb_puts(sb, "every task finished");
    for (int g = 0; g < P->nglobals; g++) {
        sb_printf(sb, "%s%s = ", g ? ", " : "", P->global_names[g]);
        vm_format_value(P, v[g], sb);
    }
}

/* "x from 2 to 6" over the finals of n outcomes that ended well. */
static void finals_range(struct strbuf *sb, const struct program *P,
                         const int64_t *const *v, int n)
{
    for (int g = 0; g < P->nglobals; g++) {
        int64_t lo = vm_num(P, v[0][g]), hi = lo;

        for (int i = 1; i < n; i++) {
            int64_t x = vm_num(P, v[i][g]);

            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
        if (lo == hi)
            sb_printf(sb, "%s%s = %lld", g ? ", " : "", P->global_names[g],
                      (long long)lo);
        else
            sb_printf(sb, "%s%s from %lld to %lld", g ? ", " : "",
                      P->global_names[g], (long long)lo, (long long)hi);
    }
}

/* What runs ended in, exactly as counted: "x = 6 in 20 of 20 runs",
 * "x = 6 in 18, x = 5 in 2 of 20 runs", or "x from 3 to 6 (9 different
 * outcomes in 20 runs)". */
static void runs_summary(struct strbuf *sb, const struct program *P,
                         const struct real_result *r)
{
    const int64_t *ok[40];
    int nok = 0, bad = 0;

    if (r->runs == 0) {
        sb_puts(sb, "no run finished");
        return;
    }
    if (r->noutcomes <= 3) {
        for (int i = 0; i < r->noutcomes; i++) {
            const struct real_outcome *oc = &r->outcomes[i];

            if (i)
                sb_puts(sb, ", ");
            if (oc->status == TRACE_OK)
                finals_text(sb, P, oc->final);
            else
                sb_puts(sb, oc->status == TRACE_DEADLOCK ? "deadlock" :
                        oc->status == TRACE_FAILED ? "a task failed" :
                        "stopped at a limit");
            sb_printf(sb, " in %d", oc->count);
        }
        sb_printf(sb, " of %d run%s", r->runs, r->runs == 1 ? "" : "s");
        return;
    }
    for (int i = 0; i < r->noutcomes; i++) {
        if (r->outcomes[i].status != TRACE_OK)
            bad += r->outcomes[i].count;
        else if (nok < (int)TT_ARRAY_LEN(ok))
            ok[nok++] = r->outcomes[i].final;
    }
    if (nok)
        finals_range(sb, P, ok, nok);
    if (bad)
        sb_printf(sb, "%s%d run%s did not end well", nok ? "; " : "", bad,
                  bad == 1 ? "" : "s");
    sb_printf(sb, " (%d different outcomes in %d runs)", r->noutcomes,
              r->runs);
}

/* The model a scene's simulation stands for, in a few words. */
static const char *model_name(const struct scene_config *cfg)
{
    switch (cfg->mode) {
    case MODE_THREADS: return "free-threaded";
    case MODE_GIL:
        return cfg->checkpoints == CHECK_EVERY_OP ? "Python 3.9's GIL" :
               "CPython 3.13's GIL";
    case MODE_ASYNCIO: return "asyncio";
    case MODE_PROCESSES: return "processes";
    default: return "one after another";
    }
}

/* The simulation, the explorer, the C backend and CPython, one line each:
 * what each made of the scene (shown once a CPython run was asked for). */
static void side_by_side(struct app *a, struct mline *m, int *n, int max)
{
    const struct program *P = a->L->prog;
    const struct scene *sc = &a->L->scenes[a->tape->scene];
    struct strbuf sb;

    /* Python first: on a small screen the panel has three rows. */
    sb_init(&sb);
    if (a->py) {
        const char *py = strrchr(app_python(), '/');

        runs_summary(&sb, P, a->py);
        madd(m, n, max, R_BOLD, "your %s %s%s: %s", py ? py + 1 : app_python(),
             a->py_version, a->py_gil ? "" : " (no GIL)", sb.s);
    } else if (a->py_note[0]) {
        madd(m, n, max, R_BAD, "%s", a->py_note);
    }
    if (a->ex && a->ex->complete && a->ex->scene == a->tape->scene &&
        a->ex->noutcomes > 0) {
        const int64_t *ok[40];
        int nok = 0, dead = 0;

        for (int i = 0; i < a->ex->noutcomes; i++) {
            if (a->ex->outcomes[i].status != TRACE_OK)
                dead = 1;
            else if (nok < (int)TT_ARRAY_LEN(ok))
                ok[nok++] = a->ex->outcomes[i].final;
        }
        sb_clear(&sb);
        if (nok)
            finals_range(&sb, P, ok, nok);
        if (dead)
            sb_printf(&sb, "%sor it gets stuck", nok ? ", " : "");
        madd(m, n, max, R_NORMAL, "simulated %s, every interleaving: %s",
             model_name(&a->tape->cfg), sb.s);
    }
    if (tape_finished(a->tape)) {
        sb_clear(&sb);
        finals_text(&sb, P, a->tape->tr->final);
        madd(m, n, max, R_NORMAL, "simulated %s, this run: %s",
             model_name(&a->tape->cfg), sb.s);
    }
    if (a->real) {
        sb_clear(&sb);
        runs_summary(&sb, P, a->real);
        madd(m, n, max, R_NORMAL, "the tool's %s: %s", a->real->detail, sb.s);
    }
    if (a->py && sc->python_args) {
        sb_clear(&sb);
        for (int i = 0; i < sc->npython_args; i++)
            sb_printf(&sb, "%s%lld", i ? ", " : "",
                      (long long)sc->python_args[i]);
        madd(m, n, max, R_DIM, "(in Python each task ran %s(%s), the scene's "
             "python-args; the simulation runs its run lines)",
             sc->tasks[0].func_name, sb.s);
    }
    sb_done(&sb);
}

static int real_lines(struct app *a, struct mline *m, int max)
{
    const struct real_result *r = a->real;
    int n = 0;
    char status[200], t1[32], t2[32], t3[32];

    app_job_status(a, status, sizeof(status));
    if (status[0])
        madd(m, &n, max, R_BOLD, "%s", status);
    if (a->job_note[0])
        madd(m, &n, max, R_BAD, "%s", a->job_note);
    if (!r) {
        if (!status[0])
            madd(m, &n, max, R_DIM, "r runs this scene for real on this "
                 "machine, %d time%s, and draws the run of median wall time "
                 "next to the simulation", a->real_runs,
                 a->real_runs == 1 ? "" : "s");
        return n;
    }
    if (a->py || a->py_note[0])
        side_by_side(a, m, &n, max);
    view_ns_text(t1, sizeof(t1), r->wall_ns.min);
    view_ns_text(t2, sizeof(t2), r->wall_ns.median);
    view_ns_text(t3, sizeof(t3), r->wall_ns.max);
    madd(m, &n, max, R_BOLD, "%d run%s on %s%s: wall time min %s · median %s "
         "· max %s", r->runs, r->runs == 1 ? "" : "s", r->detail,
         r->traced ? ", traced" : "", t1, t2, t3);
    for (int i = 0; i < r->noutcomes; i++) {
        struct strbuf sb;

        sb_init(&sb);
        if (a->L->nshared > 0 || r->outcomes[i].status != TRACE_OK)
            real_outcome_text(&sb, a->L, r, &r->outcomes[i]);
        else
            sb_puts(&sb, "every task finished");
        madd(m, &n, max, r->outcomes[i].status == TRACE_OK ? R_NORMAL : R_BAD,
             "\x01%d\x01%s", i, sb.s);
        sb_done(&sb);
    }
    if (r->notes.s) {
        const char *p = r->notes.s;

        while (*p) {
            size_t k = strcspn(p, "\n");

            if (k)
                madd(m, &n, max, R_DIM, "%.*s", (int)k, p);
            p += k + (p[k] == '\n');
        }
    }
    return n;
}

void view_real_panel(struct app *a, int y, int x, int w, int h)
{
    struct mline m[40];
    int n = real_lines(a, m, (int)TT_ARRAY_LEN(m)), label_w = 8, row = 0;

    view_rule(y - 1, x, w, "real runs on this machine", a->focus == FOCUS_LOG);
    for (int i = 0; i < n; i++)
        if (m[i].text[0] == '\x01') {
            int lw = draw_width(strchr(m[i].text + 1, '\x01') + 1);

            if (lw > label_w)
                label_w = lw;
        }
    if (label_w > w / 3)
        label_w = w / 3;
    for (int i = 0; i < n && row < h; i++) {
        if (m[i].text[0] != '\x01') {
            /* Notes wrap, indented. */
            struct tlines t;

            tl_init(&t);
            tl_wrap(&t, m[i].text, w - 2, m[i].role, 0, 2);
            for (size_t k = 0; k < t.n && row < h; k++, row++)
                tl_draw(&t, k, y + row, x + 1, w - 2);
            tl_done(&t);
            continue;
        }
        {
            /* An outcome: its label, a bar of its share of runs, the count. */
            int k = atoi(m[i].text + 1);
            const struct real_outcome *oc = &a->real->outcomes[k];
            double frac = a->real->runs ? (double)oc->count / a->real->runs : 0;

            draw_str(y + row, x + 3, label_w, m[i].role,
                     strchr(m[i].text + 1, '\x01') + 1);
            bar(y + row, x + 4 + label_w, 20, frac, R_BAR_DONE);
            draw_strf(y + row, x + 26 + label_w, w - label_w - 27, R_NORMAL,
                      "%5d  %3.0f%%", oc->count, frac * 100);
            row++;
        }
    }
}

/* Rows the code and memory panels would like, their rule included. */
int view_band_want(struct app *a)
{
    const struct program *P = a->L->prog;
    int task = app_shown_task(a), code, mem;
    const struct sim *s = tape_at(a->tape, a->cursor);
    const struct vm *vm = sim_task_vm(s, task);
    struct mline m[48];

    if (vm->nframes > 0) {
        const struct vm_frame *fr = &vm->frames[vm->cur];
        const struct func *fn = &P->funcs[fr->fn];
        int line = P->pos[fr->pc].line, nops = 0;
        int lines = func_last_line(P, fn) - fn->line + 1;

        for (uint32_t i = 0; i < fn->ncode; i++)
            nops += P->pos[fn->code_start + i].line == line;
        /* two more rows for the next op's meaning, which wraps */
        code = code_side(a) ? (lines > nops + 4 ? lines : nops + 4) :
               lines + nops + 3;
    } else {
        code = 1;
    }
    mem = memory_lines(a, m, (int)TT_ARRAY_LEN(m));
    if (mem > code)
        code = mem;
    return 1 + (code > 3 ? code : 3);
}

int view_real_rows(struct app *a)
{
    struct mline m[40];

    return real_lines(a, m, (int)TT_ARRAY_LEN(m));
}
