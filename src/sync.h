/* sync.h - synchronization objects: Python's locks, semaphores, events,
 * conditions, barriers and queues.
 *
 * One module for every kind, so that an object means the same thing in the
 * simulator, the explorer and the real backends.  An object's whole state
 * is a struct sync_obj of flat bytes: the simulator saves it by copying,
 * the explorer folds it into its canonical state (sync_canon), the threads
 * backends keep the objects behind one mutex and the asyncio backend uses
 * them directly.  The operations are pure: sync_request() changes the
 * objects and says whether the task got what it asked for at once (with
 * the value the call returns), must wait (it joins a queue of waiters,
 * first come first served), or made an error; the tasks a request lets go
 * on are returned in a struct sync_wake with the values their calls
 * return, and the caller wakes them.
 *
 * Waking hands over: the first waiter owns a released lock (or gets the
 * semaphore's unit, the queue's item) at once, so a releasing task cannot
 * barge back in ahead of the waiters.  CPython makes no promise of order;
 * a hand-off is one of the orders it allows, the one every backend can
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
    X(SYNC_ASEMAPHORE, "asyncio", "Semaphore", 1, "an asyncio semaphore") \
    X(SYNC_EVENT, "threading", "Event", 0, "a flag: wait() waits until "  \
      "it is set")                                                         \
    X(SYNC_AEVENT, "asyncio", "Event", 1, "an asyncio event")             \
    X(SYNC_CONDITION, "threading", "Condition", 0, "a lock with a "       \
      "waiting room: wait() lets go of the lock until notify()")          \
    X(SYNC_ACONDITION, "asyncio", "Condition", 1, "an asyncio condition") \
    X(SYNC_BARRIER, "threading", "Barrier", 0, "a meeting point: wait() " \
      "waits until n tasks are waiting, then all go on")                   \
    X(SYNC_QUEUE, "queue", "Queue", 0, "a first-in first-out queue of "   \
      "values: get() waits while it is empty, put() while it is full")   \
    X(SYNC_AQUEUE, "asyncio", "Queue", 1, "an asyncio queue")            \
    X(SYNC_MPLOCK, "multiprocessing", "Lock", 0, "a lock shared by the "  \
      "processes of a program: one holder at a time, in any process")     \
    X(SYNC_MPRLOCK, "multiprocessing", "RLock", 0, "a re-entrant lock "   \
      "shared by the processes of a program")                             \
    X(SYNC_MPSEMAPHORE, "multiprocessing", "Semaphore", 0, "a semaphore " \
      "shared by the processes of a program")                             \
    X(SYNC_MPEVENT, "multiprocessing", "Event", 0, "an event shared by "  \
      "the processes of a program")                                       \
    X(SYNC_VALUE, "multiprocessing", "Value", 0, "a number in memory "    \
      "shared by the processes, with its own re-entrant lock")

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

/* The methods, by Python name. */
#define SYNC_METHODS(X)                                                    \
    X(SYNC_ACQUIRE, "acquire") X(SYNC_RELEASE, "release")                  \
    X(SYNC_LOCKED, "locked") X(SYNC_WAIT, "wait") X(SYNC_SET, "set")       \
    X(SYNC_CLEAR, "clear") X(SYNC_IS_SET, "is_set")                        \
    X(SYNC_NOTIFY, "notify") X(SYNC_NOTIFY_ALL, "notify_all")              \
    X(SYNC_PUT, "put") X(SYNC_GET, "get") X(SYNC_TASK_DONE, "task_done")   \
    X(SYNC_JOIN, "join") X(SYNC_QSIZE, "qsize") X(SYNC_EMPTY, "empty")     \
    X(SYNC_FULL, "full") X(SYNC_PUT_NOWAIT, "put_nowait")                  \
    X(SYNC_GET_NOWAIT, "get_nowait") X(SYNC_RESET, "reset")                \
    X(SYNC_ABORT, "abort") X(SYNC_GET_LOCK, "get_lock")                    \
    X(SYNC_GETATTR, ".getattr") X(SYNC_SETVALUE, ".setvalue")

struct sync_obj;

enum sync_method {
#define X(id, name) id,
    SYNC_METHODS(X)
#undef X
    SYNC_METHOD_COUNT
};

extern const char *const sync_method_name[SYNC_METHOD_COUNT];

/* SYNC_GETATTR reads one of these attributes (its call's value), and
 * SYNC_SETVALUE stores a Value's value: LOAD_ATTR and STORE_ATTR.  The
 * attributes are the public ones CPython 3.13 has, and only those. */
#define SYNC_ATTRS(X)                                                      \
    X(SYNC_A_VALUE, "value") X(SYNC_A_PARTIES, "parties")                  \
    X(SYNC_A_N_WAITING, "n_waiting") X(SYNC_A_BROKEN, "broken")            \
    X(SYNC_A_MAXSIZE, "maxsize") X(SYNC_A_UNFINISHED, "unfinished_tasks")

enum sync_attr {
#define X(id, name) id,
    SYNC_ATTRS(X)
#undef X
    SYNC_ATTR_COUNT
};

extern const char *const sync_attr_name[SYNC_ATTR_COUNT];

/* -1 if kind has no attribute called name. */
int sync_attr_find(int kind, const char *name);
/* Is an object of kind one copy shared by every process of a program
 * (multiprocessing's), where the others are copied into each process? */
int sync_kind_shared(int kind);
/* The kind whose semantics kind has: multiprocessing's Lock, RLock,
 * Semaphore and Event behave as threading's (their methods and arguments
 * differ: sync_method_find, sync_arg_role); a struct sync_obj keeps this
 * kind.  Any other kind is its own. */
int sync_kind_base(int kind);
/* A Value's number, and the module variable that shows it (the program's
 * lock_link, kept in o->link): returns that variable, or -1 for any
 * other kind. */
int sync_value(const struct sync_obj *o, int64_t *value);

/* -1 if kind has no method called name. */
int sync_method_find(int kind, const char *name);
/* Is method of kind awaited (an asyncio coroutine method)? */
int sync_method_awaited(int kind, int method);
/* Does method of kind (SYNC_GETATTR: attribute attr) give a bool, as
 * acquire(), is_set(), empty() and Barrier.broken do in Python? */
int sync_returns_bool(int kind, int method, int attr);
/* May method of kind make the task wait? */
int sync_method_may_wait(int kind, int method);

/* What an argument of a method call is (2 bits each in the call). */
enum sync_arg_role { SYNC_ARG_VALUE, SYNC_ARG_BLOCK, SYNC_ARG_TIMEOUT };
/* The role of argument i of method, positional (kw NULL) or by keyword;
 * -1 if there is no such argument. */
int sync_arg_role(int kind, int method, int i, const char *kw);

/* A request: method with its arguments. */
struct sync_call {
    int method;
    int64_t value;      /* put's item, release(n)'s and notify(n)'s n */
    int block;          /* 0: blocking=False / block=False */
    int64_t timeout;    /* ticks; -1: none */
};

enum sync_result { SYNC_GRANTED, SYNC_BLOCKED, SYNC_ERROR };

/* Which of an object's queues a waiter is in: main (acquire, wait, get),
 * side (a condition's wait, a queue's join), put (a full queue's put). */
enum { SYNC_Q_MAIN, SYNC_Q_SIDE, SYNC_Q_PUT,
       SYNC_Q_VALUE };  /* a Value's .value, waiting for its lock */

enum {
    SYNC_MAX_WAITERS = LESSON_MAX_TASKS,
    SYNC_QUEUE_MAX = 32,        /* values one queue holds at most */
};

/* One object.  Plain bytes: copy, compare and save it as they are. */
struct sync_obj {
    uint8_t kind;       /* enum sync_kind */
    uint8_t nwait;
    int16_t link;       /* Condition: the object holding its lock */
    int16_t holder;     /* locks: the task holding it, -1 when free */
    int16_t len;        /* Queue: values in it */
    int32_t count;      /* semaphores: free places; RLock: depth; Event:
                         * the flag; Barrier: tasks waiting */
    int32_t limit;      /* BoundedSemaphore: its start; Barrier: parties;
                         * Queue: maxsize (0: no limit) */
    int32_t unfinished; /* Queue: puts not matched by task_done();
                         * Barrier: 1 while it is broken */
    int32_t maxsize;    /* Queue: maxsize as given (negative: no limit) */
    /* Waiters in the order they came, each in a queue (main: lock,
     * semaphore, event, barrier, get/put; side: condition wait, queue
     * join) with what it brings (put's item, an RLock's depth). */
    int8_t wtask[SYNC_MAX_WAITERS];
    uint8_t wq[SYNC_MAX_WAITERS];
    int64_t wval[SYNC_MAX_WAITERS];
    int64_t items[SYNC_QUEUE_MAX];  /* Value: items[0] is its value */
};

/* Tasks that a request lets go on, with the values their calls return,
 * and tasks that now wait in another object (a condition's waiters,
 * notified, wait for its lock). */
struct sync_wake {
    int n;
    int tasks[SYNC_MAX_WAITERS];
    int64_t values[SYNC_MAX_WAITERS];
    int nmoved, moved_to;
    int moved[SYNC_MAX_WAITERS];
    int err;            /* ERR_NONE, or the error the woken tasks' calls
                         * raise instead (a broken barrier's waiters) */
};

/* The answer to a request. */
struct sync_reply {
    int err;            /* SYNC_ERROR: the enum vm_error */
    int64_t value;      /* SYNC_GRANTED: what the call returns */
    int waits_in;       /* SYNC_BLOCKED: the object the task waits in */
};

/* Set up objects[i] for every i from the program's constructors. */
void sync_init(struct sync_obj *o, int kind, int64_t arg, int link);

/* Task asks objs[obj] for call.  objs is every object of the task's memory
 * space (a Condition works on its lock's object).  Tasks woken are added
 * to wake (which may be NULL only for requests that wake nobody). */
enum sync_result sync_request(struct sync_obj *objs, int obj, int task,
                              const struct sync_call *call,
                              struct sync_wake *wake, struct sync_reply *r);

/* A timed wait of task in objs[obj] ended before it was granted: take it
 * out and say what its call does: returns False (GRANTED), raises
 * queue.Empty (ERROR), or, a condition's wait, must first get the lock
 * back (BLOCKED: it now waits in r->waits_in and returns False then).
 * A barrier's breaks the barrier: the task raises BrokenBarrierError, and
 * so do the others waiting, woken in wake (with wake->err). */
enum sync_result sync_timeout(struct sync_obj *objs, int obj, int task,
                              struct sync_wake *wake, struct sync_reply *r);

/* Take a waiting task out of o's waiters (a run that ends). */
void sync_cancel(struct sync_obj *o, int task);

/* The task whose release a waiter of o needs (a lock's holder), or -1. */
int sync_holder(const struct sync_obj *o);
/* Position of task among o's waiters, or -1. */
int sync_waiter_rank(const struct sync_obj *o, int task);
/* Is kind a lock, or a condition (whose acquire and release are its
 * lock's)? */
int sync_is_lock(int kind);
/* The queue task waits in, in o (SYNC_Q_*; 0 if it does not wait). */
int sync_wait_queue(const struct sync_obj *o, int task);
/* What a switch away of a task waiting in o records as its argument: the
 * holder of a lock it waits for, or -1 - the queue it waits in. */
int sync_wait_arg(const struct sync_obj *o, int task);

/* What a task waits for, after "waits for ": "lock m (held by A)",
 * "event ev to be set", "an item in queue q" ...; kind and queue as
 * recorded, name the object's, holder the holder's label or NULL. */
void sync_wait_text(int kind, int queue, const char *name, const char *holder,
                    struct strbuf *out);
/* What a task that waits forever for task whom to end does, after its
 * label: in asyncio's words when asyncio is set (an await of the task, or
 * of a gather that holds it when gather is set), else threading's
 * ("waits for Thread-1 to finish (join)"). */
void sync_join_text(int asyncio, int gather, const char *whom,
                    struct strbuf *out);
/* What a task that waits forever in a thread pool does, after its label:
 * in result() for job (from 0), when result is set, else an idle worker's
 * wait for work. */
void sync_pool_wait_text(int result, int job, struct strbuf *out);

/* The fields that decide o's future, for the explorer's canonical state:
 * writes at most SYNC_CANON_MAX numbers to out and returns how many. */
enum { SYNC_CANON_MAX = 8 + 3 * SYNC_MAX_WAITERS + SYNC_QUEUE_MAX };
int sync_canon(const struct sync_obj *o, int64_t *out);

/* o's state in words for the memory panel, naming tasks by labels:
 * "free", "A has it, B C wait", "2 free of 3", "set", "[1, 2], B waits". */
void sync_describe(const struct sync_obj *o, const char *const *labels,
                   struct strbuf *out);

#endif
