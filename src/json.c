/* json.c - a small streaming JSON writer. */
#include "json.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, struct strbuf *out, int pretty)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->pretty = pretty;
}

void json_quote(struct strbuf *out, const char *s)
{
    sb_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '"': sb_puts(out, "\\\""); break;
        case '\\': sb_puts(out, "\\\\"); break;
        case '\n': sb_puts(out, "\\n"); break;
        case '\t': sb_puts(out, "\\t"); break;
        case '\r': sb_puts(out, "\\r"); break;
        default:
            if (c < 0x20)
                sb_printf(out, "\\u%04x", c);
            else
                sb_putc(out, (char)c);
        }
    }
    sb_putc(out, '"');
}

static void indent(struct json *j, int depth)
{
    sb_putc(j->out, '\n');
    for (int i = 0; i < depth; i++)
        sb_puts(j->out, "  ");
}

/* Separator and key before a value at the current depth. */
static void member(struct json *j, const char *key)
{
    if (j->depth > 0) {
        if (j->count[j->depth - 1]++ > 0)
            sb_putc(j->out, ',');
        if (j->depth <= j->pretty)
            indent(j, j->depth);
        else if (j->count[j->depth - 1] > 1)
            sb_putc(j->out, ' ');
    }
    if (key) {
        json_quote(j->out, key);
        sb_puts(j->out, ": ");
    }
}

static void open_container(struct json *j, const char *key, char c)
{
    member(j, key);
    sb_putc(j->out, c);
    if (j->depth < JSON_MAX_DEPTH) {
        j->close[j->depth] = c == '{' ? '}' : ']';
        j->count[j->depth++] = 0;
    }
}

void json_object(struct json *j, const char *key)
{
    open_container(j, key, '{');
}

void json_array(struct json *j, const char *key)
{
    open_container(j, key, '[');
}

void json_end(struct json *j)
{
    int depth = j->depth;

    if (depth == 0)
        return;
    j->depth--;
    if (j->count[depth - 1] > 0 && depth <= j->pretty)
        indent(j, j->depth);
    sb_putc(j->out, j->close[depth - 1]);
    if (j->depth == 0)
        sb_putc(j->out, '\n');
}

void json_str(struct json *j, const char *key, const char *v)
{
    member(j, key);
    json_quote(j->out, v ? v : "");
}

void json_int(struct json *j, const char *key, int64_t v)
{
    member(j, key);
    sb_printf(j->out, "%lld", (long long)v);
}

void json_double(struct json *j, const char *key, double v)
{
    member(j, key);
    if (!isfinite(v))
        sb_puts(j->out, "null");
    else if (fabs(v) >= 1e4)
        sb_printf(j->out, "%.0f", v);    /* rates: no exponent */
    else
        sb_printf(j->out, "%.6g", v);
}

void json_bool(struct json *j, const char *key, int v)
{
    member(j, key);
    sb_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
    member(j, key);
    sb_puts(j->out, "null");
}

void json_raw(struct json *j, const char *key, const char *number)
{
    member(j, key);
    sb_puts(j->out, number);
}
