/* lessons.h - finding lesson files.
 *
 * A lesson is named by its path, or by a name looked up in the lesson
 * directories: $TAKETURNS_LESSONS (colon-separated), ./lessons, and the
 * installed share directory.  In a directory, "race" finds race.lesson or
 * 03-race.lesson, and "3" finds the lesson numbered 3.
 */
#ifndef TT_LESSONS_H
#define TT_LESSONS_H

#include "util.h"

/* Fill path with the file for name.  Returns 0, or -1 if none is found
 * (then path holds name itself, for the error message). */
int lessons_find(const char *name, struct strbuf *path);

/* The *.lesson files of the first lesson directory that has any, sorted by
 * name (that is, in teaching order).  Returns the count; free with
 * lessons_list_free. */
int lessons_list(char ***paths);
void lessons_list_free(char **paths, int n);

#endif
