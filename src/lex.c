/* lex.c - lines and tokens of a lesson file. */
#include "lex.h"

#include <limits.h>
#include <string.h>

#include "util.h"

static const char *const punct_texts[] = {
    [P_LPAREN] = "(", [P_RPAREN] = ")", [P_COMMA] = ",", [P_COLON] = ":",
    [P_DOT] = ".", [P_AT] = "@", [P_ASSIGN] = "=", [P_PLUS_EQ] = "+=",
    [P_MINUS_EQ] = "-=", [P_STAR_EQ] = "*=", [P_SLASH_EQ] = "//=",
    [P_PERCENT_EQ] = "%=", [P_PLUS] = "+", [P_MINUS] = "-", [P_STAR] = "*",
    [P_SLASH2] = "//", [P_SLASH] = "/", [P_PERCENT] = "%", [P_EQ] = "==",
    [P_NE] = "!=", [P_LT] = "<", [P_LE] = "<=", [P_GT] = ">", [P_GE] = ">=",
    [P_LBRACKET] = "[", [P_RBRACKET] = "]",
};

const char *punct_text(int p)
{
    return p >= 0 && p < (int)TT_ARRAY_LEN(punct_texts) ? punct_texts[p] : "?";
}

/* Column (1-based, in code points) of byte offset off in line ln. */
static int col_of(const struct lex_line *ln, int off)
{
    return ln->indent + (int)utf8_width(ln->text, (size_t)off) + 1;
}

int lex_lines(const struct source *src, struct lex_line **lines, int *nlines,
              struct diag *d)
{
    struct lex_line *out = xcalloc((size_t)src->nlines, sizeof(*out));

    for (int i = 0; i < src->nlines; i++) {
        size_t len;
        const char *s = source_line(src, i + 1, &len);
        struct lex_line *ln = &out[i];
        int k = 0;

        while ((size_t)k < len && s[k] == ' ')
            k++;
        if ((size_t)k < len && s[k] == '\t') {
            diag_error(d, src, i + 1, k + 1,
                       "tab character in the indentation: indent with spaces "
                       "(4 per level is usual)");
            free(out);
            return -1;
        }
        ln->no = i + 1;
        ln->indent = k;
        ln->text = s + k;
        ln->len = (int)len - k;
        ln->blank = ln->len == 0 || ln->text[0] == '#';
    }
    *lines = out;
    *nlines = src->nlines;
    return 0;
}

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* The two- and three-character punctuation first, longest match wins. */
static const struct {
    const char *text;
    int punct;
} multi[] = {
    {"//=", P_SLASH_EQ}, {"+=", P_PLUS_EQ}, {"-=", P_MINUS_EQ},
    {"*=", P_STAR_EQ}, {"%=", P_PERCENT_EQ}, {"//", P_SLASH2},
    {"==", P_EQ}, {"!=", P_NE}, {"<=", P_LE}, {">=", P_GE},
};

static int single_punct(char c)
{
    switch (c) {
    case '(': return P_LPAREN;
    case ')': return P_RPAREN;
    case ',': return P_COMMA;
    case ':': return P_COLON;
    case '.': return P_DOT;
    case '@': return P_AT;
    case '=': return P_ASSIGN;
    case '+': return P_PLUS;
    case '-': return P_MINUS;
    case '*': return P_STAR;
    case '/': return P_SLASH;
    case '%': return P_PERCENT;
    case '<': return P_LT;
    case '>': return P_GT;
    case '[': return P_LBRACKET;
    case ']': return P_RBRACKET;
    default: return -1;
    }
}

/* Scan a decimal integer at s[*i]; underscores may separate digits. */
static int lex_int(const struct source *src, const struct lex_line *ln,
                   int *i, struct token *t, struct diag *d)
{
    const char *s = ln->text;
    uint64_t v = 0;
    int start = *i, digits = 0;
    int overflow = 0;

    while (*i < ln->len && (is_name_char((unsigned char)s[*i]))) {
        char c = s[*i];

        if (c == '_') {
            if (*i + 1 >= ln->len || s[*i + 1] < '0' || s[*i + 1] > '9' ||
                s[*i - 1] == '_') {
                diag_error(d, src, ln->no, col_of(ln, *i),
                           "misplaced '_' in a number");
                return -1;
            }
        } else if (c >= '0' && c <= '9') {
            /* 2^63 itself lexes: it is a number only after a minus */
            if (v > ((uint64_t)INT64_MAX + 1 - (uint64_t)(c - '0')) / 10)
                overflow = 1;
            else
                v = v * 10 + (uint64_t)(c - '0');
            digits++;
        } else {
            diag_error(d, src, ln->no, col_of(ln, *i),
                       "invalid character '%c' in a number", c);
            return -1;
        }
        (*i)++;
    }
    if (overflow) {
        diag_error(d, src, ln->no, col_of(ln, start),
                   "integer %.*s is too large (the largest is %lld)",
                   *i - start > 40 ? 40 : *i - start, s + start,
                   (long long)INT64_MAX);
        return -1;
    }
    if (s[start] == '0' && digits > 1) {
        diag_error(d, src, ln->no, col_of(ln, start),
                   "leading zeros are not allowed in a number (write %lld)",
                   (long long)v);
        return -1;
    }
    t->kind = TOK_INT;
    /* 2^63 becomes INT64_MIN, which no other literal is (parse.c) */
    t->ival = v > (uint64_t)INT64_MAX ? INT64_MIN : (int64_t)v;
    return 0;
}

static int lex_string(const struct source *src, const struct lex_line *ln,
                      int *i, struct arena *a, struct token *t, struct diag *d)
{
    const char *s = ln->text;
    char quote = s[*i];
    int start = *i;
    struct strbuf sb;

    sb_init(&sb);
    (*i)++;
    for (;;) {
        char c;

        if (*i >= ln->len) {
            sb_done(&sb);
            diag_error(d, src, ln->no, col_of(ln, start),
                       "unterminated string: it needs a closing %c on the "
                       "same line", quote);
            return -1;
        }
        c = s[(*i)++];
        if (c == quote)
            break;
        if (c == '\\') {
            char e = *i < ln->len ? s[*i] : '\0';

            switch (e) {
            case 'n': sb_putc(&sb, '\n'); break;
            case 't': sb_putc(&sb, '\t'); break;
            case '\\': sb_putc(&sb, '\\'); break;
            case '"': sb_putc(&sb, '"'); break;
            case '\'': sb_putc(&sb, '\''); break;
            default:
                sb_done(&sb);
                diag_error(d, src, ln->no, col_of(ln, *i - 1),
                           "unknown escape '\\%c' in a string (use \\n \\t "
                           "\\\\ \\\" or \\')", e ? e : ' ');
                return -1;
            }
            (*i)++;
            continue;
        }
        if (c == '\t') {
            sb_done(&sb);
            diag_error(d, src, ln->no, col_of(ln, *i - 1),
                       "tab character in a string: use spaces or \\t");
            return -1;
        }
        sb_putc(&sb, c);
    }
    t->kind = TOK_STRING;
    t->sval = arena_strndup(a, sb.s ? sb.s : "", sb.len);
    sb_done(&sb);
    return 0;
}

int lex_line(const struct source *src, const struct lex_line *ln, int offset,
             struct arena *a, struct token **toks, struct diag *d)
{
    const char *s = ln->text;
    struct token *out = NULL;
    size_t cap = 0;
    int n = 0, i = offset;

    for (;;) {
        struct token *t;
        unsigned char c;

        while (i < ln->len && s[i] == ' ')
            i++;
        XGROW(out, cap, (size_t)n + 1);
        t = &out[n];
        memset(t, 0, sizeof(*t));
        t->col = col_of(ln, i);
        t->p = s + i;
        if (i >= ln->len || s[i] == '#') {
            t->kind = TOK_END;
            t->end_col = t->col;
            n++;
            break;
        }
        c = (unsigned char)s[i];
        if (c == '\t') {
            diag_error(d, src, ln->no, t->col,
                       "tab character: use spaces");
            free(out);
            return -1;
        }
        if (is_name_start(c)) {
            int start = i;

            while (i < ln->len && is_name_char((unsigned char)s[i]))
                i++;
            t->kind = TOK_NAME;
            t->name = arena_strndup(a, s + start, (size_t)(i - start));
        } else if (c >= '0' && c <= '9') {
            if (lex_int(src, ln, &i, t, d) < 0) {
                free(out);
                return -1;
            }
        } else if (c == '"' || c == '\'') {
            if (lex_string(src, ln, &i, a, t, d) < 0) {
                free(out);
                return -1;
            }
        } else {
            int p = -1;

            for (size_t k = 0; k < TT_ARRAY_LEN(multi); k++) {
                size_t ml = strlen(multi[k].text);

                if ((size_t)(ln->len - i) >= ml &&
                    memcmp(s + i, multi[k].text, ml) == 0) {
                    p = multi[k].punct;
                    i += (int)ml;
                    break;
                }
            }
            if (p < 0) {
                p = single_punct((char)c);
                if (p < 0) {
                    if (c >= 0x80)
                        diag_error(d, src, ln->no, t->col,
                                   "unexpected character: code is plain ASCII "
                                   "(text in strings and pages may be any "
                                   "UTF-8)");
                    else
                        diag_error(d, src, ln->no, t->col,
                                   "unexpected character '%c'", c);
                    free(out);
                    return -1;
                }
                i++;
            }
            t->kind = TOK_PUNCT;
            t->punct = p;
        }
        t->len = (int)(t->p ? (s + i) - t->p : 0);
        t->end_col = col_of(ln, i);
        n++;
    }
    *toks = out;
    return n;
}
