/* json.h - writing JSON that scripts can rely on and people can read.
 *
 * Containers up to depth `pretty` put each member on its own line; deeper
 * ones are written on one line.  Keys are written in the order given.
 */
#ifndef TT_JSON_H
#define TT_JSON_H

#include <stdint.h>

#include "util.h"

enum { JSON_MAX_DEPTH = 32 };

struct json {
    struct strbuf *out;
    int depth;
    int pretty;
    int count[JSON_MAX_DEPTH];
    char close[JSON_MAX_DEPTH]; /* '}' or ']' */
};

void json_init(struct json *j, struct strbuf *out, int pretty);
/* key is NULL inside arrays. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_end(struct json *j);  /* closes the innermost container */
void json_str(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, int64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* A number given as text (an exact count too big for int64_t). */
void json_raw(struct json *j, const char *key, const char *number);
/* Append s as a JSON string literal. */
void json_quote(struct strbuf *out, const char *s);

#endif
