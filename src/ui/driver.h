/* driver.h - what moves the application: the terminal or a key script.
 *
 * driver_loop() is the TUI's main loop: draw a frame, sleep in poll() until
 * a key arrives or the next frame of playback is due, hand the key or the
 * time to the application.  driver_script() feeds a key script to the same
 * application on a headless screen with a virtual clock, so tests and
 * `taketurns screen` see exactly what a person would, without waiting.
 */
#ifndef TT_UI_DRIVER_H
#define TT_UI_DRIVER_H

#include <stdint.h>
#include <stdio.h>

#include "ui/app.h"
#include "ui/keys.h"

/* Run the real terminal loop until the app quits.  Returns 0, or the
 * signal that stopped it. */
int driver_loop(struct app *a);

/* Virtual time: let the clock run until nothing animates. */
void driver_settle(struct app *a, int64_t *clock_ms);

/* Play a key script headless; <Dump> writes the screen to out.  The app
 * must already be sized (app_resize) like the headless screen. */
void driver_script(struct app *a, const struct key_script *ks,
                   int64_t *clock_ms, FILE *out);

/* Draw a frame and write it to out as text (headless). */
void driver_dump(struct app *a, FILE *out);

#endif
