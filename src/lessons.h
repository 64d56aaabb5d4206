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

/* name is a path (it has a '/' or ends in .lesson): it is not looked up in
 * the lesson directories, and a missing one is a file that cannot be
 * opened ("FILE: error: cannot open: ..."), as a compiler says it. */
int lessons_is_path(const char *name);
/* Append the error for a name found in no lesson directory, one line that
 * every command prints alike. */
void lessons_missing(const char *name, struct strbuf *out);

/* The *.lesson files of the first lesson directory that has any, sorted by
 * name (that is, in teaching order).  Returns the count; free with
 * lessons_list_free. */
int lessons_list(char ***paths);
void lessons_list_free(char **paths, int n);

#endif
