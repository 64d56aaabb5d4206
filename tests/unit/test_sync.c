/* test_sync.c - the semantics of each sync object, as pure functions. */
#include "sync.h"
#include "testhelp.h"
#include "vm.h"

static int req(struct sync_obj *o, int task, int method, int64_t arg,
               struct sync_wake *w, int *err)
{
    w->n = 0;
    return sync_request(o, task, method, arg, w, err);
}

static void test_lock(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_LOCK, 0);
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
    sync_init(&o, SYNC_ALOCK, 0);
    CHECK_EQ(req(&o, 0, SYNC_RELEASE, 1, &w, &err), SYNC_ERROR);
    CHECK_EQ(err, ERR_ALOCK_NOT_ACQUIRED);
}

static void test_rlock(void)
{
    struct sync_obj o;
    struct sync_wake w;
    int err;

    sync_init(&o, SYNC_RLOCK, 0);
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

    sync_init(&o, SYNC_SEMAPHORE, 2);
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

    sync_init(&o, SYNC_BSEMAPHORE, 1);
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
    sync_init(&o, SYNC_LOCK, 0);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "free");
    req(&o, 0, SYNC_ACQUIRE, 1, &w, &err);
    req(&o, 1, SYNC_ACQUIRE, 1, &w, &err);
    req(&o, 2, SYNC_ACQUIRE, 1, &w, &err);
    sb_clear(&sb);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "A has it, B C wait");
    sync_init(&o, SYNC_BSEMAPHORE, 3);
    req(&o, 0, SYNC_ACQUIRE, 1, &w, &err);
    sb_clear(&sb);
    sync_describe(&o, labels, &sb);
    CHECK_STR(sb.s, "2 free of 3");
    sb_done(&sb);
}

int main(void)
{
    test_lock();
    test_rlock();
    test_semaphore();
    test_describe();
    return TEST_DONE();
}
