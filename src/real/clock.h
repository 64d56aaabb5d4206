/* clock.h - timestamps and calibrated busy work for real runs.
 *
 * rclock_now() reads a cycle counter where the CPU has one that every core
 * shares at a constant rate (x86-64: rdtsc when the TSC is invariant;
 * aarch64: cntvct_el0), and CLOCK_MONOTONIC otherwise.  Its "memory"
 * clobber is a compiler barrier, so a timestamp stays in program order with
 * the loads and stores around it (a compiler may otherwise move a plain
 * store across the counter read).  rclock_ns() turns a difference of
 * readings into nanoseconds.
 *
 * rclock_spin() is CPU work of a fixed size: compute(N) spins for the number
 * of iterations that took N ticks when calibrated, so two threads on one
 * CPU take twice as long as one (a clock-watching loop would not).
 */
#ifndef TT_REAL_CLOCK_H
#define TT_REAL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* 1 when rclock_now() reads a cycle counter (set by rclock_init). */
extern int rclock_cycles;

static inline uint64_t rclock_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rclock_now(void)
{
#if defined(__x86_64__)
    if (rclock_cycles) {
        uint32_t lo, hi;

        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
        return (uint64_t)hi << 32 | lo;
    }
#elif defined(__aarch64__)
    if (rclock_cycles) {
        uint64_t v;

        __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
        return v;
    }
#endif
    return rclock_mono_ns();
}

/* Calibrate once per process (thread-safe; later calls return at once). */
void rclock_init(void);
/* Nanoseconds in d counter units. */
double rclock_ns(uint64_t d);
/* The same, as whole nanoseconds, saturated at UINT64_MAX. */
uint64_t rclock_ns_u64(uint64_t d);
/* Counter units in ns nanoseconds, saturated at UINT64_MAX. */
uint64_t rclock_units(uint64_t ns);

/* a + b, saturated at UINT64_MAX: a time plus a wait a lesson asked for is
 * "after the time limit", never a wrapped time in the past. */
static inline uint64_t rclock_add(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}
/* What the clock is, for notes: "rdtsc", "cntvct_el0", "CLOCK_MONOTONIC". */
const char *rclock_name(void);

/* Busy work of iters iterations; returns a value to keep it from being
 * optimised away.  rclock_iters(ns): iterations that take ns nanoseconds. */
uint64_t rclock_spin(uint64_t iters);
uint64_t rclock_iters(uint64_t ns);

/* The CPU this thread runs on (-1 if unknown). */
int rclock_cpu(void);

#endif
