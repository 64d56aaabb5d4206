/* membudget.h - one memory budget for a whole command.
 *
 * What grows with a run - a trace and its text, a simulator's checkpoints,
 * the explorer's state tables, real-run records - is counted here in the
 * bytes it really allocates, against one process-wide limit (--max-memory,
 * 1 GiB by default).  Growth asks first: when the budget refuses, the run
 * stops at its next step with a message naming the limit ("the run needs
 * more than 1 GiB of memory (--max-memory)"), the explorer ends incomplete,
 * and real runs keep fewer records - never an out-of-memory kill.  The
 * counter is atomic: the TUI's explorer and real runs grow on threads of
 * their own, and all of them share the one budget.
 *
 * The small, fixed-size things (a lesson, a sim's task table, strings) are
 * not counted: they do not grow with the length of a run.
 */
#ifndef TT_MEMBUDGET_H
#define TT_MEMBUDGET_H

#include <stddef.h>

#include "util.h"

#define MEM_DEFAULT_LIMIT ((size_t)1 << 30)

/* The limit in bytes (0: the default). */
void mem_set_limit(size_t bytes);
size_t mem_limit(void);
/* Bytes counted now, and the most ever counted. */
size_t mem_used(void);
size_t mem_peak(void);

/* Count n more bytes if they fit under the limit: 0, or -1 (nothing
 * counted) if they do not. */
int mem_charge(size_t n);
/* Count n bytes whatever the limit (what a step needs to finish). */
void mem_force(size_t n);
void mem_uncharge(size_t n);

/* As xgrow (util.h), counted: grow *arr of *cap elements of elem bytes to
 * hold need, doubling if the budget allows.  If it does not, grow to
 * exactly need anyway (counted, past the limit) and return -1: the caller
 * finishes its step and stops.  Returns 0 otherwise. */
int mem_grow(void **arr, size_t *cap, size_t need, size_t elem);
#define MEM_GROW(arr, cap, need) \
    ((need) <= (cap) ? 0 : mem_grow((void **)&(arr), &(cap), (need), sizeof(*(arr))))
/* free(p) of a block of n counted bytes. */
void mem_free(void *p, size_t n);

/* Parse "1073741824", "512K", "64M", "1G" (binary units; also KiB, MiB,
 * GiB, and a B at the end): 0, or -1 if it is not a size. */
int mem_parse_size(const char *s, size_t *out);
/* "1 GiB", "64 MiB", "1536 KiB", "1000 bytes": a size for messages. */
void mem_format_size(struct strbuf *sb, size_t bytes);
/* "the run needs more than 1 GiB of memory (--max-memory)", with what in
 * place of "the run". */
void mem_limit_message(struct strbuf *sb, const char *what);

#endif
