/* clock.c - calibrating the cycle counter and the busy-work loop. */
#define _GNU_SOURCE
#include "real/clock.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

int rclock_cycles;

static double ns_per_unit = 1.0;
static double iters_per_ns = 1.0;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* An invariant TSC ticks at one rate on every core, in every power state. */
static int tsc_invariant(void)
{
#if defined(__x86_64__)
    unsigned a, b, c, d;

    if (getenv("TAKETURNS_NO_TSC"))
        return 0;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return 0;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1;
#else
    return 0;
#endif
}

uint64_t rclock_spin(uint64_t iters)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;

    for (uint64_t i = 0; i < iters; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ __volatile__("" : "+r"(x));
    }
    return x;
}

/* Nanoseconds that iters iterations of rclock_spin take, best of tries. */
static double time_spin(uint64_t iters, int tries)
{
    double best = 0;

    for (int i = 0; i < tries; i++) {
        uint64_t t0 = rclock_mono_ns(), t1;
        volatile uint64_t sink = rclock_spin(iters);

        (void)sink;
        t1 = rclock_mono_ns();
        if (i == 0 || (double)(t1 - t0) < best)
            best = (double)(t1 - t0);
    }
    return best > 0 ? best : 1;
}

static void calibrate(void)
{
    uint64_t iters = 1u << 14;
    double ns;

    /* Busy work: grow the sample to about 2 ms, then take the best of 5
     * (the fastest run is the one nobody interrupted). */
    while ((ns = time_spin(iters, 1)) < 2e6 && iters < (1ull << 34))
        iters *= 2;
    iters_per_ns = (double)iters / time_spin(iters, 5);

    rclock_cycles = tsc_invariant();
#if defined(__aarch64__)
    {
        uint64_t f;

        __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(f));
        if (f > 0 && !getenv("TAKETURNS_NO_TSC")) {
            rclock_cycles = 1;
            ns_per_unit = 1e9 / (double)f;
        }
    }
#endif
    if (rclock_cycles && ns_per_unit == 1.0) {
        /* Count cycles against CLOCK_MONOTONIC over 5 ms. */
        uint64_t m0 = rclock_mono_ns(), c0 = rclock_now(), m1, c1;

        do
            m1 = rclock_mono_ns();
        while (m1 - m0 < 5000000);
        c1 = rclock_now();
        if (c1 > c0)
            ns_per_unit = (double)(m1 - m0) / (double)(c1 - c0);
        else
            rclock_cycles = 0;
    }
}

void rclock_init(void)
{
    pthread_once(&once, calibrate);
}

double rclock_ns(uint64_t d)
{
    return (double)d * ns_per_unit;
}

/* A double to uint64_t, saturated: converting one out of range is
 * undefined, and a lesson's sleep(2**63 - 1) makes such numbers. */
static uint64_t to_u64(double x)
{
    if (!(x > 0))
        return 0;
    return x >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)x;
}

uint64_t rclock_ns_u64(uint64_t d)
{
    return to_u64((double)d * ns_per_unit);
}

uint64_t rclock_units(uint64_t ns)
{
    return to_u64((double)ns / ns_per_unit);
}

const char *rclock_name(void)
{
    if (!rclock_cycles)
        return "CLOCK_MONOTONIC";
#if defined(__x86_64__)
    return "rdtsc";
#else
    return "cntvct_el0";
#endif
}

uint64_t rclock_iters(uint64_t ns)
{
    return (uint64_t)((double)ns * iters_per_ns);
}

int rclock_cpu(void)
{
    return sched_getcpu();
}
