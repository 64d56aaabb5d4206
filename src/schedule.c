/* schedule.c - parsing and printing schedule strings. */
#include "schedule.h"

#include <string.h>

void schedule_init(struct schedule *s)
{
    s->steps = NULL;
    s->nsteps = 0;
    s->cap = 0;
}

void schedule_done(struct schedule *s)
{
    free(s->steps);
    schedule_init(s);
}

void schedule_add(struct schedule *s, int task, int64_t count)
{
    if (s->nsteps > 0 && s->steps[s->nsteps - 1].task == task) {
        s->steps[s->nsteps - 1].count += count;
        return;
    }
    XGROW(s->steps, s->cap, (size_t)s->nsteps + 1);
    s->steps[s->nsteps].task = task;
    s->steps[s->nsteps].count = count;
    s->nsteps++;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int schedule_parse(const char *text, const char *const *labels, int nlabels,
                   struct schedule *out, int *err_off, struct strbuf *err)
{
    size_t i = 0;

    schedule_init(out);
    for (;;) {
        int best = -1;
        size_t best_len = 0, start;
        int64_t count = 1;

        while (text[i] == ' ' || text[i] == ',')
            i++;
        if (!text[i])
            break;
        start = i;
        for (int k = 0; k < nlabels; k++) {
            size_t n = strlen(labels[k]);

            if (n > best_len && strncmp(text + i, labels[k], n) == 0) {
                best = k;
                best_len = n;
            }
        }
        if (best < 0) {
            size_t n = 0;

            while (text[i + n] && text[i + n] != ' ' && text[i + n] != ',' &&
                   !is_digit(text[i + n]) && n < 16)
                n++;
            *err_off = (int)i;
            sb_printf(err, "schedule names '%.*s', which is not a task of "
                      "this scene (labels:", (int)(n ? n : 1), text + i);
            for (int k = 0; k < nlabels; k++)
                sb_printf(err, "%s %s", k ? "," : "", labels[k]);
            sb_puts(err, ")");
            schedule_done(out);
            return -1;
        }
        i += best_len;
        if (text[i] == '*' || text[i] == ':') {
            i++;
            if (!is_digit(text[i])) {
                *err_off = (int)i;
                sb_puts(err, "expected a count after '*' in the schedule");
                schedule_done(out);
                return -1;
            }
        }
        if (is_digit(text[i])) {
            count = 0;
            while (is_digit(text[i])) {
                if (count > (INT64_MAX - 9) / 10) {
                    *err_off = (int)start;
                    sb_puts(err, "count too large in the schedule");
                    schedule_done(out);
                    return -1;
                }
                count = count * 10 + (text[i] - '0');
                i++;
            }
            if (count == 0) {
                *err_off = (int)start;
                sb_printf(err, "a step of the schedule runs %s for 0 ticks",
                          labels[best]);
                schedule_done(out);
                return -1;
            }
        }
        schedule_add(out, best, count);
    }
    if (out->nsteps == 0) {
        *err_off = 0;
        sb_puts(err, "the schedule is empty");
        return -1;
    }
    return 0;
}

void schedule_format(const struct schedule *s, const char *const *labels,
                     struct strbuf *out)
{
    for (int i = 0; i < s->nsteps; i++) {
        const char *l = labels[s->steps[i].task];
        size_t n = strlen(l);

        if (i)
            sb_putc(out, ' ');
        sb_printf(out, "%s%s%lld", l, n && is_digit(l[n - 1]) ? "*" : "",
                  (long long)s->steps[i].count);
    }
}

int64_t schedule_length(const struct schedule *s)
{
    int64_t n = 0;

    for (int i = 0; i < s->nsteps; i++)
        n += s->steps[i].count;
    return n;
}
