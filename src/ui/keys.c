/* keys.c - key names and key scripts (see keys.h). */
#include "ui/keys.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int key;
} names[] = {
    {"space", K_SPACE}, {"enter", K_ENTER}, {"return", K_ENTER},
    {"esc", K_ESC}, {"escape", K_ESC}, {"tab", K_TAB}, {"btab", K_BTAB},
    {"backspace", K_BACKSPACE}, {"bs", K_BACKSPACE}, {"right", K_RIGHT},
    {"left", K_LEFT}, {"up", K_UP}, {"down", K_DOWN}, {"home", K_HOME},
    {"end", K_END}, {"pgdn", K_PGDN}, {"pagedown", K_PGDN},
    {"npage", K_PGDN}, {"pgup", K_PGUP}, {"pageup", K_PGUP},
    {"ppage", K_PGUP}, {"lt", '<'}, {"gt", '>'}, {"hash", '#'},
    {"resize", K_RESIZE}, {"wheelup", K_WHEEL_UP},
    {"wheeldown", K_WHEEL_DOWN},
};

static void add(struct key_script *ks, struct key_event ev)
{
    XGROW(ks->ev, ks->cap, ks->n + 1);
    ks->ev[ks->n++] = ev;
}

static void add_key(struct key_script *ks, int key)
{
    struct key_event ev = {KC_KEY, key, 0, 0, 0};

    add(ks, ev);
}

/* One <...> token, without the brackets. */
static int parse_bracket(const char *tok, struct key_script *ks,
                         struct strbuf *err)
{
    char word[32];
    const char *arg;
    size_t n = strcspn(tok, " \t\n");
    struct key_event ev = {KC_KEY, 0, 0, 0, 0};

    if (n >= sizeof(word))
        n = sizeof(word) - 1;
    memcpy(word, tok, n);
    word[n] = '\0';
    arg = tok + n;
    while (*arg == ' ' || *arg == '\t' || *arg == '\n')
        arg++;
    for (size_t i = 0; i < TT_ARRAY_LEN(names); i++)
        if (strcasecmp(word, names[i].name) == 0 && !*arg) {
            add_key(ks, names[i].key);
            return 0;
        }
    if (strcasecmp(word, "wait") == 0 && !*arg) {
        ev.cmd = KC_WAIT;
    } else if (strcasecmp(word, "dump") == 0 && !*arg) {
        ev.cmd = KC_DUMP;
    } else if (strcasecmp(word, "sleep") == 0) {
        char *end;

        ev.cmd = KC_SLEEP;
        ev.ms = strtoll(arg, &end, 10);
        if (end == arg || *end || ev.ms < 0) {
            sb_printf(err, "<Sleep MS> needs a number of milliseconds");
            return -1;
        }
    } else if (strcasecmp(word, "size") == 0) {
        ev.cmd = KC_SIZE;
        if (sscanf(arg, "%dx%d", &ev.x, &ev.y) != 2 || ev.x < 1 || ev.y < 1 ||
            ev.x > 1000 || ev.y > 1000) {
            sb_printf(err, "<Size WxH> needs a size such as 80x24");
            return -1;
        }
    } else if (strcasecmp(word, "click") == 0) {
        ev.key = K_CLICK;
        if (sscanf(arg, "%d %d", &ev.x, &ev.y) != 2 || ev.x < 0 || ev.y < 0) {
            sb_printf(err, "<Click X Y> needs a column and a row");
            return -1;
        }
    } else {
        sb_printf(err, "unknown key <%s>", tok);
        return -1;
    }
    add(ks, ev);
    return 0;
}

int keys_parse(const char *text, struct key_script *out, struct strbuf *err)
{
    const char *p = text;

    memset(out, 0, sizeof(*out));
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (*p == '#') {
            while (*p && *p != '\n')
                p++;
        } else if (*p == '<' && p[1] && p[1] != '>' && strchr(p, '>')) {
            const char *end = strchr(p, '>');
            char *tok = xstrndup(p + 1, (size_t)(end - p - 1));
            int rc = parse_bracket(tok, out, err);

            free(tok);
            if (rc < 0) {
                keys_free(out);
                return -1;
            }
            p = end + 1;
        } else {
            while (*p && !isspace((unsigned char)*p))
                add_key(out, (unsigned char)*p++);
        }
    }
    return 0;
}

void keys_free(struct key_script *ks)
{
    free(ks->ev);
    memset(ks, 0, sizeof(*ks));
}

const char *keys_name(int key, char buf[8])
{
    for (size_t i = 0; i < TT_ARRAY_LEN(names); i++)
        if (names[i].key == key) {
            snprintf(buf, 8, "%s", names[i].name);
            buf[0] = (char)toupper((unsigned char)buf[0]);
            return buf;
        }
    if (key > ' ' && key < 127)
        snprintf(buf, 8, "%c", key);
    else
        snprintf(buf, 8, "#%d", key);
    return buf;
}
