/* progress.h - what a student has done in each lesson, kept between runs.
 *
 * The file is $XDG_STATE_HOME/taketurns/progress (by default
 * ~/.local/state/taketurns/progress), one line per lesson file:
 *
 *     03-race.lesson seen=0,1,2 asks=0.0:1,3.0:0 goals=4:28:1
 *
 * seen lists the pages seen (from 0); asks lists questions answered, as
 * PAGE.ASK:RIGHT where RIGHT is 1 if the first answer was right; goals
 * (written only when there are some) lists the puzzles solved, as
 * PAGE:STEPS:PREEMPTIONS, the best way found (fewest preemptions, then
 * fewest steps).  Lessons
 * are known by file name, so moving the lessons keeps the progress.  A
 * name may hold any byte but NUL: in the file, '%', space, control bytes
 * and DEL are written %XX (two hex digits), so "my race.lesson" is
 * my%20race.lesson.  Lines may be of any length.
 *
 * Loading takes time linear in the file (a hash table of keys).  A line
 * that is not of this form (a comment, junk, a foreign file's lines) is
 * ignored, and dropped from the file when it is next written; the file is
 * written whole to a temporary file and renamed over the old one, so a
 * crash leaves the old file or the new one, never half of one.  A file
 * that cannot be read or written is not an error: progress is a
 * convenience, never a reason to fail.
 */
#ifndef TT_UI_PROGRESS_H
#define TT_UI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress_lesson {
    char *key;          /* the lesson's file name */
    uint64_t *seen;     /* bit set of pages */
    int nwords;
    struct progress_ask {
        int page, ask, right;
    } *asks;            /* sorted by (page, ask), one each */
    int nasks, cap_asks;
    struct progress_goal {
        int page, steps, preempts;
    } *goals;           /* sorted by page, one each: the best way */
    int ngoals, cap_goals;
};

struct progress {
    char *path;         /* NULL: nowhere to keep it */
    struct progress_lesson *lessons;    /* in the order first met */
    int n, cap;
    int *slots;         /* hash table: index into lessons, or -1 */
    size_t nslots;      /* a power of two, at least twice n */
    uint64_t probes;    /* slots looked at, for the tests of scale */
    int dropped;        /* lines of the file not understood */
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
/* Record a puzzle (@goal page) solved in steps turns with preempts
 * preemptions; the best way is kept. */
void progress_solve(struct progress *pg, const char *key, int page,
                    int64_t steps, int preempts);
/* Was the puzzle on page solved?  Then 1, with the best way's numbers. */
int progress_solved(const struct progress_lesson *pl, int page, int *steps,
                    int *preempts);
int progress_pages_seen(const struct progress_lesson *pl);
int progress_right(const struct progress_lesson *pl);
/* The first answer to (page, ask): -1 none, 0 wrong, 1 right. */
int progress_answered(const struct progress_lesson *pl, int page, int ask);

/* Parse the text of a progress file into pg (as progress_load does). */
void progress_parse(struct progress *pg, const char *text, size_t len);

/* The lesson key for a path: its file name. */
const char *progress_key(const char *path);

#endif
