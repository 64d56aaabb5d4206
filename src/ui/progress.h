/* progress.h - what a student has done in each lesson, kept between runs.
 *
 * The file is $XDG_STATE_HOME/taketurns/progress (by default
 * ~/.local/state/taketurns/progress), one line per lesson file:
 *
 *     03-race.lesson seen=0,1,2 asks=0.0:1,3.0:0
 *
 * seen lists the pages seen (from 0); asks lists questions answered, as
 * PAGE.ASK:RIGHT where RIGHT is 1 if the first answer was right.  Lessons
 * are known by file name, so moving the lessons keeps the progress.  A
 * file that cannot be read or written is not an error: progress is a
 * convenience, never a reason to fail.
 */
#ifndef TT_UI_PROGRESS_H
#define TT_UI_PROGRESS_H

#include <stdint.h>

struct progress_lesson {
    char *key;          /* the lesson's file name */
    uint64_t *seen;     /* bit set of pages */
    int nwords;
    struct progress_ask {
        int page, ask, right;
    } *asks;
    int nasks, cap_asks;
};

struct progress {
    char *path;         /* NULL: nowhere to keep it */
    struct progress_lesson *lessons;
    int n, cap;
    int dirty;
};

/* Load the progress file (missing or unreadable: empty). */
struct progress *progress_load(void);
/* Write it back if it changed (quietly does nothing on failure). */
void progress_save(struct progress *pg);
void progress_free(struct progress *pg);

/* The lesson's record, made if needed.  key: its file name. */
struct progress_lesson *progress_lesson(struct progress *pg, const char *key);
/* As above but NULL if there is none. */
const struct progress_lesson *progress_find(const struct progress *pg,
                                            const char *key);
void progress_see(struct progress *pg, const char *key, int page);
/* Record an answer; only the first answer to a question counts. */
void progress_answer(struct progress *pg, const char *key, int page, int ask,
                     int right);
int progress_pages_seen(const struct progress_lesson *pl);
int progress_right(const struct progress_lesson *pl);
/* The first answer to (page, ask): -1 none, 0 wrong, 1 right. */
int progress_answered(const struct progress_lesson *pl, int page, int ask);

/* The lesson key for a path: its file name. */
const char *progress_key(const char *path);

#endif
