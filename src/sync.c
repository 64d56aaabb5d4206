/* sync.c - the semantics of every synchronization object, in one place.
 *
 * Pure functions over struct sync_obj: no scheduler, no clock, no trace.
 * The callers (sim.c, the real backends) record what happened and move
 * the tasks; this file only decides it.
 */
#include "sync.h"

#include <string.h>

#include "vm.h"

const struct sync_kind_info sync_kind_info[SYNC_KIND_COUNT] = {
#define X(id, mod, name, async, desc) {mod, name, async, desc},
    SYNC_KINDS(X)
#undef X
};

void sync_init(struct sync_obj *o, int kind, int64_t arg)
{
    memset(o, 0, sizeof(*o));
    o->kind = (uint8_t)kind;
    o->holder = -1;
    if (arg < 0)
        arg = 0;
    if (arg > INT32_MAX)
        arg = INT32_MAX;
    o->count = (int32_t)arg;
    o->limit = (int32_t)arg;
}

/* ---- waiters: a FIFO in the object ----------------------------------------- */

static void enqueue(struct sync_obj *o, int task)
{
    if (o->nwait < SYNC_MAX_WAITERS)
        o->waiters[o->nwait++] = (int8_t)task;
}

static int dequeue(struct sync_obj *o)
{
    int t;

    if (o->nwait == 0)
        return -1;
    t = o->waiters[0];
    memmove(o->waiters, o->waiters + 1, (size_t)--o->nwait);
    o->waiters[o->nwait] = 0;
    return t;
}

static void woke(struct sync_wake *w, int task)
{
    if (w && w->n < SYNC_MAX_WAITERS)
        w->tasks[w->n++] = task;
}

void sync_cancel(struct sync_obj *o, int task)
{
    int r = sync_waiter_rank(o, task);

    if (r < 0)
        return;
    memmove(o->waiters + r, o->waiters + r + 1, (size_t)(o->nwait - r - 1));
    o->waiters[--o->nwait] = 0;
}

int sync_waiter_rank(const struct sync_obj *o, int task)
{
    for (int i = 0; i < o->nwait; i++)
        if (o->waiters[i] == task)
            return i;
    return -1;
}

int sync_holder(const struct sync_obj *o)
{
    return o->holder;
}

/* ---- the kinds ----------------------------------------------------------------- */

static int is_lock(int kind)
{
    return kind == SYNC_LOCK || kind == SYNC_ALOCK || kind == SYNC_RLOCK;
}

static enum sync_result lock_request(struct sync_obj *o, int task, int method,
                                     struct sync_wake *w, int *err)
{
    if (method == SYNC_ACQUIRE) {
        if (o->holder < 0) {
            o->holder = (int16_t)task;
            o->count = 1;
            return SYNC_GRANTED;
        }
        if (o->kind == SYNC_RLOCK && o->holder == task) {
            if (o->count < INT32_MAX)
                o->count++;
            return SYNC_GRANTED;
        }
        /* A plain Lock taken again by its holder waits for itself. */
        enqueue(o, task);
        return SYNC_BLOCKED;
    }
    if (o->holder < 0 || (o->kind == SYNC_RLOCK && o->holder != task)) {
        *err = o->kind == SYNC_RLOCK ? ERR_RELEASE_UNOWNED :
               o->kind == SYNC_ALOCK ? ERR_ALOCK_NOT_ACQUIRED :
               ERR_RELEASE_UNLOCKED;
        return SYNC_ERROR;
    }
    if (o->kind == SYNC_RLOCK && --o->count > 0)
        return SYNC_GRANTED;
    o->holder = (int16_t)dequeue(o);
    o->count = o->holder >= 0;
    if (o->holder >= 0)
        woke(w, o->holder);
    return SYNC_GRANTED;
}

static enum sync_result sem_request(struct sync_obj *o, int task, int method,
                                    int64_t n, struct sync_wake *w, int *err)
{
    if (method == SYNC_ACQUIRE) {
        if (o->count > 0) {
            o->count--;
            return SYNC_GRANTED;
        }
        enqueue(o, task);
        return SYNC_BLOCKED;
    }
    if (o->kind == SYNC_BSEMAPHORE && n > (int64_t)o->limit - o->count) {
        *err = ERR_SEM_OVER;
        return SYNC_ERROR;
    }
    /* Each unit released goes to the first waiter, if there is one. */
    for (; n > 0 && o->nwait > 0; n--)
        woke(w, dequeue(o));
    if (n > (int64_t)INT32_MAX - o->count)
        n = (int64_t)INT32_MAX - o->count;
    o->count += (int32_t)n;
    return SYNC_GRANTED;
}

enum sync_result sync_request(struct sync_obj *o, int task, int method,
                              int64_t arg, struct sync_wake *wake, int *err)
{
    *err = ERR_NONE;
    if (is_lock(o->kind))
        return lock_request(o, task, method, wake, err);
    return sem_request(o, task, method, arg, wake, err);
}

/* ---- views ------------------------------------------------------------------------ */

int sync_canon(const struct sync_obj *o, int64_t *out)
{
    int n = 0;

    out[n++] = o->holder;
    out[n++] = o->count;
    out[n++] = o->nwait;
    for (int i = 0; i < o->nwait; i++)
        out[n++] = o->waiters[i];
    return n;
}

void sync_describe(const struct sync_obj *o, const char *const *labels,
                   struct strbuf *out)
{
    if (is_lock(o->kind)) {
        if (o->holder < 0)
            sb_puts(out, "free");
        else
            sb_printf(out, "%s has it", labels[o->holder]);
        if (o->kind == SYNC_RLOCK && o->count > 1)
            sb_printf(out, " (%d times)", (int)o->count);
    } else {
        sb_printf(out, "%d free", (int)o->count);
        if (o->kind == SYNC_BSEMAPHORE)
            sb_printf(out, " of %d", (int)o->limit);
    }
    if (o->nwait) {
        sb_puts(out, ", ");
        for (int i = 0; i < o->nwait; i++)
            sb_printf(out, "%s%s", i ? " " : "", labels[o->waiters[i]]);
        sb_puts(out, o->nwait == 1 ? " waits" : " wait");
    }
}
