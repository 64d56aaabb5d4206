/* progress.c - the student's progress file (see progress.h). */
#include "ui/progress.h"

#include <errno.h>
#include <fcntl.h>
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

/* ---- the table of lessons ---------------------------------------------- */

/* FNV-1a: keys are short file names, and any byte may occur. */
static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ull;

    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

/* The slot that holds key, or the empty slot where it would go. */
static size_t find_slot(const struct progress *pg, const char *key,
                        uint64_t *probes)
{
    size_t mask = pg->nslots - 1, i = (size_t)hash_key(key) & mask;

    for (;;) {
        int k = pg->slots[i];

        ++*probes;
        if (k < 0 || strcmp(pg->lessons[k].key, key) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

static void rehash(struct progress *pg)
{
    size_t n = pg->nslots ? pg->nslots * 2 : 64;

    free(pg->slots);
    pg->slots = xmalloc(n * sizeof(*pg->slots));
    pg->nslots = n;
    for (size_t i = 0; i < n; i++)
        pg->slots[i] = -1;
    for (int k = 0; k < pg->n; k++)
        pg->slots[find_slot(pg, pg->lessons[k].key, &pg->probes)] = k;
}

struct progress_lesson *progress_lesson(struct progress *pg, const char *key)
{
    struct progress_lesson *pl;
    size_t slot;

    if ((size_t)pg->n + 1 > pg->nslots / 2)
        rehash(pg);
    slot = find_slot(pg, key, &pg->probes);
    if (pg->slots[slot] >= 0)
        return &pg->lessons[pg->slots[slot]];
    if (pg->n == pg->cap) {
        size_t cap = (size_t)pg->cap;

        XGROW(pg->lessons, cap, (size_t)pg->n + 1);
        pg->cap = (int)cap;
    }
    pg->slots[slot] = pg->n;
    pl = &pg->lessons[pg->n++];
    memset(pl, 0, sizeof(*pl));
    pl->key = xstrdup(key);
    return pl;
}

const struct progress_lesson *progress_find(const struct progress *pg,
                                            const char *key)
{
    uint64_t probes = 0;
    size_t slot;

    if (pg->n == 0)
        return NULL;
    slot = find_slot(pg, key, &probes);
    return pg->slots[slot] >= 0 ? &pg->lessons[pg->slots[slot]] : NULL;
}

/* ---- pages and answers -------------------------------------------------- */

enum { MAX_PAGE = 100000, MAX_NUM = 999999999 };

static int set_seen(struct progress_lesson *pl, int page)
{
    int w = page / 64;

    if (page < 0 || page > MAX_PAGE)
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

/* Where (page, ask) is or would go in the sorted answers. */
static int ask_pos(const struct progress_lesson *pl, int page, int ask)
{
    int lo = 0, hi = pl->nasks;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        const struct progress_ask *q = &pl->asks[mid];

        if (q->page < page || (q->page == page && q->ask < ask))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int add_answer(struct progress_lesson *pl, int page, int ask, int right)
{
    int at = ask_pos(pl, page, ask);

    if (at < pl->nasks && pl->asks[at].page == page && pl->asks[at].ask == ask)
        return 0;
    if (pl->nasks == pl->cap_asks) {
        size_t cap = (size_t)pl->cap_asks;

        XGROW(pl->asks, cap, (size_t)pl->nasks + 1);
        pl->cap_asks = (int)cap;
    }
    memmove(pl->asks + at + 1, pl->asks + at,
            sizeof(*pl->asks) * (size_t)(pl->nasks - at));
    pl->asks[at].page = page;
    pl->asks[at].ask = ask;
    pl->asks[at].right = right != 0;
    pl->nasks++;
    return 1;
}

/* Is way a better than way b to solve the same puzzle? */
static int better_goal(const struct progress_goal *a,
                       const struct progress_goal *b)
{
    return a->preempts < b->preempts ||
           (a->preempts == b->preempts && a->steps < b->steps);
}

static int goal_order(const void *x, const void *y)
{
    const struct progress_goal *a = x, *b = y;

    if (a->page != b->page)
        return a->page < b->page ? -1 : 1;
    return better_goal(a, b) ? -1 : better_goal(b, a) ? 1 : 0;
}

/* Sort the puzzles solved by page and keep the best way of each. */
static void tidy_goals(struct progress_lesson *pl)
{
    int k = 0;

    qsort(pl->goals, (size_t)pl->ngoals, sizeof(*pl->goals), goal_order);
    for (int i = 0; i < pl->ngoals; i++)
        if (k == 0 || pl->goals[i].page != pl->goals[k - 1].page)
            pl->goals[k++] = pl->goals[i];
    pl->ngoals = k;
}

static void push_goal(struct progress_lesson *pl, int page, int steps,
                      int preempts)
{
    size_t cap = (size_t)pl->cap_goals;

    XGROW(pl->goals, cap, (size_t)pl->ngoals + 1);
    pl->cap_goals = (int)cap;
    pl->goals[pl->ngoals].page = page;
    pl->goals[pl->ngoals].steps = steps;
    pl->goals[pl->ngoals].preempts = preempts;
    pl->ngoals++;
}

/* ---- the file ------------------------------------------------------------- */

/* Bytes written as %XX in a key: the separators, '%' itself, and what
 * would garble a line or a terminal. */
static int must_escape(unsigned char c)
{
    return c <= 0x20 || c == 0x7F || c == '%';
}

static void put_key(struct strbuf *sb, const char *key)
{
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (must_escape(*p))
            sb_printf(sb, "%%%02X", *p);
        else
            sb_putc(sb, (char)*p);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode s[0..n) into out; -1 if it is not a key as put_key writes one. */
static int get_key(const char *s, size_t n, struct strbuf *out)
{
    sb_clear(out);
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            sb_putc(out, (char)(hi * 16 + lo));
            i += 2;
        } else if (must_escape(c)) {
            return -1;
        } else {
            sb_putc(out, (char)c);
        }
    }
    return 0;
}

/* A whole non-negative decimal number of at most 9 digits from *s, which
 * moves past it; -1 if there is none. */
static int get_num(const char **s, const char *end)
{
    int v = 0, digits = 0;

    while (*s < end && **s >= '0' && **s <= '9' && digits < 10) {
        v = v * 10 + (**s - '0');
        ++*s;
        digits++;
    }
    return digits == 0 || digits > 9 ? -1 : v;
}

struct pending_ask {
    int page, ask, right, order;
};

static int by_ask(const void *a, const void *b)
{
    const struct pending_ask *x = a, *y = b;

    if (x->page != y->page)
        return x->page < y->page ? -1 : 1;
    if (x->ask != y->ask)
        return x->ask < y->ask ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* Check the fields of one line, s[0..n) after its key; fill seen and asks.
 * Returns -1 if the line is not understood (then nothing is kept). */
static int parse_fields(const char *s, const char *end, struct strbuf *seen,
                        struct pending_ask **asks, size_t *nasks, size_t *cap,
                        struct progress_lesson *goals)
{
    int had_seen = 0, had_asks = 0, had_goals = 0;

    sb_clear(seen);
    *nasks = 0;
    goals->ngoals = 0;
    while (s < end) {
        if (*s != ' ')
            return -1;
        s++;
        if (end - s >= 5 && memcmp(s, "seen=", 5) == 0 && !had_seen) {
            had_seen = 1;
            s += 5;
            while (s < end && *s != ' ') {
                int page = get_num(&s, end);

                if (page < 0 || page > MAX_PAGE)
                    return -1;
                sb_add(seen, (const char *)&page, sizeof(page));
                if (s < end && *s == ',' && s + 1 < end && s[1] != ' ')
                    s++;
                else if (s < end && *s != ' ')
                    return -1;
            }
        } else if (end - s >= 5 && memcmp(s, "asks=", 5) == 0 && !had_asks) {
            had_asks = 1;
            s += 5;
            while (s < end && *s != ' ') {
                struct pending_ask q;

                q.page = get_num(&s, end);
                if (q.page < 0 || s >= end || *s++ != '.')
                    return -1;
                q.ask = get_num(&s, end);
                if (q.ask < 0 || s >= end || *s++ != ':')
                    return -1;
                q.right = get_num(&s, end);
                if (q.right < 0 || q.right > 1)
                    return -1;
                q.order = (int)*nasks;
                XGROW(*asks, *cap, *nasks + 1);
                (*asks)[(*nasks)++] = q;
                if (s < end && *s == ',' && s + 1 < end && s[1] != ' ')
                    s++;
                else if (s < end && *s != ' ')
                    return -1;
            }
        } else if (end - s >= 6 && memcmp(s, "goals=", 6) == 0 &&
                   !had_goals) {
            had_goals = 1;
            s += 6;
            while (s < end && *s != ' ') {
                int page = get_num(&s, end), steps, preempts;

                if (page < 0 || page > MAX_PAGE || s >= end || *s++ != ':')
                    return -1;
                steps = get_num(&s, end);
                if (steps < 0 || s >= end || *s++ != ':')
                    return -1;
                preempts = get_num(&s, end);
                if (preempts < 0)
                    return -1;
                push_goal(goals, page, steps, preempts);
                if (s < end && *s == ',' && s + 1 < end && s[1] != ' ')
                    s++;
                else if (s < end && *s != ' ')
                    return -1;
            }
        } else {
            return -1;
        }
    }
    return had_seen && had_asks ? 0 : -1;
}

/* Merge the answers of one line: sorted, the first of each (page, ask)
 * wins, then merged with what the lesson already has. */
static void merge_asks(struct progress_lesson *pl, struct pending_ask *q,
                       size_t n)
{
    struct progress_ask *out;
    size_t k = 0, i = 0, j = 0, cap;

    qsort(q, n, sizeof(*q), by_ask);
    for (size_t m = 0; m < n; m++)
        if (k == 0 || q[m].page != q[k - 1].page || q[m].ask != q[k - 1].ask)
            q[k++] = q[m];
    cap = (size_t)pl->nasks + k;
    out = xmalloc(sizeof(*out) * (cap ? cap : 1));
    n = 0;
    while (i < (size_t)pl->nasks || j < k) {
        const struct progress_ask *a = i < (size_t)pl->nasks ? &pl->asks[i] : NULL;
        const struct pending_ask *b = j < k ? &q[j] : NULL;

        if (a && (!b || a->page < b->page ||
                  (a->page == b->page && a->ask <= b->ask))) {
            if (b && a->page == b->page && a->ask == b->ask)
                j++;    /* already known: the earlier answer stays */
            out[n++] = *a;
            i++;
        } else {
            out[n].page = b->page;
            out[n].ask = b->ask;
            out[n].right = b->right;
            n++;
            j++;
        }
    }
    free(pl->asks);
    pl->asks = out;
    pl->nasks = (int)n;
    pl->cap_asks = (int)cap;
}

void progress_parse(struct progress *pg, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    struct strbuf key, seen;
    struct pending_ask *asks = NULL;
    struct progress_lesson goals;   /* the line's puzzles solved */
    size_t cap = 0, nasks;

    memset(&goals, 0, sizeof(goals));
    sb_init(&key);
    sb_init(&seen);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end, *sp;
        struct progress_lesson *pl;

        sp = memchr(p, ' ', (size_t)(eol - p));
        if (!sp)
            sp = eol;
        if (*p == '#' && p < eol) {
            /* the header comment: written again on save */
        } else if (p == eol) {
            /* a blank line */
        } else if (get_key(p, (size_t)(sp - p), &key) < 0 ||
                   parse_fields(sp, eol, &seen, &asks, &nasks, &cap,
                                &goals) < 0) {
            pg->dropped++;
        } else {
            pl = progress_lesson(pg, key.s);
            for (size_t i = 0; i + sizeof(int) <= seen.len; i += sizeof(int)) {
                int page;

                memcpy(&page, seen.s + i, sizeof(page));
                set_seen(pl, page);
            }
            if (nasks)
                merge_asks(pl, asks, nasks);
            for (int i = 0; i < goals.ngoals; i++)
                push_goal(pl, goals.goals[i].page, goals.goals[i].steps,
                          goals.goals[i].preempts);
            if (goals.ngoals)
                tidy_goals(pl);
        }
        p = nl ? nl + 1 : end;
    }
    free(asks);
    free(goals.goals);
    sb_done(&key);
    sb_done(&seen);
    if (pg->dropped)
        pg->dirty = 1;  /* the next save leaves the junk out */
}

struct progress *progress_load(void)
{
    struct progress *pg = xcalloc(1, sizeof(*pg));
    struct strbuf sb;
    char buf[65536];
    size_t n;
    FILE *f;

    pg->path = state_path();
    if (!pg->path || (f = fopen(pg->path, "r")) == NULL)
        return pg;
    sb_init(&sb);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    progress_parse(pg, sb.s ? sb.s : "", sb.len);
    sb_done(&sb);
    return pg;
}

/* Write the whole file to a new temporary file, then rename it over the
 * old one: readers see the old file or the new, never a torn one. */
void progress_save(struct progress *pg)
{
    struct strbuf sb;
    char *tmp;
    int fd;

    if (!pg || !pg->dirty || !pg->path)
        return;
    pg->dirty = 0;
    if (make_dirs(pg->path) < 0)
        return;
    sb_init(&sb);
    sb_puts(&sb, "# taketurns progress: pages seen (from 0), questions "
            "answered (PAGE.ASK:1 if the first answer was right) and "
            "puzzles solved (PAGE:STEPS:PREEMPTIONS)\n");
    for (int i = 0; i < pg->n; i++) {
        const struct progress_lesson *pl = &pg->lessons[i];
        int first = 1;

        put_key(&sb, pl->key);
        sb_puts(&sb, " seen=");
        for (int p = 0; p < pl->nwords * 64; p++)
            if (pl->seen[p / 64] & (1ull << (p % 64))) {
                sb_printf(&sb, "%s%d", first ? "" : ",", p);
                first = 0;
            }
        sb_puts(&sb, " asks=");
        for (int k = 0; k < pl->nasks; k++)
            sb_printf(&sb, "%s%d.%d:%d", k ? "," : "", pl->asks[k].page,
                      pl->asks[k].ask, pl->asks[k].right);
        if (pl->ngoals)
            sb_puts(&sb, " goals=");
        for (int k = 0; k < pl->ngoals; k++)
            sb_printf(&sb, "%s%d:%d:%d", k ? "," : "", pl->goals[k].page,
                      pl->goals[k].steps, pl->goals[k].preempts);
        sb_putc(&sb, '\n');
    }
    tmp = xasprintf("%s.%ld.tmp", pg->path, (long)getpid());
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t off = 0;
        int ok = 1;

        while (ok && off < sb.len) {
            ssize_t w = write(fd, sb.s + off, sb.len - off);

            if (w < 0 && errno == EINTR)
                continue;
            ok = w > 0;
            off += ok ? (size_t)w : 0;
        }
        ok &= fsync(fd) == 0;
        ok &= close(fd) == 0;
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
        free(pg->lessons[i].goals);
    }
    free(pg->lessons);
    free(pg->slots);
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

void progress_solve(struct progress *pg, const char *key, int page,
                    int64_t steps, int preempts)
{
    struct progress_lesson *pl = progress_lesson(pg, key);
    struct progress_goal way = {page, steps > MAX_NUM ? MAX_NUM : (int)steps,
                                preempts > MAX_NUM ? MAX_NUM : preempts};
    int s, p;

    if (page < 0 || page > MAX_PAGE || steps < 0 || preempts < 0)
        return;
    if (progress_solved(pl, page, &s, &p)) {
        struct progress_goal old = {page, s, p};

        if (!better_goal(&way, &old))
            return;
    }
    push_goal(pl, way.page, way.steps, way.preempts);
    tidy_goals(pl);
    pg->dirty = 1;
}

int progress_solved(const struct progress_lesson *pl, int page, int *steps,
                    int *preempts)
{
    int lo = 0, hi = pl ? pl->ngoals : 0;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;

        if (pl->goals[mid].page < page)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!pl || lo >= pl->ngoals || pl->goals[lo].page != page)
        return 0;
    *steps = pl->goals[lo].steps;
    *preempts = pl->goals[lo].preempts;
    return 1;
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
    int at;

    if (!pl)
        return -1;
    at = ask_pos(pl, page, ask);
    if (at < pl->nasks && pl->asks[at].page == page && pl->asks[at].ask == ask)
        return pl->asks[at].right;
    return -1;
}
