/* lesson.h - a parsed and compiled lesson: code, scenes and pages.
 *
 * lesson_load() reads a lesson file, parses it (parse.c), resolves names and
 * compiles every function to bytecode (compile.c).  The result is immutable
 * and owned by the caller (lesson_free).  Everything inside - syntax tree,
 * strings, scenes, pages - is allocated from the lesson's arena; the compiled
 * program is lesson->prog.  See lessons/FORMAT.md for the language.
 */
#ifndef TT_LESSON_H
#define TT_LESSON_H

#include <stdint.h>

#include "arena.h"
#include "diag.h"

struct program;

/* Limits that keep a bad lesson from exhausting anything. */
enum {
    LESSON_MAX_DEPTH = 32,      /* nested blocks */
    LESSON_MAX_EXPR_DEPTH = 64, /* nested parentheses / operators */
    LESSON_MAX_TASKS = 32,      /* tasks in one scene */
    LESSON_MAX_CPUS = 64,
    LESSON_MAX_PARAMS = 16,
    LESSON_MAX_LABEL = 8,       /* characters in a task label */
    LESSON_MAX_LIST = 32,       /* values in one list */
};

/* ---- expressions and statements --------------------------------------- */

enum expr_kind {
    E_INT,      /* ival; op 2 for True/False, op 3 for None */
    E_NAME,     /* name */
    E_BINARY,   /* op: '+', '-', '*', '/' (floor division), '%' */
    E_COMPARE,  /* op: CMP_* */
    E_AND,
    E_OR,
    E_NOT,      /* lhs */
    E_NEG,      /* lhs */
    E_CALL,     /* name(args) of a def */
    E_METHOD,   /* name.attr(args) of a sync object; kws[i]: the keyword
                 * of args[i] or NULL; op 1: awaited; for a thread's
                 * start() and join(), lhs may be the threading.Thread
                 * call itself (name NULL) */
    E_THREAD,   /* threading.Thread(target=F, args=(...), name="S"):
                 * kws[i] names args[i] in the order written; the target
                 * is an E_NAME, args an E_TUPLE, the name an E_STR */
    E_TUPLE,    /* (a, b, ...): args, nargs */
    E_STR,      /* a string literal: name */
    E_LIST,     /* [a, b, ...]: args, nargs */
    E_TASK,     /* asyncio.create_task(f(args)): lhs the E_CALL */
    E_GATHER,   /* await asyncio.gather(f(a), t, ...): args the E_CALLs of
                 * async defs and the names of tasks, nargs; or
                 * gather(*ts): lhs the E_NAME of the list ts; rhs the
                 * value of return_exceptions= (an E_INT True or False),
                 * or NULL */
    E_SUBSCR,   /* name[lhs]: an item of a list */
    E_POOL,     /* concurrent.futures.ThreadPoolExecutor(max_workers=N):
                 * args[0] N, kws[0] "max_workers" or NULL */
    E_ATTR,     /* name.attr: an attribute of a sync object (v.value,
                 * b.parties ...) */
};

enum cmp_op { CMP_LT, CMP_LE, CMP_EQ, CMP_NE, CMP_GT, CMP_GE };

struct expr {
    enum expr_kind kind;
    int line, col;
    int op;
    int64_t ival;
    const char *name;
    struct expr *lhs, *rhs;
    struct expr **args;
    int nargs;
    const char *attr;       /* E_METHOD: the method's name */
    int attr_col;
    const char **kws;       /* E_METHOD */
};

enum stmt_kind {
    S_ASSIGN,   /* name = value */
    S_AUG,      /* name op= value (op as in E_BINARY) */
    S_FOR,      /* for name in range(args): body; or, with value (an
                 * E_NAME), for name in LIST: body */
    S_WHILE,    /* while cond: body */
    S_IF,       /* if cond: body [else: orelse] (elif is a nested S_IF) */
    S_PASS,
    S_BREAK,
    S_CONTINUE,
    S_WITH,     /* with lock: body */
    S_PRINT,    /* print(items) */
    S_ASSERT,   /* assert cond[, "message"] */
    S_RETURN,   /* return [value] */
    S_CALL,     /* f(args), obj.method(args), or awaited; value is the
                 * E_CALL or E_METHOD */
    S_WORK,     /* compute(n), sleep(n), io(n), [await] ... ; work says
                 * which; op: 0 plain, 1 time.sleep, 2 asyncio.sleep */
    S_GLOBAL,   /* global names (accepted for shared variables) */
};

enum work_kind { WORK_COMPUTE, WORK_SLEEP, WORK_IO };

/* One argument of print(): an expression or a string literal. */
struct print_item {
    struct expr *value;  /* NULL for a string */
    const char *str;
};

struct stmt {
    enum stmt_kind kind;
    int line, col;
    int is_await;           /* S_CALL, S_WORK, S_WITH: awaited */
    int work;               /* S_WORK: enum work_kind */
    const char *name;       /* target, loop variable, lock */
    int name_col;
    const char *attr;       /* S_ASSIGN, S_AUG: name.attr is the target;
                             * S_WITH: with name.attr(): (get_lock) */
    int attr_col;
    int op;                 /* S_AUG */
    struct expr *value;     /* value, condition, call, work amount; an
                             * S_WITH's E_POOL (name: its 'as' name); an
                             * S_FOR's list name or E_METHOD map() */
    struct expr **args;     /* range() arguments */
    int nargs;
    struct print_item *items;
    int nitems;
    const char *message;    /* S_ASSERT */
    struct stmt *body, *orelse;
    struct stmt *next;
};

struct func_def {
    const char *name;
    int line, col;
    int is_async;
    const char **params;
    int *param_cols;
    int nparams;
    struct stmt *body;
};

/* ---- declarations ------------------------------------------------------ */

struct shared_decl {
    const char *name;
    int line, col;
    int64_t init;
    int boolean;        /* NAME = True or False: init is 1 or 0 */
};

/* A module-level list of numbers, NAME = [1, 2, 3]: every task reads the
 * same values, and no task changes them (append, item assignment and
 * `global NAME` stores are refused), so it is a constant, not shared
 * memory: reading it never races. */
struct list_decl {
    const char *name;
    int line, col;
    const int64_t *items;
    int n;
};

/* A synchronization object (sync.h): a lock, a semaphore ... */
struct lock_decl {
    const char *name;
    int line, col;
    int kind;                   /* enum sync_kind */
    int64_t arg;                /* the constructor's argument */
    int link;                   /* Condition(lock): the lock's index, or
                                 * -1: its own lock */
    int is_async;               /* an asyncio object, awaited */
};

/* ---- scenes ------------------------------------------------------------ */

#define MODE_LIST(X)                                               \
    X(MODE_SEQUENTIAL, "sequential", "tasks run one after another") \
    X(MODE_THREADS, "threads", "OS threads, preempted at any op")   \
    X(MODE_GIL, "gil", "Python threads sharing one GIL")            \
    X(MODE_ASYNCIO, "asyncio", "coroutines on one event loop")      \
    X(MODE_PROCESSES, "processes", "processes with their own memory")

enum mode {
#define X(id, name, desc) id,
    MODE_LIST(X)
#undef X
    MODE_COUNT
};

enum preempt { PREEMPT_QUANTUM, PREEMPT_RANDOM };
enum checkpoints { CHECK_EVERY_OP, CHECK_LOOPS_AND_CALLS };

/* Defaults, documented in lessons/FORMAT.md. */
enum {
    DEFAULT_QUANTUM = 5,
    DEFAULT_SWITCH_INTERVAL = 5,
    DEFAULT_SPAWN_COST = 10,
    DEFAULT_SEED = 1,
    DEFAULT_BUDGET = 1000000,
};

/* Settings of a scene.  A setting given in the scene sets its bit in set,
 * so that the command line can tell explicit settings from defaults. */
enum setting {
    SET_MODE, SET_CPUS, SET_QUANTUM, SET_PREEMPT, SET_SEED, SET_SCHEDULE,
    SET_SWITCH_INTERVAL, SET_CHECKPOINTS, SET_SPAWN_COST, SET_BUDGET,
    SET_COUNT
};

struct scene_config {
    enum mode mode;
    int cpus;
    int quantum;
    enum preempt preempt;
    uint64_t seed;
    int switch_interval;
    enum checkpoints checkpoints;
    int spawn_cost;
    int64_t budget;         /* ops before a runaway run is stopped */
    const char *schedule;   /* NULL: the mode's own policy */
    int schedule_line, schedule_col; /* where schedule came from (0: cmdline) */
};

struct scene_task {
    const char *label;
    const char *func_name;
    int func;               /* index into program->funcs */
    int64_t *args;
    int nargs;
    int line, col;
    /* A thread started by code (threading.Thread), not by a run line: it
     * has a lane from the start but runs only once start() is called.
     * These come after the run lines' tasks, in the order the scene's
     * first run made them (spawn.c); func is the first run's target.
     * pooled: a ThreadPoolExecutor's worker (func its first job's). */
    int spawned, pooled;
};

struct scene {
    const char *name;
    int line, col;
    struct scene_config cfg;
    unsigned set;           /* bit i: setting i given explicitly */
    int set_line[SET_COUNT], set_col[SET_COUNT];
    struct scene_task *tasks;
    int ntasks;
    int nrun;               /* tasks from run lines; the rest are spawned */
    /* python-args: what every task is called with in a real interpreter
     * (export, real --python) instead of its run line's arguments; NULL
     * if not set.  Six rounds of a loop end long before a real GIL
     * changes hands; 200,000 would take the simulator millions of ticks. */
    int64_t *python_args;
    int npython_args;
    int python_args_line, python_args_col;
};

/* ---- pages ------------------------------------------------------------- */

enum until_kind {
    UNTIL_SWITCH,   /* the next switch of any kind */
    UNTIL_PREEMPT,
    UNTIL_YIELD,
    UNTIL_BLOCK,
    UNTIL_TICK,     /* tick >= n */
    UNTIL_END,
    UNTIL_EXPR,     /* a condition on shared variables becomes true */
};

enum directive_kind {
    DIR_SCENE,      /* @scene NAME */
    DIR_UNTIL,      /* @until switch|preempt|yield|block|tick N|end|EXPR */
    DIR_ASK,        /* @ask "QUESTION" ANSWER [about WHAT] */
    DIR_EXPLAIN,    /* @explain "TEXT": shown once the question is answered */
    DIR_EXPLORE,    /* @explore [max-preemptions K] */
    DIR_REAL,       /* @real [python] [runs N] */
    DIR_COMPARE,    /* @compare SCENE SCENE... */
    DIR_MEASURE,    /* @measure: what switches cost on this machine */
    DIR_SCALE,      /* @scale N: the timeline fits N ticks across (n) */
    DIR_GOAL,       /* @goal CONDITION: the page is a puzzle (goal.h) */
};

/* What an @goal asks the student to make happen (goal.h). */
enum goal_kind {
    GOAL_END,       /* cond holds on the module variables when the run ends */
    GOAL_DEADLOCK,  /* the run ends in a deadlock */
    GOAL_FAILS,     /* a task stops with an error (an assert, ...) */
    GOAL_TOGETHER,  /* two tasks are at source line n at the same tick */
};

/* What an @ask answer can be checked against (tests/asks). */
enum ask_about {
    ASK_NONE,       /* a free answer: not checked against the simulation */
    ASK_FINAL,      /* final value of a shared variable (about_name) */
    ASK_MAKESPAN,
    ASK_SWITCHES,   /* total number of switches */
    ASK_PREEMPTS,
    ASK_OUTCOMES,   /* number of distinct outcomes the explorer finds */
    ASK_MIN,        /* smallest final value of about_name over all schedules */
    ASK_MAX,
    ASK_DEADLOCK,   /* answer yes/no: does the run deadlock */
    ASK_FAILURES,   /* how many tasks stop with an error */
};

struct directive {
    enum directive_kind kind;
    int line, col;
    const char *name;           /* DIR_SCENE */
    int name_col;
    int scene;                  /* DIR_SCENE: index */
    enum until_kind until;
    enum goal_kind goal;        /* DIR_GOAL */
    int64_t n;                  /* UNTIL_TICK, explore/real parameter,
                                 * GOAL_TOGETHER's line */
    int n_col;                  /* GOAL_TOGETHER: where the line is */
    int python;                 /* DIR_REAL: also in the student's CPython */
    struct expr *cond;          /* UNTIL_EXPR, GOAL_END */
    const char *question;       /* DIR_ASK */
    const char *answer;         /* DIR_ASK: as written (a number or a word) */
    int answer_is_int;
    int64_t answer_int;
    enum ask_about about;
    const char *about_name;
    int about_col;
    const char *text;           /* DIR_EXPLAIN */
    int *scenes;                /* DIR_COMPARE: indexes */
    const char **scene_names;   /* DIR_COMPARE: as written */
    int *scene_cols;            /* DIR_COMPARE: where each name is */
    int nscenes;
};

/* A line of narrative: text (kept as written, minus the page's indentation);
 * an empty string marks a paragraph break. */
struct page_line {
    const char *text;
    int line;
    int indent;                 /* extra indentation beyond the page's */
};

struct page {
    const char *title;
    int line, col;
    struct page_line *lines;
    int nlines;
    struct directive *dirs;
    int ndirs;
    int scene;                  /* scene shown on this page (-1: none) */
    const struct directive *goal;   /* the page's @goal, or NULL */
};

/* ---- the lesson -------------------------------------------------------- */

/* The index of module names and scene names (lesson.c). */
enum lesson_name_kind {
    LESSON_NAME_NONE, LESSON_NAME_SHARED, LESSON_NAME_LOCK, LESSON_NAME_FUNC,
    LESSON_NAME_SCENE, LESSON_NAME_LIST,
};

struct lesson_name {
    uint8_t kind;               /* enum lesson_name_kind; 0: an empty slot */
    int index;
};

struct lesson_names {
    struct lesson_name *slots;  /* open addressing, a power of two */
    size_t cap, used;
};

struct lesson {
    struct source *src;
    struct arena arena;
    const char *title;
    const char *about;
    struct shared_decl *shared;
    int nshared;
    struct lock_decl *locks;
    int nlocks;
    struct list_decl *lists;    /* module-level lists of numbers */
    int nlists;
    unsigned imports;           /* bit 0 threading, 1 asyncio, 2 time,
                                 * 3 queue, 4 multiprocessing,
                                 * 5 concurrent.futures */
    struct func_def *funcs;
    int nfuncs;
    struct scene *scenes;
    int nscenes;
    struct page *pages;
    int npages;
    struct program *prog;
    struct lesson_names names;  /* module names and scenes, for look-ups */
};

/* Read, parse and compile a lesson.  Returns NULL with d filled on error. */
struct lesson *lesson_load(const char *path, struct diag *d);
struct lesson *lesson_from_text(const char *name, const char *text, struct diag *d);
void lesson_free(struct lesson *l);

/* Parse src (taking ownership of it) into a lesson without compiling it. */
struct lesson *lesson_parse(struct source *src, struct diag *d);

/* Parse text as a schedule of scene sc's tasks (schedule_parse with the
 * scene's labels).  Returns 0, or -1 with *err_off and err set. */
struct schedule;
int scene_schedule_parse(const struct scene *sc, const char *text,
                         struct schedule *out, int *err_off, struct strbuf *err);

/* Index the entry just added to L->shared, ->locks, ->funcs or ->scenes
 * (kind says which) under its name. */
void lesson_name_add(struct lesson *L, int kind, int index);
/* The kind of module name name (LESSON_NAME_NONE if it is not defined),
 * with its index in *index. */
int lesson_name_lookup(const struct lesson *L, const char *name, int *index);

/* Slots looked at so far on this thread by the look-ups of module names
 * and scenes (parser), and of the program's constants and names
 * (compiler): each table is hashed, so loading a lesson of n names looks at
 * O(n) slots - the tests of scale count them instead of timing.  The
 * compiler adds its own with lesson_probes_add. */
uint64_t lesson_probes(void);
void lesson_probes_add(uint64_t n);

/* A lesson of n module variables and n + 2 functions: n each with a
 * variable, a constant and a function to call of its own, one that
 * declares all n variables global and one that reads a quarter of them (the input
 * of the tests of scale and of `taketurns bench`). */
void lesson_scale_text(struct strbuf *out, int n);

/* Lookups; -1 if absent. */
int lesson_find_scene(const struct lesson *l, const char *name);
int lesson_find_func(const struct lesson *l, const char *name);
int lesson_find_shared(const struct lesson *l, const char *name);
int lesson_find_lock(const struct lesson *l, const char *name);
int lesson_find_list(const struct lesson *l, const char *name);

const char *mode_name(enum mode m);
/* The real system a scene's settings model, in words: "CPython 3.13
 * threads with the GIL", "free-threaded CPython 3.13t or OS threads in C
 * (no GIL)", ... */
const char *scene_runtime(const struct scene_config *cfg);
/* -1 if s names no mode. */
int mode_from_name(const char *s);
const char *setting_name(enum setting s);
/* The settings that apply to a mode (bit mask of 1u << SET_*). */
unsigned mode_settings(enum mode m);
void scene_config_defaults(struct scene_config *cfg, enum mode m);

#endif
