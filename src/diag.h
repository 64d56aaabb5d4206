/* diag.h - lesson source text and compiler-style error messages.
 *
 * A struct source owns the bytes of one lesson file and an index of its
 * lines.  Every error about a lesson is reported through diag_error() as
 *
 *     FILE:LINE:COL: error: MESSAGE
 *         the source line
 *             ^
 *
 * The message is formatted into a struct diag, which the caller prints (the
 * command line) or shows (the TUI).  Lines and columns are 1-based; columns
 * count UTF-8 code points.
 */
#ifndef TT_DIAG_H
#define TT_DIAG_H

#include <stddef.h>

#include "util.h"

/* Limits on lesson files; exceeding one is an error, never a crash. */
enum {
    SOURCE_MAX_BYTES = 8 << 20,  /* a lesson file */
    SOURCE_MAX_LINE = 4096,      /* bytes in one line */
};

struct source {
    char *name;         /* as given by the user, for messages */
    char *text;         /* the file's bytes, NUL-terminated */
    size_t len;
    size_t *line_start; /* byte offset of each line; nlines entries */
    int nlines;
};

/* A formatted diagnostic: the whole multi-line text, ready to print. */
struct diag {
    struct strbuf text;
    int line, col;      /* where the first error points (0 if nowhere) */
};

void diag_init(struct diag *d);
void diag_done(struct diag *d);

/* Format "FILE:LINE:COL: error: MSG" plus the source line and a caret into d
 * (replacing what was there).  col may be past the end of the line. */
void diag_error(struct diag *d, const struct source *src, int line, int col,
                const char *fmt, ...) TT_PRINTF(5, 6);
void diag_verror(struct diag *d, const struct source *src, int line, int col,
                 const char *fmt, va_list ap);
/* Append a "FILE:LINE:COL: warning: MSG" with its source line. */
void diag_warning(struct diag *d, const struct source *src, int line, int col,
                  const char *fmt, ...) TT_PRINTF(5, 6);
/* Append a "FILE:LINE:COL: note: MSG" with its source line. */
void diag_note(struct diag *d, const struct source *src, int line, int col,
               const char *fmt, ...) TT_PRINTF(5, 6);
/* An error about a whole file, without a place: "FILE: error: MSG". */
void diag_file_error(struct diag *d, const char *name, const char *fmt, ...)
    TT_PRINTF(3, 4);

/* Read a lesson file.  Refuses, without reading or blocking, anything that
 * is not a regular file (a FIFO, socket, device or directory).  Checks that
 * it is UTF-8 text without NUL or control bytes, and that no line is too
 * long.  Returns NULL and fills d on error. */
struct source *source_load(const char *path, struct diag *d);
/* Wrap text already in memory (copied); name is used in messages. */
struct source *source_from_text(const char *name, const char *text, size_t len,
                                struct diag *d);
void source_free(struct source *src);

/* The bytes of line (1-based) without its newline. */
const char *source_line(const struct source *src, int line, size_t *len);

#endif
