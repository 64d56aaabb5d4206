/* coro.c - coroutine stacks and the two ways to switch between them. */
#define _GNU_SOURCE
#include "real/coro.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "util.h"

/* ---- sanitizers ---------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define TT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TT_TSAN 1
#endif
#endif

#ifdef TT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef TT_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* Bounds of the context that last switched into each coroutine: where a
 * coroutine without a stack of its own (the thread's) lives, for ASan. */
struct peer {
    const void *lo;
    size_t size;
};

#ifdef TT_ASAN
static _Thread_local struct peer thread_stack;
#endif

static inline void san_start(struct coro *from, struct coro *to)
{
#ifdef TT_ASAN
    if (to->stack_lo)
        __sanitizer_start_switch_fiber(&from->fake_stack, to->stack_lo,
                                       to->stack_size);
    else
        __sanitizer_start_switch_fiber(&from->fake_stack, thread_stack.lo,
                                       thread_stack.size);
#endif
#ifdef TT_TSAN
    if (!from->tsan_fiber)
        from->tsan_fiber = __tsan_get_current_fiber();
    if (!to->tsan_fiber)
        to->tsan_fiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
    (void)from;
    (void)to;
}

/* Back in self, switched to from a context with the given bounds. */
static inline void san_finish(struct coro *self)
{
#ifdef TT_ASAN
    const void *lo;
    size_t size;

    __sanitizer_finish_switch_fiber(self->fake_stack, &lo, &size);
    if (!self->stack_lo) {
        /* self is the thread's own stack: nothing to learn. */
    } else if (lo) {
        thread_stack.lo = lo;
        thread_stack.size = size;
    }
#endif
    (void)self;
}

/* Every coroutine starts here, on its own stack. */
static void coro_entry(void *p)
{
    struct coro *c = p;

    san_finish(c);
    c->fn(c->arg);
    abort(); /* fn must switch away for good instead of returning */
}

/* ---- stacks ------------------------------------------------------------------ */

int coro_stack_new(struct coro *c, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *map;

    memset(c, 0, sizeof(*c));
    size = (size + page - 1) / page * page;
    map = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return -1;
    /* The guard page: a stack grows down into it and faults. */
    if (mprotect(map, page, PROT_NONE) != 0) {
        munmap(map, size + page);
        return -1;
    }
    c->map = map;
    c->map_size = size + page;
    c->stack_lo = (char *)map + page;
    c->stack_size = size;
    return 0;
}

void coro_free(struct coro *c)
{
    if (c->map)
        munmap(c->map, c->map_size);
    free(c->uc);
#ifdef TT_TSAN
    if (c->tsan_fiber && c->map)
        __tsan_destroy_fiber(c->tsan_fiber);
#endif
    memset(c, 0, sizeof(*c));
}

static void prepare(struct coro *c, void (*fn)(void *), void *arg)
{
    c->fn = fn;
    c->arg = arg;
#ifdef TT_ASAN
    /* A coroutine abandoned mid-run left its frames' redzones poisoned. */
    __asan_unpoison_memory_region(c->stack_lo, c->stack_size);
    c->fake_stack = NULL;
#endif
#ifdef TT_TSAN
    /* Started afresh: a fiber of its own, not the old one's. */
    if (c->tsan_fiber)
        __tsan_destroy_fiber(c->tsan_fiber);
    c->tsan_fiber = __tsan_create_fiber(0);
#endif
}

/* ---- asm --------------------------------------------------------------------- */

#ifdef TT_CORO_ASM
void tt_coro_switch(void **save_sp, void *new_sp);
void tt_coro_boot(void);

static void *stack_top(const struct coro *c)
{
    uintptr_t top = (uintptr_t)c->stack_lo + c->stack_size;

    return (void *)(top & ~(uintptr_t)15);
}

static int asm_init(struct coro *c, void (*fn)(void *), void *arg)
{
    void **top = stack_top(c);

    prepare(c, fn, arg);
#if defined(__x86_64__)
    {
        /* Popped by tt_coro_switch: r15 r14 r13 r12 rbx rbp, then the
         * return address; rsp is then 16-byte aligned, as after a call's
         * return address has been popped. */
        void **sp = top - 2;

        sp[0] = NULL;                       /* padding: never used */
        *--sp = (void *)(uintptr_t)tt_coro_boot;
        *--sp = NULL;                       /* rbp */
        *--sp = NULL;                       /* rbx */
        *--sp = c;                          /* r12: the argument */
        *--sp = (void *)(uintptr_t)coro_entry; /* r13: the function */
        *--sp = NULL;                       /* r14 */
        *--sp = NULL;                       /* r15 */
        c->sp = sp;
    }
#else
    {
        /* The 176-byte frame of tt_coro_switch: x19..x30, d8..d15. */
        void **sp = top - 22;

        memset(sp, 0, 22 * sizeof(void *));
        sp[0] = c;                          /* x19: the argument */
        sp[1] = (void *)(uintptr_t)coro_entry; /* x20: the function */
        sp[11] = (void *)(uintptr_t)tt_coro_boot; /* x30 */
        c->sp = sp;
    }
#endif
    return 0;
}

static void asm_swap(struct coro *from, struct coro *to)
{
    san_start(from, to);
    tt_coro_switch(&from->sp, to->sp);
    san_finish(from);
}

const struct coro_ops coro_asm = {
#if defined(__x86_64__)
    .name = "asm x86-64",
#else
    .name = "asm aarch64",
#endif
    .init = asm_init,
    .swap = asm_swap,
};
#endif

/* ---- ucontext ---------------------------------------------------------------- */

/* makecontext passes int arguments: the coroutine's address in two. */
static void uc_boot(int hi, int lo)
{
    uintptr_t p = (uintptr_t)(unsigned)hi << 16 << 16 | (uintptr_t)(unsigned)lo;

    coro_entry((void *)p);
}

static int uc_init(struct coro *c, void (*fn)(void *), void *arg)
{
    ucontext_t *uc = c->uc ? c->uc : xcalloc(1, sizeof(*uc));
    uintptr_t p = (uintptr_t)c;

    c->uc = uc;
    prepare(c, fn, arg);
    if (getcontext(uc) != 0)
        return -1;
    uc->uc_stack.ss_sp = (void *)c->stack_lo;
    uc->uc_stack.ss_size = c->stack_size;
    uc->uc_link = NULL;
    makecontext(uc, (void (*)(void))uc_boot, 2, (int)(unsigned)(p >> 16 >> 16),
                (int)(unsigned)(p & 0xFFFFFFFFu));
    return 0;
}

static void uc_swap(struct coro *from, struct coro *to)
{
    if (!from->uc)
        from->uc = xcalloc(1, sizeof(ucontext_t));
    san_start(from, to);
    swapcontext(from->uc, to->uc);
    san_finish(from);
}

const struct coro_ops coro_ucontext = {
    .name = "ucontext",
    .init = uc_init,
    .swap = uc_swap,
};

const struct coro_ops *coro_default(void)
{
#ifdef TT_CORO_ASM
    return &coro_asm;
#else
    return &coro_ucontext;
#endif
}

const struct coro_ops *coro_by_name(const char *name)
{
    if (strcmp(name, "ucontext") == 0)
        return &coro_ucontext;
#ifdef TT_CORO_ASM
    if (strcmp(name, "asm") == 0)
        return &coro_asm;
#endif
    return NULL;
}
