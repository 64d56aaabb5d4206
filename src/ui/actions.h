/* actions.h - every key of the TUI, named and described once.
 *
 * APP_ACTIONS lists each action: the function that does it, the keys that
 * call it, the modes (enum app_mode bits) it applies in, its hint in the
 * footer (the modes it is shown in and its place there, from 1), and its
 * line in the help.  Key handling (app_key), the footers and the help are
 * all generated from this one table, so they cannot drift apart.
 *
 * Keys are looked up in table order: the first row of the current mode
 * that has the key and whose function takes it (returns 1) wins.  A row
 * whose function is act_none is a hint or a help line only (one hint for two keys,
 * "←→ step").  Besides real key codes a row may name a class of keys:
 * AK_DIGIT (0-9), AK_TASK (a task's number or its one-letter label),
 * AK_TASK_LOWER (a task's letter typed in lower case), AK_TEXT (any
 * printable character).
 */
#ifndef TT_UI_ACTIONS_H
#define TT_UI_ACTIONS_H

#include "ui/keys.h"

/* Modes of the screen (app_mode): each key means something in some. */
enum app_mode {
    M_PICKER = 1 << 0,      /* the list of lessons */
    M_PLAY = 1 << 1,        /* a page with a run: play, step, ... */
    M_TEXT = 1 << 2,        /* a page with no scene */
    M_MANUAL = 1 << 3,      /* the student schedules */
    M_OUTCOMES = 1 << 4,    /* the explorer's outcomes have the focus */
    M_ASK = 1 << 5,         /* an answer is being typed */
    M_REAL = 1 << 6,        /* a real run is shown (v): its own axis */
};
enum {
    M_LESSON = M_PLAY | M_TEXT | M_MANUAL | M_OUTCOMES | M_REAL,
    M_ALL = M_LESSON | M_PICKER,
};

/* Classes of keys (beyond the key codes of keys.h). */
enum {
    AK_DIGIT = 0x1000,
    AK_TASK,
    AK_TASK_LOWER,
    AK_TEXT,
};

#define AKEYS(...) {__VA_ARGS__}

/* X(id, function, keys, modes, footer modes, footer place, footer key,
 *   footer text, help line) - help lines may hold '\n' (continued, and
 *   indented under the first). */
#define APP_ACTIONS(X)                                                        \
    /* typing an answer */                                                    \
    X(ASK_ENTER, act_ask_enter, AKEYS(K_ENTER), M_ASK,                        \
      M_ASK, 2, "Enter", "check the answer", NULL)                            \
    X(ASK_ERASE, act_ask_erase, AKEYS(K_BACKSPACE, 8), M_ASK,                 \
      M_ASK, 3, "Backspace", "erase", NULL)                                   \
    X(ASK_LATER, act_ask_later, AKEYS(K_ESC), M_ASK,                          \
      M_ASK, 4, "Esc", "answer later", NULL)                                  \
    X(ASK_TYPE, act_ask_type, AKEYS(AK_TEXT), M_ASK, M_ASK, 1, "type",        \
      "your answer", NULL)                                                    \
    /* the list of lessons */                                                 \
    X(PICK_UP, act_picker_up, AKEYS(K_UP, 'k'), M_PICKER,                     \
      M_PICKER, 1, "↑↓", "choose", NULL)                                      \
    X(PICK_DOWN, act_picker_down, AKEYS(K_DOWN, 'j'), M_PICKER,               \
      0, 0, NULL, NULL, NULL)                                                 \
    X(PICK_FIRST, act_picker_first, AKEYS(K_HOME), M_PICKER,                  \
      0, 0, NULL, NULL, NULL)                                                 \
    X(PICK_LAST, act_picker_last, AKEYS(K_END), M_PICKER,                     \
      0, 0, NULL, NULL, NULL)                                                 \
    X(PICK_OPEN, act_picker_open, AKEYS(K_ENTER, K_RIGHT, 'l', ' '),          \
      M_PICKER, M_PICKER, 2, "Enter", "open", NULL)                           \
    X(PICK_NUMBER, act_picker_number, AKEYS(AK_DIGIT), M_PICKER,              \
      0, 0, NULL, NULL, NULL)                                                 \
    /* the student schedules: a task's key runs it */                         \
    X(RUN_TASK, act_pick_task, AKEYS(AK_TASK), M_MANUAL,                      \
      M_MANUAL, 1, "1-9", "run a task", NULL)                                 \
    X(HINT, act_hint, AKEYS('H'), M_LESSON, 0, 0, NULL, NULL, NULL)           \
    X(MANUAL_FWD, act_step_forward, AKEYS(K_RIGHT, 'l'), M_MANUAL,            \
      M_MANUAL, 2, "→", "redo / only choice", NULL)                           \
    /* the real run's view: its runs, its own axis, what r runs next */      \
    X(REAL_PREV, act_real_prev, AKEYS('['), M_REAL, M_REAL, 1, "[ ]", "run",  \
      "[ ] zZ +- w  real view: other run, zoom, more/fewer runs, widen")    \
    X(REAL_NEXT, act_real_next, AKEYS(']'), M_REAL, 0, 0, NULL, NULL, NULL)   \
    X(REAL_ZOOM_IN, act_real_zoom_in, AKEYS('z'), M_REAL, M_REAL, 2, "z Z",   \
      "zoom", NULL)                                                           \
    X(REAL_ZOOM_OUT, act_real_zoom_out, AKEYS('Z'), M_REAL, 0, 0, NULL, NULL, \
      NULL)                                                                   \
    X(REAL_START, act_real_start, AKEYS(K_HOME), M_REAL, 0, 0, NULL, NULL,    \
      NULL)                                                                   \
    X(REAL_END, act_real_end, AKEYS(K_END), M_REAL, 0, 0, NULL, NULL, NULL)   \
    X(REAL_LEFT, act_real_left, AKEYS('<', ','), M_REAL, 0, 0, NULL, NULL,    \
      NULL)                                                                   \
    X(REAL_RIGHT, act_real_right, AKEYS('>', '.'), M_REAL, 0, 0, NULL, NULL,  \
      NULL)                                                                   \
    X(REAL_MORE, act_real_more, AKEYS('+', '='), M_REAL, M_REAL, 3, "+/-",    \
      "runs", NULL)                                                           \
    X(REAL_FEWER, act_real_fewer, AKEYS('-', '_'), M_REAL, 0, 0, NULL, NULL,  \
      NULL)                                                                   \
    X(REAL_WIDEN, act_real_widen, AKEYS('w'), M_REAL, M_REAL, 4, "w",         \
      "widen", NULL)                                                          \
    X(REAL_AGAIN, act_none, AKEYS(0), 0, M_REAL, 5, "r", "run again", NULL)   \
    X(REAL_VIEW, act_none, AKEYS(0), 0, M_REAL, 7, "v", "view", NULL)         \
    /* playing */                                                             \
    X(PLAY, act_play, AKEYS(' '), M_LESSON,                                   \
      M_PLAY, 1, "space", "play",                                             \
      "space        play / pause (stops where the page stops)")               \
    X(STEP_FWD, act_step_forward, AKEYS(K_RIGHT, 'l'), M_LESSON | M_ASK,      \
      M_PLAY, 2, "←→", "step",                                                \
      "→ l  ← h     step one tick forward / back (a wait is one step)")       \
    X(STEP_BACK, act_step_back, AKEYS(K_LEFT, 'h'), M_LESSON | M_ASK,         \
      M_MANUAL, 3, "←", "undo", NULL)                                         \
    X(NEXT_SWITCH, act_next_switch, AKEYS('n'), M_LESSON,                     \
      M_PLAY, 3, "n/N", "switch",                                             \
      "n  N         next / previous switch between tasks")                    \
    X(PREV_SWITCH, act_prev_switch, AKEYS('N'), M_LESSON,                     \
      0, 0, NULL, NULL, NULL)                                                 \
    X(START, act_start, AKEYS(K_HOME), M_LESSON | M_ASK, 0, 0, NULL, NULL,    \
      "Home End + - the start / the end of the run · play faster / "          \
      "slower")                                                               \
    X(END, act_end, AKEYS(K_END), M_LESSON | M_ASK, 0, 0, NULL, NULL, NULL)   \
    X(FASTER, act_faster, AKEYS('+', '='), M_LESSON, 0, 0, NULL, NULL,        \
      NULL)                                    \
    X(SLOWER, act_slower, AKEYS('-', '_'), M_LESSON, 0, 0, NULL, NULL, NULL)  \
    /* pages */                                                               \
    X(PAGES, act_none, AKEYS(0), 0, M_PLAY, 4, "PgDn/PgUp", "page",           \
      "PgDn  PgUp   next / previous page")                                    \
    X(PAGE_NEXT, act_page_next, AKEYS(K_PGDN), M_LESSON | M_ASK,              \
      M_TEXT, 1, "PgDn", "next page", NULL)                                   \
    X(PAGE_PREV, act_page_prev, AKEYS(K_PGUP), M_LESSON | M_ASK,              \
      M_TEXT, 2, "PgUp", "previous", NULL)                                    \
    X(GOTO_PAGE, act_goto_page, AKEYS('g'), M_LESSON, 0, 0, NULL, NULL,      \
      "g  p         go to page N (its number, Enter) / pages open paused")    \
    X(OPEN_PAUSED, act_open_paused, AKEYS('p'), M_LESSON, 0, 0, NULL, NULL,  \
      NULL)                                                                   \
    X(PRESENT, act_present, AKEYS('b'), M_PLAY | M_TEXT | M_OUTCOMES, 0, 0,   \
      NULL, NULL,                                                             \
      "b  w         presenter layout (--present) / the timeline as an SVG")   \
    X(WRITE_SVG, act_write_svg, AKEYS('w'), M_PLAY | M_OUTCOMES, 0, 0, NULL,  \
      NULL, NULL)                                                             \
    /* questions */                                                           \
    X(RUN_OUTCOME, act_run_outcome, AKEYS(K_ENTER), M_OUTCOMES,               \
      M_OUTCOMES, 2, "Enter", "run its schedule", NULL)                       \
    X(ANSWER, act_answer, AKEYS(K_ENTER), M_LESSON, 0, 0, NULL, NULL,         \
      "type Enter   answer the page's question (Esc: later, keys work)")      \
    X(ANSWER_DIGIT, act_answer_digit, AKEYS(AK_DIGIT),                        \
      M_PLAY | M_TEXT | M_OUTCOMES, 0, 0, NULL, NULL, NULL)                   \
    /* manual mode */                                                         \
    X(HAND_BACK, act_manual, AKEYS('m'), M_MANUAL,                            \
      M_MANUAL, 4, "m", "hand back", NULL)                                    \
    X(MANUAL, act_manual, AKEYS('m'), M_LESSON, M_PLAY, 7, "m", "manual",     \
      "m  H         manual: you schedule - 1-9 or a task's letter runs\n"    \
      "its next op; ← undoes; m hands back; H hints on a puzzle")             \
    /* what is looked at */                                                   \
    X(FOCUS_OUTCOMES, act_focus_next, AKEYS(K_TAB), M_OUTCOMES,               \
      M_OUTCOMES, 4, "Tab", "focus", NULL)                                    \
    X(FOCUS_NEXT, act_focus_next, AKEYS(K_TAB), M_LESSON | M_ASK, M_PLAY, 8,  \
      "Tab", "focus",                                                         \
      "Tab          focus: text, timeline, code, log; ↑↓ j k act on it")      \
    X(FOCUS_PREV, act_focus_prev, AKEYS(K_BTAB), M_LESSON | M_ASK,            \
      0, 0, NULL, NULL, NULL)                                                 \
    X(CHOOSE_OUTCOME, act_none, AKEYS(0), 0, M_OUTCOMES, 1, "↑↓",             \
      "choose an outcome", NULL)                                              \
    X(MOVE_UP, act_move_up, AKEYS(K_UP, 'k'), M_LESSON | M_ASK,               \
      M_TEXT, 3, "↑↓", "scroll", NULL)                                        \
    X(MOVE_DOWN, act_move_down, AKEYS(K_DOWN, 'j'), M_LESSON | M_ASK,         \
      0, 0, NULL, NULL, NULL)                                                 \
    X(SCROLL_LEFT, act_scroll_left, AKEYS('<', ','), M_LESSON,                \
      0, 0, NULL, NULL,                                                       \
      "< >  z Z     scroll the timeline / zoom in, out · click: that tick")   \
    X(SCROLL_RIGHT, act_scroll_right, AKEYS('>', '.'), M_LESSON,              \
      0, 0, NULL, NULL, NULL)                                                 \
    X(ZOOM_IN, act_zoom_in, AKEYS('z'), M_LESSON, 0, 0, NULL, NULL, NULL)     \
    X(ZOOM_OUT, act_zoom_out, AKEYS('Z'), M_LESSON, 0, 0, NULL, NULL, NULL)   \
    /* slow work: the explorer and real runs */                               \
    X(EXPLORE, act_explore, AKEYS('e'), M_LESSON, M_OUTCOMES, 3, "e",         \
      "close",                                                                \
      "e  r  R  v   every interleaving / real run (R: + python3) / its view") \
    X(REAL, act_real, AKEYS('r'), M_LESSON, 0, 0, NULL, NULL, NULL)           \
    X(REAL_PYTHON, act_real_python, AKEYS('R'), M_LESSON, 0, 0, NULL, NULL,   \
      NULL)                                                                   \
    X(VIEW, act_view, AKEYS('v'), M_LESSON, 0, 0, NULL, NULL, NULL)           \
    X(BACK, act_back, AKEYS(K_ESC), M_LESSON, 0, 0, NULL, NULL,               \
      "Esc          back to the list of lessons (if you came from it)")       \
    /* everywhere */                                                          \
    X(HELP, act_help, AKEYS('?'), M_ALL, M_ALL, 5, "?", "help",               \
      "?  q         this help / quit")                                        \
    X(QUIT, act_quit, AKEYS('q'), M_ALL, M_ALL, 6, "q", "quit", NULL)         \
    /* a task's key outside manual mode makes the student the scheduler */    \
    X(TAKE_OVER, act_pick_task, AKEYS(AK_TASK), M_PLAY | M_TEXT | M_OUTCOMES, \
      0, 0, NULL, NULL, NULL)                                                 \
    /* a task's letter in lower case, where no other key has it */            \
    X(RUN_TASK_LOWER, act_pick_task_lower, AKEYS(AK_TASK_LOWER), M_MANUAL,    \
      0, 0, NULL, NULL, NULL)

enum app_action {
#define X(id, fn, keys, modes, fmodes, fpos, fkey, fwhat, help) ACT_##id,
    APP_ACTIONS(X)
#undef X
    ACT_COUNT
};

#endif
