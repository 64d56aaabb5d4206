/* sync.c - the semantics of every synchronization object, in one place.
 *
 * Pure functions over struct sync_obj: no scheduler, no clock, no trace.
 * The callers (sim.c, the real backends, replay) record what happened and
 * move the tasks; this file only decides it.  Each kind follows CPython
 * 3.13's threading, queue and asyncio modules, with the hand-off order
 * described in sync.h.
 */
#include "sync.h"

#include <string.h>

#include "vm.h"

#define NONE VM_REF(REF_NONE, 0)

const struct sync_kind_info sync_kind_info[SYNC_KIND_COUNT] = {
#define X(id, mod, name, async, desc) {mod, name, async, desc},
    SYNC_KINDS(X)
#undef X
};

const char *const sync_method_name[SYNC_METHOD_COUNT] = {
#define X(id, name) name,
    SYNC_METHODS(X)
#undef X
};

const char *const sync_attr_name[SYNC_ATTR_COUNT] = {
#define X(id, name) name,
    SYNC_ATTRS(X)
#undef X
};

#define M(m) (1u << (m))

/* The methods each kind has. */
static const unsigned kind_methods[SYNC_KIND_COUNT] = {
    [SYNC_LOCK] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE) | M(SYNC_LOCKED),
    [SYNC_ALOCK] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE) | M(SYNC_LOCKED),
    [SYNC_RLOCK] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE),
    [SYNC_SEMAPHORE] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE),
    [SYNC_BSEMAPHORE] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE),
    [SYNC_ASEMAPHORE] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE) | M(SYNC_LOCKED),
    [SYNC_EVENT] = M(SYNC_SET) | M(SYNC_CLEAR) | M(SYNC_IS_SET) | M(SYNC_WAIT),
    [SYNC_AEVENT] = M(SYNC_SET) | M(SYNC_CLEAR) | M(SYNC_IS_SET) |
                    M(SYNC_WAIT),
    [SYNC_CONDITION] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE) | M(SYNC_WAIT) |
                       M(SYNC_NOTIFY) | M(SYNC_NOTIFY_ALL),
    [SYNC_ACONDITION] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE) | M(SYNC_WAIT) |
                        M(SYNC_NOTIFY) | M(SYNC_NOTIFY_ALL) | M(SYNC_LOCKED),
    [SYNC_BARRIER] = M(SYNC_WAIT) | M(SYNC_RESET) | M(SYNC_ABORT),
    [SYNC_QUEUE] = M(SYNC_PUT) | M(SYNC_GET) | M(SYNC_TASK_DONE) |
                   M(SYNC_JOIN) | M(SYNC_QSIZE) | M(SYNC_EMPTY) | M(SYNC_FULL) |
                   M(SYNC_PUT_NOWAIT) | M(SYNC_GET_NOWAIT),
    [SYNC_AQUEUE] = M(SYNC_PUT) | M(SYNC_GET) | M(SYNC_TASK_DONE) |
                    M(SYNC_JOIN) | M(SYNC_QSIZE) | M(SYNC_EMPTY) |
                    M(SYNC_FULL) | M(SYNC_PUT_NOWAIT) | M(SYNC_GET_NOWAIT),
    /* multiprocessing.Lock has no locked() in 3.13; a Value (a
     * Synchronized wrapper) has its lock's acquire() and release() */
    [SYNC_MPLOCK] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE),
    [SYNC_MPRLOCK] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE),
    [SYNC_MPSEMAPHORE] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE),
    [SYNC_MPEVENT] = M(SYNC_SET) | M(SYNC_CLEAR) | M(SYNC_IS_SET) |
                     M(SYNC_WAIT),
    [SYNC_VALUE] = M(SYNC_ACQUIRE) | M(SYNC_RELEASE) | M(SYNC_GET_LOCK),
};

/* The public attributes each kind has (the rest are methods, or private
 * to CPython: Semaphore._value, Event._flag ...). */
static const unsigned kind_attrs[SYNC_KIND_COUNT] = {
    [SYNC_BARRIER] = M(SYNC_A_PARTIES) | M(SYNC_A_N_WAITING) |
                     M(SYNC_A_BROKEN),
    [SYNC_QUEUE] = M(SYNC_A_MAXSIZE) | M(SYNC_A_UNFINISHED),
    [SYNC_AQUEUE] = M(SYNC_A_MAXSIZE),
    [SYNC_VALUE] = M(SYNC_A_VALUE),
};

int sync_attr_find(int kind, const char *name)
{
    for (int a = 0; a < SYNC_ATTR_COUNT; a++)
        if ((kind_attrs[kind] & M(a)) && strcmp(sync_attr_name[a], name) == 0)
            return a;
    return -1;
}

int sync_kind_shared(int kind)
{
    /* (a switch: the simulator asks at every request) */
    switch (kind) {
    case SYNC_MPLOCK:
    case SYNC_MPRLOCK:
    case SYNC_MPSEMAPHORE:
    case SYNC_MPEVENT:
    case SYNC_VALUE:
        return 1;
    default:
        return 0;
    }
}

int sync_kind_base(int kind)
{
    switch (kind) {
    case SYNC_MPLOCK: return SYNC_LOCK;
    case SYNC_MPRLOCK: return SYNC_RLOCK;
    case SYNC_MPSEMAPHORE: return SYNC_SEMAPHORE;
    case SYNC_MPEVENT: return SYNC_EVENT;
    default: return kind;
    }
}

int sync_value(const struct sync_obj *o, int64_t *value)
{
    if (o->kind != SYNC_VALUE)
        return -1;
    *value = o->items[0];
    return o->link;
}

/* Methods that may wait; in asyncio they are the coroutine methods. */
static const unsigned waiting_methods = M(SYNC_ACQUIRE) | M(SYNC_WAIT) |
                                        M(SYNC_PUT) | M(SYNC_GET) |
                                        M(SYNC_JOIN);

int sync_method_find(int kind, const char *name)
{
    for (int m = 0; m < SYNC_METHOD_COUNT; m++)
        if ((kind_methods[kind] & M(m)) && strcmp(sync_method_name[m], name) == 0)
            return m;
    return -1;
}

int sync_method_may_wait(int kind, int method)
{
    /* a Value's value waits while another task holds its lock */
    if (kind == SYNC_VALUE && (method == SYNC_GETATTR ||
                               method == SYNC_SETVALUE))
        return 1;
    return (waiting_methods & M(method)) != 0;
}

int sync_method_awaited(int kind, int method)
{
    return sync_kind_info[kind].async && sync_method_may_wait(kind, method);
}

int sync_returns_bool(int kind, int method, int attr)
{
    switch (method) {
    case SYNC_ACQUIRE:
    case SYNC_LOCKED:
    case SYNC_IS_SET:
    case SYNC_EMPTY:
    case SYNC_FULL:
        return 1;
    case SYNC_WAIT:         /* Barrier.wait() gives the task's index */
        return kind != SYNC_BARRIER;
    case SYNC_GETATTR:
        return attr == SYNC_A_BROKEN;
    default:
        return 0;
    }
}

/* Python's parameters, in order (NULL ends); the role of each. */
struct param {
    const char *name;
    int role;
};

static const struct param *params_of(int kind, int method)
{
    static const struct param none[] = {{NULL, 0}};
    static const struct param lock_acquire[] = {
        {"blocking", SYNC_ARG_BLOCK}, {"timeout", SYNC_ARG_TIMEOUT}, {NULL, 0}};
    /* multiprocessing's SemLock.acquire(block=True, timeout=None) */
    static const struct param semlock_acquire[] = {
        {"block", SYNC_ARG_BLOCK}, {"timeout", SYNC_ARG_TIMEOUT}, {NULL, 0}};
    static const struct param timeout_only[] = {
        {"timeout", SYNC_ARG_TIMEOUT}, {NULL, 0}};
    static const struct param count[] = {{"n", SYNC_ARG_VALUE}, {NULL, 0}};
    static const struct param put[] = {
        {"item", SYNC_ARG_VALUE}, {"block", SYNC_ARG_BLOCK},
        {"timeout", SYNC_ARG_TIMEOUT}, {NULL, 0}};
    static const struct param get[] = {
        {"block", SYNC_ARG_BLOCK}, {"timeout", SYNC_ARG_TIMEOUT}, {NULL, 0}};
    static const struct param aput[] = {{"item", SYNC_ARG_VALUE}, {NULL, 0}};
    int async = sync_kind_info[kind].async;

    switch (method) {
    case SYNC_ACQUIRE:
        /* Condition.acquire passes its arguments to its lock */
        if (sync_kind_shared(kind))
            return semlock_acquire;
        return async ? none : lock_acquire;
    case SYNC_RELEASE:
        return kind == SYNC_SEMAPHORE || kind == SYNC_BSEMAPHORE ? count : none;
    case SYNC_WAIT:
        return kind == SYNC_EVENT || kind == SYNC_CONDITION ||
               kind == SYNC_BARRIER || kind == SYNC_MPEVENT ? timeout_only :
               none;
    case SYNC_NOTIFY:
        return count;
    case SYNC_PUT:
        return async ? aput : put;
    case SYNC_PUT_NOWAIT:
        return aput;
    case SYNC_GET:
        return async ? none : get;
    default:
        return none;
    }
}

int sync_arg_role(int kind, int method, int i, const char *kw)
{
    const struct param *p = params_of(kind, method);

    for (int k = 0; p[k].name; k++)
        if (kw ? strcmp(p[k].name, kw) == 0 : k == i)
            return p[k].role;
    return -1;
}

void sync_init(struct sync_obj *o, int kind, int64_t arg, int link)
{
    memset(o, 0, sizeof(*o));
    o->kind = (uint8_t)sync_kind_base(kind);
    o->holder = -1;
    o->link = (int16_t)link;
    if (kind == SYNC_VALUE)
        o->items[0] = arg;
    o->maxsize = arg < INT32_MIN ? INT32_MIN : arg > INT32_MAX ? INT32_MAX :
                 (int32_t)arg;
    if (arg < 0)
        arg = 0;
    if (arg > INT32_MAX)
        arg = INT32_MAX;
    switch (o->kind) {
    case SYNC_SEMAPHORE:
    case SYNC_BSEMAPHORE:
    case SYNC_ASEMAPHORE:
        o->count = (int32_t)arg;
        o->limit = (int32_t)arg;
        break;
    case SYNC_BARRIER:
    case SYNC_QUEUE:
    case SYNC_AQUEUE:
        o->limit = (int32_t)arg;
        break;
    default:
        break;
    }
}

/* ---- waiters: FIFO queues in the object ------------------------------------ */

static void enqueue(struct sync_obj *o, int task, int q, int64_t val)
{
    if (o->nwait >= SYNC_MAX_WAITERS)
        return;
    o->wtask[o->nwait] = (int8_t)task;
    o->wq[o->nwait] = (uint8_t)q;
    o->wval[o->nwait] = val;
    o->nwait++;
}

static void remove_at(struct sync_obj *o, int i)
{
    int rest = o->nwait - i - 1;

    memmove(o->wtask + i, o->wtask + i + 1, (size_t)rest);
    memmove(o->wq + i, o->wq + i + 1, (size_t)rest);
    memmove(o->wval + i, o->wval + i + 1, sizeof(o->wval[0]) * (size_t)rest);
    o->nwait--;
    o->wtask[o->nwait] = 0;
    o->wq[o->nwait] = 0;
    o->wval[o->nwait] = 0;
}

/* The first waiter in queue q, or -1. */
static int first_in(const struct sync_obj *o, int q)
{
    for (int i = 0; i < o->nwait; i++)
        if (o->wq[i] == q)
            return i;
    return -1;
}

static void woke(struct sync_wake *w, int task, int64_t value)
{
    if (w && w->n < SYNC_MAX_WAITERS) {
        w->tasks[w->n] = task;
        w->values[w->n] = value;
        w->n++;
    }
}

void sync_cancel(struct sync_obj *o, int task)
{
    int r = sync_waiter_rank(o, task);

    if (r >= 0)
        remove_at(o, r);
}

int sync_waiter_rank(const struct sync_obj *o, int task)
{
    for (int i = 0; i < o->nwait; i++)
        if (o->wtask[i] == task)
            return i;
    return -1;
}

int sync_holder(const struct sync_obj *o)
{
    return o->holder;
}

/* ---- locks (and a Condition's own lock) -------------------------------------- */

static int reentrant(int kind)
{
    /* a Value's lock is an RLock (multiprocessing.Value(lock=True)) */
    return kind == SYNC_RLOCK || kind == SYNC_CONDITION || kind == SYNC_VALUE;
}

/* Is the lock of o held in a way that lets task wait or notify?  Python
 * asks a re-entrant lock for its owner, a plain lock only if it is held. */
static int owned(const struct sync_obj *L, int task)
{
    return reentrant(L->kind) ? L->holder == task : L->holder >= 0;
}

static int release_error(int kind)
{
    return reentrant(kind) ? ERR_RELEASE_UNOWNED :
           sync_kind_info[kind].async ? ERR_ALOCK_NOT_ACQUIRED :
           ERR_RELEASE_UNLOCKED;
}

/* A lock's waiter brings the depth it will hold the lock at, and whether
 * its call then returns False (a condition's wait that timed out). */
#define TIMED_OUT ((int64_t)1 << 32)
/* A Value's waiter for its value brings this to read, or what it writes
 * (a number, never this: it is a reference). */
#define VALUE_READ VM_REF(REF_NULL, 2)

/* A Value's readers and writers that wait for its lock come first, in
 * the order they came, up to the first that waits to acquire it: each
 * takes the lock for its one read or write and lets it go again, as
 * CPython's Synchronized value property does. */
static void value_waiters(struct sync_obj *L, struct sync_wake *w)
{
    while (L->nwait > 0 && L->wq[0] == SYNC_Q_VALUE) {
        int64_t v = L->wval[0];

        if (v == VALUE_READ) {
            woke(w, L->wtask[0], L->items[0]);
        } else {
            L->items[0] = v;
            woke(w, L->wtask[0], VM_NO_RESULT);
        }
        remove_at(L, 0);
    }
}

/* Hand L to its first waiter (with the depth it brings), or free it. */
static void hand_over(struct sync_obj *L, struct sync_wake *w)
{
    int i;

    value_waiters(L, w);
    i = first_in(L, SYNC_Q_MAIN);
    if (i < 0) {
        L->holder = -1;
        L->count = 0;
        return;
    }
    L->holder = L->wtask[i];
    L->count = (int32_t)(L->wval[i] & 0x7fffffff);
    woke(w, L->wtask[i], (L->wval[i] & TIMED_OUT) ? 0 : 1);
    remove_at(L, i);
}

static enum sync_result lock_acquire(struct sync_obj *L, int task,
                                     const struct sync_call *c,
                                     struct sync_reply *r)
{
    r->value = 1;
    if (L->holder < 0) {
        L->holder = (int16_t)task;
        L->count = 1;
        return SYNC_GRANTED;
    }
    if (reentrant(L->kind) && L->holder == task) {
        if (L->count < INT32_MAX)
            L->count++;
        return SYNC_GRANTED;
    }
    if (!c->block || c->timeout == 0) {
        r->value = 0;
        return SYNC_GRANTED;
    }
    /* A plain Lock taken again by its holder waits for itself. */
    enqueue(L, task, SYNC_Q_MAIN, 1);
    return SYNC_BLOCKED;
}

static enum sync_result lock_release(struct sync_obj *L, int task,
                                     struct sync_wake *w,
                                     struct sync_reply *r)
{
    if (L->holder < 0 || (reentrant(L->kind) && L->holder != task)) {
        r->err = release_error(L->kind);
        return SYNC_ERROR;
    }
    if (reentrant(L->kind) && --L->count > 0)
        return SYNC_GRANTED;
    hand_over(L, w);
    return SYNC_GRANTED;
}

/* ---- conditions ---------------------------------------------------------------- */

/* A condition's wait that timed out takes its lock L (object lock) back at
 * depth: at once if it is free, else it waits for it and then returns
 * False (TIMED_OUT). */
static enum sync_result retake(struct sync_obj *L, int lock, int task,
                               int64_t depth, struct sync_reply *r)
{
    if (L->holder < 0) {
        L->holder = (int16_t)task;
        L->count = (int32_t)depth;
        return SYNC_GRANTED;
    }
    enqueue(L, task, SYNC_Q_MAIN, depth | TIMED_OUT);
    r->waits_in = lock;
    return SYNC_BLOCKED;
}

static enum sync_result cond_wait(struct sync_obj *C, struct sync_obj *L,
                                  int task, int64_t timeout,
                                  struct sync_wake *w, struct sync_reply *r)
{
    int64_t depth;

    if (!owned(L, task)) {
        r->err = ERR_COND_WAIT;
        return SYNC_ERROR;
    }
    /* Let go of the lock entirely; notify() will queue us for it again. */
    depth = L->count > 0 ? L->count : 1;
    hand_over(L, w);
    if (timeout == 0) {
        /* wait(0): no notify can come in no time, so it returns False
         * once it has the lock again, and a task that waited for the lock
         * has it first (CPython's waiter.acquire(False), then
         * _acquire_restore) */
        r->value = 0;
        return retake(L, C->link, task, depth, r);
    }
    enqueue(C, task, SYNC_Q_SIDE, depth);
    return SYNC_BLOCKED;
}

static enum sync_result cond_notify(struct sync_obj *C, struct sync_obj *L,
                                    int lock, int task, int64_t n,
                                    struct sync_wake *w, struct sync_reply *r)
{
    int i;

    if (!owned(L, task)) {
        r->err = ERR_COND_NOTIFY;
        return SYNC_ERROR;
    }
    /* The notified leave the waiting room and queue for the lock, which
     * the notifier holds. */
    while (n-- > 0 && (i = first_in(C, SYNC_Q_SIDE)) >= 0) {
        int t = C->wtask[i];
        int64_t depth = C->wval[i];

        remove_at(C, i);
        enqueue(L, t, SYNC_Q_MAIN, depth);
        if (w && w->nmoved < SYNC_MAX_WAITERS) {
            w->moved[w->nmoved++] = t;
            w->moved_to = lock;
        }
    }
    return SYNC_GRANTED;
}

/* ---- semaphores, events, barriers ------------------------------------------------ */

static enum sync_result sem_request(struct sync_obj *o, int task,
                                    const struct sync_call *c,
                                    struct sync_wake *w, struct sync_reply *r)
{
    int64_t n = c->value;

    if (c->method == SYNC_ACQUIRE) {
        r->value = 1;
        if (o->count > 0) {
            o->count--;
            return SYNC_GRANTED;
        }
        if (!c->block || c->timeout == 0) {
            r->value = 0;
            return SYNC_GRANTED;
        }
        enqueue(o, task, SYNC_Q_MAIN, 0);
        return SYNC_BLOCKED;
    }
    if (c->method == SYNC_LOCKED) {
        r->value = o->count == 0;
        return SYNC_GRANTED;
    }
    if (n < 1)
        n = 1;
    if (o->kind == SYNC_BSEMAPHORE && n > (int64_t)o->limit - o->count) {
        r->err = ERR_SEM_OVER;
        return SYNC_ERROR;
    }
    /* Each unit released goes to the first waiter, if there is one. */
    for (int i; n > 0 && (i = first_in(o, SYNC_Q_MAIN)) >= 0; n--) {
        woke(w, o->wtask[i], 1);
        remove_at(o, i);
    }
    if (n > (int64_t)INT32_MAX - o->count)
        n = (int64_t)INT32_MAX - o->count;
    o->count += (int32_t)n;
    return SYNC_GRANTED;
}

static void wake_all(struct sync_obj *o, int q, struct sync_wake *w,
                     int use_wval, int64_t value)
{
    int i;

    while ((i = first_in(o, q)) >= 0) {
        woke(w, o->wtask[i], use_wval ? o->wval[i] : value);
        remove_at(o, i);
    }
}

static enum sync_result event_request(struct sync_obj *o, int task,
                                      const struct sync_call *c,
                                      struct sync_wake *w,
                                      struct sync_reply *r)
{
    switch (c->method) {
    case SYNC_SET:
        o->count = 1;
        wake_all(o, SYNC_Q_MAIN, w, 0, 1);
        return SYNC_GRANTED;
    case SYNC_CLEAR:
        o->count = 0;
        return SYNC_GRANTED;
    case SYNC_IS_SET:
        r->value = o->count;
        return SYNC_GRANTED;
    default:    /* wait */
        r->value = 1;
        if (o->count)
            return SYNC_GRANTED;
        if (c->timeout == 0) {
            r->value = 0;
            return SYNC_GRANTED;
        }
        enqueue(o, task, SYNC_Q_MAIN, 1);
        return SYNC_BLOCKED;
    }
}

/* The barrier breaks: every task waiting raises BrokenBarrierError, as
 * will every wait until reset() (CPython's Barrier._break). */
static void barrier_break(struct sync_obj *o, struct sync_wake *w)
{
    o->unfinished = 1;
    o->count = 0;
    if (w)
        w->err = ERR_BROKEN_BARRIER;
    wake_all(o, SYNC_Q_MAIN, w, 0, 0);
}

static enum sync_result barrier_request(struct sync_obj *o, int task,
                                        const struct sync_call *c,
                                        struct sync_wake *w,
                                        struct sync_reply *r)
{
    int index = o->count;

    switch (c->method) {
    case SYNC_ABORT:
        barrier_break(o, w);
        return SYNC_GRANTED;
    case SYNC_RESET:
        /* the waiters raise; the barrier is whole and empty again */
        if (o->nwait)
            barrier_break(o, w);
        o->unfinished = 0;
        return SYNC_GRANTED;
    default:
        break;
    }
    if (o->unfinished) {
        r->err = ERR_BROKEN_BARRIER;
        return SYNC_ERROR;
    }
    if (index + 1 >= o->limit) {
        /* The last to arrive lets everyone go; each gets its arrival
         * index, and the barrier is ready for the next round. */
        wake_all(o, SYNC_Q_MAIN, w, 1, 0);
        o->count = 0;
        r->value = index;
        return SYNC_GRANTED;
    }
    if (c->timeout == 0) {
        /* wait(0): no time to wait for the others */
        barrier_break(o, w);
        r->err = ERR_BROKEN_BARRIER;
        return SYNC_ERROR;
    }
    o->count++;
    enqueue(o, task, SYNC_Q_MAIN, index);
    return SYNC_BLOCKED;
}

/* ---- queues ---------------------------------------------------------------------- */

static int queue_full(const struct sync_obj *o)
{
    return o->limit > 0 && o->len >= o->limit;
}

static void push_item(struct sync_obj *o, int64_t v)
{
    o->items[o->len++] = v;
}

static int64_t pop_item(struct sync_obj *o)
{
    int64_t v = o->items[0];

    memmove(o->items, o->items + 1, sizeof(o->items[0]) * (size_t)--o->len);
    o->items[o->len] = 0;
    return v;
}

static enum sync_result queue_put(struct sync_obj *o, int task,
                                  const struct sync_call *c,
                                  struct sync_wake *w, struct sync_reply *r)
{
    int i = first_in(o, SYNC_Q_MAIN);

    if (i >= 0) {
        /* A getter waits, so the queue is empty: the item goes to it. */
        woke(w, o->wtask[i], c->value);
        remove_at(o, i);
    } else if (queue_full(o)) {
        if (!c->block || c->timeout == 0) {
            r->err = ERR_QUEUE_FULL;
            return SYNC_ERROR;
        }
        enqueue(o, task, SYNC_Q_PUT, c->value);
        return SYNC_BLOCKED;
    } else if (o->len >= SYNC_QUEUE_MAX) {
        r->err = ERR_QUEUE_CAP;
        return SYNC_ERROR;
    } else {
        push_item(o, c->value);
    }
    if (o->unfinished < INT32_MAX)
        o->unfinished++;
    return SYNC_GRANTED;
}

static enum sync_result queue_get(struct sync_obj *o, int task,
                                  const struct sync_call *c,
                                  struct sync_wake *w, struct sync_reply *r)
{
    int i;

    if (o->len > 0) {
        r->value = pop_item(o);
        /* A putter waits, so the queue was full: its item goes in. */
        if ((i = first_in(o, SYNC_Q_PUT)) >= 0) {
            push_item(o, o->wval[i]);
            if (o->unfinished < INT32_MAX)
                o->unfinished++;
            woke(w, o->wtask[i], NONE);
            remove_at(o, i);
        }
        return SYNC_GRANTED;
    }
    if (!c->block || c->timeout == 0) {
        r->err = ERR_QUEUE_EMPTY;
        return SYNC_ERROR;
    }
    enqueue(o, task, SYNC_Q_MAIN, 0);
    return SYNC_BLOCKED;
}

static enum sync_result queue_request(struct sync_obj *o, int task,
                                      const struct sync_call *c,
                                      struct sync_wake *w,
                                      struct sync_reply *r)
{
    struct sync_call now = *c;
    enum sync_result res;

    now.block = 0;
    switch (c->method) {
    case SYNC_PUT:
        return queue_put(o, task, c, w, r);
    case SYNC_GET:
        return queue_get(o, task, c, w, r);
    case SYNC_PUT_NOWAIT:
    case SYNC_GET_NOWAIT:
        res = c->method == SYNC_PUT_NOWAIT ? queue_put(o, task, &now, w, r) :
              queue_get(o, task, &now, w, r);
        if (res == SYNC_ERROR && o->kind == SYNC_AQUEUE)
            r->err = r->err == ERR_QUEUE_FULL ? ERR_AQUEUE_FULL :
                     ERR_AQUEUE_EMPTY;
        return res;
    case SYNC_TASK_DONE:
        if (o->unfinished <= 0) {
            r->err = ERR_TASK_DONE;
            return SYNC_ERROR;
        }
        if (--o->unfinished == 0)
            wake_all(o, SYNC_Q_SIDE, w, 0, NONE);
        return SYNC_GRANTED;
    case SYNC_JOIN:
        if (o->unfinished == 0)
            return SYNC_GRANTED;
        enqueue(o, task, SYNC_Q_SIDE, 0);
        return SYNC_BLOCKED;
    case SYNC_QSIZE:
        r->value = o->len;
        return SYNC_GRANTED;
    case SYNC_EMPTY:
        r->value = o->len == 0;
        return SYNC_GRANTED;
    default:    /* full */
        r->value = queue_full(o);
        return SYNC_GRANTED;
    }
}

/* ---- attributes, and a Value's value -------------------------------------------- */

/* b.parties, q.maxsize ...: read, as CPython's properties read them. */
static enum sync_result attr_request(const struct sync_obj *o,
                                     const struct sync_call *c,
                                     struct sync_reply *r)
{
    switch (c->value) {
    case SYNC_A_PARTIES:
        r->value = o->limit;
        break;
    case SYNC_A_N_WAITING:     /* 0 while broken, as CPython's */
        r->value = o->unfinished ? 0 : o->count;
        break;
    case SYNC_A_BROKEN:
        r->value = o->unfinished != 0;
        break;
    case SYNC_A_MAXSIZE:
        r->value = o->maxsize;
        break;
    default:    /* unfinished_tasks */
        r->value = o->unfinished;
        break;
    }
    return SYNC_GRANTED;
}

/* v.value and v.value = n: each takes the Value's lock for itself, so it
 * waits while another task holds it (in `with v.get_lock():`), but a
 * read and the write after it are two takings: v.value += 1 can lose an
 * update. */
static enum sync_result value_request(struct sync_obj *o, int task,
                                      const struct sync_call *c,
                                      struct sync_reply *r)
{
    int set = c->method == SYNC_SETVALUE;

    if (set && !vm_is_num(c->value)) {
        r->err = ERR_TYPE;
        return SYNC_ERROR;
    }
    if (o->holder >= 0 && o->holder != task) {
        enqueue(o, task, SYNC_Q_VALUE, set ? c->value : VALUE_READ);
        return SYNC_BLOCKED;
    }
    if (set)
        o->items[0] = c->value;
    r->value = set ? VM_NO_RESULT : o->items[0];
    return SYNC_GRANTED;
}

/* ---- requests -------------------------------------------------------------------- */

enum sync_result sync_request(struct sync_obj *objs, int obj, int task,
                              const struct sync_call *c,
                              struct sync_wake *w, struct sync_reply *r)
{
    struct sync_obj *o = &objs[obj];
    struct sync_obj *L = o;
    int lock = obj;

    r->err = ERR_NONE;
    r->value = NONE;
    r->waits_in = obj;
    if (w)
        w->err = ERR_NONE;
    if (c->method == SYNC_GETATTR && o->kind != SYNC_VALUE)
        return attr_request(o, c, r);
    switch (o->kind) {
    case SYNC_VALUE:
        if (c->method == SYNC_GETATTR || c->method == SYNC_SETVALUE)
            return value_request(o, task, c, r);
        return c->method == SYNC_ACQUIRE ? lock_acquire(L, task, c, r) :
               lock_release(L, task, w, r);
    case SYNC_CONDITION:
    case SYNC_ACONDITION:
        lock = o->link;
        L = &objs[lock];
        switch (c->method) {
        case SYNC_WAIT:
            return cond_wait(o, L, task, c->timeout, w, r);
        case SYNC_NOTIFY:
            return cond_notify(o, L, lock, task, c->value, w, r);
        case SYNC_NOTIFY_ALL:
            return cond_notify(o, L, lock, task, SYNC_MAX_WAITERS, w, r);
        default:
            break;
        }
        /* fall through: acquire and release go to the lock */
        r->waits_in = lock;
        /* FALLTHROUGH */
    case SYNC_LOCK:
    case SYNC_ALOCK:
    case SYNC_RLOCK:
        if (c->method == SYNC_LOCKED) {
            r->value = L->holder >= 0;
            return SYNC_GRANTED;
        }
        return c->method == SYNC_ACQUIRE ? lock_acquire(L, task, c, r) :
               lock_release(L, task, w, r);
    case SYNC_SEMAPHORE:
    case SYNC_BSEMAPHORE:
    case SYNC_ASEMAPHORE:
        return sem_request(o, task, c, w, r);
    case SYNC_EVENT:
    case SYNC_AEVENT:
        return event_request(o, task, c, w, r);
    case SYNC_BARRIER:
        return barrier_request(o, task, c, w, r);
    default:
        return queue_request(o, task, c, w, r);
    }
}

enum sync_result sync_timeout(struct sync_obj *objs, int obj, int task,
                              struct sync_wake *wake, struct sync_reply *r)
{
    struct sync_obj *o = &objs[obj];
    int i = sync_waiter_rank(o, task);
    int q;
    int64_t depth;

    r->err = ERR_NONE;
    r->value = 0;
    r->waits_in = -1;
    if (wake)
        wake->err = ERR_NONE;
    if (i < 0)
        return SYNC_GRANTED;
    q = o->wq[i];
    depth = o->wval[i];
    remove_at(o, i);
    if (o->kind == SYNC_CONDITION && q == SYNC_Q_SIDE) {
        /* wait(timeout) returns False, but with the lock held again */
        return retake(&objs[o->link], o->link, task, depth, r);
    }
    if (o->kind == SYNC_QUEUE) {
        r->err = q == SYNC_Q_PUT ? ERR_QUEUE_FULL : ERR_QUEUE_EMPTY;
        return SYNC_ERROR;
    }
    if (o->kind == SYNC_BARRIER) {
        barrier_break(o, wake);
        r->err = ERR_BROKEN_BARRIER;
        return SYNC_ERROR;
    }
    return SYNC_GRANTED;
}

/* ---- views ------------------------------------------------------------------------ */

int sync_is_lock(int kind)
{
    kind = sync_kind_base(kind);
    return kind == SYNC_LOCK || kind == SYNC_ALOCK || kind == SYNC_RLOCK ||
           kind == SYNC_CONDITION || kind == SYNC_ACONDITION ||
           kind == SYNC_VALUE;
}

int sync_wait_queue(const struct sync_obj *o, int task)
{
    int i = sync_waiter_rank(o, task);

    return i >= 0 ? o->wq[i] : 0;
}

int sync_wait_arg(const struct sync_obj *o, int task)
{
    int q = sync_wait_queue(o, task);

    if (sync_is_lock(o->kind) && (q == SYNC_Q_MAIN || q == SYNC_Q_VALUE))
        return o->holder;
    return -1 - q;
}

void sync_join_text(int asyncio, int gather, const char *whom,
                    struct strbuf *out)
{
    if (!asyncio)
        sb_printf(out, "waits for %s to finish (join)", whom);
    else if (gather)
        sb_printf(out, "awaits asyncio.gather(), and %s in it is never done",
                  whom);
    else
        sb_printf(out, "awaits %s, which is never done", whom);
}

void sync_pool_wait_text(int result, int job, struct strbuf *out)
{
    if (result)
        sb_printf(out, "waits in result() for job %d", job + 1);
    else
        sb_puts(out, "waits for work");
}

void sync_wait_text(int kind, int queue, const char *name, const char *holder,
                    struct strbuf *out)
{
    switch (sync_kind_base(kind)) {
    case SYNC_SEMAPHORE:
    case SYNC_BSEMAPHORE:
    case SYNC_ASEMAPHORE:
        sb_printf(out, "semaphore %s (no place is free)", name);
        return;
    case SYNC_EVENT:
    case SYNC_AEVENT:
        sb_printf(out, "event %s to be set", name);
        return;
    case SYNC_BARRIER:
        sb_printf(out, "the others at barrier %s", name);
        return;
    case SYNC_QUEUE:
    case SYNC_AQUEUE:
        sb_printf(out, queue == SYNC_Q_SIDE ? "every item of queue %s to be "
                  "done (join)" : queue == SYNC_Q_PUT ? "room in queue %s" :
                  "an item in queue %s", name);
        return;
    case SYNC_CONDITION:
    case SYNC_ACONDITION:
        if (queue == SYNC_Q_SIDE) {
            sb_printf(out, "a notify() of condition %s", name);
            return;
        }
        sb_printf(out, "the lock of condition %s", name);
        break;
    case SYNC_VALUE:
        sb_printf(out, "the lock of Value %s", name);
        break;
    default:
        sb_printf(out, "lock %s", name);
        break;
    }
    if (holder)
        sb_printf(out, " (held by %s)", holder);
}

int sync_canon(const struct sync_obj *o, int64_t *out)
{
    int n = 0;

    out[n++] = o->holder;
    out[n++] = o->count;
    out[n++] = o->unfinished;
    if (o->kind == SYNC_VALUE)
        out[n++] = o->items[0];
    out[n++] = o->len;
    for (int i = 0; i < o->len; i++)
        out[n++] = o->items[i];
    out[n++] = o->nwait;
    for (int i = 0; i < o->nwait; i++) {
        out[n++] = o->wtask[i];
        out[n++] = o->wq[i];
        out[n++] = o->wval[i];
    }
    return n;
}

static void value_text(int64_t v, struct strbuf *out)
{
    if (v == NONE)
        sb_puts(out, "None");
    else
        sb_printf(out, "%lld", (long long)v);
}

static void waiters_text(const struct sync_obj *o, int q,
                         const char *const *labels, struct strbuf *out)
{
    int n = 0;

    for (int i = 0; i < o->nwait; i++)
        if (o->wq[i] == q)
            n++;
    if (n == 0)
        return;
    sb_puts(out, ", ");
    for (int i = 0, k = 0; i < o->nwait; i++)
        if (o->wq[i] == q)
            sb_printf(out, "%s%s", k++ ? " " : "", labels[o->wtask[i]]);
    sb_puts(out, n == 1 ? " waits" : " wait");
    if (q == SYNC_Q_VALUE)
        sb_puts(out, " to use the value");
    else if (q == SYNC_Q_SIDE)
        sb_puts(out, o->kind == SYNC_QUEUE || o->kind == SYNC_AQUEUE ?
                " in join()" : " to be notified");
    else if (q == SYNC_Q_PUT)
        sb_puts(out, " to put");
}

void sync_describe(const struct sync_obj *o, const char *const *labels,
                   struct strbuf *out)
{
    switch (o->kind) {
    case SYNC_VALUE:
        value_text(o->items[0], out);
        sb_puts(out, o->holder < 0 ? ", lock free" : "");
        if (o->holder >= 0)
            sb_printf(out, ", %s has its lock", labels[o->holder]);
        if (o->count > 1)
            sb_printf(out, " (%d times)", (int)o->count);
        break;
    case SYNC_LOCK:
    case SYNC_ALOCK:
    case SYNC_RLOCK:
    case SYNC_CONDITION:
    case SYNC_ACONDITION:
        if (o->holder < 0)
            sb_puts(out, "free");
        else
            sb_printf(out, "%s has it", labels[o->holder]);
        if (reentrant(o->kind) && o->count > 1)
            sb_printf(out, " (%d times)", (int)o->count);
        break;
    case SYNC_EVENT:
    case SYNC_AEVENT:
        sb_puts(out, o->count ? "set" : "not set");
        break;
    case SYNC_BARRIER:
        if (o->unfinished)
            sb_puts(out, "broken");
        else
            sb_printf(out, "%d of %d there", (int)o->count, (int)o->limit);
        break;
    case SYNC_QUEUE:
    case SYNC_AQUEUE:
        sb_putc(out, '[');
        for (int i = 0; i < o->len; i++) {
            if (i)
                sb_puts(out, ", ");
            value_text(o->items[i], out);
        }
        sb_putc(out, ']');
        if (o->unfinished > o->len)
            sb_printf(out, ", %d not done", (int)(o->unfinished - o->len));
        break;
    default:
        sb_printf(out, "%d free", (int)o->count);
        if (o->kind == SYNC_BSEMAPHORE)
            sb_printf(out, " of %d", (int)o->limit);
        break;
    }
    waiters_text(o, SYNC_Q_MAIN, labels, out);
    waiters_text(o, SYNC_Q_PUT, labels, out);
    waiters_text(o, SYNC_Q_SIDE, labels, out);
    waiters_text(o, SYNC_Q_VALUE, labels, out);
}
