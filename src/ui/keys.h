/* keys.h - the TUI's keys, by name, and key scripts.
 *
 * The application (app.c) sees keys as these codes, never as curses
 * values, so that it can be driven without a terminal: term.c maps curses
 * keys to them, and a key script (TAKETURNS_KEYS=FILE, or `taketurns
 * screen`) is parsed here into the same codes.
 *
 * A key script is text: tokens separated by white space; `#` starts a
 * comment to the end of the line.  A token in angle brackets names a key
 * or a command (case does not matter); any other token types its
 * characters one by one ("6" is the key 6, "yes" is y, e, s):
 *
 *   <Space> <Enter> <Esc> <Tab> <BTab> <Backspace> <Right> <Left> <Up>
 *   <Down> <Home> <End> <PgDn> <PgUp> <Lt> <Gt> <Hash>   keys
 *   <Wait>            let the virtual clock run until nothing animates
 *   <Sleep MS>        let MS milliseconds of virtual time pass
 *   <Size WxH>        resize the virtual terminal
 *   <Click X Y>       a mouse click at column X, row Y (from 0)
 *   <Dump>            print the screen as text
 */
#ifndef TT_UI_KEYS_H
#define TT_UI_KEYS_H

#include <stdint.h>

#include "util.h"

/* Printable ASCII keys are their own codes; the rest start at 0x100. */
enum {
    K_NONE = 0,
    K_TAB = '\t',
    K_ENTER = '\n',
    K_ESC = 27,
    K_SPACE = ' ',
    K_BACKSPACE = 127,
    K_RIGHT = 0x100,
    K_LEFT,
    K_UP,
    K_DOWN,
    K_HOME,
    K_END,
    K_PGDN,
    K_PGUP,
    K_BTAB,
    K_RESIZE,
    K_CLICK,        /* with a position (struct key_event) */
    K_WHEEL_UP,
    K_WHEEL_DOWN,
};

enum key_cmd {
    KC_KEY,         /* a key */
    KC_WAIT,        /* run the clock until idle */
    KC_SLEEP,       /* n milliseconds */
    KC_SIZE,        /* x columns, y rows */
    KC_DUMP,
};

struct key_event {
    enum key_cmd cmd;
    int key;
    int x, y;       /* K_CLICK: cell; KC_SIZE: columns and rows */
    int64_t ms;     /* KC_SLEEP */
};

struct key_script {
    struct key_event *ev;
    size_t n, cap;
};

/* Parse a key script.  Returns 0, or -1 with a message in err. */
int keys_parse(const char *text, struct key_script *out, struct strbuf *err);
void keys_free(struct key_script *ks);

/* "Right", "PgDn", "q": a key's name for messages. */
const char *keys_name(int key, char buf[8]);

#endif
