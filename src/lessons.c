/* lessons.c - lesson lookup by path, name or number. */
#include "lessons.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef TT_SHAREDIR
#define TT_SHAREDIR "/usr/local/share/taketurns"
#endif

static int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Something is there (a FIFO or a device too: loading it says what it is
 * instead of "no lesson"), and it is not a directory. */
static int exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int is_lesson_file(const char *name)
{
    size_t n = strlen(name);

    return n > 7 && strcmp(name + n - 7, ".lesson") == 0 && name[0] != '.';
}

/* "03-race.lesson" matches "race", "03-race", "3" and "03"; a lesson
 * placed between two others, "04a-start-signals.lesson", matches
 * "start-signals", "4a" and "04a" ("4" is 04-whatever's). */
static int matches(const char *file, const char *name)
{
    size_t n = strlen(file) - 7, k = 0, j;
    char *end;
    long num;

    if (strlen(name) == n && strncmp(file, name, n) == 0)
        return 1;
    while (k < n && file[k] >= '0' && file[k] <= '9')
        k++;
    if (k == 0)
        return 0;
    j = k;
    while (j < n && file[j] >= 'a' && file[j] <= 'z')
        j++;
    if (j < n && file[j] != '-')
        j = k;                  /* "07abc.lesson": no letter tag */
    if (file[j] == '-' && strlen(name) == n - j - 1 &&
        strncmp(file + j + 1, name, n - j - 1) == 0)
        return 1;
    num = strtol(name, &end, 10);
    return *name && end != name && num == strtol(file, NULL, 10) &&
           strlen(end) == j - k && strncmp(end, file + k, j - k) == 0;
}

/* The lesson directories, in search order; returns the count. */
static int dirs(char **out, int max, char **owned)
{
    int n = 0;
    const char *env = getenv("TAKETURNS_LESSONS");

    *owned = NULL;
    if (env && *env) {
        char *copy = xstrdup(env), *save = NULL;

        *owned = copy;
        for (char *d = strtok_r(copy, ":", &save); d && n < max - 2;
             d = strtok_r(NULL, ":", &save))
            out[n++] = d;
    }
    out[n++] = "lessons";
    out[n++] = TT_SHAREDIR "/lessons";
    return n;
}

static int find_in(const char *dir, const char *name, struct strbuf *path)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *best = NULL;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (!is_lesson_file(e->d_name) || !matches(e->d_name, name))
            continue;
        /* Several matches (unlikely): the first by name wins. */
        if (!best || strcmp(e->d_name, best) < 0) {
            free(best);
            best = xstrdup(e->d_name);
        }
    }
    closedir(d);
    if (!best)
        return -1;
    sb_clear(path);
    sb_printf(path, "%s/%s", dir, best);
    free(best);
    return 0;
}

int lessons_find(const char *name, struct strbuf *path)
{
    char *list[16], *owned;
    int n;

    sb_clear(path);
    sb_puts(path, name);
    if (is_file(name) || strchr(name, '/'))
        return exists(name) ? 0 : -1;
    if (exists(name) && strlen(name) > 7 &&
        strcmp(name + strlen(name) - 7, ".lesson") == 0)
        return 0;
    n = dirs(list, 16, &owned);
    for (int i = 0; i < n; i++)
        if (find_in(list[i], name, path) == 0) {
            free(owned);
            return 0;
        }
    free(owned);
    sb_clear(path);
    sb_puts(path, name);
    return -1;
}

int lessons_is_path(const char *name)
{
    size_t n = strlen(name);

    return strchr(name, '/') || (n > 7 && strcmp(name + n - 7, ".lesson") == 0);
}

void lessons_missing(const char *name, struct strbuf *out)
{
    sb_printf(out, "taketurns: error: no lesson '%s' (looked in "
              "$TAKETURNS_LESSONS, ./lessons and the installed lessons)\n",
              name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lessons_list(char ***paths)
{
    char *list[16], *owned;
    int n = dirs(list, 16, &owned);

    *paths = NULL;
    for (int i = 0; i < n; i++) {
        DIR *d = opendir(list[i]);
        struct dirent *e;
        char **out = NULL;
        size_t cap = 0;
        int count = 0;

        if (!d)
            continue;
        while ((e = readdir(d)) != NULL) {
            if (!is_lesson_file(e->d_name))
                continue;
            XGROW(out, cap, (size_t)count + 1);
            out[count++] = xasprintf("%s/%s", list[i], e->d_name);
        }
        closedir(d);
        if (count > 0) {
            qsort(out, (size_t)count, sizeof(*out), by_name);
            *paths = out;
            free(owned);
            return count;
        }
        free(out);
    }
    free(owned);
    return 0;
}

void lessons_list_free(char **paths, int n)
{
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
