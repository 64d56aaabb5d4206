/* progress.c - the student's progress file (see progress.h). */
#include "ui/progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *progress_key(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* mkdir -p for the directory part of path. */
static int make_dirs(const char *path)
{
    char *copy = xstrdup(path);
    int rc = 0;

    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST)
            rc = -1;
        *p = '/';
    }
    free(copy);
    return rc;
}

static char *state_path(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (xdg && *xdg == '/')
        return xasprintf("%s/taketurns/progress", xdg);
    if (home && *home)
        return xasprintf("%s/.local/state/taketurns/progress", home);
    return NULL;
}

struct progress_lesson *progress_lesson(struct progress *pg, const char *key)
{
    struct progress_lesson *pl;

    for (int i = 0; i < pg->n; i++)
        if (strcmp(pg->lessons[i].key, key) == 0)
            return &pg->lessons[i];
    if (pg->n == pg->cap) {
        size_t cap = (size_t)pg->cap;

        XGROW(pg->lessons, cap, (size_t)pg->n + 1);
        pg->cap = (int)cap;
    }
    pl = &pg->lessons[pg->n++];
    memset(pl, 0, sizeof(*pl));
    pl->key = xstrdup(key);
    return pl;
}

const struct progress_lesson *progress_find(const struct progress *pg,
                                            const char *key)
{
    for (int i = 0; i < pg->n; i++)
        if (strcmp(pg->lessons[i].key, key) == 0)
            return &pg->lessons[i];
    return NULL;
}

static int set_seen(struct progress_lesson *pl, int page)
{
    int w = page / 64;

    if (page < 0 || page > 100000)
        return 0;
    if (w >= pl->nwords) {
        pl->seen = xrealloc(pl->seen, sizeof(uint64_t) * (size_t)(w + 1));
        memset(pl->seen + pl->nwords, 0,
               sizeof(uint64_t) * (size_t)(w + 1 - pl->nwords));
        pl->nwords = w + 1;
    }
    if (pl->seen[w] & (1ull << (page % 64)))
        return 0;
    pl->seen[w] |= 1ull << (page % 64);
    return 1;
}

static int add_answer(struct progress_lesson *pl, int page, int ask, int right)
{
    if (progress_answered(pl, page, ask) >= 0)
        return 0;
    if (pl->nasks == pl->cap_asks) {
        size_t cap = (size_t)pl->cap_asks;

        XGROW(pl->asks, cap, (size_t)pl->nasks + 1);
        pl->cap_asks = (int)cap;
    }
    pl->asks[pl->nasks].page = page;
    pl->asks[pl->nasks].ask = ask;
    pl->asks[pl->nasks].right = right != 0;
    pl->nasks++;
    return 1;
}

static void parse_line(struct progress *pg, char *line)
{
    char *save = NULL, *key = strtok_r(line, " \t\n", &save), *field;
    struct progress_lesson *pl;

    if (!key || *key == '#')
        return;
    pl = progress_lesson(pg, key);
    while ((field = strtok_r(NULL, " \t\n", &save)) != NULL) {
        char *s2 = NULL, *item;

        if (strncmp(field, "seen=", 5) == 0) {
            for (item = strtok_r(field + 5, ",", &s2); item;
                 item = strtok_r(NULL, ",", &s2))
                set_seen(pl, atoi(item));
        } else if (strncmp(field, "asks=", 5) == 0) {
            for (item = strtok_r(field + 5, ",", &s2); item;
                 item = strtok_r(NULL, ",", &s2)) {
                int page, ask, right;

                if (sscanf(item, "%d.%d:%d", &page, &ask, &right) == 3)
                    add_answer(pl, page, ask, right);
            }
        }
    }
}

struct progress *progress_load(void)
{
    struct progress *pg = xcalloc(1, sizeof(*pg));
    FILE *f;
    char line[8192];

    pg->path = state_path();
    if (!pg->path || (f = fopen(pg->path, "r")) == NULL)
        return pg;
    while (fgets(line, sizeof(line), f))
        parse_line(pg, line);
    fclose(f);
    return pg;
}

void progress_save(struct progress *pg)
{
    struct strbuf sb;
    char *tmp;
    FILE *f;

    if (!pg || !pg->dirty || !pg->path)
        return;
    pg->dirty = 0;
    if (make_dirs(pg->path) < 0)
        return;
    sb_init(&sb);
    sb_puts(&sb, "# taketurns progress: pages seen (from 0) and questions "
            "answered (PAGE.ASK:1 if the first answer was right)\n");
    for (int i = 0; i < pg->n; i++) {
        const struct progress_lesson *pl = &pg->lessons[i];
        int first = 1;

        sb_printf(&sb, "%s seen=", pl->key);
        for (int p = 0; p < pl->nwords * 64; p++)
            if (pl->seen[p / 64] & (1ull << (p % 64))) {
                sb_printf(&sb, "%s%d", first ? "" : ",", p);
                first = 0;
            }
        sb_puts(&sb, " asks=");
        for (int k = 0; k < pl->nasks; k++)
            sb_printf(&sb, "%s%d.%d:%d", k ? "," : "", pl->asks[k].page,
                      pl->asks[k].ask, pl->asks[k].right);
        sb_putc(&sb, '\n');
    }
    tmp = xasprintf("%s.%ld.tmp", pg->path, (long)getpid());
    f = fopen(tmp, "w");
    if (f) {
        int ok = fwrite(sb.s, 1, sb.len, f) == sb.len;

        ok &= fclose(f) == 0;
        if (!ok || rename(tmp, pg->path) < 0)
            unlink(tmp);
    }
    free(tmp);
    sb_done(&sb);
}

void progress_free(struct progress *pg)
{
    if (!pg)
        return;
    for (int i = 0; i < pg->n; i++) {
        free(pg->lessons[i].key);
        free(pg->lessons[i].seen);
        free(pg->lessons[i].asks);
    }
    free(pg->lessons);
    free(pg->path);
    free(pg);
}

void progress_see(struct progress *pg, const char *key, int page)
{
    if (set_seen(progress_lesson(pg, key), page))
        pg->dirty = 1;
}

void progress_answer(struct progress *pg, const char *key, int page, int ask,
                     int right)
{
    if (add_answer(progress_lesson(pg, key), page, ask, right))
        pg->dirty = 1;
}

int progress_pages_seen(const struct progress_lesson *pl)
{
    int n = 0;

    for (int w = 0; pl && w < pl->nwords; w++)
        for (uint64_t b = pl->seen[w]; b; b &= b - 1)
            n++;
    return n;
}

int progress_right(const struct progress_lesson *pl)
{
    int n = 0;

    for (int k = 0; pl && k < pl->nasks; k++)
        n += pl->asks[k].right;
    return n;
}

int progress_answered(const struct progress_lesson *pl, int page, int ask)
{
    for (int k = 0; pl && k < pl->nasks; k++)
        if (pl->asks[k].page == page && pl->asks[k].ask == ask)
            return pl->asks[k].right;
    return -1;
}
