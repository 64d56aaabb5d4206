/* sync.h - synchronization objects: Python's locks and semaphores.
 *
 * One module for every kind, so that a lock means the same thing in the
 * simulator, the explorer and the real backends.  An object's whole state
 * is a struct sync_obj of flat bytes: the simulator saves it by copying,
 * the explorer folds it into its canonical state (sync_canon), the threads
 * backends keep the objects behind one mutex and the asyncio backend uses
 * them directly.  The operations are pure: sync_request() changes the
 * object and says whether the task got what it asked for at once, must
 * wait (it joins the object's waiters, first come first served), or made
 * an error; the tasks a request lets go on are returned in a struct
 * sync_wake, and the caller wakes them.
 *
 * Waking hands the object over: the first waiter owns a released lock (or
 * the semaphore's unit) at once, so a releasing task cannot barge back in
 * ahead of the waiters.  CPython's own locks make no promise of order; a
 * hand-off is one of the orders they allow, the one every backend can
 * reproduce, so every real outcome is one the explorer can find.
 */
#ifndef TT_SYNC_H
#define TT_SYNC_H

#include <stdint.h>

#include "lesson.h"
#include "util.h"

/* The kinds: id, module, Python name, awaited (asyncio), what it is. */
#define SYNC_KINDS(X)                                                      \
    X(SYNC_LOCK, "threading", "Lock", 0, "a lock: one holder at a time")  \
    X(SYNC_ALOCK, "asyncio", "Lock", 1, "an asyncio lock: one holder at " \
      "a time, waited for with await")                                     \
    X(SYNC_RLOCK, "threading", "RLock", 0, "a re-entrant lock: its "      \
      "holder may take it again, and must release it as often")           \
    X(SYNC_SEMAPHORE, "threading", "Semaphore", 0, "a counter of free "   \
      "places: acquire takes one (waiting at 0), release gives one back") \
    X(SYNC_BSEMAPHORE, "threading", "BoundedSemaphore", 0, "a semaphore " \
      "that may not be released above its starting value")                \
    X(SYNC_ASEMAPHORE, "asyncio", "Semaphore", 1, "an asyncio semaphore")

enum sync_kind {
#define X(id, mod, name, async, desc) id,
    SYNC_KINDS(X)
#undef X
    SYNC_KIND_COUNT
};

struct sync_kind_info {
    const char *module, *name;
    int async;
    const char *desc;
};

extern const struct sync_kind_info sync_kind_info[SYNC_KIND_COUNT];

/* What a task asks of an object. */
enum sync_method { SYNC_ACQUIRE, SYNC_RELEASE, SYNC_METHOD_COUNT };

enum sync_result { SYNC_GRANTED, SYNC_BLOCKED, SYNC_ERROR };

enum { SYNC_MAX_WAITERS = LESSON_MAX_TASKS };

/* One object.  Plain bytes: copy, compare and save it as they are. */
struct sync_obj {
    uint8_t kind;       /* enum sync_kind */
    uint8_t nwait;
    int16_t holder;     /* locks: the task holding it, -1 when free */
    int32_t count;      /* semaphores: free places; RLock: depth */
    int32_t limit;      /* BoundedSemaphore: its starting value */
    int8_t waiters[SYNC_MAX_WAITERS];   /* in the order they get it */
};

/* Tasks that a request lets go on (they got what they waited for). */
struct sync_wake {
    int n;
    int tasks[SYNC_MAX_WAITERS];
};

/* A new object of kind with its constructor's argument (a semaphore's
 * value; ignored by locks). */
void sync_init(struct sync_obj *o, int kind, int64_t arg);

/* Task asks object o to do method (with arg: release(n)'s n, else 1).
 * GRANTED: done; BLOCKED: task now waits in o; ERROR: *err is the
 * enum vm_error the task fails with.  Tasks woken are added to wake. */
enum sync_result sync_request(struct sync_obj *o, int task, int method,
                              int64_t arg, struct sync_wake *wake, int *err);

/* Take a waiting task out of o's waiters (a wait that timed out). */
void sync_cancel(struct sync_obj *o, int task);

/* The task whose release a waiter of o needs (a lock's holder), or -1. */
int sync_holder(const struct sync_obj *o);
/* Position of task among o's waiters, or -1. */
int sync_waiter_rank(const struct sync_obj *o, int task);

/* The fields that decide o's future, for the explorer's canonical state:
 * writes at most SYNC_CANON_MAX numbers to out and returns how many. */
enum { SYNC_CANON_MAX = 4 + SYNC_MAX_WAITERS };
int sync_canon(const struct sync_obj *o, int64_t *out);

/* o's state in words for the memory panel, naming tasks by labels:
 * "free", "A has it, B C wait", "2 of 3 free". */
void sync_describe(const struct sync_obj *o, const char *const *labels,
                   struct strbuf *out);

#endif
