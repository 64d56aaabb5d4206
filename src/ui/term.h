/* term.h - the terminal: starting curses, restoring it, reading keys.
 *
 * term_start() puts the terminal in the TUI's mode (or, headless, opens
 * curses on /dev/null with a given size, for key scripts and `taketurns
 * screen`).  The terminal is restored by term_stop() on every way out: a
 * normal quit, an atexit hook, die() (util.h's hook), and SIGINT, SIGTERM
 * and SIGHUP, which term_wait() reports so the loop can stop cleanly; a
 * second signal restores the terminal from the handler and exits at once.
 * Waiting for a key blocks in poll(): no busy-waiting.
 */
#ifndef TT_UI_TERM_H
#define TT_UI_TERM_H

#include <stdint.h>

#include "util.h"

struct term_opts {
    int headless;       /* curses on /dev/null: nothing is shown */
    int width, height;  /* headless: the virtual screen */
    int ascii;          /* force ASCII (else: when the locale is not UTF-8) */
    int mouse;          /* report clicks */
};

/* Returns 0, or -1 with a message in err. */
int term_start(const struct term_opts *o, struct strbuf *err);
/* Restore the terminal; safe to call more than once. */
void term_stop(void);
int term_active(void);

/* The screen size now. */
void term_size(int *width, int *height);
/* Headless: change the virtual screen's size. */
void term_resize(int width, int height);
/* Show what has been drawn on stdscr (one update of the terminal). */
void term_show(void);

/* Wait up to timeout_ms (-1: forever) for input.  Returns a key (keys.h),
 * K_NONE on timeout, or -1 when a signal asks to stop (term_signal says
 * which).  For K_CLICK, *x and *y are set. */
int term_wait(int64_t timeout_ms, int *x, int *y);
/* A key already waiting, without blocking; K_NONE if none. */
int term_poll_key(int *x, int *y);
int term_signal(void);

/* Milliseconds on a monotonic clock. */
int64_t term_now_ms(void);

#endif
