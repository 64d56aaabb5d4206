/* trace.h - what a run did: state spans per task, ops, and instant events.
 *
 * The trace is the one product of every run, simulated or real.  Each task
 * has a lane of state spans (running on cpu k, ready, waiting for the GIL,
 * blocked, waiting for a lock, done); every executed op is a compact
 * record with the value it read, wrote or computed ("Ops" below);
 * instants (switches with their reason, lock hand-offs, prints, errors)
 * are events.  Time is an integer in the trace's unit: ticks for
 * simulated runs, nanoseconds for real ones.
 * Records are appended in time order, so lookups by time are binary
 * searches and drawing a window costs what the window shows.
 *
 * Memory: every record and byte of text is counted against the command's
 * memory budget (membudget.h).  When the budget refuses, the record is kept
 * anyway (the step in progress finishes), prints are dropped, and
 * trace_full() says so: the run stops at its next step.
 */
#ifndef TT_TRACE_H
#define TT_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

/* Task states: id, name, ASCII glyph for text charts, what it means. */
#define TASK_STATES(X)                                                 \
    X(TS_NEW, "not started", ' ', "has not started yet")               \
    X(TS_STARTING, "starting", '+', "is being started (process spawn)")\
    X(TS_READY, "ready", '.', "could run, waits for a CPU")            \
    X(TS_RUNNING, "running", '#', "runs on a CPU")                     \
    X(TS_GIL_WAIT, "GIL wait", 'g', "could run, waits for the GIL")    \
    X(TS_BLOCKED, "waiting", '~', "sleeps or waits for I/O")           \
    X(TS_LOCK_WAIT, "lock wait", 'L', "waits for a lock")              \
    X(TS_DONE, "done", ' ', "has finished")                            \
    X(TS_FAILED, "failed", 'X', "stopped with an error")

enum task_state {
#define X(id, name, glyph, desc) id,
    TASK_STATES(X)
#undef X
    TS_COUNT
};

struct task_state_info {
    const char *name;
    char glyph;
    const char *desc;
};

extern const struct task_state_info task_state_info[TS_COUNT];

/* Why a task stopped running: id, the switch kind it counts as. */
#define SWITCH_REASONS(X)                                  \
    X(SW_NONE, SWK_NONE)                                   \
    X(SW_QUANTUM, SWK_PREEMPT)   /* its time slice ended */ \
    X(SW_RANDOM, SWK_PREEMPT)    /* a random interrupt */  \
    X(SW_SCHEDULE, SWK_PREEMPT)  /* the script said so */  \
    X(SW_GIL_DROP, SWK_PREEMPT)  /* drop request */        \
    X(SW_AWAIT, SWK_YIELD)       /* await in a coroutine */\
    X(SW_SLEEP, SWK_BLOCK)                                 \
    X(SW_IO, SWK_BLOCK)                                    \
    X(SW_LOCK, SWK_BLOCK)                                  \
    X(SW_JOIN, SWK_BLOCK)        /* join(): arg the task joined */\
    X(SW_WORK, SWK_BLOCK)        /* a pool's worker waits for work: \
                                  * arg the pool */                  \
    X(SW_RESULT, SWK_BLOCK)      /* result(): arg the job waited for */

enum switch_kind { SWK_NONE, SWK_PREEMPT, SWK_YIELD, SWK_BLOCK, SWK_COUNT };

enum switch_reason {
#define X(id, kind) id,
    SWITCH_REASONS(X)
#undef X
    SW_COUNT
};

extern const enum switch_kind switch_kind_of[SW_COUNT];
extern const char *const switch_kind_name[SWK_COUNT];

enum trace_event_kind {
    EV_START,       /* the task starts */
    EV_SWITCH,      /* task left its CPU: reason, other = who runs next */
    EV_WAKE,        /* a wait ended */
    EV_ACQUIRE,     /* task took lock arg2 */
    EV_LOCK_WAIT,   /* task waits for lock arg2, held by other */
    EV_RELEASE,     /* task released lock arg2; other gets it (or -1);
                     * arg > 0: an error left the task's with block on
                     * object arg - 1, whose __exit__ released it */
    EV_GIL_REQUEST, /* task asks holder other to drop the GIL */
    EV_GIL_TAKE,    /* task takes the GIL */
    EV_STALL,       /* task blocks the whole event loop for arg ticks */
    EV_PRINT,       /* text at offset arg of trace->text */
    EV_EXIT,
    EV_ERROR,       /* message at offset arg of trace->text */
    EV_DEADLOCK,    /* the run ends: every unfinished task waits */
    EV_LIMIT,       /* the run ends: a limit; message at offset arg */
};

/* arg2 of an EV_WAKE or EV_DEADLOCK about a join() (other: the thread
 * joined). */
#define TRACE_JOIN_MARK (-2)
/* arg2 of an EV_WAKE or EV_DEADLOCK: a pool's worker (woken: arg the job
 * it takes) / a result() (arg the job done). */
#define TRACE_WORK_MARK (-3)
#define TRACE_RESULT_MARK (-4)

struct trace_event {
    int64_t t;
    uint32_t op_index;  /* ops recorded before this event */
    int32_t arg;
    uint16_t task;
    int16_t other;
    uint8_t kind;
    uint8_t reason;     /* EV_SWITCH: enum switch_reason; EV_ERROR:
                         * TRACE_UNRETRIEVED or 0 */
    int16_t arg2;
};

/* reason of an EV_ERROR of an asyncio task whose exception nothing
 * retrieved (no await of it, no gather): CPython says "Task exception was
 * never retrieved" when it drops the task. */
#define TRACE_UNRETRIEVED 1

/* One op as readers see it (trace_op_get and the accessors below). */
struct trace_op {
    int64_t t;
    int64_t value;      /* read, written or computed (vm_effect.value) */
    uint32_t pc;
    uint16_t task;
    int8_t cpu;
    uint8_t status;     /* enum vm_status */
};

/* Ops: how they are stored.  A run records tens of millions of ops, and
 * filling fresh memory (page faults) is what a simulated op cost most, so
 * an op is kept in 10 bytes instead of a struct trace_op's 24:
 *
 *   bits  0-31  value, coded as an int32 (below)
 *   bits 32-51  pc        (PROGRAM_MAX_CODE is 2^20)
 *   bits 52-55  status    (enum vm_status)
 *   bits 56-62  cpu + 1   (-1 for none; LESSON_MAX_CPUS is 64)
 *   bit  63     escaped: the op is kept whole in op_esc instead
 *   bits 64-68  task      (LESSON_MAX_TASKS is 32)
 *   bits 69-79  t - op_base[i >> op_block_bits]
 *
 * A value in int32 range is itself, but the lowest 2^24 codes stand for
 * the values just above INT64_MIN, which are as common as small numbers:
 * VM_UNSET and the VM's references to None, functions, iterators ...
 * (vm.h: INT64_MIN + 1 + (kind << 32) + index), here for a kind below 32
 * and an index below 2^18.  The numbers near INT32_MIN that these codes
 * displace escape.
 *
 * A block of ops shares a base time, the time of its first op (ops are
 * appended in time order), kept in op_base; the record holds the offset
 * from it.  In ticks, a block is 16 ops (half a byte of base an op): a
 * simulated op comes a tick or so after the one before.  In nanoseconds
 * (real runs), ops are often microseconds or milliseconds apart, and a
 * block is one op.  So an op takes 10.5 bytes in ticks, 18 in ns.
 *
 * An op whose offset or value does not fit (a large number, a long
 * wait), or any field out of range, is an escape: its record says so and
 * op_esc, sorted by index, holds it whole.  Escapes are rare (none in a
 * loop of small numbers), so a lookup may binary-search them.
 *
 * Readers go through trace_op_get, trace_op_t, trace_op_value, ... and
 * never touch the records; trace_op appends.  The records, bases and
 * escapes grow geometrically and are counted against the memory budget. */
enum {
    TRACE_TICK_BLOCK_BITS = 4,  /* 16 ops a block in ticks, 1 in ns */
    TRACE_DT_BITS = 11,
    TRACE_PC_BITS = 20,
    TRACE_STATUS_BITS = 4,
    TRACE_CPU_BITS = 7,
    TRACE_TASK_BITS = 5,
    TRACE_REF_INDEX_BITS = 18,
};

/* Codes INT32_MIN .. TRACE_CODE_MIN - 1 stand for values near INT64_MIN. */
#define TRACE_CODE_MIN ((int64_t)INT32_MIN + ((int64_t)1 << 24))

struct trace_rec {
    unsigned char b[10];    /* a uint64_t and a uint16_t, unaligned */
};

struct trace_esc {
    size_t i;               /* the op's index */
    struct trace_op op;
};

/* A span lasts from its start to the next span's start; the last one to
 * the lane's end (-1 while the run goes on). */
struct trace_span {
    int64_t start;
    int32_t arg;        /* TS_LOCK_WAIT: the lock */
    uint8_t state;      /* enum task_state */
    int8_t cpu;         /* TS_RUNNING (or TS_BLOCKED holding it): the cpu */
    uint8_t why;        /* switch reason that ended the previous span */
    uint8_t wait;       /* TS_BLOCKED: VM_SLEEP, VM_IO, VM_AWAIT_* */
};

struct trace_lane {
    struct trace_span *spans;
    size_t n, cap;
    int64_t end;        /* end of the last span, -1 while open */
};

enum trace_status {
    TRACE_RUNNING,      /* not finished */
    TRACE_OK,           /* every task returned */
    TRACE_FAILED,       /* a task stopped with an error */
    TRACE_DEADLOCK,
    TRACE_LIMIT,        /* the step budget or the time limit */
};

struct trace {
    const char *unit;   /* "tick" or "ns" */
    int ntasks, ncpus;
    char (*labels)[24];
    struct trace_lane *lanes;
    struct trace_rec *op_recs;  /* nops of cap_ops: see "Ops" above */
    int64_t *op_base;           /* a base time per block of ops */
    int op_block_bits;          /* a block is 1 << op_block_bits ops */
    struct trace_esc *op_esc;   /* escaped ops, by index */
    size_t nops, cap_ops, cap_base, nesc, cap_esc;
    struct trace_event *events;
    size_t nevents, cap_events;
    struct strbuf text; /* prints, error and limit messages */

    /* The outcome, filled in when the run ends. */
    enum trace_status status;
    int64_t end;        /* makespan: when the last task ended */
    int64_t switches[SWK_COUNT];
    int nglobals, nspaces;
    int64_t *final;     /* nspaces x nglobals; space 0 is the main program */
    size_t charged;     /* bytes counted against the memory budget */
    int full;           /* the budget refused to let it grow */
};

struct trace *trace_new(int ntasks, const char *const *labels, int ncpus,
                        const char *unit);
void trace_free(struct trace *tr);
/* Room for one more op (trace_op calls it). */
void trace_grow_ops(struct trace *tr);
/* The memory budget refused to let the trace grow: stop the run. */
static inline int trace_full(const struct trace *tr)
{
    return tr->full;
}

/* Append an op whose value is not a plain int32, or that fits no record
 * (trace_op calls it). */
void trace_op_slow(struct trace *tr, int64_t t, int task, int cpu,
                   uint32_t pc, int status, int64_t value);

/* Store op n (< cap_ops): its fields fit, code is its value's code. */
static inline void trace_rec_put(struct trace *tr, size_t n, uint64_t dt,
                                 int task, int cpu, uint32_t pc, int status,
                                 int64_t code)
{
    uint64_t lo = ((uint64_t)code & 0xffffffffu) | (uint64_t)pc << 32 |
                  (uint64_t)status << 52 | (uint64_t)(cpu + 1) << 56;
    uint16_t hi = (uint16_t)((unsigned)task | (unsigned)dt << TRACE_TASK_BITS);

    memcpy(tr->op_recs[n].b, &lo, sizeof(lo));
    memcpy(tr->op_recs[n].b + 8, &hi, sizeof(hi));
}

/* Append an op.  Its time is no earlier than the last op's. */
static inline void trace_op(struct trace *tr, int64_t t, int task, int cpu,
                            uint32_t pc, int status, int64_t value)
{
    size_t n = tr->nops;
    uint64_t dt;

    if (n == tr->cap_ops)
        trace_grow_ops(tr);
    if ((n & (((size_t)1 << tr->op_block_bits) - 1)) == 0)
        tr->op_base[n >> tr->op_block_bits] = t;
    dt = (uint64_t)t - (uint64_t)tr->op_base[n >> tr->op_block_bits];
    if ((dt >> TRACE_DT_BITS | pc >> TRACE_PC_BITS |
         (unsigned)status >> TRACE_STATUS_BITS |
         (unsigned)(cpu + 1) >> TRACE_CPU_BITS |
         (unsigned)task >> TRACE_TASK_BITS) != 0 ||
        (uint64_t)value - (uint64_t)TRACE_CODE_MIN >
        (uint64_t)INT32_MAX - (uint64_t)TRACE_CODE_MIN) {
        trace_op_slow(tr, t, task, cpu, pc, status, value);
        return;
    }
    trace_rec_put(tr, n, dt, task, cpu, pc, status, value);
    tr->nops = n + 1;
}

/* Op i (< nops), decoded.  The accessors after it read one field. */
const struct trace_op *trace_op_escaped(const struct trace *tr, size_t i);

static inline uint64_t trace_rec_lo(const struct trace *tr, size_t i)
{
    uint64_t lo;

    memcpy(&lo, tr->op_recs[i].b, sizeof(lo));
    return lo;
}

static inline unsigned trace_rec_hi(const struct trace *tr, size_t i)
{
    uint16_t hi;

    memcpy(&hi, tr->op_recs[i].b + 8, sizeof(hi));
    return hi;
}

#define TRACE_ESCAPED(lo) ((lo) >> 63)

static inline int64_t trace_op_t(const struct trace *tr, size_t i)
{
    uint64_t lo = trace_rec_lo(tr, i);

    if (TRACE_ESCAPED(lo))
        return trace_op_escaped(tr, i)->t;
    return tr->op_base[i >> tr->op_block_bits] +
           (int64_t)(trace_rec_hi(tr, i) >> TRACE_TASK_BITS);
}

static inline int64_t trace_op_value(const struct trace *tr, size_t i)
{
    uint64_t lo = trace_rec_lo(tr, i);
    int64_t code;

    if (TRACE_ESCAPED(lo))
        return trace_op_escaped(tr, i)->value;
    /* Sign-extend the low 32 bits. */
    code = (int64_t)((lo & 0xffffffffu) ^ 0x80000000u) - 0x80000000;
    if (code >= TRACE_CODE_MIN)
        return code;
    code -= INT32_MIN;
    if (code == 0)
        return INT64_MIN;
    code--;
    return INT64_MIN + 1 + ((code >> TRACE_REF_INDEX_BITS) << 32) +
           (code & ((1 << TRACE_REF_INDEX_BITS) - 1));
}

static inline uint32_t trace_op_pc(const struct trace *tr, size_t i)
{
    uint64_t lo = trace_rec_lo(tr, i);

    if (TRACE_ESCAPED(lo))
        return trace_op_escaped(tr, i)->pc;
    return (uint32_t)(lo >> 32) & ((1u << TRACE_PC_BITS) - 1);
}

static inline int trace_op_status(const struct trace *tr, size_t i)
{
    uint64_t lo = trace_rec_lo(tr, i);

    if (TRACE_ESCAPED(lo))
        return trace_op_escaped(tr, i)->status;
    return (int)(lo >> 52) & ((1 << TRACE_STATUS_BITS) - 1);
}

static inline int trace_op_cpu(const struct trace *tr, size_t i)
{
    uint64_t lo = trace_rec_lo(tr, i);

    if (TRACE_ESCAPED(lo))
        return trace_op_escaped(tr, i)->cpu;
    return ((int)(lo >> 56) & ((1 << TRACE_CPU_BITS) - 1)) - 1;
}

static inline int trace_op_task(const struct trace *tr, size_t i)
{
    uint64_t lo = trace_rec_lo(tr, i);

    if (TRACE_ESCAPED(lo))
        return trace_op_escaped(tr, i)->task;
    return (int)(trace_rec_hi(tr, i) & ((1u << TRACE_TASK_BITS) - 1));
}

static inline struct trace_op trace_op_get(const struct trace *tr, size_t i)
{
    struct trace_op op;
    uint64_t lo = trace_rec_lo(tr, i);

    if (TRACE_ESCAPED(lo))
        return *trace_op_escaped(tr, i);
    op.t = trace_op_t(tr, i);
    op.value = trace_op_value(tr, i);
    op.pc = trace_op_pc(tr, i);
    op.task = (uint16_t)trace_op_task(tr, i);
    op.cpu = (int8_t)trace_op_cpu(tr, i);
    op.status = (uint8_t)trace_op_status(tr, i);
    return op;
}

struct trace_event *trace_event(struct trace *tr, int64_t t, int kind,
                                int task);
/* Store text (a print) and return its offset for arg; -1 (shown as "more
 * output than taketurns keeps") once the text is too large for the budget
 * or for an offset. */
int32_t trace_text(struct trace *tr, const char *s);
/* Store a message (an error, why the run stopped): the same, but a short
 * message is kept whatever the text already holds, so the reason a run
 * stopped is never lost to the prints before it. */
int32_t trace_message(struct trace *tr, const char *s);
const char *trace_text_at(const struct trace *tr, int64_t off);

/* Task enters state at time t.  Closes its open span unless the state and
 * cpu are unchanged. */
void trace_state(struct trace *tr, int task, int64_t t, int state, int cpu,
                 int why, int wait, int arg);
/* Close every open span at time t. */
void trace_close(struct trace *tr, int64_t t);
/* Forget everything from time t on (spans crossing t are reopened), so a
 * run can go on differently from there. */
void trace_cut(struct trace *tr, int64_t t);

/* The span of task covering time t, or NULL (before its first span). */
const struct trace_span *trace_span_at(const struct trace *tr, int task,
                                       int64_t t);
/* Index of the span of task covering t: the last one starting at or before
 * t (0 if none does). */
size_t trace_lane_seek(const struct trace *tr, int task, int64_t t);
/* End of span i of task (-1 if it is still open). */
int64_t trace_span_end(const struct trace *tr, int task, size_t i);
/* Index of the first op at time >= t (nops if none). */
size_t trace_op_seek(const struct trace *tr, int64_t t);
/* Index of the first event at time >= t (nevents if none). */
size_t trace_event_seek(const struct trace *tr, int64_t t);

/* "ok", "failed", "deadlock", "limit" or "running", as JSON says it. */
const char *trace_status_name(enum trace_status s);

/* Bytes the trace holds (records and text), for bench. */
size_t trace_bytes(const struct trace *tr);

#endif
