/* test_sync.c - the semantics of each sync object, as pure functions. */
#include "sync.h"
#include "testhelp.h"
#include "vm.h"

/* The value of the last granted request, and its error. */
static int64_t got;

/* Task asks object obj of objs (a condition and its lock) for method. */
static int req_in(struct sync_obj *objs, int obj, int task, int method,
                  int64_t arg, struct sync_wake *w, int *err)
{
    struct sync_call c = {method, arg, 1, -1};
    struct sync_reply r;
    int res;

    w->n = w->nmoved = 0;
    res = sync_request(objs, obj, task, &c, w, &r);
    *err = r.err;
    got = r.value;
    return res;
}

static int req(struct sync_obj *o, int task, int method, int64_t arg,
               struct sync_wake *w, int *err)
{
    return req_in(o, 0, task, method, arg, w, err);
}

static void test_lock(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_LOCK, 0, 0);
    CHECK_EQ(sync_holder(&o), -1);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(sync_holder(&o), 0);
    /* a plain Lock taken again by its holder waits for itself */
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    sync_cancel(&o, 0);
    CHECK_EQ(o.nwait, 0);
    CHECK_EQ(req(&o, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 2, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(sync_waiter_rank(&o, 2), 1);
    /* release hands it to the first waiter; any thread may release */
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 1);
    CHECK_EQ(sync_holder(&o), 1);
    CHECK_EQ(req(&o, 1, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(sync_holder(&o), 2);
    CHECK_EQ(req(&o, 2, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 0);
    CHECK_EQ(sync_holder(&o), -1);
    CHECK_EQ(req(&o, 2, SYNC_RELEASE, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_RELEASE_UNLOCKED);
    sync_init(&o, SYNC_ALOCK, 0, 0);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_ALOCK_NOT_ACQUIRED);
}

static void test_rlock(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_RLOCK, 0, 0);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(o.count, 2);
    CHECK_EQ(req(&o, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    /* only the holder may release an RLock */
    CHECK_EQ(req(&o, 2, SYNC_RELEASE, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_RELEASE_UNOWNED);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 0);
    CHECK_EQ(sync_holder(&o), 0);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(sync_holder(&o), 1);
    CHECK_EQ(o.count, 1);
}

static void test_semaphore(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_SEMAPHORE, 2, 0);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 2, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 3, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(o.count, 0);
    /* release(3): two units go to the waiters, in order, one is free */
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 3, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 2);
    CHECK_EQ(w.tasks[0], 2);
    CHECK_EQ(w.tasks[1], 3);
    CHECK_EQ(o.count, 1);
    /* a plain Semaphore may be released above its start */
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 5, &w, &err), SYNC_GRANTED);
    CHECK_EQ(o.count, 6);

    sync_init(&o, SYNC_BSEMAPHORE, 1, 0);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_SEM_OVER);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(req(&o, 1, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(o.count, 1);
    CHECK_EQ(req(&o, 1, SYNC_RELEASE, 1, &w, &err), SYNC_ERROR);
}

static void test_describe(void)
{
    const char *labels[] = {"A", "B", "C"};
    struct sync_obj o;
    struct sync_wake w;
    struct strbuf sb;
    int err;

    sb_init(&sb);
    sync_init(&o, SYNC_LOCK, 0, 0);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "free");
    req(&o, 0, SYNC_ACQUIRE, 1, &w, &err);
    req(&o, 1, SYNC_ACQUIRE, 1, &w, &err);
    req(&o, 2, SYNC_ACQUIRE, 1, &w, &err);
    sb_clear(&sb);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "A has it, B C wait");
    sync_init(&o, SYNC_BSEMAPHORE, 3, 0);
    req(&o, 0, SYNC_ACQUIRE, 1, &w, &err);
    sb_clear(&sb);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "2 free of 3");
    sb_done(&sb);
}

static void test_nonblocking(void)
{
    struct sync_obj o;
    struct sync_wake w;
    struct sync_call c = {SYNC_ACQUIRE, 1, 0, -1};
    struct sync_reply r;
    int err;

    sync_init(&o, SYNC_LOCK, 0, 0);
    req(&o, 0, SYNC_ACQUIRE, 1, &w, &err);
    CHECK_EQ(got, 1);
    /* acquire(blocking=False) of a held lock: False at once, no waiting */
    CHECK_EQ(sync_request(&o, 0, 1, &c, &w, &r), SYNC_GRANTED);
    CHECK_EQ(r.value, 0);
    CHECK_EQ(o.nwait, 0);
    /* acquire(timeout=5) waits; when the timer runs out, False */
    c.block = 1;
    c.timeout = 5;
    CHECK_EQ(sync_request(&o, 0, 1, &c, &w, &r), SYNC_BLOCKED);
    CHECK_EQ(sync_timeout(&o, 0, 1, NULL, &r), SYNC_GRANTED);
    CHECK_EQ(r.value, 0);
    CHECK_EQ(o.nwait, 0);
}

static void test_event(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_EVENT, 0, 0);
    req(&o, 0, SYNC_IS_SET, 1, &w, &err);
    CHECK_EQ(got, 0);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 1, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    /* set() lets every waiter go, each wait() returning True */
    CHECK_EQ(req(&o, 2, SYNC_SET, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 2);
    CHECK_EQ(w.values[0], 1);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, 1);
    req(&o, 0, SYNC_CLEAR, 1, &w, &err);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
}

static void test_condition(void)
{
    struct sync_obj objs[2];
    struct sync_wake w;
    int err;

    /* objs[0] a Lock, objs[1] a Condition(objs[0]) */
    sync_init(&objs[0], SYNC_LOCK, 0, 0);
    sync_init(&objs[1], SYNC_CONDITION, 0, 0);
    CHECK_EQ(req_in(objs, 1, 0, SYNC_WAIT, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_COND_WAIT);
    CHECK_EQ(req_in(objs, 1, 0, SYNC_NOTIFY, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_COND_NOTIFY);
    /* A waits: it lets go of the lock, which B (waiting for it) gets */
    CHECK_EQ(req_in(objs, 1, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(sync_holder(&objs[0]), 0);
    CHECK_EQ(req_in(objs, 1, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req_in(objs, 1, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 1);
    CHECK_EQ(sync_holder(&objs[0]), 1);
    CHECK_EQ(sync_wait_queue(&objs[1], 0), SYNC_Q_SIDE);
    /* B notifies: A now waits for the lock, not for a notify */
    CHECK_EQ(req_in(objs, 1, 1, SYNC_NOTIFY, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 0);
    CHECK_EQ(w.nmoved, 1);
    CHECK_EQ(w.moved_to, 0);
    CHECK_EQ(sync_waiter_rank(&objs[0], 0), 0);
    /* B releases: A has the lock again and its wait() returns True */
    CHECK_EQ(req_in(objs, 1, 1, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 0);
    CHECK_EQ(w.values[0], 1);
    CHECK_EQ(sync_holder(&objs[0]), 0);
}

static void test_condition_timeout(void)
{
    struct sync_obj objs[1];
    struct sync_wake w;
    struct sync_call c = {SYNC_WAIT, 1, 1, 3};
    struct sync_reply r;
    int err;

    sync_init(&objs[0], SYNC_CONDITION, 0, 0);
    req_in(objs, 0, 0, SYNC_ACQUIRE, 1, &w, &err);
    CHECK_EQ(sync_request(objs, 0, 0, &c, &w, &r), SYNC_BLOCKED);
    /* B takes the lock A let go of; A's time runs out meanwhile */
    CHECK_EQ(req_in(objs, 0, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(sync_timeout(objs, 0, 0, NULL, &r), SYNC_BLOCKED);
    CHECK_EQ(sync_waiter_rank(&objs[0], 0), 0);
    CHECK_EQ(sync_wait_queue(&objs[0], 0), SYNC_Q_MAIN);
    /* when B lets go, A has the lock again and wait() returns False */
    CHECK_EQ(req_in(objs, 0, 1, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 0);
    CHECK_EQ(w.values[0], 0);
    CHECK_EQ(sync_holder(&objs[0]), 0);
    /* with the lock free, the timed-out wait has it back at once */
    CHECK_EQ(sync_request(objs, 0, 0, &c, &w, &r), SYNC_BLOCKED);
    CHECK_EQ(sync_timeout(objs, 0, 0, NULL, &r), SYNC_GRANTED);
    CHECK_EQ(r.value, 0);
    CHECK_EQ(sync_holder(&objs[0]), 0);
}

static void test_barrier(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_BARRIER, 3, 0);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 1, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    /* the third lets all go; each wait() returns its arrival index */
    CHECK_EQ(req(&o, 2, SYNC_WAIT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, 2);
    CHECK_EQ(w.n, 2);
    CHECK_EQ(w.values[0], 0);
    CHECK_EQ(w.values[1], 1);
    /* and it is ready for another round */
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
}

/* A timed wait that runs out breaks the barrier: it and the others
 * waiting raise BrokenBarrierError, and so does every wait until reset. */
static void test_barrier_broken(void)
{
    struct sync_obj o;
    struct sync_wake w;
    struct sync_call c = {SYNC_WAIT, 1, 1, 5};
    struct sync_reply r;
    struct strbuf sb;
    const char *labels[] = {"A", "B", "C"};
    int err;

    sync_init(&o, SYNC_BARRIER, 3, 0);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    w.n = w.nmoved = 0;
    CHECK_EQ(sync_request(&o, 0, 1, &c, &w, &r), SYNC_BLOCKED);
    w.n = w.nmoved = 0;
    CHECK_EQ(sync_timeout(&o, 0, 1, &w, &r), SYNC_ERROR);
    CHECK_EQ(r.err, ERR_BROKEN_BARRIER);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 0);
    CHECK_EQ(w.err, ERR_BROKEN_BARRIER);
    CHECK_EQ(o.nwait, 0);
    sb_init(&sb);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "broken");
    sb_done(&sb);
    CHECK_EQ(req(&o, 2, SYNC_WAIT, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_BROKEN_BARRIER);
    /* reset() mends it: a full round goes through again */
    CHECK_EQ(req(&o, 2, SYNC_RESET, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 0);
    CHECK_EQ(w.err, ERR_NONE);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 1, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 2, SYNC_WAIT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 2);
    CHECK_EQ(w.err, ERR_NONE);
    /* reset() with tasks waiting: they raise; the barrier stays whole */
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 2, SYNC_RESET, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.err, ERR_BROKEN_BARRIER);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    /* abort() breaks it; wait(0) of a whole barrier breaks it too */
    CHECK_EQ(req(&o, 1, SYNC_ABORT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.err, ERR_BROKEN_BARRIER);
    CHECK_EQ(req(&o, 1, SYNC_WAIT, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(req(&o, 1, SYNC_RESET, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    c.timeout = 0;
    w.n = w.nmoved = 0;
    CHECK_EQ(sync_request(&o, 0, 1, &c, &w, &r), SYNC_ERROR);
    CHECK_EQ(r.err, ERR_BROKEN_BARRIER);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 0);
    CHECK_EQ(w.err, ERR_BROKEN_BARRIER);
    /* a barrier's wait takes a timeout, positional or by keyword */
    CHECK_EQ(sync_arg_role(SYNC_BARRIER, SYNC_WAIT, 0, NULL),
             SYNC_ARG_TIMEOUT);
    CHECK_EQ(sync_arg_role(SYNC_BARRIER, SYNC_WAIT, 0, "timeout"),
             SYNC_ARG_TIMEOUT);
}

static void test_queue(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_QUEUE, 2, 0);
    /* get() of an empty queue waits; a put() hands it the item */
    CHECK_EQ(req(&o, 0, SYNC_GET, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 1, SYNC_PUT, 7, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.values[0], 7);
    CHECK_EQ(o.len, 0);
    CHECK_EQ(req(&o, 1, SYNC_PUT, 8, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 1, SYNC_PUT, 9, &w, &err), SYNC_GRANTED);
    req(&o, 1, SYNC_FULL, 1, &w, &err);
    CHECK_EQ(got, 1);
    /* a put() of a full queue waits; a get() makes room for its item */
    CHECK_EQ(req(&o, 1, SYNC_PUT, 10, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 0, SYNC_GET, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, 8);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(o.len, 2);
    CHECK_EQ(o.items[1], 10);
    req(&o, 0, SYNC_QSIZE, 1, &w, &err);
    CHECK_EQ(got, 2);
    /* join() waits until every put is matched by a task_done() */
    CHECK_EQ(o.unfinished, 4);
    CHECK_EQ(req(&o, 2, SYNC_JOIN, 1, &w, &err), SYNC_BLOCKED);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(req(&o, 0, SYNC_TASK_DONE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 0);
    CHECK_EQ(req(&o, 0, SYNC_TASK_DONE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 2);
    CHECK_EQ(req(&o, 0, SYNC_TASK_DONE, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_TASK_DONE);
    /* the _nowait forms raise instead of waiting */
    CHECK_EQ(req(&o, 0, SYNC_GET_NOWAIT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, 9);
    CHECK_EQ(req(&o, 0, SYNC_GET_NOWAIT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_GET_NOWAIT, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_QUEUE_EMPTY);
    sync_init(&o, SYNC_AQUEUE, 1, 0);
    CHECK_EQ(req(&o, 0, SYNC_PUT_NOWAIT, 4, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_PUT_NOWAIT, 5, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_AQUEUE_FULL);
}

/* A Value: each read and write of its value takes its lock for itself,
 * so it waits while another task holds the lock, and is served, in the
 * order it came, when the holder lets go. */
static void test_value(void)
{
    struct sync_obj o;
    struct sync_wake w;
    struct strbuf sb;
    const char *labels[] = {"A", "B", "C", "D"};
    int64_t v;
    int err;

    sync_init(&o, SYNC_VALUE, 5, 7);
    CHECK_EQ(sync_value(&o, &v), 7);
    CHECK_EQ(v, 5);
    CHECK(sync_kind_shared(SYNC_VALUE));
    CHECK(sync_kind_shared(SYNC_MPLOCK));
    CHECK(!sync_kind_shared(SYNC_LOCK));
    CHECK_EQ(req(&o, 0, SYNC_GETATTR, SYNC_A_VALUE, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, 5);
    CHECK_EQ(req(&o, 0, SYNC_SETVALUE, 6, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, VM_NO_RESULT);
    CHECK_EQ(o.items[0], 6);
    /* the holder of the lock reads and writes (re-entrant) ... */
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_SETVALUE, 7, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_GETATTR, SYNC_A_VALUE, &w, &err), SYNC_GRANTED);
    CHECK_EQ(got, 7);
    /* ... the others wait: B to read, C to acquire, D to write */
    CHECK_EQ(req(&o, 1, SYNC_GETATTR, SYNC_A_VALUE, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 2, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 3, SYNC_SETVALUE, 9, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(sync_wait_arg(&o, 1), 0);
    sb_init(&sb);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "7, A has its lock, C waits, B D wait to use the value");
    sb_done(&sb);
    /* A lets go: B reads 7 and lets go, C gets the lock; D still waits */
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 2);
    CHECK_EQ(w.tasks[0], 1);
    CHECK_EQ(w.values[0], 7);
    CHECK_EQ(w.tasks[1], 2);
    CHECK_EQ(sync_holder(&o), 2);
    CHECK_EQ(o.nwait, 1);
    /* C lets go: D writes 9, and the lock is free */
    CHECK_EQ(req(&o, 2, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.tasks[0], 3);
    CHECK_EQ(w.values[0], VM_NO_RESULT);
    CHECK_EQ(o.items[0], 9);
    CHECK_EQ(sync_holder(&o), -1);
    /* only a number is stored */
    CHECK_EQ(req(&o, 0, SYNC_SETVALUE, VM_REF(REF_NONE, 0), &w, &err),
             SYNC_ERROR);
    CHECK_EQ(err, ERR_TYPE);
    /* a multiprocessing.Lock is a Lock */
    sync_init(&o, SYNC_MPLOCK, 0, -1);
    CHECK_EQ(sync_value(&o, &v), -1);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(sync_holder(&o), 1);
}

/* multiprocessing's Lock, RLock, Semaphore and Event behave as
 * threading's, with SemLock's arguments: acquire(block, timeout), and
 * release() with none. */
static void test_multiprocessing_kinds(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    CHECK_EQ(sync_kind_base(SYNC_MPRLOCK), SYNC_RLOCK);
    CHECK_EQ(sync_kind_base(SYNC_MPEVENT), SYNC_EVENT);
    CHECK_EQ(sync_kind_base(SYNC_QUEUE), SYNC_QUEUE);
    CHECK(sync_is_lock(SYNC_MPRLOCK));
    CHECK(!sync_is_lock(SYNC_MPSEMAPHORE));
    CHECK_EQ(sync_arg_role(SYNC_MPLOCK, SYNC_ACQUIRE, 0, "block"),
             SYNC_ARG_BLOCK);
    CHECK_EQ(sync_arg_role(SYNC_MPLOCK, SYNC_ACQUIRE, 0, "blocking"), -1);
    CHECK_EQ(sync_arg_role(SYNC_LOCK, SYNC_ACQUIRE, 0, "blocking"),
             SYNC_ARG_BLOCK);
    CHECK_EQ(sync_arg_role(SYNC_MPSEMAPHORE, SYNC_RELEASE, 0, NULL), -1);
    CHECK_EQ(sync_arg_role(SYNC_MPEVENT, SYNC_WAIT, 0, "timeout"),
             SYNC_ARG_TIMEOUT);
    CHECK_EQ(sync_method_find(SYNC_MPLOCK, "locked"), -1);
    sync_init(&o, SYNC_MPSEMAPHORE, 2, -1);
    CHECK_EQ(o.count, 2);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 1, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 2, SYNC_ACQUIRE, 1, &w, &err), SYNC_BLOCKED);
    sync_init(&o, SYNC_MPRLOCK, 0, -1);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_ACQUIRE, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(o.count, 2);
}

/* The public attributes, read as CPython 3.13's properties read them. */
static void test_attributes(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    CHECK_EQ(sync_attr_find(SYNC_BARRIER, "parties"), SYNC_A_PARTIES);
    CHECK_EQ(sync_attr_find(SYNC_BARRIER, "maxsize"), -1);
    CHECK_EQ(sync_attr_find(SYNC_SEMAPHORE, "_value"), -1);
    CHECK_EQ(sync_attr_find(SYNC_AQUEUE, "unfinished_tasks"), -1);
    CHECK_EQ(sync_attr_find(SYNC_QUEUE, "unfinished_tasks"),
             SYNC_A_UNFINISHED);
    CHECK_EQ(sync_attr_find(SYNC_LOCK, "value"), -1);
    sync_init(&o, SYNC_BARRIER, 3, -1);
    CHECK_EQ(req(&o, 0, SYNC_WAIT, 1, &w, &err), SYNC_BLOCKED);
    CHECK_EQ(req(&o, 1, SYNC_GETATTR, SYNC_A_N_WAITING, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, 1);
    CHECK_EQ(req(&o, 1, SYNC_GETATTR, SYNC_A_PARTIES, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, 3);
    CHECK_EQ(req(&o, 1, SYNC_GETATTR, SYNC_A_BROKEN, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, 0);
    CHECK_EQ(req(&o, 1, SYNC_ABORT, 1, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 1, SYNC_GETATTR, SYNC_A_BROKEN, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, 1);
    /* n_waiting is 0 while the barrier is broken, as CPython's */
    CHECK_EQ(req(&o, 1, SYNC_GETATTR, SYNC_A_N_WAITING, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, 0);
    /* maxsize as given: a negative one means no limit, and stays */
    sync_init(&o, SYNC_QUEUE, -1, -1);
    CHECK_EQ(req(&o, 0, SYNC_GETATTR, SYNC_A_MAXSIZE, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, -1);
    CHECK_EQ(req(&o, 0, SYNC_PUT, 4, &w, &err), SYNC_GRANTED);
    CHECK_EQ(req(&o, 0, SYNC_GETATTR, SYNC_A_UNFINISHED, &w, &err),
             SYNC_GRANTED);
    CHECK_EQ(got, 1);
}

int main(void)
{
    test_value();
    test_multiprocessing_kinds();
    test_attributes();
    test_nonblocking();
    test_event();
    test_condition();
    test_condition_timeout();
    test_barrier();
    test_barrier_broken();
    test_queue();
    test_lock();
    test_rlock();
    test_semaphore();
    test_describe();
    return TEST_DONE();
}
