/* cmd_dis.c - `taketurns dis`: the bytecode of every function of a lesson,
 * listed as `python3.13 -m dis` lists it (the exception-handler blocks,
 * which only run on an exception, aside).
 *
 * Text: one block per function, a line number where a new source line
 * starts, labels (L1, L2, ...) where dis puts them, the op and its argument.
 * JSON: {"python": "3.13", "functions": [{"name", "line", "ops": [{"line",
 * "op", "arg"}]}]}, arg as dis shows it ("x", "range + NULL", "to L2").
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "program.h"

static void dis_text(const struct program *P, struct strbuf *out)
{
    struct strbuf arg;

    sb_init(&arg);
    for (int f = 0; f < P->nfuncs; f++) {
        const struct func *fn = &P->funcs[f];
        int last_line = -2;

        if (f)
            sb_putc(out, '\n');
        sb_printf(out, "Disassembly of %s%s (line %d):\n",
                  fn->is_async ? "async def " : "def ", fn->name, fn->line);
        for (uint32_t i = 0; i < fn->ncode; i++) {
            uint32_t pc = fn->code_start + i;
            int line = P->pos[pc].line;
            char lbl[16] = "";

            if (line != last_line && i > 0)
                sb_putc(out, '\n');
            if (line != last_line)
                sb_printf(out, "%4s", "");
            if (line != last_line) {
                out->len -= 4;
                if (line < 0)
                    sb_printf(out, "%4s", "--");
                else
                    sb_printf(out, "%4d", line);
            } else {
                sb_printf(out, "%4s", "");
            }
            last_line = line;
            if (P->label[pc])
                snprintf(lbl, sizeof(lbl), "L%u:", (unsigned)P->label[pc]);
            sb_printf(out, "   %5s  %-26s", lbl, op_info[P->code[pc].op].name);
            sb_clear(&arg);
            program_format_arg(P, pc, &arg);
            if (arg.len)
                sb_puts(out, arg.s);
            while (out->len && out->s[out->len - 1] == ' ')
                out->s[--out->len] = '\0';
            sb_putc(out, '\n');
        }
    }
    sb_done(&arg);
}

static void dis_json(const struct program *P, struct strbuf *out)
{
    struct json j;
    struct strbuf arg;

    sb_init(&arg);
    json_init(&j, out, 1);
    json_object(&j, NULL);
    json_str(&j, "python", "3.13");
    json_array(&j, "functions");
    for (int f = 0; f < P->nfuncs; f++) {
        const struct func *fn = &P->funcs[f];

        json_object(&j, NULL);
        json_str(&j, "name", fn->name);
        json_int(&j, "line", fn->line);
        json_bool(&j, "async", fn->is_async);
        json_array(&j, "ops");
        for (uint32_t i = 0; i < fn->ncode; i++) {
            uint32_t pc = fn->code_start + i;

            json_object(&j, NULL);
            if (P->pos[pc].line < 0)
                json_null(&j, "line");
            else
                json_int(&j, "line", P->pos[pc].line);
            json_str(&j, "op", op_info[P->code[pc].op].name);
            sb_clear(&arg);
            program_format_arg(P, pc, &arg);
            json_str(&j, "arg", arg.s ? arg.s : "");
            if (P->label[pc]) {
                char lbl[16];

                snprintf(lbl, sizeof(lbl), "L%u", (unsigned)P->label[pc]);
                json_str(&j, "label", lbl);
            }
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
    }
    json_end(&j);
    json_end(&j);
    sb_putc(out, '\n');
    sb_done(&arg);
}

int cmd_dis(int argc, char **argv)
{
    enum { OPT_JSON = 1 };
    static const struct cli_opt opts[] = {
        {"json", 0, OPT_JSON}, {NULL, 0, 0},
    };
    struct cli c;
    const char *lesson = NULL, *val;
    int id, json = 0;
    struct lesson *L;
    struct strbuf out;

    cli_init(&c, "dis", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == 0) {
            if (lesson)
                cli_usage_error("dis", "one lesson at a time (got '%s' and "
                                "'%s')", lesson, val);
            lesson = val;
        } else if (id == OPT_JSON) {
            json = 1;
        }
    }
    if (!lesson)
        cli_usage_error("dis", "which lesson? taketurns dis LESSON");
    L = cli_load_lesson(lesson);
    if (!L)
        return 1;
    sb_init(&out);
    if (json)
        dis_json(L->prog, &out);
    else
        dis_text(L->prog, &out);
    fwrite(out.s ? out.s : "", 1, out.len, stdout);
    fflush(stdout);
    sb_done(&out);
    lesson_free(L);
    return 0;
}
