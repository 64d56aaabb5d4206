/* util.c - allocation wrappers, strbuf, small string helpers. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static TT_NORETURN void out_of_memory(size_t n)
{
    die("out of memory (asked for %zu bytes)", n);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct strbuf sb;
    va_list ap;

    sb_init(&sb);
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb_steal(&sb);
}

void xgrow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 8;

    if (need <= *cap)
        return;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            out_of_memory(SIZE_MAX);
        n *= 2;
    }
    *arr = xrealloc(*arr, n * elem);
    *cap = n;
}

static void (*die_hook)(void);
static int die_child;

void die_set_hook(void (*hook)(void))
{
    die_hook = hook;
}

void die_in_child(void)
{
    die_child = 1;
    die_hook = NULL;
}

void die(const char *fmt, ...)
{
    va_list ap;
    void (*hook)(void) = die_hook;

    die_hook = NULL;    /* once, even if the hook itself dies */
    if (die_child) {
        /* stderr is unbuffered: nothing of the parent's is written twice. */
        fputs("taketurns: fatal: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        _exit(1);
    }
    if (hook)
        hook();
    fflush(stdout);
    fputs("taketurns: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- strbuf ---------------------------------------------------------- */

void sb_init(struct strbuf *sb)
{
    sb->s = NULL;
    sb->len = sb->cap = 0;
}

void sb_done(struct strbuf *sb)
{
    free(sb->s);
    sb_init(sb);
}

void sb_clear(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->s)
        sb->s[0] = '\0';
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
    XGROW(sb->s, sb->cap, sb->len + n + 1);
    memcpy(sb->s + sb->len, s, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_putc(struct strbuf *sb, char c)
{
    sb_add(sb, &c, 1);
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    XGROW(sb->s, sb->cap, sb->len + 64);
    n = vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
    if (n < 0)
        die("bad format string");
    if ((size_t)n >= sb->cap - sb->len) {
        XGROW(sb->s, sb->cap, sb->len + (size_t)n + 1);
        vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap2);
    }
    va_end(ap2);
    sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

void sb_pad_to(struct strbuf *sb, size_t line_start, int width)
{
    size_t w = utf8_width(sb->s + line_start, sb->len - line_start);

    while ((int)w < width) {
        sb_putc(sb, ' ');
        w++;
    }
}

char *sb_steal(struct strbuf *sb)
{
    char *s = sb->s ? sb->s : xstrdup("");

    sb_init(sb);
    return s;
}

size_t utf8_width(const char *s, size_t n)
{
    size_t w = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

int parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}
