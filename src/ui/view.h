/* view.h - drawing the TUI's screens from the application state.
 *
 * view_draw() draws one whole frame on the curses screen (stdscr) without
 * updating the terminal: the caller refreshes once (wnoutrefresh, doupdate)
 * or reads the screen back (draw_dump).  Drawing reads the app and its
 * tapes, and fills in where the lanes are for mouse clicks (app->hits).
 * Its cost depends on the size of the screen, not on the length of the run.
 */
#ifndef TT_UI_VIEW_H
#define TT_UI_VIEW_H

#include "ui/app.h"

enum { VIEW_MIN_WIDTH = 80, VIEW_MIN_HEIGHT = 24 };

void view_draw(struct app *a);
/* Frames drawn so far in this process (for tests: `screen --step` draws
 * one frame, not one a step). */
extern long view_frames;

#endif
