/* membudget.c - one memory budget for a whole command (membudget.h). */
#include "membudget.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

static atomic_size_t used, peak;
static atomic_size_t limit = MEM_DEFAULT_LIMIT;

void mem_set_limit(size_t bytes)
{
    atomic_store(&limit, bytes ? bytes : MEM_DEFAULT_LIMIT);
}

size_t mem_limit(void)
{
    return atomic_load(&limit);
}

size_t mem_used(void)
{
    return atomic_load(&used);
}

size_t mem_peak(void)
{
    return atomic_load(&peak);
}

static void note_peak(size_t now)
{
    size_t p = atomic_load(&peak);

    while (now > p && !atomic_compare_exchange_weak(&peak, &p, now))
        ;
}

int mem_charge(size_t n)
{
    size_t u = atomic_load(&used), lim = atomic_load(&limit);

    do {
        if (n > lim || u > lim - n)
            return -1;
    } while (!atomic_compare_exchange_weak(&used, &u, u + n));
    note_peak(u + n);
    return 0;
}

void mem_force(size_t n)
{
    note_peak(atomic_fetch_add(&used, n) + n);
}

void mem_uncharge(size_t n)
{
    atomic_fetch_sub(&used, n);
}

int mem_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 8;

    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            die("out of memory (asked for more than %zu bytes)", SIZE_MAX / 2);
        n *= 2;
    }
    if (mem_charge((n - *cap) * elem) < 0) {
        /* No room to double: just what this step needs, then stop. */
        n = need;
        if (n > SIZE_MAX / elem)
            die("out of memory (asked for more than %zu bytes)", SIZE_MAX);
        mem_force((n - *cap) * elem);
        *arr = xrealloc(*arr, n * elem);
        *cap = n;
        return -1;
    }
    *arr = xrealloc(*arr, n * elem);
    *cap = n;
    return 0;
}

void mem_free(void *p, size_t n)
{
    free(p);
    mem_uncharge(n);
}

int mem_parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    int shift = 0;

    if (!*s || *s < '0' || *s > '9')
        return -1;
    v = strtoull(s, &end, 10);
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    else if (*end == 'T' || *end == 't')
        shift = 40, end++;
    if (shift && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v == 0 || v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)v << shift;
    return 0;
}

void mem_format_size(struct strbuf *sb, size_t bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;

    while (u < 4 && bytes >= ((size_t)1 << (10 * (u + 1))) &&
           bytes % ((size_t)1 << (10 * (u + 1))) == 0)
        u++;
    if (u == 0 && bytes >= 1024 * 1024) {
        /* Not a whole number of a unit: one decimal place of MiB or GiB. */
        int big = bytes >= ((size_t)1 << 30);

        sb_printf(sb, "%.1f %s", (double)bytes / (double)((size_t)1 << (big ? 30 : 20)),
                  big ? "GiB" : "MiB");
        return;
    }
    sb_printf(sb, "%zu %s", bytes >> (10 * u), units[u]);
}

void mem_limit_message(struct strbuf *sb, const char *what)
{
    sb_printf(sb, "%s needs more than ", what);
    mem_format_size(sb, mem_limit());
    sb_puts(sb, " of memory (--max-memory)");
}
