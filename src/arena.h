/* arena.h - a bump allocator for things that live and die together.
 *
 * A parsed lesson allocates its syntax tree and strings from one arena, so a
 * parse error can unwind (longjmp) without leaking, and freeing a lesson is
 * one call.  Embedded: arena_init / arena_done.
 */
#ifndef TT_ARENA_H
#define TT_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
};

void arena_init(struct arena *a);
void arena_done(struct arena *a);
/* Zeroed memory, aligned for any type; never NULL. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

#endif
