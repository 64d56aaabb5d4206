/* test_compile.c - the lexer, parser and compiler: bytecode and positions. */
#include "lesson.h"
#include "program.h"
#include "testhelp.h"
#include "testlesson.h"
#include "vm.h"

static struct lesson *load(const char *text)
{
    return test_lesson("t.lesson", text);
}

/* The first error's text for a bad lesson ("" if it loads). */
static char err_buf[4096];

static const char *error_of(const char *text)
{
    struct diag d;
    struct lesson *L;
    char *nl;

    diag_init(&d);
    L = lesson_from_text("t.lesson", text, &d);
    snprintf(err_buf, sizeof(err_buf), "%s", L ? "" : d.text.s);
    nl = strchr(err_buf, '\n');
    if (nl)
        *nl = '\0';
    lesson_free(L);
    diag_done(&d);
    return err_buf;
}

/* The ops of function fn as "NAME ARG; NAME ARG; ...". */
static const char *ops_of(const struct lesson *L, int fn)
{
    static char buf[2048];
    const struct func *f = &L->prog->funcs[fn];
    struct strbuf sb;

    sb_init(&sb);
    for (uint32_t pc = f->code_start; pc < f->code_start + f->ncode; pc++) {
        if (pc > f->code_start)
            sb_puts(&sb, "; ");
        program_format_instr(L->prog, pc, &sb);
    }
    snprintf(buf, sizeof(buf), "%s", sb.s);
    sb_done(&sb);
    return buf;
}

static void test_increment_is_four_ops(void)
{
    struct lesson *L = load("lesson \"t\"\n"
        "shared x = 0\n"
        "def a():\n"
        "    global x\n"
        "    x = x + 1\n"
        "def b():\n"
        "    global x\n"
        "    x += 1\n");

    CHECK(L != NULL);
    if (!L)
        return;
    CHECK_STR(ops_of(L, 0), "RESUME 0; LOAD_GLOBAL x; LOAD_CONST 1; "
                            "BINARY_OP +; STORE_GLOBAL x; RETURN_CONST None");
    CHECK_STR(ops_of(L, 1), "RESUME 0; LOAD_GLOBAL x; LOAD_CONST 1; "
                            "BINARY_OP +=; STORE_GLOBAL x; RETURN_CONST None");
    /* Every op of the increment points at line 5, after RESUME (line 3). */
    CHECK_EQ(L->prog->pos[0].line, 3);
    for (uint32_t pc = 1; pc < 5; pc++)
        CHECK_EQ(L->prog->pos[pc].line, 5);
    CHECK_EQ(L->prog->pos[1].col, 9);   /* the x being read */
    CHECK_EQ(L->prog->pos[4].col, 5);   /* the x being stored */
    lesson_free(L);
}

static void test_loops_and_locks(void)
{
    struct lesson *L = load("lesson \"t\"\n"
        "shared x = 0\n"
        "lock m\n"
        "def f(n):\n"
        "    global x\n"
        "    for i in range(n):\n"
        "        with m:\n"
        "            if i == 2:\n"
        "                break\n"
        "            x -= 1\n"
        "    while x < 0:\n"
        "        x = x + 2\n");

    CHECK(L != NULL);
    if (!L)
        return;
    /* As python3.13 -m dis lists it (handler blocks aside): break
     * inside with calls __exit__ before leaving the loop. */
    CHECK_STR(ops_of(L, 0),
              "RESUME 0; LOAD_GLOBAL range + NULL; LOAD_FAST n; CALL 1; "
              "GET_ITER; FOR_ITER to L6; STORE_FAST i; LOAD_GLOBAL m; "
              "BEFORE_WITH; POP_TOP; LOAD_FAST i; LOAD_CONST 2; "
              "COMPARE_OP bool(==); POP_JUMP_IF_FALSE to L4; NOP; "
              "LOAD_CONST None; LOAD_CONST None; LOAD_CONST None; CALL 2; "
              "POP_TOP; POP_TOP; JUMP_FORWARD to L7; LOAD_GLOBAL x; "
              "LOAD_CONST 1; BINARY_OP -=; STORE_GLOBAL x; LOAD_CONST None; "
              "LOAD_CONST None; LOAD_CONST None; CALL 2; POP_TOP; "
              "JUMP_BACKWARD to L1; END_FOR; POP_TOP; LOAD_GLOBAL x; "
              "LOAD_CONST 0; COMPARE_OP bool(<); POP_JUMP_IF_FALSE to L10; "
              "LOAD_GLOBAL x; LOAD_CONST 2; BINARY_OP +; STORE_GLOBAL x; "
              "LOAD_GLOBAL x; LOAD_CONST 0; COMPARE_OP bool(<); "
              "POP_JUMP_IF_FALSE to L9; JUMP_BACKWARD to L8; "
              "RETURN_CONST None; RETURN_CONST None");
    lesson_free(L);
}

/* The with blocks over each op of fn, innermost first: "OP:n,m; ...". */
static const char *withs_of(const struct lesson *L, int fn)
{
    static char buf[2048];
    const struct func *f = &L->prog->funcs[fn];
    struct vm vm;
    struct strbuf sb;

    sb_init(&sb);
    memset(&vm, 0, sizeof(vm));
    vm.nframes = 1;
    for (uint32_t pc = f->code_start; pc < f->code_start + f->ncode; pc++) {
        int objs[8], n;

        vm.frames[0].pc = pc;
        n = vm_with_objects(&vm, L->prog, pc, objs, 8);
        if (pc > f->code_start)
            sb_puts(&sb, "; ");
        sb_puts(&sb, op_info[L->prog->code[pc].op].name);
        for (int i = 0; i < n; i++)
            sb_printf(&sb, "%c%s", i ? ',' : ':',
                      L->prog->lock_names[objs[i]]);
    }
    snprintf(buf, sizeof(buf), "%s", sb.s);
    sb_done(&sb);
    return buf;
}

/* The ops an exception handler covers are those of python3.13's
 * exception table: from the POP_TOP after BEFORE_WITH up to the block's
 * own __exit__ call, which the block around it covers. */
static void test_with_blocks(void)
{
    struct lesson *L = load("lesson \"t\"\n"
        "import threading\n"
        "import asyncio\n"
        "m = threading.Lock()\n"
        "n = threading.Lock()\n"
        "a = asyncio.Lock()\n"
        "def f():\n"
        "    with m:\n"
        "        with n:\n"
        "            x = 1\n"
        "        y = 2\n"
        "    z = 3\n"
        "async def g():\n"
        "    async with a:\n"
        "        await asyncio.sleep(0)\n");

    CHECK(L != NULL);
    if (!L)
        return;
    CHECK_STR(withs_of(L, 0),
              "RESUME; LOAD_GLOBAL; BEFORE_WITH; POP_TOP:m; LOAD_GLOBAL:m; "
              "BEFORE_WITH:m; POP_TOP:n,m; LOAD_CONST:n,m; STORE_FAST:n,m; "
              "LOAD_CONST:m; LOAD_CONST:m; LOAD_CONST:m; CALL:m; POP_TOP:m; "
              "LOAD_CONST:m; STORE_FAST:m; LOAD_CONST; LOAD_CONST; "
              "LOAD_CONST; CALL; POP_TOP; LOAD_CONST; STORE_FAST; "
              "RETURN_CONST");
    /* the await inside the block (its YIELD_VALUE has a handler of its
     * own, inside the block's) */
    CHECK(strstr(withs_of(L, 1), "LOAD_GLOBAL:a; LOAD_ATTR:a; "
                 "PUSH_NULL:a; LOAD_CONST:a; CALL:a; GET_AWAITABLE:a; "
                 "LOAD_CONST:a; SEND:a; YIELD_VALUE:a; RESUME:a; "
                 "JUMP_BACKWARD_NO_INTERRUPT:a; END_SEND:a; POP_TOP:a; "
                 "LOAD_CONST; LOAD_CONST; LOAD_CONST; CALL") != NULL);
    lesson_free(L);
}

static void test_async_and_calls(void)
{
    struct lesson *L = load("lesson \"t\"\n"
        "import asyncio\n"
        "import time\n"
        "shared x = 0\n"
        "def add(a, b):\n"
        "    return a + b\n"
        "async def fetch(n):\n"
        "    global x\n"
        "    await io(n)\n"
        "    sleep(1)\n"
        "    x = add(x, 1)\n"
        "    compute(3)\n"
        "    await asyncio.sleep(0)\n"
        "    time.sleep(2)\n");

    CHECK(L != NULL);
    if (!L)
        return;
    CHECK_STR(ops_of(L, 0), "RESUME 0; LOAD_FAST_LOAD_FAST a, b; BINARY_OP +; "
                            "RETURN_VALUE");
    CHECK_STR(ops_of(L, 1),
              "RETURN_GENERATOR; POP_TOP; RESUME 0; LOAD_GLOBAL io + NULL; "
              "LOAD_FAST n; CALL 1; GET_AWAITABLE 0; LOAD_CONST None; "
              "SEND to L5; YIELD_VALUE 1; RESUME 3; "
              "JUMP_BACKWARD_NO_INTERRUPT to L2; END_SEND; POP_TOP; "
              "LOAD_GLOBAL sleep + NULL; LOAD_CONST 1; CALL 1; POP_TOP; "
              "LOAD_GLOBAL add + NULL; LOAD_GLOBAL x; LOAD_CONST 1; CALL 2; "
              "STORE_GLOBAL x; LOAD_GLOBAL compute + NULL; LOAD_CONST 3; "
              "CALL 1; POP_TOP; LOAD_GLOBAL asyncio; LOAD_ATTR sleep; "
              "PUSH_NULL; LOAD_CONST 0; CALL 1; GET_AWAITABLE 0; "
              "LOAD_CONST None; SEND to L9; YIELD_VALUE 1; RESUME 3; "
              "JUMP_BACKWARD_NO_INTERRUPT to L6; END_SEND; POP_TOP; "
              "LOAD_GLOBAL time; LOAD_ATTR sleep; PUSH_NULL; LOAD_CONST 2; "
              "CALL 1; POP_TOP; RETURN_CONST None");
    lesson_free(L);
}

static void test_scene_defaults(void)
{
    struct lesson *L = load("lesson \"t\"\ndef f():\n    pass\n"
                            "scene a:\n    mode threads\n    run f() as A\n"
                            "    run f()\n"
                            "scene b:\n    mode processes\n    run f()\n"
                            "scene c:\n    mode gil\n"
                            "    checkpoints loops-and-calls\n"
                            "    switch-interval 7\n    run f()\n");

    CHECK(L != NULL);
    if (!L)
        return;
    CHECK_EQ(L->nscenes, 3);
    CHECK_EQ(L->scenes[0].cfg.cpus, 1);
    CHECK_EQ(L->scenes[0].cfg.quantum, DEFAULT_QUANTUM);
    CHECK_STR(L->scenes[0].tasks[1].label, "B");  /* default by position */
    CHECK_EQ(L->scenes[1].cfg.cpus, 2);
    CHECK_EQ(L->scenes[1].cfg.spawn_cost, DEFAULT_SPAWN_COST);
    CHECK_EQ(L->scenes[2].cfg.checkpoints, CHECK_LOOPS_AND_CALLS);
    CHECK_EQ(L->scenes[2].cfg.switch_interval, 7);
    CHECK_EQ(L->scenes[0].cfg.budget, DEFAULT_BUDGET);
    CHECK(DEFAULT_BUDGET >= 1000000);
    lesson_free(L);
}

static void test_pages(void)
{
    struct lesson *L = load("lesson \"t\"\n"
        "about \"a\"\n"
        "shared x = 0\n"
        "def f():\n"
        "    global x\n"
        "    x += 1\n"
        "scene s:\n"
        "    mode threads\n"
        "    run f()\n"
        "page \"One\":\n"
        "    Some text,\n"
        "\n"
        "        indented code\n"
        "    # a comment\n"
        "    @scene s\n"
        "    @until x == 1\n"
        "    @ask \"x?\" 1 is final x\n"
        "    @explain \"because\"\n"
        "page \"Two\":\n"
        "    More.\n"
        "    @until tick 4\n");

    CHECK(L != NULL);
    if (!L)
        return;
    CHECK_EQ(L->npages, 2);
    CHECK_STR(L->pages[0].title, "One");
    CHECK_EQ(L->pages[0].nlines, 3);
    CHECK_STR(L->pages[0].lines[1].text, "");
    CHECK_EQ(L->pages[0].lines[2].indent, 4);
    CHECK_EQ(L->pages[0].ndirs, 4);
    CHECK_EQ(L->pages[0].dirs[1].until, UNTIL_EXPR);
    CHECK_EQ(L->pages[0].dirs[2].about, ASK_FINAL);
    CHECK_EQ(L->pages[0].dirs[2].answer_int, 1);
    CHECK_EQ(L->pages[1].scene, 0);     /* inherited */
    CHECK_EQ(L->pages[1].dirs[0].n, 4);
    lesson_free(L);
}

static void test_errors(void)
{
    CHECK_STR(error_of(""), "t.lesson:1:1: error: empty lesson: a lesson "
                            "starts with a line lesson \"TITLE\"");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    y = z\n"),
              "t.lesson:3:9: error: name 'z' is not defined (module "
              "variables are defined at the top level: z = 0)");
    /* Python makes x local here: the lesson must say global x. */
    CHECK_STR(error_of("lesson \"t\"\nx = 0\ndef f():\n    x = x + 1\n"),
              "t.lesson:4:5: error: 'x' is a module variable: assigning it "
              "here would make a new local 'x' in Python; add 'global x' at "
              "the top of this function");
    CHECK_STR(error_of("lesson \"t\"\nx = 0\ndef f():\n    y = x\n"
                       "    global x\n"),
              "t.lesson:5:12: error: name 'x' is used prior to global "
              "declaration (put 'global x' at the top of the function)");
    CHECK_STR(error_of("lesson \"t\"\nasync def f():\n"
                       "    await sleep(0)\n"),
              "t.lesson:3:5: error: sleep() blocks the thread and cannot be "
              "awaited: write 'await asyncio.sleep(...)'");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    x = 1 / 2\n"),
              "t.lesson:3:11: error: '/' would give a fraction: values are "
              "integers, so use '//' (floor division)");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    if 1 < 2 < 3:\n        pass\n"),
              "t.lesson:3:14: error: chained comparisons are not supported: "
              "write 'a < b and b < c'");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    break\n"),
              "t.lesson:3:5: error: 'break' outside a loop");
    CHECK_STR(error_of("lesson \"t\"\nasync def g():\n    pass\n"
                       "def f():\n    g()\n"),
              "t.lesson:5:5: error: g is an async def: calling it without "
              "await does not run it (write 'await g(...)')");
    CHECK_STR(error_of("lesson \"t\"\nshared x = 0\nshared x = 1\n"),
              "t.lesson:3:8: error: 'x' is already defined as a module "
              "variable on line 2");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    pass\nscene s:\n"
                       "    mode threads\n    schedule \"A2 C\"\n    run f()\n"),
              "t.lesson:6:18: error: schedule names 'C', which is not a task "
              "of this scene (labels: A)");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    x = 007\n"),
              "t.lesson:3:9: error: leading zeros are not allowed in a number "
              "(write 7)");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n    pass\nscene s:\n"
                       "    mode asyncio\n    quantum 3\n    run f()\n"),
              "t.lesson:6:5: error: quantum does not apply to mode asyncio");
}

/* Numbers near -2^63 are boxed: interned, so equal numbers are equal
 * values, and read back exactly; the rest are themselves. */
static void test_boxed_numbers(void)
{
    struct lesson *L = load("lesson \"t\"\n"
                            "shared lo = -9223372036854775808\n"
                            "shared hi = 9223372036854775807\n"
                            "def f():\n    global lo\n    lo = lo + 1\n"
                            "scene s:\n    mode threads\n    run f()\n");
    const struct program *P = L->prog;
    const int64_t top = VM_REF_BASE + ((int64_t)REF_COUNT << 32);
    const int64_t nums[] = {INT64_MIN, INT64_MIN + 1, INT64_MIN + 2,
                            VM_REF(REF_NONE, 0), top - 1};
    int64_t a, b;

    CHECK(vm_is_ref(P->global_init[0]));
    CHECK_EQ(vm_num(P, P->global_init[0]), INT64_MIN);
    CHECK_EQ(P->global_init[1], INT64_MAX);
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        CHECK(vm_needs_box(nums[i]));
        CHECK_EQ(vm_box(P, nums[i], &a), 0);
        CHECK_EQ(vm_box(P, nums[i], &b), 0);
        CHECK_EQ(a, b);
        CHECK(vm_is_num(a) && vm_is_ref(a));
        CHECK_EQ(vm_num(P, a), nums[i]);
    }
    CHECK_EQ(vm_box(P, INT64_MIN, &a), 0);
    CHECK_EQ(a, P->global_init[0]);
    CHECK(!vm_needs_box(top));
    CHECK_EQ(vm_box(P, top, &a), 0);
    CHECK_EQ(a, top);
    CHECK_EQ(vm_num(P, VM_REF(REF_NONE, 0)), VM_REF(REF_NONE, 0));
    CHECK(!vm_is_num(VM_REF(REF_NONE, 0)));
    lesson_free(L);
    CHECK_STR(error_of("lesson \"t\"\nshared x = 9223372036854775808\n"),
              "t.lesson:2:12: error: integer 9223372036854775808 is too "
              "large (the largest is 9223372036854775807)");
    CHECK_STR(error_of("lesson \"t\"\ndef f():\n"
                       "    x = 1 - 9223372036854775808\n"),
              "t.lesson:3:13: error: integer 9223372036854775808 is too "
              "large (the largest is 9223372036854775807)");
}

int main(void)
{
    test_increment_is_four_ops();
    test_loops_and_locks();
    test_with_blocks();
    test_async_and_calls();
    test_scene_defaults();
    test_pages();
    test_errors();
    test_boxed_numbers();
    return TEST_DONE();
}
