/* lesson.c - a lesson's lifetime and its name look-ups.
 *
 * The parser fills a struct lesson and the compiler reads it; both find
 * module names (variables, locks, functions) and scenes here, through one
 * hash index kept beside the arrays, so look-ups cost the same however
 * large the lesson (parsing stays linear in the file).  lesson_free is
 * here too, so parse.c and compile.c no longer call into each other for
 * it.
 */
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "program.h"
#include "util.h"

static uint64_t hash_name(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Slots looked at on this thread (each thread loads its own lessons). */
static _Thread_local uint64_t probes;

uint64_t lesson_probes(void)
{
    return probes;
}

void lesson_probes_add(uint64_t n)
{
    probes += n;
}

static const char *entry_name(const struct lesson *L, int kind, int index)
{
    switch (kind) {
    case LESSON_NAME_SHARED: return L->shared[index].name;
    case LESSON_NAME_LOCK: return L->locks[index].name;
    case LESSON_NAME_FUNC: return L->funcs[index].name;
    case LESSON_NAME_LIST: return L->lists[index].name;
    default: return L->scenes[index].name;
    }
}

/* The slot holding name in the table for kind's namespace (scenes have
 * their own), or the empty slot where it would go. */
static struct lesson_name *slot_of(const struct lesson *L, const char *name,
                                   int scene_space)
{
    const struct lesson_names *t = &L->names;
    size_t mask = t->cap - 1, i = (size_t)hash_name(name) & mask;

    for (;; i = (i + 1) & mask) {
        struct lesson_name *e = &t->slots[i];

        probes++;
        if (!e->kind)
            return e;
        if ((e->kind == LESSON_NAME_SCENE) == scene_space &&
            strcmp(entry_name(L, e->kind, e->index), name) == 0)
            return e;
    }
}

int lesson_name_lookup(const struct lesson *L, const char *name, int *index)
{
    const struct lesson_name *e;

    if (!L->names.cap)
        return LESSON_NAME_NONE;
    e = slot_of(L, name, 0);
    if (e->kind && index)
        *index = e->index;
    return e->kind;
}

void lesson_name_add(struct lesson *L, int kind, int index)
{
    struct lesson_names *t = &L->names;
    struct lesson_name *e;

    if ((t->used + 1) * 2 > t->cap) {
        struct lesson_names old = *t;

        t->cap = old.cap ? old.cap * 2 : 64;
        t->slots = xcalloc(t->cap, sizeof(*t->slots));
        t->used = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].kind) {
                const char *n = entry_name(L, old.slots[i].kind,
                                           old.slots[i].index);

                *slot_of(L, n, old.slots[i].kind == LESSON_NAME_SCENE) =
                    old.slots[i];
                t->used++;
            }
        free(old.slots);
    }
    e = slot_of(L, entry_name(L, kind, index), kind == LESSON_NAME_SCENE);
    if (!e->kind)
        t->used++;
    e->kind = (uint8_t)kind;
    e->index = index;
}

static int find(const struct lesson *L, const char *name, int kind)
{
    const struct lesson_name *e;

    if (!L->names.cap)
        return -1;
    e = slot_of(L, name, kind == LESSON_NAME_SCENE);
    return e->kind == kind ? e->index : -1;
}

int lesson_find_scene(const struct lesson *L, const char *name)
{
    return find(L, name, LESSON_NAME_SCENE);
}

int lesson_find_func(const struct lesson *L, const char *name)
{
    return find(L, name, LESSON_NAME_FUNC);
}

int lesson_find_shared(const struct lesson *L, const char *name)
{
    return find(L, name, LESSON_NAME_SHARED);
}

int lesson_find_lock(const struct lesson *L, const char *name)
{
    return find(L, name, LESSON_NAME_LOCK);
}

int lesson_find_list(const struct lesson *L, const char *name)
{
    return find(L, name, LESSON_NAME_LIST);
}

void lesson_free(struct lesson *L)
{
    if (!L)
        return;
    program_free(L->prog);
    free(L->names.slots);
    arena_done(&L->arena);
    source_free(L->src);
    free(L);
}

void lesson_scale_text(struct strbuf *out, int n)
{
    sb_puts(out, "lesson \"scale\"\n\n");
    for (int i = 0; i < n; i++)
        sb_printf(out, "v%d = %d\n", i, i);
    for (int i = 0; i < n; i++) {
        sb_printf(out, "\ndef f%d():\n    global v%d\n    v%d = v%d + %d\n",
                  i, i, i, i, n + i);
        if (i > 0)
            sb_printf(out, "    f%d()\n", i - 1);
    }
    /* one function that declares every variable global, one that reads
     * a quarter of them (eight a line: the code stays under its limit) */
    sb_puts(out, "\ndef g():\n");
    for (int i = 0; i < n; i++)
        sb_printf(out, "    global v%d\n", i);
    sb_puts(out, "    v0 = 1\n\ndef h():\n    print(v0)\n");
    for (int i = 0; i + 8 <= n / 4; i += 8) {
        sb_puts(out, "    print(");
        for (int k = 0; k < 8; k++)
            sb_printf(out, "%sv%d", k ? ", " : "", i + k);
        sb_puts(out, ")\n");
    }
    sb_puts(out, "\nscene s:\n    mode threads\n    run f0() as A\n");
}
