/* coro.h - stackful coroutines: own stacks and a small context switch.
 *
 * Each coroutine runs on its own mmap'd stack with a PROT_NONE guard page
 * below it, so an overflow faults instead of corrupting memory.  Two ways
 * to switch, one ops table each:
 *
 *   asm       coro_x86_64.S / coro_aarch64.S: saves the callee-saved
 *             registers on the old stack, swaps stack pointers, pops the
 *             new ones (a few ns).  The x87/MXCSR and FPCR control words
 *             are not saved: nothing in taketurns changes them.
 *   ucontext  swapcontext(3), the portable fallback; glibc's makes a
 *             sigprocmask system call on every switch (hundreds of ns).
 *
 * coro_default() is asm on x86-64 and aarch64, unless built with
 * `make CORO=ucontext` (TT_CORO_UCONTEXT), which forces the fallback.
 * Under AddressSanitizer and ThreadSanitizer every switch is announced
 * to the sanitizer (its fiber API), so both keep working.
 *
 * A struct coro for the thread's own stack needs no coro_init: it is
 * filled in when switched away from.  Not thread-safe: a set of coroutines
 * belongs to one thread.
 */
#ifndef TT_REAL_CORO_H
#define TT_REAL_CORO_H

#include <stddef.h>

struct coro {
    void *sp;           /* asm: saved stack pointer */
    void *uc;           /* ucontext: a ucontext_t, allocated */
    void *map;          /* the mapping: guard page, then the stack */
    size_t map_size;
    void (*fn)(void *);
    void *arg;
    /* Sanitizer bookkeeping. */
    const void *stack_lo;
    size_t stack_size;
    void *fake_stack;
    void *tsan_fiber;
};

struct coro_ops {
    const char *name;   /* "asm x86-64", "asm aarch64", "ucontext" */
    /* Prepare c to run fn(arg) on its stack when first switched to.  fn
     * must never return: it switches away for the last time instead. */
    int (*init)(struct coro *c, void (*fn)(void *), void *arg);
    void (*swap)(struct coro *from, struct coro *to);
};

extern const struct coro_ops coro_ucontext;
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(TT_CORO_UCONTEXT)
#define TT_CORO_ASM 1
extern const struct coro_ops coro_asm;
#endif

/* The switch used for real asyncio runs. */
const struct coro_ops *coro_default(void);
/* The ops named name ("asm" or "ucontext"), or NULL if not built. */
const struct coro_ops *coro_by_name(const char *name);

enum { CORO_STACK_SIZE = 256 * 1024 };

/* Map a stack (with its guard page) for c.  Returns 0 or -1 (errno). */
int coro_stack_new(struct coro *c, size_t size);
/* Unmap the stack and free what init allocated.  c may be the thread's. */
void coro_free(struct coro *c);

#endif
