/* spawn.h - lanes for the threads a scene's code starts (threading.Thread).
 */
#ifndef TT_SPAWN_H
#define TT_SPAWN_H

#include "diag.h"
#include "lesson.h"

/* Give every scene of L a task for each thread its code starts (found by
 * running it once), after its run lines' tasks.  Returns 0, or -1 with an
 * error reported to d (a thread in a mode without threads, two tasks of one
 * name). */
int spawn_add_tasks(struct lesson *L, struct diag *d);

#endif
