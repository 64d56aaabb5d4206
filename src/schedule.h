/* schedule.h - scripted turns: "AABAB", "A2 B1 A2", "T1*3 main*2".
 *
 * A schedule is a list of (task, count) steps: the task runs for count
 * ticks, one op (or one tick of a longer op) per tick.  Labels are matched
 * longest first; a count follows a label directly, or after '*' when the
 * label itself ends in a digit.  Spaces and commas separate steps.
 */
#ifndef TT_SCHEDULE_H
#define TT_SCHEDULE_H

#include <stdint.h>

#include "util.h"

struct schedule_step {
    int task;
    int64_t count;
};

struct schedule {
    struct schedule_step *steps;
    int nsteps;
    size_t cap;
};

void schedule_init(struct schedule *s);
void schedule_done(struct schedule *s);
/* Append count ticks of task, merging with the last step if it is the same. */
void schedule_add(struct schedule *s, int task, int64_t count);
/* Returns 0, or -1 with *err_off (byte offset into text) and a message. */
int schedule_parse(const char *text, const char *const *labels, int nlabels,
                   struct schedule *out, int *err_off, struct strbuf *err);
/* "A4 B4 A1": the format schedule_parse reads back. */
void schedule_format(const struct schedule *s, const char *const *labels,
                     struct strbuf *out);
int64_t schedule_length(const struct schedule *s);

#endif
