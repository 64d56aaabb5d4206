/* util.h - allocation that never returns NULL, growable buffers, small helpers.
 *
 * Every allocation in taketurns goes through xmalloc/xcalloc/xrealloc: on
 * failure they print a message and exit(1), so call sites stay clean.  The
 * terminal is restored first through an exit hook registered by the UI.  A
 * fork()ed child calls die_in_child(): its fatal path is _exit(1).
 */
#ifndef TT_UTIL_H
#define TT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h> /* free() pairs with the x* allocators */

#if defined(__GNUC__)
#define TT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TT_NORETURN __attribute__((noreturn))
#define TT_UNUSED __attribute__((unused))
#else
#define TT_PRINTF(f, a)
#define TT_NORETURN
#define TT_UNUSED
#endif

#define TT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) TT_PRINTF(1, 2);

/* Grow *arr (of *cap elements of size elem) so that it holds at least need. */
void xgrow(void **arr, size_t *cap, size_t need, size_t elem);
#define XGROW(arr, cap, need) xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Print "taketurns: fatal: ..." and exit(1). */
TT_NORETURN void die(const char *fmt, ...) TT_PRINTF(1, 2);
/* A function die() calls before it prints, once (the TUI restores the
 * terminal there so the message is readable); NULL for none. */
void die_set_hook(void (*hook)(void));
/* Call first thing in a fork()ed child: from then on die() skips the hook
 * and leaves by _exit(1), so the child never runs the parent's atexit
 * handlers (the terminal restore) or flushes the parent's stdio buffers. */
void die_in_child(void);

/* A growable NUL-terminated byte string. Embedded: sb_init / sb_done. */
struct strbuf {
    char *s;
    size_t len, cap;
};

void sb_init(struct strbuf *sb);
void sb_done(struct strbuf *sb);
void sb_clear(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) TT_PRINTF(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* Pad with spaces until the text after the last newline is width columns
 * wide (columns count UTF-8 code points). */
void sb_pad_to(struct strbuf *sb, size_t line_start, int width);
/* Hand over the buffer (caller frees); sb is left empty. */
char *sb_steal(struct strbuf *sb);

/* Number of UTF-8 code points in s[0..n). */
size_t utf8_width(const char *s, size_t n);

/* a + b, saturated at INT64_MIN / INT64_MAX instead of overflowing: where a
 * number from a lesson meets a clock, a huge wait becomes "later than any
 * time limit", never a wrapped (past) time. */
static inline int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* a * b for a, b >= 0, saturated at INT64_MAX (negative inputs give 0). */
static inline int64_t sat_mul(int64_t a, int64_t b)
{
    if (a <= 0 || b <= 0)
        return 0;
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

/* Parse a whole decimal integer (optional sign) into *out; 0 on success,
 * -1 if s is not a number or does not fit in 64 bits. */
int parse_int64(const char *s, int64_t *out);

#endif
