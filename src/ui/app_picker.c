/* app_picker.c - the list of lessons, with the student's progress; Enter
 * opens one where the student left off. */
#include "ui/app_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "lessons.h"

void app_free_entries(struct app *a)
{
    for (int i = 0; i < a->nentries; i++) {
        free(a->entries[i].path);
        free(a->entries[i].title);
        free(a->entries[i].about);
        free(a->entries[i].error);
    }
    free(a->entries);
    a->entries = NULL;
    a->nentries = 0;
}

void app_picker(struct app *a, char **paths, int n)
{
    app_free_entries(a);
    a->entries = xcalloc((size_t)(n ? n : 1), sizeof(*a->entries));
    a->nentries = n;
    for (int i = 0; i < n; i++) {
        struct picker_entry *e = &a->entries[i];
        const char *base = progress_key(paths[i]);
        struct diag d;
        struct lesson *L;

        e->path = xstrdup(paths[i]);
        e->number = isdigit((unsigned char)base[0]) ? atoi(base) : -1;
        /* A lesson placed between two others has a letter after its
         * number ("04a-start-signals"): shown as 4a. */
        if (e->number >= 0) {
            size_t k = strspn(base, "0123456789"), m = 0;

            while (m + 1 < sizeof(e->tag) && islower((unsigned char)base[k + m]))
                m++;
            if (base[k + m] == '-')
                memcpy(e->tag, base + k, m);
        }
        diag_init(&d);
        L = lesson_load(paths[i], &d);
        if (L) {
            e->title = xstrdup(L->title);
            e->about = L->about ? xstrdup(L->about) : NULL;
            e->npages = L->npages;
            for (int p = 0; p < L->npages; p++) {
                for (int k = 0; k < L->pages[p].ndirs; k++)
                    e->nasks += L->pages[p].dirs[k].kind == DIR_ASK;
                e->ngoals += L->pages[p].goal != NULL;
            }
            lesson_free(L);
        } else {
            const char *s = d.text.s ? d.text.s : "cannot be read";

            e->title = xstrdup(base);
            e->error = xstrndup(s, strcspn(s, "\n"));
        }
        diag_done(&d);
    }
    a->pick = 0;
    a->pick_top = 0;
    a->from_picker = 1;
    a->screen = SCREEN_PICKER;
}

void app_picker_select(struct app *a, const char *key)
{
    for (int i = 0; key && i < a->nentries; i++)
        if (strcmp(progress_key(a->entries[i].path), key) == 0)
            a->pick = i;
}

static void picker_open(struct app *a)
{
    struct picker_entry *e;
    const struct progress_lesson *pl;
    struct strbuf err;
    int page = 0;

    if (a->nentries == 0)
        return;
    e = &a->entries[a->pick];
    if (e->error) {
        app_complain(a, "%s", e->error);
        return;
    }
    /* Go on where the student left off: the first page not seen yet. */
    pl = progress_find(a->progress, progress_key(e->path));
    if (pl && progress_pages_seen(pl) < e->npages)
        while (page < e->npages && page / 64 < pl->nwords &&
               (pl->seen[page / 64] & (1ull << (page % 64))))
            page++;
    if (page >= e->npages)
        page = 0;
    sb_init(&err);
    if (app_open(a, e->path, page, &err) < 0)
        app_complain(a, "%.*s", (int)strcspn(err.s, "\n"), err.s);
    sb_done(&err);
}

int act_picker_up(struct app *a, int key)
{
    (void)key;
    if (a->pick > 0)
        a->pick--;
    return 1;
}

int act_picker_down(struct app *a, int key)
{
    (void)key;
    if (a->pick + 1 < a->nentries)
        a->pick++;
    return 1;
}

int act_picker_first(struct app *a, int key)
{
    (void)key;
    a->pick = 0;
    return 1;
}

int act_picker_last(struct app *a, int key)
{
    (void)key;
    a->pick = a->nentries > 0 ? a->nentries - 1 : 0;
    return 1;
}

int act_picker_open(struct app *a, int key)
{
    (void)key;
    picker_open(a);
    return 1;
}

/* A digit opens the lesson of that number. */
int act_picker_number(struct app *a, int key)
{
    for (int i = 0; i < a->nentries; i++)
        if (a->entries[i].number == key - '0') {
            a->pick = i;
            picker_open(a);
            return 1;
        }
    return 1;
}

int app_start(struct app *a, const char *lesson, int page, const char *last,
              struct strbuf *err)
{
    struct strbuf path;
    char **paths;
    int n, rc = 0;

    if (!lesson) {
        n = lessons_list(&paths);
        app_picker(a, paths, n);
        if (last)
            app_picker_select(a, last);
        lessons_list_free(paths, n);
        return 0;
    }
    sb_init(&path);
    if (lessons_find(lesson, &path) < 0 && !lessons_is_path(lesson)) {
        lessons_missing(lesson, err);
        rc = -1;
    } else if (app_open(a, path.s, page, err) < 0) {
        rc = -1;
    }
    sb_done(&path);
    return rc;
}
