/* diag.c - lesson source files and compiler-style error messages. */
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How much of a long line to echo around the caret. */
enum { ECHO_WIDTH = 100 };

void diag_init(struct diag *d)
{
    sb_init(&d->text);
    d->line = d->col = 0;
}

void diag_done(struct diag *d)
{
    sb_done(&d->text);
}

const char *source_line(const struct source *src, int line, size_t *len)
{
    size_t start, end;

    if (line < 1 || line > src->nlines) {
        *len = 0;
        return "";
    }
    start = src->line_start[line - 1];
    end = start;
    while (end < src->len && src->text[end] != '\n')
        end++;
    if (end > start && src->text[end - 1] == '\r')
        end--;
    *len = end - start;
    return src->text + start;
}

static size_t utf8_seq(const unsigned char *s, size_t n);

/* Byte offset of code point column col (1-based) within s[0..n). */
static size_t col_to_byte(const char *s, size_t n, int col)
{
    size_t i = 0;

    for (int c = 1; c < col && i < n; c++) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* Echo the source line (a window of it if long) and a caret under col. */
static void echo_line(struct strbuf *out, const struct source *src, int line,
                      int col)
{
    size_t len, from = 0, to, caret;
    const char *s = source_line(src, line, &len);
    size_t at = col_to_byte(s, len, col);

    /* Keep the caret inside a window of ECHO_WIDTH bytes. */
    if (at > ECHO_WIDTH * 3 / 4) {
        from = at - ECHO_WIDTH / 2;
        while (from < len && ((unsigned char)s[from] & 0xC0) == 0x80)
            from++;
    }
    to = from + ECHO_WIDTH < len ? from + ECHO_WIDTH : len;
    while (to > from && to < len && ((unsigned char)s[to] & 0xC0) == 0x80)
        to--;
    sb_puts(out, "    ");
    if (from > 0)
        sb_puts(out, "...");
    /* Echo only printable text: a garbled file must not garble a terminal. */
    for (size_t i = from; i < to;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = utf8_seq((const unsigned char *)s + i, to - i);

        if (n == 0 || c < 0x20 || c == 0x7F ||
            (c == 0xC2 && (unsigned char)s[i + 1] < 0xA0)) {
            sb_putc(out, c == '\t' ? ' ' : '?');
            i++;
        } else {
            sb_add(out, s + i, n);
            i += n;
        }
    }
    if (to < len)
        sb_puts(out, "...");
    sb_putc(out, '\n');
    caret = utf8_width(s + from, (at < to ? at : to) - from) + (from > 0 ? 3 : 0);
    if (at > to)
        caret += 1;
    sb_puts(out, "    ");
    for (size_t i = 0; i < caret; i++)
        sb_putc(out, ' ');
    sb_puts(out, "^\n");
}

static void vreport(struct strbuf *out, const struct source *src, int line,
                    int col, const char *kind, const char *fmt, va_list ap)
{
    sb_printf(out, "%s:%d:%d: %s: ", src->name, line, col, kind);
    sb_vprintf(out, fmt, ap);
    sb_putc(out, '\n');
    if (line >= 1 && line <= src->nlines)
        echo_line(out, src, line, col);
}

void diag_verror(struct diag *d, const struct source *src, int line, int col,
                 const char *fmt, va_list ap)
{
    sb_clear(&d->text);
    d->line = line;
    d->col = col;
    vreport(&d->text, src, line, col, "error", fmt, ap);
}

void diag_error(struct diag *d, const struct source *src, int line, int col,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_verror(d, src, line, col, fmt, ap);
    va_end(ap);
}

void diag_warning(struct diag *d, const struct source *src, int line, int col,
                  const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(&d->text, src, line, col, "warning", fmt, ap);
    va_end(ap);
}

void diag_note(struct diag *d, const struct source *src, int line, int col,
               const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(&d->text, src, line, col, "note", fmt, ap);
    va_end(ap);
}

void diag_file_error(struct diag *d, const char *name, const char *fmt, ...)
{
    va_list ap;

    sb_clear(&d->text);
    d->line = d->col = 0;
    sb_printf(&d->text, "%s: error: ", name);
    va_start(ap, fmt);
    sb_vprintf(&d->text, fmt, ap);
    va_end(ap);
    sb_putc(&d->text, '\n');
}

/* ---- loading ---------------------------------------------------------- */

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 if it
 * is not valid UTF-8 (overlong forms and surrogates are rejected). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min, cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Index the lines and check the bytes.  Returns 0, or -1 with d filled. */
static int index_and_check(struct source *src, struct diag *d)
{
    const unsigned char *s = (const unsigned char *)src->text;
    size_t cap = 0, i = 0, line_begin = 0;
    int line = 1;

    src->line_start = NULL;
    XGROW(src->line_start, cap, 1);
    src->line_start[0] = 0;
    src->nlines = 1;
    while (i < src->len) {
        unsigned c = s[i];
        size_t n;

        if (c == '\n') {
            i++;
            line++;
            line_begin = i;
            XGROW(src->line_start, cap, (size_t)src->nlines + 1);
            src->line_start[src->nlines++] = i;
            continue;
        }
        if (i - line_begin >= SOURCE_MAX_LINE) {
            size_t len;

            source_line(src, line, &len);
            diag_error(d, src, line, (int)utf8_width(src->text + line_begin,
                                                     i - line_begin) + 1,
                       "line %d is %zu bytes long; the limit is %d",
                       line, len, SOURCE_MAX_LINE);
            return -1;
        }
        if (c == '\r' && i + 1 < src->len && s[i + 1] == '\n') {
            i++;
            continue;
        }
        if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7F) {
            int col = (int)utf8_width(src->text + line_begin, i - line_begin) + 1;

            if (c == 0)
                diag_error(d, src, line, col,
                           "NUL byte in the file: is this a text file?");
            else
                diag_error(d, src, line, col,
                           "control character 0x%02X in the file: is this a "
                           "text file?", c);
            return -1;
        }
        n = utf8_seq(s + i, src->len - i);
        if (n == 2 && c == 0xC2 && s[i + 1] < 0xA0) {
            int col = (int)utf8_width(src->text + line_begin, i - line_begin) + 1;

            diag_error(d, src, line, col, "control character U+%04X in the "
                       "file: is this a text file?", (unsigned)s[i + 1]);
            return -1;
        }
        if (n == 0) {
            int col = (int)utf8_width(src->text + line_begin, i - line_begin) + 1;

            diag_error(d, src, line, col,
                       "invalid UTF-8 byte 0x%02X: lessons are UTF-8 text", c);
            return -1;
        }
        i += n;
    }
    /* A final newline does not start another line. */
    if (src->nlines > 1 && src->line_start[src->nlines - 1] == src->len)
        src->nlines--;
    return 0;
}

struct source *source_from_text(const char *name, const char *text, size_t len,
                                struct diag *d)
{
    struct source *src = xcalloc(1, sizeof(*src));

    src->name = xstrdup(name);
    /* Skip a UTF-8 byte order mark; columns then count from the real text. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    src->text = xstrndup(text, len);
    src->len = len;
    if (index_and_check(src, d) < 0) {
        source_free(src);
        return NULL;
    }
    return src;
}

/* What a file that is not a regular file is, for the message. */
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    return "not a regular file";
}

/* Open without blocking (a FIFO would wait for a writer forever) and refuse
 * anything but a regular file before reading a byte: a FIFO, socket or
 * device could block or never end. */
struct source *source_load(const char *path, struct diag *d)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    struct strbuf sb;
    char buf[65536];
    ssize_t n;
    struct source *src;

    if (fd < 0) {
        diag_file_error(d, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        diag_file_error(d, path, "cannot read: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_file_error(d, path, "is %s, not a lesson file",
                        file_kind(st.st_mode));
        close(fd);
        return NULL;
    }
    if (st.st_size > SOURCE_MAX_BYTES) {
        diag_file_error(d, path, "file is larger than %d bytes: is this "
                        "a lesson?", SOURCE_MAX_BYTES);
        close(fd);
        return NULL;
    }
    sb_init(&sb);
    for (;;) {
        n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (sb.len + (size_t)n > SOURCE_MAX_BYTES) {
            diag_file_error(d, path, "file is larger than %d bytes: is this "
                            "a lesson?", SOURCE_MAX_BYTES);
            close(fd);
            sb_done(&sb);
            return NULL;
        }
        sb_add(&sb, buf, (size_t)n);
    }
    if (n < 0) {
        diag_file_error(d, path, "cannot read: %s", strerror(errno));
        close(fd);
        sb_done(&sb);
        return NULL;
    }
    close(fd);
    src = source_from_text(path, sb.s ? sb.s : "", sb.len, d);
    sb_done(&sb);
    return src;
}

void source_free(struct source *src)
{
    if (!src)
        return;
    free(src->name);
    free(src->text);
    free(src->line_start);
    free(src);
}
