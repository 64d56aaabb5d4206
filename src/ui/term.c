/* term.c - curses lifecycle, signals and input (see term.h). */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ui/draw.h"
#include "ui/keys.h"

static SCREEN *scr;
static FILE *scr_in, *scr_out;
static int active, headless, mouse_on, hooks_set;
static int tty_fd = -1;
static struct termios saved_tio;
static int have_tio;
/* What to write to the terminal if it must be restored from a signal
 * handler, where curses cannot be called. */
static char reset_seq[512];
static size_t reset_len;
static volatile sig_atomic_t caught;
static int sig_pipe[2] = {-1, -1};
static struct sigaction old_act[3];
static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};

int64_t term_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void define_keys(void);

/* ---- signals ------------------------------------------------------------ */

static void emergency_restore(int sig)
{
    ssize_t r = 0;

    if (tty_fd >= 0 && reset_len)
        r = write(tty_fd, reset_seq, reset_len);
    if (have_tio)
        tcsetattr(tty_fd, TCSANOW, &saved_tio);
    (void)r;
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig);
}

static void on_signal(int sig)
{
    int saved = errno;

    if (caught)
        emergency_restore(sig);     /* a second signal: no more waiting */
    caught = sig;
    if (sig_pipe[1] >= 0) {
        char c = 1;
        ssize_t r = write(sig_pipe[1], &c, 1);

        (void)r;
    }
    errno = saved;
}

static void catch_signals(void)
{
    struct sigaction sa;

    if (pipe(sig_pipe) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(sig_pipe[i], F_SETFL,
                  fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old_act[i]);
}

static void release_signals(void)
{
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old_act[i], NULL);
    for (int i = 0; i < 2; i++)
        if (sig_pipe[i] >= 0) {
            close(sig_pipe[i]);
            sig_pipe[i] = -1;
        }
}

int term_signal(void)
{
    return caught;
}

/* ---- starting and stopping ---------------------------------------------- */

static void add_reset(const char *cap)
{
    char *s = tigetstr((char *)cap);
    size_t n;

    if (!s || s == (char *)-1)
        return;
    n = strlen(s);
    if (reset_len + n < sizeof(reset_seq)) {
        memcpy(reset_seq + reset_len, s, n);
        reset_len += n;
    }
}

static int want_color(void)
{
    const char *nc = getenv("NO_COLOR");

    return !(nc && *nc);
}

static int want_ascii(const struct term_opts *o)
{
    const char *cs = nl_langinfo(CODESET);
    const char *env = getenv("TAKETURNS_ASCII");

    if (o->ascii || (env && *env && strcmp(env, "0") != 0))
        return 1;
    return !cs || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0);
}

static SCREEN *open_headless(void)
{
    const char *types[] = {getenv("TERM"), "xterm-256color", "xterm", "vt100"};
    SCREEN *s = NULL;

    scr_out = fopen("/dev/null", "w");
    scr_in = fopen("/dev/null", "r");
    if (!scr_out || !scr_in)
        return NULL;
    for (size_t i = 0; i < TT_ARRAY_LEN(types) && !s; i++)
        if (types[i] && *types[i] && strcmp(types[i], "dumb") != 0)
            s = newterm((char *)types[i], scr_out, scr_in);
    return s;
}

int term_start(const struct term_opts *o, struct strbuf *err)
{
    const char *type = getenv("TERM");

    if (active)
        return 0;
    setlocale(LC_CTYPE, "");
    headless = o->headless;
    caught = 0;
    if (headless) {
        scr = open_headless();
        if (!scr) {
            sb_puts(err, "cannot start curses on /dev/null (no terminal "
                    "description found)");
            return -1;
        }
    } else {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            sb_puts(err, "the lesson screen needs a terminal; for text, use "
                    "'taketurns run LESSON' or 'taketurns screen LESSON'");
            return -1;
        }
        if (!type || !*type || strcmp(type, "dumb") == 0) {
            sb_printf(err, "this terminal (TERM=%s) cannot show the lesson "
                      "screen; set TERM, or use 'taketurns run'",
                      type ? type : "");
            return -1;
        }
        tty_fd = STDOUT_FILENO;
        have_tio = tcgetattr(tty_fd, &saved_tio) == 0;
        /* The terminal's real size, not $LINES and $COLUMNS, now and after
         * a resize.  (use_env(FALSE) would take terminfo's size instead,
         * and use_tioctl(TRUE) stops resizes from being seen.) */
        unsetenv("LINES");
        unsetenv("COLUMNS");
        scr = newterm(NULL, stdout, stdin);
        if (!scr) {
            sb_printf(err, "cannot use the terminal type '%s'", type);
            return -1;
        }
    }
    set_term(scr);
    active = 1;
    if (!hooks_set) {
        atexit(term_stop);
        hooks_set = 1;
    }
    die_set_hook(term_stop);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    define_keys();
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);
    if (headless) {
        resizeterm(o->height > 0 ? o->height : 24,
                   o->width > 0 ? o->width : 80);
    } else {
        reset_len = 0;
        add_reset("sgr0");
        add_reset("cnorm");
        add_reset("rmkx");
        add_reset("rmcup");
        if (o->mouse) {
            mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED |
                      BUTTON5_PRESSED, NULL);
            mouseinterval(0);
            mouse_on = 1;
            {
                static const char off[] = "\033[?1000l\033[?1002l\033[?1006l";

                if (reset_len + sizeof(off) < sizeof(reset_seq)) {
                    memcpy(reset_seq + reset_len, off, sizeof(off) - 1);
                    reset_len += sizeof(off) - 1;
                }
            }
        }
        catch_signals();
    }
    draw_setup(want_ascii(o), want_color());
    return 0;
}

void term_stop(void)
{
    if (!active)
        return;
    active = 0;
    die_set_hook(NULL);
    if (mouse_on) {
        mousemask(0, NULL);
        mouse_on = 0;
    }
    endwin();
    if (!headless && have_tio)
        tcsetattr(tty_fd, TCSANOW, &saved_tio);
    delscreen(scr);
    scr = NULL;
    if (scr_out)
        fclose(scr_out);
    if (scr_in)
        fclose(scr_in);
    scr_out = scr_in = NULL;
    if (!headless)
        release_signals();
    fflush(stdout);
}

int term_active(void)
{
    return active;
}

/* ---- the screen --------------------------------------------------------- */

void term_size(int *width, int *height)
{
    *width = COLS;
    *height = LINES;
}

void term_resize(int width, int height)
{
    resizeterm(height, width);
}

void term_show(void)
{
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- input -------------------------------------------------------------- */

/* Sequences terminals send that their terminfo entry may not list (tmux
 * sends ESC [ 1 ~ for Home whatever TERM says): curses' keypad decodes
 * them whole, instead of handing out ESC, '[', '1', '~' as keys. */
static void define_keys(void)
{
    static const struct {
        const char *seq;
        int key;
    } extra[] = {
        {"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME},
        {"\033OH", KEY_HOME}, {"\033[4~", KEY_END}, {"\033[8~", KEY_END},
        {"\033[F", KEY_END}, {"\033OF", KEY_END}, {"\033[5~", KEY_PPAGE},
        {"\033[6~", KEY_NPAGE}, {"\033[A", KEY_UP}, {"\033[B", KEY_DOWN},
        {"\033[C", KEY_RIGHT}, {"\033[D", KEY_LEFT}, {"\033OA", KEY_UP},
        {"\033OB", KEY_DOWN}, {"\033OC", KEY_RIGHT}, {"\033OD", KEY_LEFT},
        {"\033[Z", KEY_BTAB}, {"\033[2~", KEY_IC}, {"\033[3~", KEY_DC},
        {"\033OP", KEY_F(1)}, {"\033OQ", KEY_F(2)}, {"\033OR", KEY_F(3)},
        {"\033OS", KEY_F(4)}, {"\033[11~", KEY_F(1)}, {"\033[12~", KEY_F(2)},
        {"\033[13~", KEY_F(3)}, {"\033[14~", KEY_F(4)},
        {"\033[15~", KEY_F(5)}, {"\033[17~", KEY_F(6)},
        {"\033[18~", KEY_F(7)}, {"\033[19~", KEY_F(8)},
        {"\033[20~", KEY_F(9)}, {"\033[21~", KEY_F(10)},
        {"\033[23~", KEY_F(11)}, {"\033[24~", KEY_F(12)},
    };

    for (size_t i = 0; i < TT_ARRAY_LEN(extra); i++)
        if (key_defined(extra[i].seq) <= 0)
            define_key(extra[i].seq, extra[i].key);
}

/* The next byte of a sequence already on its way, or ERR. */
static int next_byte(int wait_ms)
{
    int c;

    wtimeout(stdscr, wait_ms);
    c = wgetch(stdscr);
    nodelay(stdscr, TRUE);
    return c;
}

/* A mouse report curses did not decode: a click or the wheel. */
static int mouse_key(int button, int mx, int my, int press, int *x, int *y)
{
    if (!press)
        return K_NONE;
    if (button == 64)
        return K_WHEEL_UP;
    if (button == 65)
        return K_WHEEL_DOWN;
    if ((button & ~(4 | 8 | 16)) != 0)
        return K_NONE;      /* another button, or a drag */
    *x = mx;
    *y = my;
    return K_CLICK;
}

/* ESC came as a key: a real Escape, or the start of a sequence curses did
 * not know.  A sequence is read whole and decoded (mouse reports, in X10
 * and SGR form) or dropped: it never turns into ordinary keys. */
static int decode_escape(int *x, int *y)
{
    int c = next_byte(0), n = 0, args[3] = {0, 0, 0}, na = 0, csi;
    char buf[32];

    if (c == ERR)
        return K_ESC;
    if (c != '[' && c != 'O') {
        ungetch(c);         /* Esc, then a key typed at once */
        return K_ESC;
    }
    csi = c == '[';
    while (n < (int)sizeof(buf) - 1 && (c = next_byte(30)) != ERR) {
        buf[n++] = (char)c;
        if (n == 1 && c == 'M' && csi) {
            /* X10: ESC [ M, then button, column, row, each + 32 */
            int b = next_byte(30), cx = next_byte(30), cy = next_byte(30);

            if (b == ERR || cx == ERR || cy == ERR)
                return K_NONE;
            b -= 32;
            return mouse_key(b, cx - 33, cy - 33,
                             (b & 3) != 3 || (b & 64), x, y);
        }
        if (c >= 0x40 && c <= 0x7e && !(n == 1 && c == '<'))
            break;          /* the final byte */
    }
    buf[n] = '\0';
    if (n > 1 && buf[0] == '<' && (buf[n - 1] == 'M' || buf[n - 1] == 'm')) {
        /* SGR: ESC [ < button ; column ; row M (press) or m (release) */
        for (const char *p = buf + 1; *p && na < 3; p++) {
            if (*p >= '0' && *p <= '9')
                args[na] = args[na] * 10 + (*p - '0');
            else
                na++;
        }
        return mouse_key(args[0], args[1] - 1, args[2] - 1,
                         buf[n - 1] == 'M', x, y);
    }
    return K_NONE;
}

int term_poll_key(int *x, int *y)
{
    int ch = wgetch(stdscr);
    MEVENT me;

    switch (ch) {
    case ERR: return K_NONE;
    case 27: return decode_escape(x, y);
    case KEY_RIGHT: return K_RIGHT;
    case KEY_LEFT: return K_LEFT;
    case KEY_UP: return K_UP;
    case KEY_DOWN: return K_DOWN;
    case KEY_HOME: return K_HOME;
    case KEY_END: return K_END;
    case KEY_NPAGE: return K_PGDN;
    case KEY_PPAGE: return K_PGUP;
    case KEY_BTAB: return K_BTAB;
    case KEY_RESIZE: return K_RESIZE;
    case KEY_ENTER:
    case '\r':
    case '\n':
        return K_ENTER;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        return K_BACKSPACE;
    case 12: /* ^L: draw everything again */
        clearok(curscr, TRUE);
        return K_RESIZE;
    case KEY_MOUSE:
        if (getmouse(&me) != OK)
            return K_NONE;
        if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
            *x = me.x;
            *y = me.y;
            return K_CLICK;
        }
        if (me.bstate & BUTTON4_PRESSED)
            return K_WHEEL_UP;
        if (me.bstate & BUTTON5_PRESSED)
            return K_WHEEL_DOWN;
        return K_NONE;
    default:
        if (ch >= 0 && ch < 256)
            return ch;
        return K_NONE;
    }
}

int term_wait(int64_t timeout_ms, int *x, int *y)
{
    struct pollfd fds[2];
    int key, n;

    if (caught)
        return -1;
    key = term_poll_key(x, y);
    if (key != K_NONE)
        return key;
    fds[0].fd = STDIN_FILENO;
    fds[0].events = POLLIN;
    fds[0].revents = 0;
    fds[1].fd = sig_pipe[0];
    fds[1].events = POLLIN;
    fds[1].revents = 0;
    if (timeout_ms > 60000)
        timeout_ms = 60000;
    n = poll(fds, sig_pipe[0] >= 0 ? 2 : 1, timeout_ms < 0 ? -1 :
             (int)timeout_ms);
    if (caught)
        return -1;
    if (n < 0)
        return term_poll_key(x, y);     /* EINTR: SIGWINCH gives a resize */
    if (n == 0)
        return K_NONE;
    if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL) &&
        !(fds[0].revents & POLLIN)) {
        caught = SIGHUP;                /* the terminal went away */
        return -1;
    }
    return term_poll_key(x, y);
}
