/* explore.c - every interleaving of a scene, memoised; outcomes, counts and
 * witnesses.
 *
 * Three passes.  The search walks the state graph depth first: a node is a
 * state (sim_canon, plus the preemptions used when the search is bounded),
 * an edge is one turn of one task - or, reduced, one task's turns from one
 * shared access to the next ("the reduction").  Only the states on the
 * current path are
 * kept whole (sim_save), densely near the root and every few levels deeper
 * down, where a state is rebuilt by replaying turns from the nearest saved
 * one.  Counting then walks the graph in topological order (the reverse of
 * the order in which the search finished the nodes, or Kahn's algorithm if
 * an edge led back to the path), adding the number of paths into each state
 * to its successors; states on or after a cycle have infinitely many.
 * Witnesses come from a 0-1 breadth-first search where a turn costs 1 if it
 * preempts the task on the CPU.  Finally every witness is replayed with a
 * recorded simulation: that proves it reaches its outcome and gives the
 * messages of failed tasks and deadlocks.
 *
 * Sections: exact counts (bignums); sets of byte strings; the search and
 * the reduction; counting; witnesses; the result (and the full and reduced
 * searches side by side on two threads); words, text and JSON.
 *
 * A hook that must see every state (a predicate evaluated on each one)
 * runs with EXPLORE_REDUCE_OFF: the reduced search skips the states inside
 * an edge.
 */
#include "explore.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "membudget.h"
#include "program.h"
#include "report.h"
#include "sim.h"
#include "sync.h"
#include "vm.h"

#define NONE UINT32_MAX

/* Saved states: every level down to this depth, then every STRIDE-th. */
enum { SAVE_DENSE_DEPTH = 2048, SAVE_STRIDE = 16, PROGRESS_EVERY = 1 << 16 };

/* ---- exact counts: unsigned integers of any size ---------------------------- */

/* Limbs of 64 bits, least significant first; n in use.  Two fit inline,
 * which covers every count below 2^128 without an allocation. */
enum { BIG_INLINE = 2 };

struct big {
    uint64_t in[BIG_INLINE];
    uint64_t *ext;          /* the limbs once they do not fit inline */
    uint32_t n, cap;        /* cap: of ext, 0 while inline */
};

static uint64_t *big_limbs(struct big *a)
{
    return a->cap ? a->ext : a->in;
}

static const uint64_t *big_climbs(const struct big *a)
{
    return a->cap ? a->ext : a->in;
}

static uint64_t big_limb(const struct big *a, uint32_t i)
{
    return i < a->n ? big_climbs(a)[i] : 0;
}

static void big_reserve(struct big *a, uint32_t n)
{
    uint32_t cap;

    if (n <= (a->cap ? a->cap : BIG_INLINE))
        return;
    cap = a->cap ? a->cap * 2 : 8;
    while (cap < n)
        cap *= 2;
    if (a->cap) {
        a->ext = xrealloc(a->ext, sizeof(uint64_t) * cap);
    } else {
        a->ext = xmalloc(sizeof(uint64_t) * cap);
        memcpy(a->ext, a->in, sizeof(a->in));
    }
    a->cap = cap;
}

static void big_done(struct big *a)
{
    if (a->cap)
        free(a->ext);
    memset(a, 0, sizeof(*a));
}

/* a += b */
static void big_add(struct big *a, const struct big *b)
{
    uint32_t n = a->n > b->n ? a->n : b->n, i;
    const uint64_t *y = big_climbs(b);
    uint64_t *x, carry = 0;

    big_reserve(a, n + 1);
    x = big_limbs(a);
    for (i = a->n; i < n; i++)
        x[i] = 0;
    for (i = 0; i < b->n; i++) {
        uint64_t s = x[i] + y[i], c = s < y[i];

        x[i] = s + carry;
        carry = c | (x[i] < s);
    }
    for (; carry && i < n; i++)
        carry = ++x[i] == 0;
    if (carry)
        x[n++] = 1;
    a->n = n;
}

static void big_add_u64(struct big *a, uint64_t v)
{
    struct big b = {{v, 0}, NULL, v != 0, 0};

    big_add(a, &b);
}

static double big_double(const struct big *a)
{
    double d = 0;

    for (uint32_t i = a->n; i-- > 0;)
        d = d * 18446744073709551616.0 + (double)big_limb(a, i);
    return d;
}

/* Decimal digits, by repeated division of 32-bit pieces by 10^9. */
static void big_decimal(const struct big *a, struct strbuf *out)
{
    uint32_t n = a->n * 2, *w;
    char *digits;
    size_t nd = 0;

    if (a->n <= 1) {
        sb_printf(out, "%llu", (unsigned long long)big_limb(a, 0));
        return;
    }
    w = xmalloc(sizeof(*w) * n);
    digits = xmalloc((size_t)n * 10 + 1);
    for (uint32_t i = 0; i < a->n; i++) {
        w[2 * i] = (uint32_t)big_limb(a, i);
        w[2 * i + 1] = (uint32_t)(big_limb(a, i) >> 32);
    }
    while (n > 0) {
        uint64_t rem = 0;

        for (uint32_t i = n; i-- > 0;) {
            uint64_t cur = rem << 32 | w[i];

            w[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        while (n > 0 && w[n - 1] == 0)
            n--;
        for (int k = 0; k < 9 && (n > 0 || rem > 0); k++) {
            digits[nd++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    while (nd-- > 0)
        sb_putc(out, digits[nd]);
    free(digits);
    free(w);
}

/* ---- a set of byte strings, each with a dense id ---------------------------- */

/* Open addressing with linear probing, at most half full.  A slot holds
 * the top 24 bits of the key's hash and the offset of its record (id,
 * length, bytes), so a lookup touches the table and the key and nothing
 * else: with millions of states both are cache misses, and they are what
 * the search waits for.  The home slot comes from the same top bits, so
 * growing a table of up to 2^24 slots reads no keys. */
struct keyset {
    uint64_t *slot;         /* hash >> 40 << 40 | (offset + 1); 0: empty */
    int bits;               /* the table has 2^bits slots */
    uint32_t count;
    unsigned char *bytes;   /* records: id (4 bytes), length (4), the key */
    size_t len, cap;
    size_t *off;            /* per id: where its record starts in bytes */
    size_t cap_off;
    int refused;            /* the memory budget refused it room */
};

#define KEY_OFF_BITS 40
#define KEY_OFF_MASK ((UINT64_C(1) << KEY_OFF_BITS) - 1)
#define KEY_TAG_BITS (64 - KEY_OFF_BITS)

/* splitmix64's finaliser: every bit of v moves every bit of the result. */
static uint64_t mix64(uint64_t v)
{
    v ^= v >> 30;
    v *= 0xBF58476D1CE4E5B9ull;
    v ^= v >> 27;
    v *= 0x94D049BB133111EBull;
    return v ^ (v >> 31);
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = n * 0x9E3779B97F4A7C15ull, v = 0;

    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return mix64(h ^ v);
}

/* hash_bytes of a key of len <= 8 bytes packed in w (little end first). */
static uint64_t hash_word(uint64_t w, uint32_t len)
{
    return mix64((uint64_t)len * 0x9E3779B97F4A7C15ull ^ w);
}

static void keyset_init(struct keyset *ks)
{
    memset(ks, 0, sizeof(*ks));
    ks->bits = 10;
    ks->slot = xcalloc((size_t)1 << ks->bits, sizeof(*ks->slot));
    mem_force(sizeof(*ks->slot) << ks->bits);
}

static void keyset_done(struct keyset *ks)
{
    if (!ks->slot)
        return;     /* done already */
    mem_free(ks->slot, sizeof(*ks->slot) << ks->bits);
    mem_free(ks->bytes, ks->cap);
    mem_free(ks->off, ks->cap_off * sizeof(*ks->off));
    memset(ks, 0, sizeof(*ks));
}

/* The record at offset off: its key, its length and its id. */
static const unsigned char *keyset_record(const struct keyset *ks, size_t off,
                                          uint32_t *len, uint32_t *id)
{
    const unsigned char *p = ks->bytes + off;

    memcpy(id, p, 4);
    memcpy(len, p + 4, 4);
    return p + 8;
}

static const unsigned char *keyset_key(const struct keyset *ks, uint32_t id,
                                       uint32_t *len)
{
    uint32_t same;

    return keyset_record(ks, ks->off[id], len, &same);
}

/* The home slot of the key in slot entry e, in a table of 2^bits. */
static size_t keyset_home(const struct keyset *ks, uint64_t e, int bits)
{
    uint32_t len, id;
    const unsigned char *k;

    if (bits <= KEY_TAG_BITS)
        return (size_t)(e >> (64 - bits));
    k = keyset_record(ks, (e & KEY_OFF_MASK) - 1, &len, &id);
    return (size_t)(hash_bytes(k, len) >> (64 - bits));
}

static void keyset_grow(struct keyset *ks)
{
    int bits = ks->bits + 1;
    size_t size = (size_t)1 << bits, mask = size - 1;
    uint64_t *slot;

    if (mem_charge(size * sizeof(*slot)) < 0) {
        /* The search stops at its next turn; never let the table fill. */
        ks->refused = 1;
        if ((size_t)ks->count * 8 < (size / 2) * 7)
            return;
        mem_force(size * sizeof(*slot));
    }
    slot = xcalloc(size, sizeof(*slot));

    for (size_t i = 0; i < size / 2; i++) {
        uint64_t e = ks->slot[i];
        size_t j;

        if (!e)
            continue;
        for (j = keyset_home(ks, e, bits); slot[j]; j = (j + 1) & mask)
            ;
        slot[j] = e;
    }
    mem_free(ks->slot, sizeof(*slot) << ks->bits);
    ks->slot = slot;
    ks->bits = bits;
}

/* The id of key, adding it if add is set and it is new (*added then 1).
 * Returns NONE if it is absent and not added. */
static uint32_t keyset_get(struct keyset *ks, const void *key, uint32_t len,
                           int add, int *added)
{
    uint64_t h = hash_bytes(key, len), tag = h & ~KEY_OFF_MASK;
    size_t mask = ((size_t)1 << ks->bits) - 1, i = (size_t)(h >> (64 - ks->bits));

    *added = 0;
    for (;; i = (i + 1) & mask) {
        uint64_t e = ks->slot[i];
        uint32_t klen, id;
        const unsigned char *k;

        if (!e)
            break;
        if ((e & ~KEY_OFF_MASK) != tag)
            continue;
        k = keyset_record(ks, (e & KEY_OFF_MASK) - 1, &klen, &id);
        if (klen == len && memcmp(k, key, len) == 0)
            return id;
    }
    if (!add)
        return NONE;
    if (ks->len + 8 + len >= KEY_OFF_MASK)
        die("explorer: more than 2^40 bytes of states");
    if ((MEM_GROW(ks->off, ks->cap_off, (size_t)ks->count + 1) |
         MEM_GROW(ks->bytes, ks->cap, ks->len + 8 + len)) < 0)
        ks->refused = 1;
    ks->off[ks->count] = ks->len;
    memcpy(ks->bytes + ks->len, &ks->count, 4);
    memcpy(ks->bytes + ks->len + 4, &len, 4);
    memcpy(ks->bytes + ks->len + 8, key, len);
    ks->slot[i] = tag | (ks->len + 1);
    ks->len += 8 + (size_t)len;
    *added = 1;
    if (++ks->count * 2 > mask)
        keyset_grow(ks);
    return ks->count - 1;
}

/* ---- the states seen: short keys kept in the table itself -------------------- */

/* A state's key is the ids of its parts (sim_canon's shared part and one
 * per task, each interned in a keyset) as varints: usually 8 bytes or
 * fewer, and then it lives in its slot; longer keys go to a side buffer.
 * Open addressing, linear probing, at most 3/4 full.  Beside the slots, a
 * control byte per slot (0: empty, else 0x80 and 7 bits of the hash) is
 * what a probe reads: a megabyte for a million states, it stays in the
 * CPU's cache, so a new state costs no cache miss to find its place, and
 * a state seen before costs one, to read its slot.  Slot: word 0 is the
 * key's length << 32 | (id + 1), word 1 the key or the offset of a longer
 * one. */
struct stateset {
    uint8_t *ctrl;
    uint64_t *slot;         /* 2 words per slot */
    int bits;               /* 2^bits slots */
    uint32_t count;
    unsigned char *bytes;   /* keys longer than 8 bytes */
    size_t len, cap;
    int refused;            /* the memory budget refused it room */
};

/* Bytes of a table of 2^bits slots: a control byte and two words each. */
static size_t stateset_table_bytes(int bits)
{
    return ((size_t)1 << bits) * (1 + 2 * sizeof(uint64_t));
}

static void stateset_init(struct stateset *ss)
{
    memset(ss, 0, sizeof(*ss));
    ss->bits = 10;
    ss->ctrl = xcalloc((size_t)1 << ss->bits, 1);
    ss->slot = xmalloc(sizeof(uint64_t) * ((size_t)2 << ss->bits));
    mem_force(stateset_table_bytes(ss->bits));
}

static void stateset_done(struct stateset *ss)
{
    if (!ss->ctrl)
        return;     /* done already */
    free(ss->ctrl);
    free(ss->slot);
    mem_uncharge(stateset_table_bytes(ss->bits));
    mem_free(ss->bytes, ss->cap);
    memset(ss, 0, sizeof(*ss));
}

static uint64_t pack8(const unsigned char *key, uint32_t len)
{
    uint64_t w = 0;

    for (uint32_t i = 0; i < len; i++)
        w |= (uint64_t)key[i] << (8 * i);
    return w;
}

static uint64_t stateset_hash(const struct stateset *ss, const uint64_t *e)
{
    uint32_t len = (uint32_t)(e[0] >> 32);

    return len <= 8 ? hash_word(e[1], len) : hash_bytes(ss->bytes + e[1], len);
}

static void stateset_grow(struct stateset *ss)
{
    int bits = ss->bits + 1;
    size_t size = (size_t)1 << bits, mask = size - 1;
    uint8_t *ctrl;
    uint64_t *slot;

    if (mem_charge(stateset_table_bytes(bits)) < 0) {
        /* The search stops at its next turn; never let the table fill. */
        ss->refused = 1;
        if ((size_t)ss->count * 16 < (size / 2) * 15)
            return;
        mem_force(stateset_table_bytes(bits));
    }
    ctrl = xcalloc(size, 1);
    slot = xmalloc(sizeof(uint64_t) * 2 * size);

    for (size_t i = 0; i < size / 2; i++) {
        const uint64_t *e = &ss->slot[2 * i];
        uint64_t h;
        size_t j;

        if (!ss->ctrl[i])
            continue;
        h = stateset_hash(ss, e);
        for (j = (size_t)(h >> (64 - bits)); ctrl[j]; j = (j + 1) & mask)
            ;
        ctrl[j] = ss->ctrl[i];
        slot[2 * j] = e[0];
        slot[2 * j + 1] = e[1];
    }
    free(ss->ctrl);
    free(ss->slot);
    mem_uncharge(stateset_table_bytes(ss->bits));
    ss->ctrl = ctrl;
    ss->slot = slot;
    ss->bits = bits;
}

/* As keyset_get; keys are at most 255 bytes. */
static uint32_t stateset_get(struct stateset *ss, const unsigned char *key,
                             uint32_t len, int add, int *added)
{
    uint64_t h, w = 0;
    size_t mask = ((size_t)1 << ss->bits) - 1, i;
    uint8_t tag, c;

    if (len <= 8) {
        w = pack8(key, len);
        h = hash_word(w, len);
    } else {
        h = hash_bytes(key, len);
    }
    tag = (uint8_t)(0x80 | (h & 0x7F));
    *added = 0;
    for (i = (size_t)(h >> (64 - ss->bits)); (c = ss->ctrl[i]) != 0;
         i = (i + 1) & mask) {
        const uint64_t *e = &ss->slot[2 * i];

        if (c != tag || e[0] >> 32 != len)
            continue;
        if (len > 8 ? memcmp(ss->bytes + e[1], key, len) == 0 : e[1] == w)
            return (uint32_t)e[0] - 1;
    }
    if (!add)
        return NONE;
    if (len > 8) {
        if (MEM_GROW(ss->bytes, ss->cap, ss->len + len) < 0)
            ss->refused = 1;
        memcpy(ss->bytes + ss->len, key, len);
        w = ss->len;
        ss->len += len;
    }
    ss->ctrl[i] = tag;
    ss->slot[2 * i] = (uint64_t)len << 32 | ((uint64_t)ss->count + 1);
    ss->slot[2 * i + 1] = w;
    *added = 1;
    if (++ss->count > mask / 4 * 3)
        stateset_grow(ss);
    return ss->count - 1;
}

/* ---- the search --------------------------------------------------------------- */

/* An outcome while searching: a final state, told apart by oc_key(). */
struct oc {
    enum trace_status status;
    int64_t *final;
    struct big count;
    int infinite;
    int best;               /* fewest preemptions seen, -1: none yet */
    uint32_t best_node;     /* memo: the terminal state of the witness */
    struct schedule path;   /* naive: the witness */
};

/* A state on the current path of the search. */
struct frame {
    uint32_t node;          /* memo: its node */
    int32_t p;              /* preemptions on the path to it */
    size_t ck;              /* offset of its saved state, or SIZE_MAX */
    size_t base;            /* the frame its state is rebuilt from */
    size_t choff;           /* its choices, in x->chs */
    size_t canoff;          /* memo: its sim_canon, in x->cstack */
    uint8_t n, next;        /* choices, and the next one to try */
    int8_t cur;             /* the task on the CPU (a choice), or -1 */
    uint8_t taken;          /* the task of the turn being explored */
};

struct explorer {
    struct explore_limits lim;
    struct sim *s;
    int ntasks, nspaces, nglobals;

    /* The graph (memo): per node its first edge, edge count, CPU task and
     * outcome (-1 unless it is final); per edge its target and its task. */
    struct keyset parts;    /* the parts of sim_canon, interned */
    struct stateset states;
    size_t nnodes, cap_nodes;
    size_t *estart;
    uint8_t *nedge;
    int8_t *cur;
    int32_t *outc;
    uint32_t *child;        /* NONE: not explored (pruned or a limit) */
    uint8_t *etask;
    uint32_t *elen;         /* reduced: the turns of each edge */
    size_t nedges, cap_edges;
    uint32_t *post;         /* nodes in the order the search finished them */
    size_t npost;
    uint64_t *onpath;       /* bit per node: a frame of the current path
                             * (bits, so that it stays in cache) */
    int cyclic;             /* an edge leads back to a node on the path */

    /* The path. */
    struct frame *fr;
    size_t depth, cap_fr;
    size_t at;              /* the frame whose state the sim holds, or SIZE_MAX */
    unsigned char *ck;
    size_t cklen, ckcap;
    uint8_t *chs;
    size_t chlen, chcap;
    /* memo: each frame's sim_canon and the ids of its parts (nparts per
     * frame), so that a turn re-interns only the parts it changed */
    unsigned char *cstack;
    size_t cslen, cscap;
    uint32_t *idstack;
    size_t idcap;
    int nparts;
    uint32_t ids[LESSON_MAX_TASKS + 1];     /* of the last state_key */

    /* Outcomes. */
    struct keyset okeys;
    struct oc *oc;
    size_t noc, cap_oc;

    struct strbuf key;
    int64_t visits, transitions;
    enum explore_stop stop;
    int oom;                /* the memory budget refused room */

    /* Partial-order reduction: an edge runs one task from one shared
     * access to the next (see "the reduction" below). */
    int reduce;
    uint8_t *shared;        /* per pc: it may touch what others share */
    int timed;              /* reduced: a timed wait came up, so the
                             * reduction does not hold: search again */
};

/* Counted per node: the node arrays, and room kept for counting the
 * schedules after the search: a 128-bit count and two words a node
 * (count_fast: the count, the order, the in-degrees; the witnesses' four
 * arrays come after it).  The rare count of any size (count_big) needs
 * 16 bytes a node more, which the state sets freed before counting (at
 * least 17 bytes a state) make room for. */
#define NODE_BYTES (sizeof(size_t) + 2 + 2 * sizeof(int32_t))
#define COUNT_BYTES (2 * sizeof(uint64_t) + 2 * sizeof(uint32_t))

static size_t node_bytes(size_t cap)
{
    return cap ? cap * (NODE_BYTES + COUNT_BYTES) + (cap / 64 + 1) * 8 : 0;
}

/* Let idle time pass until someone may run or the run is over. */
static int settle(struct sim *s, int *ch)
{
    int n;

    while ((n = sim_choices(s, ch)) == 0 && sim_status(s) == TRACE_RUNNING)
        sim_step(s);
    return n;
}

static int turn(struct sim *s, int t, int *ch)
{
    sim_force(s, t);
    sim_step(s);
    return settle(s, ch);
}

/* ---- the reduction ------------------------------------------------------------

 * Partial-order reduction with persistent sets of one task, in the manner
 * of Valmari's stubborn sets and Godefroid's persistent sets, made to keep
 * the fewest preemptions.  An op is private when it touches only its own
 * task's state: locals, stack, frames, a tick of its compute() - OP_LIST's
 * OPF_PRIVATE and the call kinds of program_access(); a module variable in
 * processes mode, where each process has its own copy.  Everything else is
 * a shared access: a module variable, a lock, the output.  A private op
 * commutes with every op of every other task - same state either way, and
 * neither enables nor disables the other - as long as every turn lasts a
 * tick and no timer is pending that a shift by a tick would move; so a
 * search that meets a timer (sleep, io, an await's yield, a process still
 * being started) is not reduced.
 *
 * The reduced graph branches only where the task on the CPU is about to
 * make a shared access (or none is on it); an edge is one task's turns from
 * there: on through its private ops to its next shared access, that access,
 * and on through private ops until it is about to make another (or it
 * ends, blocks, or MACRO_TURNS pass).  Everything the full search finds it
 * finds, exactly (outcome, deadlock, failure; the search is only on turn
 * order, the VM is the same):
 * - Terminal states.  Take any schedule.  Where it switches away from a
 *   task A whose next op is private, move A's private ops up to its next
 *   shared access forward to where A was switched out; where a task runs
 *   only private ops and is switched out before its next shared access,
 *   move those ops back to just before that access.  Each move crosses only
 *   ops of other tasks, which commute with it, so the schedule ends in the
 *   same state; the result is a path of the reduced graph.
 * - Fewest preemptions.  A move never adds one: where ops leave, the switch
 *   P -> A -> Q becomes P -> Q, which costs what P -> A cost (P's being
 *   able to run on does not depend on A); where they arrive, A now runs on
 *   instead of being preempted, and is switched out, at most once, later.
 *   So each outcome's fewest preemptions, and the outcomes a bound of K
 *   allows, are the full search's, and every witness is a real schedule
 *   that `run --schedule` replays.
 * - Counts.  Every edge makes exactly one shared access or ends its task,
 *   and the task chosen decides which, so paths to an outcome are in one to
 *   one correspondence with the orders in which the tasks' shared accesses
 *   (and ends) can happen on the way to it: the count shown when reduced.
 *   (An edge cut short in a long private run leads to a state where only
 *   its task may go on, which changes no count.)
 * Only where turns can go to any ready task (threads, processes); under
 * the GIL and in asyncio the scheduler already branches only at its
 * checkpoints and awaits, and the full search is kept.
 */

/* An edge ends after this many turns even in the middle of a private run
 * (a long compute(), a loop that never touches anything shared), at a
 * state where only its task goes on: a loop that never ends is then found
 * as a cycle, or fills the memory budget, as fast as in the full search. */
enum { MACRO_TURNS = 256 };

/* Task t's next turn may touch what others share. */
static int next_shared(const struct explorer *x, int t)
{
    int sh;

    if (sim_task_busy(x->s, t) > 0)
        return 0;       /* a tick of compute() */
    sh = x->shared[vm_pc(sim_task_vm(x->s, t))];
    /* an op that fails inside a with block releases what it entered */
    return sh ? sh : sim_task_leaves_with(x->s, t);
}

/* A task waits for a timer (a sleep, a process being started): moving an
 * op by a tick could move what the timer wakes, and the reduction does
 * not hold. */
static int timer_pending(const struct explorer *x)
{
    for (int t = 0; t < x->ntasks; t++)
        if (sim_task_wake(x->s, t) >= 0)
            return 1;
    return 0;
}

/* One edge: task t's turn, or in the reduced graph its turns as the
 * comment above says.  Returns the choices after it; *len: its turns. */
static int edge(struct explorer *x, int t, int *ch, uint32_t *len)
{
    int n, done = 0;
    uint32_t k = 0;

    if (!x->reduce) {
        *len = 1;
        return turn(x->s, t, ch);
    }
    if (timer_pending(x))
        x->timed = 1;
    for (;;) {
        int sh = next_shared(x, t);

        if (sh && done)
            break;
        if (sh && x->shared[vm_pc(sim_task_vm(x->s, t))] == 2)
            x->timed = 1;   /* the reduction does not hold */
        done |= sh;
        /* While t keeps the CPU it is a choice, and no time is idle: the
         * choices are needed only at the end. */
        sim_force(x->s, t);
        sim_step(x->s);
        k++;
        if (sim_status(x->s) != TRACE_RUNNING || sim_task_cpu(x->s, t) < 0 ||
            k >= MACRO_TURNS)
            break;
    }
    n = settle(x->s, ch);
    if (timer_pending(x))
        x->timed = 1;
    if (k >= MACRO_TURNS && n > 0 && sim_task_cpu(x->s, t) >= 0 &&
        !next_shared(x, t)) {
        /* Cut short, in a long private run: t alone goes on from here, as
         * it would have, so every count stays exact. */
        ch[0] = t;
        n = 1;
    }
    *len = k;
    return n;
}

/* What tells one final state from another as an outcome: how the run
 * ended, all memory, and how each task ended (where it failed, which lock
 * it waits for). */
static void oc_key(struct explorer *x, struct strbuf *k)
{
    unsigned char st = (unsigned char)sim_status(x->s);

    sb_clear(k);
    sb_add(k, (const char *)&st, 1);
    for (int sp = 0; sp < x->nspaces; sp++)
        for (int g = 0; g < x->nglobals; g++) {
            int64_t v = sim_global(x->s, sp, g);

            sb_add(k, (const char *)&v, sizeof(v));
        }
    for (int t = 0; t < x->ntasks; t++) {
        int32_t f[2] = {sim_task_state(x->s, t), 0};

        if (f[0] == TS_FAILED)
            f[1] = (int32_t)vm_pc(sim_task_vm(x->s, t));
        else if (f[0] == TS_LOCK_WAIT)
            f[1] = sim_task_lock(x->s, t);
        sb_add(k, (const char *)f, sizeof(f));
    }
}

/* The outcome of the final state the sim is in. */
static int32_t outcome_here(struct explorer *x)
{
    struct strbuf k;
    int added;
    uint32_t id;

    sb_init(&k);
    oc_key(x, &k);
    id = keyset_get(&x->okeys, k.s, (uint32_t)k.len, 1, &added);
    sb_done(&k);
    if (added) {
        struct oc *o;

        if (MEM_GROW(x->oc, x->cap_oc, x->noc + 1) < 0)
            x->oom = 1;
        o = &x->oc[x->noc++];
        memset(o, 0, sizeof(*o));
        o->status = sim_status(x->s);
        o->final = xmalloc(sizeof(int64_t) *
                           (size_t)(x->nspaces * x->nglobals + 1));
        for (int sp = 0; sp < x->nspaces; sp++)
            for (int g = 0; g < x->nglobals; g++)
                o->final[sp * x->nglobals + g] = sim_global(x->s, sp, g);
        o->best = -1;
        o->best_node = NONE;
        schedule_init(&o->path);
    }
    return (int32_t)id;
}

static uint32_t add_node(struct explorer *x, int n, const int *ch)
{
    uint32_t id = (uint32_t)x->nnodes++;

    if (x->nnodes > x->cap_nodes) {
        size_t cap = x->cap_nodes ? x->cap_nodes * 2 : 1024;

        if (mem_charge(node_bytes(cap) - node_bytes(x->cap_nodes)) < 0) {
            x->oom = 1;
            mem_force(node_bytes(cap) - node_bytes(x->cap_nodes));
        }
        x->estart = xrealloc(x->estart, cap * sizeof(*x->estart));
        x->nedge = xrealloc(x->nedge, cap * sizeof(*x->nedge));
        x->cur = xrealloc(x->cur, cap * sizeof(*x->cur));
        x->outc = xrealloc(x->outc, cap * sizeof(*x->outc));
        x->post = xrealloc(x->post, cap * sizeof(*x->post));
        x->onpath = xrealloc(x->onpath, (cap / 64 + 1) * sizeof(*x->onpath));
        memset(x->onpath + x->cap_nodes / 64, 0,
               (cap / 64 + 1 - x->cap_nodes / 64) * sizeof(*x->onpath));
        x->cap_nodes = cap;
    }
    if (x->nedges + (size_t)n > x->cap_edges) {
        size_t old = x->cap_edges;

        if (MEM_GROW(x->child, x->cap_edges, x->nedges + (size_t)n) < 0)
            x->oom = 1;
        x->etask = xrealloc(x->etask, x->cap_edges);  /* same capacity */
        mem_force(x->cap_edges - old);
        if (x->reduce) {
            x->elen = xrealloc(x->elen, x->cap_edges * sizeof(*x->elen));
            mem_force((x->cap_edges - old) * sizeof(*x->elen));
        }
    }
    x->estart[id] = x->nedges;
    x->nedge[id] = (uint8_t)n;
    x->cur[id] = (int8_t)(n > 0 && sim_task_cpu(x->s, ch[0]) >= 0 ? ch[0] : -1);
    x->outc[id] = n == 0 ? outcome_here(x) : -1;
    if (n == 0)
        x->post[x->npost++] = id;   /* a leaf is finished at once */
    for (int i = 0; i < n; i++) {
        x->child[x->nedges + (size_t)i] = NONE;
        x->etask[x->nedges + (size_t)i] = (uint8_t)ch[i];
    }
    x->nedges += (size_t)n;
    return id;
}

static void push_frame(struct explorer *x, uint32_t node, int p, int n,
                       const int *ch)
{
    struct frame *f;
    size_t d = x->depth;

    if (MEM_GROW(x->fr, x->cap_fr, d + 1) < 0)
        x->oom = 1;
    f = &x->fr[d];
    f->node = node;
    f->p = p;
    f->n = (uint8_t)n;
    f->next = 0;
    f->taken = 0;
    f->cur = (int8_t)(n > 0 && sim_task_cpu(x->s, ch[0]) >= 0 ? ch[0] : -1);
    f->choff = x->chlen;
    if (MEM_GROW(x->chs, x->chcap, x->chlen + (size_t)n) < 0)
        x->oom = 1;
    for (int i = 0; i < n; i++)
        x->chs[x->chlen++] = (uint8_t)ch[i];
    /* A state is needed again only if another turn follows the first. */
    if (d == 0 || (n >= 2 && (d < SAVE_DENSE_DEPTH ||
                              d - x->fr[d - 1].base >= SAVE_STRIDE))) {
        size_t size = sim_state_size(x->s);

        if (MEM_GROW(x->ck, x->ckcap, x->cklen + size) < 0)
            x->oom = 1;
        sim_save(x->s, x->ck + x->cklen);
        f->ck = x->cklen;
        f->base = d;
        x->cklen += size;
    } else {
        f->ck = SIZE_MAX;
        f->base = x->fr[d - 1].base;
    }
    x->depth = d + 1;
    x->at = d;
    if (!x->lim.naive) {
        /* x->key and x->ids are this state's: memo_node just made them. */
        x->onpath[node / 64] |= UINT64_C(1) << (node % 64);
        f->canoff = x->cslen;
        if (MEM_GROW(x->cstack, x->cscap, x->cslen + x->key.len) < 0)
            x->oom = 1;
        memcpy(x->cstack + x->cslen, x->key.s, x->key.len);
        x->cslen += x->key.len;
        if (MEM_GROW(x->idstack, x->idcap, (d + 1) * (size_t)x->nparts) < 0)
            x->oom = 1;
        memcpy(x->idstack + d * (size_t)x->nparts, x->ids,
               sizeof(uint32_t) * (size_t)x->nparts);
    }
}

static void pop_frame(struct explorer *x)
{
    struct frame *f = &x->fr[--x->depth];

    if (!x->lim.naive) {
        x->onpath[f->node / 64] &= ~(UINT64_C(1) << (f->node % 64));
        x->post[x->npost++] = f->node;
        x->cslen = f->canoff;
    }
    if (f->ck != SIZE_MAX)
        x->cklen = f->ck;
    x->chlen = f->choff;
    if (x->at == x->depth)
        x->at = SIZE_MAX;
}

/* Put the sim in the state of frame d: restore the nearest saved state at
 * or above it and replay the turns from there. */
static void restore_frame(struct explorer *x, size_t d)
{
    size_t b = x->fr[d].base;
    int ch[LESSON_MAX_TASKS];

    uint32_t len;

    sim_restore(x->s, x->ck + x->fr[b].ck);
    for (size_t j = b; j < d; j++)
        edge(x, x->fr[j].taken, ch, &len);
    x->at = d;
}

static int progress(struct explorer *x, int64_t n)
{
    if (x->lim.progress && n % PROGRESS_EVERY == 0 &&
        x->lim.progress(x->lim.progress_arg, n)) {
        x->stop = EXPLORE_CANCELLED;
        return 1;
    }
    return 0;
}

/* Naive search: a final state ends one schedule. */
static void naive_final(struct explorer *x, int p)
{
    int32_t i = outcome_here(x);   /* may move x->oc */
    struct oc *o = &x->oc[i];

    big_add_u64(&o->count, 1);
    if (o->best < 0 || p < o->best) {
        o->best = p;
        schedule_done(&o->path);
        for (size_t j = 0; j < x->depth; j++)
            schedule_add(&o->path, x->fr[j].taken, 1);
    }
}

static size_t put_varint(unsigned char *p, uint64_t u)
{
    size_t n = 0;

    while (u >= 0x80) {
        p[n++] = (unsigned char)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (unsigned char)u;
    return n;
}

static uint64_t get_varint(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint64_t u = 0;
    int shift = 0;

    do
        u |= (uint64_t)(*p & 0x7F) << shift, shift += 7;
    while (*p++ & 0x80);
    *pp = p;
    return u;
}

/* The key of the state the sim is in: the ids of its parts, then the
 * preemptions used if the search is bounded. */
/* memcmp(a, b, n) == 0 for the short parts of sim_canon, without a call. */
static int same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
    uint64_t u, v;

    for (; n >= 8; a += 8, b += 8, n -= 8) {
        memcpy(&u, a, 8);
        memcpy(&v, b, 8);
        if (u != v)
            return 0;
    }
    while (n-- > 0)
        if (*a++ != *b++)
            return 0;
    return 1;
}

static uint32_t state_key(struct explorer *x, int p, size_t parent,
                          unsigned char *key)
{
    const unsigned char *c, *end, *pc = NULL;
    const uint32_t *pid = NULL;
    uint32_t k = 0;
    int added, j = 0;

    sim_canon(x->s, &x->key);
    c = (const unsigned char *)x->key.s;
    end = c + x->key.len;
    if (parent != SIZE_MAX) {
        pc = x->cstack + x->fr[parent].canoff;
        pid = x->idstack + parent * (size_t)x->nparts;
    }
    while (c < end && j <= LESSON_MAX_TASKS) {
        uint32_t n = (uint32_t)get_varint(&c), id;

        if (pc) {
            uint32_t pn = (uint32_t)get_varint(&pc);

            if (pn == n && same_bytes(pc, c, n))
                id = pid[j];
            else
                id = keyset_get(&x->parts, c, n, 1, &added);
            pc += pn;
        } else {
            id = keyset_get(&x->parts, c, n, 1, &added);
        }
        x->ids[j++] = id;
        k += (uint32_t)put_varint(key + k, id);
        c += n;
    }
    if (x->lim.max_preemptions >= 0)
        k += (uint32_t)put_varint(key + k, (uint64_t)p);
    return k;
}

/* The state the sim is in after a turn: its node, or NONE if the search
 * must stop.  *fresh: first time seen. */
static uint32_t memo_node(struct explorer *x, int p, size_t parent, int n,
                          const int *ch, int *fresh)
{
    unsigned char key[(LESSON_MAX_TASKS + 2) * 5];
    uint32_t len = state_key(x, p, parent, key), id;

    if (x->states.count >= (uint64_t)x->lim.max_states) {
        id = stateset_get(&x->states, key, len, 0, fresh);
        if (id == NONE)
            x->stop = EXPLORE_MAX_STATES;
        return id;
    }
    id = stateset_get(&x->states, key, len, 1, fresh);
    if (*fresh) {
        add_node(x, n, ch);
        progress(x, (int64_t)x->nnodes);   /* a stop ends the search loop */
    }
    return id;
}

static void search(struct explorer *x)
{
    int ch[LESSON_MAX_TASKS], n, naive = x->lim.naive;
    int bound = x->lim.max_preemptions;

    n = settle(x->s, ch);
    if (naive) {
        x->visits = 1;
        if (n == 0) {
            naive_final(x, 0);
            return;
        }
        push_frame(x, 0, 0, n, ch);
    } else {
        int fresh;
        uint32_t root = memo_node(x, 0, SIZE_MAX, n, ch, &fresh);

        if (n > 0 && root != NONE)
            push_frame(x, root, 0, n, ch);
    }
    while (x->depth > 0 && x->stop == EXPLORE_DONE) {
        size_t d = x->depth - 1;
        struct frame *f = &x->fr[d];
        int i, t, p, fresh;
        uint32_t id, len;

        if (x->oom || x->parts.refused || x->states.refused ||
            x->okeys.refused) {
            x->stop = EXPLORE_MEMORY;
            break;
        }

        if (f->next == f->n) {
            pop_frame(x);
            continue;
        }
        i = f->next++;
        t = x->chs[f->choff + (size_t)i];
        p = f->p + (f->cur >= 0 && t != f->cur);
        if (bound >= 0 && p > bound)
            continue;   /* that schedule needs more preemptions */
        if (x->at != d)
            restore_frame(x, d);
        f->taken = (uint8_t)t;
        n = edge(x, t, ch, &len);
        x->transitions += len;
        x->at = SIZE_MAX;
        if (x->timed) {
            x->stop = EXPLORE_CANCELLED;    /* explore_run searches again */
            break;
        }
        if (naive) {
            if (x->visits >= x->lim.max_states) {
                x->stop = EXPLORE_MAX_STATES;
                break;
            }
            x->visits++;
            if (progress(x, x->visits))
                break;
            if (n == 0)
                naive_final(x, p);
            else
                push_frame(x, 0, p, n, ch);
            continue;
        }
        id = memo_node(x, p, d, n, ch, &fresh);
        if (id == NONE)
            break;
        x->child[x->estart[x->fr[d].node] + (size_t)i] = id;
        if (x->reduce)
            x->elen[x->estart[x->fr[d].node] + (size_t)i] = len;
        if (fresh && n > 0)
            push_frame(x, id, p, n, ch);
        else if (!fresh && x->onpath[id / 64] >> (id % 64) & 1)
            x->cyclic = 1;
    }
    /* Stopped early: what is left on the path finishes now, innermost
     * first, so that the finishing order stays a topological one. */
    while (x->depth > 0)
        pop_frame(x);
}

/* ---- counting schedules ------------------------------------------------------ */

/* A topological order of the nodes that no cycle leads to; returns how
 * many there are.  Without cycles that is every node, in the reverse of
 * the order in which the search finished them.  With cycles, Kahn's
 * algorithm: a node is released once all the edges into it are, so those
 * on or after a cycle never are. */
static size_t topo_order(struct explorer *x, uint32_t *order)
{
    size_t n = x->nnodes, head = 0, tail = 0;
    uint32_t *indeg;

    if (!x->cyclic && x->npost == n) {
        for (size_t i = 0; i < n; i++)
            order[i] = x->post[n - 1 - i];
        return n;
    }
    indeg = xcalloc(n + 1, sizeof(*indeg));
    for (size_t e = 0; e < x->nedges; e++)
        if (x->child[e] != NONE)
            indeg[x->child[e]]++;
    if (n > 0 && indeg[0] == 0)
        order[tail++] = 0;
    while (head < tail) {
        uint32_t v = order[head++];
        size_t e0 = x->estart[v];

        for (size_t e = e0; e < e0 + x->nedge[v]; e++) {
            uint32_t w = x->child[e];

            if (w != NONE && --indeg[w] == 0)
                order[tail++] = w;
        }
    }
    free(indeg);
    return tail;
}

static void big_add_u128(struct big *a, uint64_t lo, uint64_t hi)
{
    struct big b = {{lo, hi}, NULL, hi ? 2 : lo != 0, 0};

    big_add(a, &b);
}

/* Paths into every node, pushed along the edges in topological order, in
 * 128 bits: enough for most scenes, and twice as fast as any size.
 * Returns 0 (having counted nothing) if a count does not fit. */
static int count_fast(struct explorer *x, const uint32_t *order, size_t norder,
                      struct big *total, struct big *tree)
{
    uint64_t (*cnt)[2] = xcalloc(x->nnodes + 1, sizeof(*cnt));

    if (norder > 0)
        cnt[order[0]][0] = 1;
    for (size_t i = 0; i < norder; i++) {
        uint32_t v = order[i];
        uint64_t lo = cnt[v][0], hi = cnt[v][1];
        size_t e0 = x->estart[v];

        for (size_t e = e0; e < e0 + x->nedge[v]; e++) {
            uint32_t w = x->child[e];
            uint64_t l, h;

            if (w == NONE)
                continue;
            l = cnt[w][0] + lo;
            h = cnt[w][1] + hi;
            if (h < hi || h + (l < lo) < h) {
                free(cnt);
                return 0;
            }
            h += l < lo;
            cnt[w][0] = l;
            cnt[w][1] = h;
        }
    }
    for (size_t i = 0; i < norder; i++) {
        uint32_t v = order[i];

        if (x->outc[v] >= 0) {
            big_add_u128(&x->oc[x->outc[v]].count, cnt[v][0], cnt[v][1]);
            big_add_u128(total, cnt[v][0], cnt[v][1]);
        }
        big_add_u128(tree, cnt[v][0], cnt[v][1]);
    }
    free(cnt);
    return 1;
}

/* The same with counts of any size. */
static void count_big(struct explorer *x, const uint32_t *order, size_t norder,
                      struct big *total, struct big *tree)
{
    struct big *cnt = xcalloc(x->nnodes + 1, sizeof(*cnt));

    if (norder > 0)
        big_add_u64(&cnt[order[0]], 1);
    for (size_t i = 0; i < norder; i++) {
        uint32_t v = order[i];
        size_t e0 = x->estart[v];

        for (size_t e = e0; e < e0 + x->nedge[v]; e++)
            if (x->child[e] != NONE)
                big_add(&cnt[x->child[e]], &cnt[v]);
        if (x->outc[v] >= 0) {
            big_add(&x->oc[x->outc[v]].count, &cnt[v]);
            big_add(total, &cnt[v]);
        }
        big_add(tree, &cnt[v]);
        big_done(&cnt[v]);  /* every edge into v has been counted */
    }
    free(cnt);
}

/* The schedules into every final state.  Nodes that a cycle leads to have
 * infinitely many. */
static void count_paths(struct explorer *x, struct explore_result *r,
                        struct big *total, struct big *tree)
{
    uint32_t *order = xmalloc(sizeof(*order) * (x->nnodes + 1));
    size_t norder = topo_order(x, order);

    if (norder < x->nnodes) {
        uint8_t *in = xcalloc(x->nnodes + 1, 1);

        r->endless = 1;
        for (size_t i = 0; i < norder; i++)
            in[order[i]] = 1;
        for (size_t v = 0; v < x->nnodes; v++)
            if (!in[v] && x->outc[v] >= 0)
                x->oc[x->outc[v]].infinite = 1;
        free(in);
    }
    if (!count_fast(x, order, norder, total, tree))
        count_big(x, order, norder, total, tree);
    free(order);
}

/* ---- witnesses: fewest preemptions --------------------------------------------- */

struct deque {
    uint32_t *v;
    size_t cap, head, len;  /* cap is a power of two */
};

static void deque_grow(struct deque *q)
{
    size_t cap = q->cap ? q->cap * 2 : 1024;
    uint32_t *v = xmalloc(sizeof(*v) * cap);

    for (size_t i = 0; i < q->len; i++)
        v[i] = q->v[(q->head + i) & (q->cap - 1)];
    free(q->v);
    q->v = v;
    q->cap = cap;
    q->head = 0;
}

static void deque_push(struct deque *q, uint32_t v, int front)
{
    if (q->len == q->cap)
        deque_grow(q);
    if (front) {
        q->head = (q->head + q->cap - 1) & (q->cap - 1);
        q->v[q->head] = v;
    } else {
        q->v[(q->head + q->len) & (q->cap - 1)] = v;
    }
    q->len++;
}

static uint32_t deque_pop(struct deque *q)
{
    uint32_t v = q->v[q->head];

    q->head = (q->head + 1) & (q->cap - 1);
    q->len--;
    return v;
}

/* 0-1 BFS from the root: a turn that switches away from the task on the
 * CPU costs one preemption.  Each outcome's witness ends in its cheapest
 * final state (the first discovered, on ties). */
static void find_witnesses(struct explorer *x)
{
    size_t n = x->nnodes;
    uint32_t *dist = xmalloc(sizeof(*dist) * (n + 1));
    uint32_t *pred = xmalloc(sizeof(*pred) * (n + 1));
    uint32_t *pedge = xmalloc(sizeof(*pedge) * (n + 1));
    uint8_t *done = xcalloc(n + 1, 1);
    struct deque q = {NULL, 0, 0, 0};

    for (size_t v = 0; v < n; v++)
        dist[v] = NONE;
    if (n > 0) {
        dist[0] = 0;
        pred[0] = NONE;
        deque_push(&q, 0, 1);
    }
    while (q.len > 0) {
        uint32_t v = deque_pop(&q);
        size_t e0 = x->estart[v];

        if (done[v])
            continue;
        done[v] = 1;
        /* Backwards, so the first choice (the running task) is tried first. */
        for (size_t e = e0 + x->nedge[v]; e-- > e0;) {
            uint32_t w = x->child[e], c;

            if (w == NONE)
                continue;
            c = x->cur[v] >= 0 && x->etask[e] != (uint8_t)x->cur[v];
            if (dist[v] + c < dist[w]) {
                dist[w] = dist[v] + c;
                pred[w] = v;
                pedge[w] = (uint32_t)e;
                deque_push(&q, w, !c);
            }
        }
    }
    for (size_t v = 0; v < n; v++) {
        struct oc *o;

        if (x->outc[v] < 0 || dist[v] == NONE)
            continue;
        o = &x->oc[x->outc[v]];
        if (o->best < 0 || (int)dist[v] < o->best) {
            o->best = (int)dist[v];
            o->best_node = (uint32_t)v;
        }
    }
    for (size_t i = 0; i < x->noc; i++) {
        struct oc *o = &x->oc[i];
        uint32_t *edges;
        size_t len = 0;

        if (o->best_node == NONE)
            continue;
        for (uint32_t v = o->best_node; v != 0; v = pred[v])
            len++;
        edges = xmalloc(sizeof(*edges) * (len + 1));
        for (uint32_t v = o->best_node, k = (uint32_t)len; v != 0; v = pred[v])
            edges[--k] = pedge[v];
        for (size_t k = 0; k < len; k++)
            schedule_add(&o->path, x->etask[edges[k]],
                         x->elen ? x->elen[edges[k]] : 1);
        free(edges);
    }
    free(q.v);
    free(done);
    free(pedge);
    free(pred);
    free(dist);
}

/* ---- the result ------------------------------------------------------------------ */

static int status_rank(enum trace_status s)
{
    switch (s) {
    case TRACE_OK: return 0;
    case TRACE_FAILED: return 1;
    case TRACE_DEADLOCK: return 2;
    default: return 3;
    }
}

/* For sorting: the result being built, since qsort has no argument. */
struct sort_item {
    const struct oc *o;
    const unsigned char *key;
    uint32_t klen;
    int nvals;
    const struct program *P;    /* numbers are compared, not values */
};

static int cmp_outcomes(const void *pa, const void *pb)
{
    const struct sort_item *a = pa, *b = pb;
    int d = status_rank(a->o->status) - status_rank(b->o->status);

    if (d)
        return d;
    for (int i = 0; i < a->nvals; i++) {
        int64_t va = vm_num(a->P, a->o->final[i]);
        int64_t vb = vm_num(a->P, b->o->final[i]);

        if (va != vb)
            return va < vb ? -1 : 1;
    }
    if (a->klen != b->klen)
        return a->klen < b->klen ? -1 : 1;
    return memcmp(a->key, b->key, a->klen);
}

/* Where the last op of task before event ev ran. */
static void event_place(const struct program *P, const struct trace *tr,
                        const struct trace_event *ev, int *line, int *col)
{
    *line = *col = 0;
    for (size_t i = ev->op_index; i-- > 0;)
        if (trace_op_task(tr, i) == ev->task) {
            *line = P->pos[trace_op_pc(tr, i)].line;
            *col = P->pos[trace_op_pc(tr, i)].col;
            return;
        }
}

/* Replay the witness, recorded: check it ends in the outcome, and read the
 * errors and the deadlock from its trace. */
struct sim *explore_witness_sim(const struct explore_result *r, int i)
{
    return sim_new(r->L, r->scene, &r->cfg, &r->outcomes[i].witness, 1);
}

static void replay(const struct explore_result *r, struct explore_outcome *o)
{
    struct sim *s = sim_new(r->L, r->scene, &r->cfg, &o->witness, 1);
    const struct trace *tr;
    int nv = r->nspaces * r->nglobals;

    sim_run(s);
    tr = sim_trace(s);
    o->reproduced = sim_status(s) == o->status && tr->final &&
                    memcmp(tr->final, o->final, sizeof(int64_t) * (size_t)nv) == 0 &&
                    tr->switches[SWK_PREEMPT] == o->preemptions;
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        if (ev->kind == EV_ERROR) {
            struct explore_failure *f;

            o->failures = xrealloc(o->failures, sizeof(*f) *
                                   (size_t)(o->nfailures + 1));
            f = &o->failures[o->nfailures++];
            f->task = ev->task;
            event_place(r->L->prog, tr, ev, &f->line, &f->col);
            f->message = xstrdup(trace_text_at(tr, ev->arg));
        } else if (ev->kind == EV_DEADLOCK) {
            struct explore_wait *w;

            o->waits = xrealloc(o->waits, sizeof(*w) * (size_t)(o->nwaits + 1));
            w = &o->waits[o->nwaits++];
            w->task = ev->task;
            w->lock = ev->arg2;
            w->holder = ev->arg2 >= 0 || ev->arg2 == TRACE_JOIN_MARK ?
                        ev->other : -1;
            w->queue = ev->arg;
        }
    }
    sim_free(s);
}

static void build_result(struct explorer *x, struct explore_result *r,
                         const struct big *total)
{
    struct sort_item *items = xmalloc(sizeof(*items) * (x->noc + 1));
    double tot = big_double(total);
    struct strbuf sb;

    sb_init(&sb);
    for (size_t i = 0; i < x->noc; i++) {
        items[i].o = &x->oc[i];
        items[i].key = keyset_key(&x->okeys, (uint32_t)i, &items[i].klen);
        items[i].nvals = x->nspaces * x->nglobals;
        items[i].P = r->L->prog;
    }
    qsort(items, x->noc, sizeof(*items), cmp_outcomes);
    r->outcomes = xcalloc(x->noc + 1, sizeof(*r->outcomes));
    r->noutcomes = (int)x->noc;
    for (size_t i = 0; i < x->noc; i++) {
        struct oc *src = (struct oc *)items[i].o;
        struct explore_outcome *o = &r->outcomes[i];

        o->status = src->status;
        o->final = src->final;
        src->final = NULL;
        o->infinite = src->infinite;
        sb_clear(&sb);
        if (o->infinite)
            sb_puts(&sb, "infinite");
        else
            big_decimal(&src->count, &sb);
        o->schedules = xstrdup(sb.s);
        o->share = o->infinite || r->endless || tot <= 0 ? 0 :
                   big_double(&src->count) / tot;
        o->witness = src->path;
        schedule_init(&src->path);
        sb_clear(&sb);
        schedule_format(&o->witness, r->labels, &sb);
        o->witness_text = xstrdup(sb.s ? sb.s : "");
        o->witness_ticks = schedule_length(&o->witness);
        o->preemptions = src->best < 0 ? 0 : src->best;
        replay(r, o);
        r->ndeadlocks += o->status == TRACE_DEADLOCK;
        r->nfailed += o->nfailures > 0;
    }
    sb_done(&sb);
    free(items);
    r->varies = xcalloc((size_t)(r->nspaces * r->nglobals + 1), 1);
    for (int i = 0; i < r->nspaces * r->nglobals; i++)
        for (int k = 1; k < r->noutcomes; k++)
            if (r->outcomes[k].final[i] != r->outcomes[0].final[i])
                r->varies[i] = 1;
}

const char *explore_count_noun(const struct explore_result *r, int plural)
{
    if (r->reduced)
        return plural ? "orders of shared accesses" : "order of shared accesses";
    return plural ? "schedules" : "schedule";
}

const char *explore_stop_reason(const struct explore_result *r)
{
    switch (r->stop) {
    case EXPLORE_CANCELLED:
        return "cancelled";
    case EXPLORE_MAX_STATES:
        return "stopped at --max-states";
    case EXPLORE_MEMORY:
        return r->stop_text;
    case EXPLORE_DONE:
        break;
    }
    return "complete";
}

void explore_limits_init(struct explore_limits *lim)
{
    memset(lim, 0, sizeof(*lim));
    lim->max_states = 0;    /* the default of the search */
    lim->max_preemptions = -1;
}

static void explorer_done(struct explorer *x)
{
    mem_uncharge(node_bytes(x->cap_nodes) + x->cap_edges * 5 +
                 (x->elen ? x->cap_edges * sizeof(*x->elen) : 0) +
                 x->cap_fr * sizeof(*x->fr) + x->chcap + x->ckcap +
                 x->cscap + x->idcap * sizeof(*x->idstack) +
                 x->cap_oc * sizeof(*x->oc));
    sim_free(x->s);
    stateset_done(&x->states);
    keyset_done(&x->parts);
    keyset_done(&x->okeys);
    free(x->estart);
    free(x->nedge);
    free(x->cur);
    free(x->outc);
    free(x->child);
    free(x->etask);
    free(x->elen);
    free(x->shared);
    free(x->post);
    free(x->onpath);
    free(x->cstack);
    free(x->idstack);
    free(x->fr);
    free(x->ck);
    free(x->chs);
    for (size_t i = 0; i < x->noc; i++) {
        free(x->oc[i].final);
        big_done(&x->oc[i].count);
        schedule_done(&x->oc[i].path);
    }
    free(x->oc);
    sb_done(&x->key);
}

/* Per pc: 0 private, 1 may touch what other tasks share, 2 a timed wait
 * as well (program_access; in processes mode each process has its own
 * module variables). */
static uint8_t *shared_map(const struct program *P, enum mode mode)
{
    uint8_t *m = xmalloc(P->ncode + 1);

    for (uint32_t pc = 0; pc < P->ncode; pc++) {
        int a = program_access(P, pc);

        if (mode == MODE_PROCESSES)
            a &= ~ACCESS_GLOBAL;
        m[pc] = (uint8_t)(a & ACCESS_TIMED ? 2 : a != 0);
    }
    return m;
}

/* One search, full or reduced, into a new result. */
static struct explore_result *explore_pass(const struct lesson *L, int scene,
                                           const struct scene_config *cfg,
                                           const struct explore_limits *lim,
                                           int reduce, int *timed)
{
    struct explore_result *r = xcalloc(1, sizeof(*r));
    struct explorer x;
    struct schedule none;
    struct big total, tree;
    struct scene_config run_cfg;
    const struct scene *sc = &L->scenes[scene];
    struct strbuf sb;

    memset(&x, 0, sizeof(x));
    memset(&total, 0, sizeof(total));
    memset(&tree, 0, sizeof(tree));
    x.lim = *lim;
    x.reduce = reduce;
    r->L = L;
    r->scene = scene;
    r->cfg = *cfg;
    r->cfg.schedule = NULL;     /* the explorer chooses every turn */
    r->max_preemptions = x.lim.max_preemptions < 0 ? -1 : x.lim.max_preemptions;
    r->naive = x.lim.naive != 0;
    r->reduced = reduce;
    r->ntasks = sc->ntasks;
    for (int t = 0; t < sc->ntasks; t++)
        r->labels[t] = sc->tasks[t].label;

    /* An empty script: one CPU, turns as sim_force gives them, exactly as
     * `run --schedule` will replay a witness.  Loops that never end are
     * found as cycles, so the step budget must not cut a path short. */
    run_cfg = r->cfg;
    run_cfg.budget = INT64_MAX / 2;
    schedule_init(&none);
    x.s = sim_new(L, scene, &run_cfg, &none, 0);
    x.ntasks = sim_ntasks(x.s);
    x.nparts = x.ntasks + 1;
    x.nspaces = r->nspaces = sim_nspaces(x.s);
    x.nglobals = r->nglobals = L->prog->nglobals;
    if (reduce)
        x.shared = shared_map(L->prog, cfg->mode);
    stateset_init(&x.states);
    keyset_init(&x.parts);
    keyset_init(&x.okeys);
    sb_init(&x.key);
    x.at = SIZE_MAX;

    search(&x);
    *timed = x.timed;
    if (x.timed) {      /* the caller searches again, unreduced */
        explorer_done(&x);
        return r;
    }
    r->stop = x.stop;
    if (x.stop == EXPLORE_MEMORY) {
        sb_init(&sb);
        mem_limit_message(&sb, "the search");
        r->stop_text = sb_steal(&sb);
    }
    r->complete = x.stop == EXPLORE_DONE;
    r->transitions = x.transitions;
    if (x.lim.naive) {
        r->states = x.visits;
        for (size_t i = 0; i < x.noc; i++)
            big_add(&total, &x.oc[i].count);
        big_add_u64(&tree, (uint64_t)x.visits);
    } else {
        r->states = (int64_t)x.nnodes;
        /* The keys are the bulk of the memory; the graph is all we need. */
        stateset_done(&x.states);
        keyset_done(&x.parts);
        count_paths(&x, r, &total, &tree);
        find_witnesses(&x);
    }
    sb_init(&sb);
    if (r->endless)
        sb_puts(&sb, "infinite");
    else
        big_decimal(&total, &sb);
    r->schedules = sb_steal(&sb);
    r->tree_nodes = r->endless || reduce ? 0 : big_double(&tree);
    build_result(&x, r, &total);
    big_done(&total);
    big_done(&tree);
    explorer_done(&x);
    return r;
}

/* Turns can go to any ready task at any op: where the reduction applies. */
static int reducible(const struct scene_config *cfg)
{
    return cfg->mode == MODE_THREADS || cfg->mode == MODE_PROCESSES;
}

/* EXPLORE_REDUCE_AUTO on two cores: the full search, up to
 * EXPLORE_FULL_STATES, on a thread of its own, and the reduced search on
 * this one.  Which result is kept depends only on whether the full search
 * completed, never on which finished first, so the answer is the same
 * whatever the timing: the full one if it completed (the reduced search is
 * then stopped), else the reduced one.  The caller's progress callback
 * hears from the reduced search, and stopping it stops both. */
struct both {
    const struct lesson *L;
    int scene;
    const struct scene_config *cfg;
    struct explore_limits full;
    struct explore_result *r;
    int timed;
    int (*progress)(void *arg, int64_t states);
    void *progress_arg;
    pthread_mutex_t lock;   /* around progress */
    atomic_int cancelled;   /* the caller asked to stop */
    atomic_int full_done;   /* the full search completed */
    atomic_int full_over;   /* the full search has stopped */
};

/* The caller's callback, one thread at a time. */
static int tell(struct both *b, int64_t states)
{
    int stop = 0;

    if (atomic_load(&b->cancelled))
        return 1;
    if (b->progress) {
        pthread_mutex_lock(&b->lock);
        stop = b->progress(b->progress_arg, states);
        pthread_mutex_unlock(&b->lock);
    }
    if (stop)
        atomic_store(&b->cancelled, 1);
    return stop;
}

static int full_progress(void *arg, int64_t states)
{
    return tell(arg, states);
}

/* The caller hears from the full search while it runs, then from this. */
static int reduced_progress(void *arg, int64_t states)
{
    struct both *b = arg;

    if (atomic_load(&b->cancelled) || atomic_load(&b->full_done))
        return 1;
    return atomic_load(&b->full_over) ? tell(b, states) : 0;
}

static void *full_thread(void *arg)
{
    struct both *b = arg;

    b->r = explore_pass(b->L, b->scene, b->cfg, &b->full, 0, &b->timed);
    if (b->r->complete)
        atomic_store(&b->full_done, 1);
    atomic_store(&b->full_over, 1);
    return NULL;
}

/* NULL: the reduced search must run again on its own (the thread could
 * not start, or the reduced search met a timed wait). */
static struct explore_result *explore_both(const struct lesson *L, int scene,
                                           const struct scene_config *cfg,
                                           const struct explore_limits *full,
                                           const struct explore_limits *reduced)
{
    struct both b;
    struct explore_limits red = *reduced;
    struct explore_result *r;
    pthread_t th;
    int timed = 0;

    memset(&b, 0, sizeof(b));
    b.L = L;
    b.scene = scene;
    b.cfg = cfg;
    b.full = *full;
    if (b.full.max_states > EXPLORE_FULL_STATES)
        b.full.max_states = EXPLORE_FULL_STATES;
    b.full.progress = full_progress;
    b.full.progress_arg = &b;
    b.progress = reduced->progress;
    b.progress_arg = reduced->progress_arg;
    atomic_init(&b.cancelled, 0);
    atomic_init(&b.full_done, 0);
    atomic_init(&b.full_over, 0);
    pthread_mutex_init(&b.lock, NULL);
    if (pthread_create(&th, NULL, full_thread, &b) != 0) {
        pthread_mutex_destroy(&b.lock);
        return NULL;
    }
    red.progress = reduced_progress;
    red.progress_arg = &b;
    r = explore_pass(L, scene, cfg, &red, 1, &timed);
    pthread_join(th, NULL);
    pthread_mutex_destroy(&b.lock);
    if (!atomic_load(&b.cancelled) && b.r->stop == EXPLORE_MEMORY) {
        /* The two shared one memory budget: what the full search would
         * have done alone must not depend on the timing. */
        explore_free(b.r);
        b.full.progress = b.progress;
        b.full.progress_arg = b.progress_arg;
        b.r = explore_pass(L, scene, cfg, &b.full, 0, &b.timed);
    }
    if (b.r->complete || atomic_load(&b.cancelled)) {
        explore_free(r);
        return b.r;
    }
    explore_free(b.r);
    if (timed || r->stop == EXPLORE_MEMORY) {
        explore_free(r);    /* search again, alone */
        return NULL;
    }
    return r;
}

struct explore_result *explore_run(const struct lesson *L, int scene,
                                   const struct scene_config *cfg,
                                   const struct explore_limits *lim)
{
    struct explore_limits l, full, reduced;
    struct explore_result *r;
    int timed = 0;

    if (lim)
        l = *lim;
    else
        explore_limits_init(&l);
    if (l.max_preemptions > EXPLORE_MAX_PREEMPTION_BOUND)
        l.max_preemptions = EXPLORE_MAX_PREEMPTION_BOUND;
    full = reduced = l;
    if (l.max_states <= 0) {
        full.max_states = EXPLORE_DEFAULT_MAX_STATES;
        reduced.max_states = EXPLORE_DEFAULT_MAX_REDUCED;
    }
    if (reduced.max_states > (int64_t)NONE - 1)
        full.max_states = reduced.max_states = (int64_t)NONE - 1;
    if (l.naive || l.reduce == EXPLORE_REDUCE_OFF || !reducible(cfg))
        return explore_pass(L, scene, cfg, &full, 0, &timed);
    if (l.reduce == EXPLORE_REDUCE_AUTO &&
        (r = explore_both(L, scene, cfg, &full, &reduced)) != NULL)
        return r;
    r = explore_pass(L, scene, cfg, &reduced, 1, &timed);
    if (!timed)
        return r;
    explore_free(r);
    return explore_pass(L, scene, cfg, &full, 0, &timed);
}

void explore_free(struct explore_result *r)
{
    if (!r)
        return;
    free(r->stop_text);
    for (int i = 0; i < r->noutcomes; i++) {
        struct explore_outcome *o = &r->outcomes[i];

        free(o->final);
        for (int k = 0; k < o->nfailures; k++)
            free(o->failures[k].message);
        free(o->failures);
        free(o->waits);
        free(o->schedules);
        schedule_done(&o->witness);
        free(o->witness_text);
    }
    free(r->outcomes);
    free(r->schedules);
    free(r->varies);
    free(r);
}

/* ---- words -------------------------------------------------------------------------- */

static void values_words(struct strbuf *out, const struct explore_result *r,
                         const int64_t *vals, int space, int brief, int *first)
{
    const struct program *P = r->L->prog;

    for (int g = 0; g < r->nglobals; g++) {
        int i = space * r->nglobals + g;

        if (brief && !r->varies[i])
            continue;
        sb_printf(out, "%s%s = %lld", *first ? "" : ", ", P->global_names[g],
                  (long long)vm_num(P, vals[i]));
        *first = 0;
    }
}

static int space_varies(const struct explore_result *r, int space)
{
    for (int g = 0; g < r->nglobals; g++)
        if (r->varies[space * r->nglobals + g])
            return 1;
    return 0;
}

/* The memory of an outcome: "x = 3", or per process in processes mode. */
static void memory_words(struct strbuf *out, const struct explore_result *r,
                         const int64_t *vals, int brief)
{
    int any = 0;

    for (int i = 0; i < r->nspaces * r->nglobals; i++)
        any |= r->varies[i];
    /* Memory that is the same in every outcome tells none apart (the text
     * names it once, above the table): a brief label leaves it out, so that
     * "B failed" is not cut off behind it. */
    if (!any && brief && r->noutcomes > 1)
        return;
    if (!any)
        brief = 0;
    if (r->nglobals == 0) {
        sb_puts(out, "done");
        return;
    }
    for (int sp = 0; sp < r->nspaces; sp++) {
        int first = 1;

        if (brief && !space_varies(r, sp))
            continue;
        if (r->nspaces > 1)
            sb_printf(out, "%s%s: ", out->len && out->s[out->len - 1] != ' ' ?
                      " · " : "", sp == 0 ? "main" : r->labels[sp - 1]);
        values_words(out, r, vals, sp, brief, &first);
    }
}

void explore_outcome_label(struct strbuf *out, const struct explore_result *r,
                           int i, enum explore_label how)
{
    const struct explore_outcome *o = &r->outcomes[i];
    const struct program *P = r->L->prog;
    size_t start = out->len;

    if (o->status == TRACE_DEADLOCK) {
        sb_puts(out, "deadlock");
        for (int k = 0; k < o->nwaits && how != EXPLORE_LABEL_TERSE; k++) {
            const struct explore_wait *w = &o->waits[k];

            sb_puts(out, k ? ", " : ": ");
            if (w->lock >= 0 && !sync_is_lock(P->lock_kind[w->lock])) {
                sb_printf(out, "%s waits for ", r->labels[w->task]);
                sync_wait_text(P->lock_kind[w->lock], w->queue,
                               P->lock_names[w->lock], NULL, out);
            } else if (w->lock == TRACE_JOIN_MARK) {
                sb_printf(out, "%s waits for %s to finish (join)",
                          r->labels[w->task], r->labels[w->holder]);
            } else if (w->lock >= 0)
                sb_printf(out, "%s waits for %s (held by %s)",
                          r->labels[w->task], P->lock_names[w->lock],
                          w->holder == w->task ? "itself" :
                          w->holder >= 0 ? r->labels[w->holder] : "nobody");
            else
                sb_printf(out, "%s cannot start", r->labels[w->task]);
        }
    } else if (o->status == TRACE_LIMIT) {
        sb_puts(out, "stopped at the time limit");
    }
    if (out->len > start)
        sb_puts(out, " · ");
    memory_words(out, r, o->final, how != EXPLORE_LABEL_FULL);
    for (int k = 0; k < o->nfailures; k++) {
        const struct explore_failure *f = &o->failures[k];

        sb_printf(out, "%s%s failed", out->len > start ? " · " : "",
                  r->labels[f->task]);
        if (how == EXPLORE_LABEL_TERSE)
            continue;
        sb_printf(out, ": %s", f->message);
        if (f->line > 0)
            sb_printf(out, " (line %d)", f->line);
    }
    if (out->len >= start + 4 && strcmp(out->s + out->len - 4, " \u00b7 ") == 0)
        out->len -= 4, out->s[out->len] = '\0';
    if (out->len == start)
        sb_puts(out, "done");
}

/* "1234567" as "1,234,567". */
static void thousands(struct strbuf *out, const char *digits)
{
    size_t n = strlen(digits);

    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0 && digits[0] >= '0' && digits[0] <= '9')
            sb_putc(out, ',');
        sb_putc(out, digits[i]);
    }
}

static void percent(struct strbuf *out, double share)
{
    if (share <= 0)
        sb_puts(out, "0%");
    else if (share < 0.001)
        sb_puts(out, "<0.1%");
    else if (share >= 1)
        sb_puts(out, "100%");
    else if (share > 0.999)
        sb_puts(out, ">99.9%");
    else
        sb_printf(out, "%.1f%%", share * 100);
}

enum { BAR_WIDTH = 24, TEXT_WIDTH = 78 };

/* A bar of share * BAR_WIDTH cells in eighths, never empty when the share
 * is not 0, padded to BAR_WIDTH cells. */
static void bar(struct strbuf *out, double share, int ascii)
{
    static const char *const eighth[8] = {
        "", "\u258F", "\u258E", "\u258D", "\u258C", "\u258B", "\u258A", "\u2589",
    };
    int e = (int)(share * BAR_WIDTH * 8 + 0.5), cells = 0;

    if (share > 0 && e == 0)
        e = 1;
    if (ascii) {
        cells = (e + 4) / 8;
        if (share > 0 && cells == 0) {
            sb_putc(out, '.');
            cells = 1;
        } else {
            for (int i = 0; i < cells; i++)
                sb_putc(out, '#');
        }
    } else {
        for (; e >= 8; e -= 8, cells++)
            sb_puts(out, "\u2588");
        if (e > 0) {
            sb_puts(out, eighth[e]);
            cells++;
        }
    }
    for (; cells < BAR_WIDTH; cells++)
        sb_putc(out, ' ');
}

static size_t width_of(const char *s)
{
    return utf8_width(s, strlen(s));
}

static void pad(struct strbuf *out, size_t have, size_t want)
{
    for (; have < want; have++)
        sb_putc(out, ' ');
}

/* Columns used by the text after the last newline. */
static size_t column(const struct strbuf *out)
{
    size_t i = out->len;

    while (i > 0 && out->s[i - 1] != '\n')
        i--;
    return utf8_width(out->s + i, out->len - i);
}

/* Append word, first breaking the line (indented) if it would pass
 * TEXT_WIDTH. */
static void wrap_word(struct strbuf *out, const char *word, size_t indent)
{
    if (column(out) + width_of(word) > TEXT_WIDTH && column(out) > indent) {
        while (out->len > 0 && out->s[out->len - 1] == ' ')
            out->len--;
        sb_putc(out, '\n');
        pad(out, 0, indent);
    }
    sb_puts(out, word);
}

/* Append text word by word, wrapped. */
static void wrap_text(struct strbuf *out, const char *text, size_t indent)
{
    struct strbuf w;

    sb_init(&w);
    while (*text) {
        size_t n = strcspn(text, " ");

        sb_clear(&w);
        sb_add(&w, text, n);
        if (text[n] == ' ')
            sb_putc(&w, ' ');
        wrap_word(out, w.s, indent);
        text += n + (text[n] == ' ');
    }
    sb_done(&w);
}

/* ---- text ------------------------------------------------------------------------------ */

static void count_words(struct strbuf *out, int64_t n, const char *what)
{
    char num[32];

    snprintf(num, sizeof(num), "%lld", (long long)n);
    thousands(out, num);
    sb_printf(out, " %s", what);
}

/* What the search did, in a sentence or three. */
static const char *intro(const struct explore_result *r)
{
    if (r->reduced)
        return "The explorer covered every schedule, letting the tasks "
               "change turns only where one is about to touch something "
               "another can see (a shared variable, a lock, the output): no "
               "other switch can change an outcome or save a preemption. So "
               "it counted the orders in which the shared accesses can "
               "happen, not the schedules.";
    switch (r->cfg.mode) {
    case MODE_ASYNCIO:
        return "The explorer tried every schedule: a coroutine runs until it "
               "awaits, and where coroutines are ready together (their "
               "timers ended in the same tick) it tried each of them next.";
    case MODE_GIL:
        return "The explorer tried every schedule: at every tick it let each "
               "thread that could run next run, with the GIL changing hands "
               "only at its checkpoints.";
    case MODE_SEQUENTIAL:
        return "The explorer tried every schedule: in sequential mode there "
               "is only one.";
    default:
        return "The explorer tried every schedule: at every tick it let each "
               "task that could run next run one op, whatever the quantum "
               "and the number of CPUs.";
    }
}

static void text_header(struct strbuf *out, const struct explore_result *r)
{
    const struct scene *sc = &r->L->scenes[r->scene];

    sb_printf(out, "%s — scene %s: ", r->L->title, sc->name);
    report_settings(out, &r->cfg);
    sb_puts(out, "\ntasks: ");
    for (int t = 0; t < r->ntasks; t++) {
        sb_printf(out, "%s%s = ", t ? ", " : "", r->labels[t]);
        report_call(out, r->L, r->scene, t);
    }
    sb_puts(out, "\n\n");
    wrap_text(out, intro(r), 0);
    if (r->naive)
        wrap_text(out, " It walked them one by one, without memoisation.", 0);
    if (r->max_preemptions >= 0) {
        char b[128];

        snprintf(b, sizeof(b), " It kept only schedules with at most %d "
                 "preemption%s.", r->max_preemptions,
                 r->max_preemptions == 1 ? "" : "s");
        wrap_text(out, b, 0);
    }
    sb_puts(out, "\n");
    count_words(out, r->states, r->naive ? "tree nodes, " : "states, ");
    count_words(out, r->transitions, "turns simulated: ");
    if (r->complete)
        sb_puts(out, "complete.\n");
    else
        sb_printf(out, "PARTIAL (%s).\n", explore_stop_reason(r));
}

/* "x = 0, flag = 0": the values that are the same in every outcome. */
static int common_words(struct strbuf *out, const struct explore_result *r)
{
    int n = 0;

    if (r->noutcomes < 2)
        return 0;
    for (int sp = 0; sp < r->nspaces; sp++)
        for (int g = 0; g < r->nglobals; g++) {
            int i = sp * r->nglobals + g;

            if (r->varies[i])
                continue;
            sb_printf(out, "%s%s%s%s = %lld", n ? ", " : "",
                      r->nspaces > 1 ? (sp ? r->labels[sp - 1] : "main") : "",
                      r->nspaces > 1 ? " " : "",
                      r->L->prog->global_names[g],
                      (long long)vm_num(r->L->prog,
                                        r->outcomes[0].final[i]));
            n++;
        }
    return n;
}

static void text_table(struct strbuf *out, const struct explore_result *r,
                       int ascii)
{
    struct strbuf lab, num;
    size_t wlab = 7, wnum = 9;

    sb_init(&lab);
    sb_init(&num);
    for (int i = 0; i < r->noutcomes; i++) {
        size_t w;

        sb_clear(&lab);
        explore_outcome_label(&lab, r, i, EXPLORE_LABEL_BRIEF);
        w = width_of(lab.s);
        if (w <= 32 && w > wlab)
            wlab = w;
        sb_clear(&num);
        thousands(&num, r->outcomes[i].schedules);
        if (num.len > wnum)
            wnum = num.len;
    }
    sb_printf(out, "\n%d outcome%s", r->noutcomes, r->noutcomes == 1 ? "" : "s");
    if (!r->endless) {
        sb_clear(&num);
        thousands(&num, r->schedules);
        sb_printf(out, " of %s %s", num.s, explore_count_noun(r,
                  strcmp(r->schedules, "1") != 0));
    }
    sb_puts(out, ":\n");
    sb_clear(&lab);
    if (common_words(&lab, r) > 0) {
        sb_puts(out, "(the same in every outcome: ");
        wrap_text(out, lab.s, 2);
        sb_puts(out, ")\n");
    }
    sb_puts(out, "\n  outcome");
    pad(out, 7, wlab + 2);
    sb_puts(out, r->reduced ? "share of orders" : "share of schedules");
    pad(out, r->reduced ? 15 : 18, BAR_WIDTH + 8);
    pad(out, 9, wnum);
    sb_puts(out, r->reduced ? "   orders" : "schedules");
    sb_puts(out, "  preemptions  witness\n");
    for (int i = 0; i < r->noutcomes; i++) {
        const struct explore_outcome *o = &r->outcomes[i];
        size_t w;

        sb_clear(&lab);
        explore_outcome_label(&lab, r, i, EXPLORE_LABEL_BRIEF);
        w = width_of(lab.s);
        sb_puts(out, "  ");
        if (w > wlab) {
            wrap_text(out, lab.s, 4);
            sb_puts(out, "\n  ");
            w = 0;
        } else {
            sb_puts(out, lab.s);
        }
        pad(out, w, wlab + 2);
        if (o->infinite || r->endless) {
            sb_puts(out, o->infinite ? "(through a loop)" : "");
            pad(out, o->infinite ? 16 : 0, BAR_WIDTH + 8);
        } else {
            size_t start;

            bar(out, o->share, ascii);
            sb_putc(out, ' ');
            start = out->len;
            percent(out, o->share);
            pad(out, out->len - start, 7);
        }
        sb_clear(&num);
        thousands(&num, o->schedules);
        pad(out, num.len, wnum);
        sb_printf(out, "%s  %11d  %s", num.s, o->preemptions, o->witness_text);
        if (!o->reproduced)
            sb_puts(out, "  (its replay differs: raise the scene's budget)");
        sb_putc(out, '\n');
    }
    sb_done(&num);
    sb_done(&lab);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

/* For each bound K up to the most preemptions a witness needs: the
 * outcomes a search with --max-preemptions K finds. */
static void text_bounds(struct strbuf *out, const struct explore_result *r)
{
    int *ps = xmalloc(sizeof(int) * (size_t)(r->noutcomes + 1)), n = 0;
    struct strbuf lab;

    sb_init(&lab);
    for (int i = 0; i < r->noutcomes; i++)
        ps[n++] = r->outcomes[i].preemptions;
    qsort(ps, (size_t)n, sizeof(int), cmp_int);
    sb_puts(out, "\nWith at most K preemptions (--max-preemptions K):\n");
    for (int k = 0, seen = 0; k < n; k++) {
        int K = ps[k], first = 1;

        if (k > 0 && ps[k - 1] == K)
            continue;
        for (int i = 0; i < r->noutcomes; i++)
            seen += r->outcomes[i].preemptions == K;
        sb_printf(out, "  K = %-3d %3d outcome%s  %s", K, seen,
                  seen == 1 ? " " : "s", k > 0 ? "+ " : "");
        for (int i = 0; i < r->noutcomes; i++) {
            if (r->outcomes[i].preemptions != K)
                continue;
            sb_clear(&lab);
            sb_puts(&lab, first ? "" : "; ");
            explore_outcome_label(&lab, r, i, EXPLORE_LABEL_TERSE);
            wrap_text(out, lab.s, 26);
            first = 0;
        }
        sb_putc(out, '\n');
    }
    if (r->max_preemptions >= 0)
        sb_printf(out, "Outcomes that need more than %d preemption%s are not "
                  "shown: raise --max-preemptions.\n", r->max_preemptions,
                  r->max_preemptions == 1 ? "" : "s");
    sb_done(&lab);
    free(ps);
}

void explore_format_text(struct strbuf *out, const struct explore_result *r,
                         int ascii)
{
    const struct scene *sc = &r->L->scenes[r->scene];

    text_header(out, r);
    text_table(out, r, ascii);
    if (r->noutcomes > 0)
        text_bounds(out, r);
    if (r->endless) {
        sb_putc(out, '\n');
        wrap_text(out, "Some schedules never end: the tasks can go round a "
                  "loop forever (a task spinning on a flag while the task "
                  "that would set it never runs). Outcomes reached through "
                  "such a loop have infinitely many schedules.", 0);
        sb_putc(out, '\n');
    }
    if (!r->complete) {
        sb_putc(out, '\n');
        wrap_text(out, "The search stopped before it covered every schedule: "
                  "the counts are lower bounds, and some outcomes may be "
                  "missing.", 0);
        sb_putc(out, '\n');
    }
    if (r->noutcomes > 0) {
        const struct explore_outcome *w = &r->outcomes[0];

        for (int i = 0; i < r->noutcomes; i++)
            if (r->outcomes[i].preemptions > w->preemptions)
                w = &r->outcomes[i];
        sb_puts(out, "\nA witness is a schedule with the fewest preemptions "
                "that ends in its outcome.\nStep through one:\n");
        if (r->cfg.mode == MODE_SEQUENTIAL)
            sb_printf(out, "  taketurns run %s --scene %s   (sequential: "
                      "its one run)\n", r->L->src->name, sc->name);
        else
            sb_printf(out, "  taketurns run %s --scene %s --schedule \"%s\"\n",
                      r->L->src->name, sc->name, w->witness_text);
    }
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_values(struct json *j, const char *key,
                        const struct explore_result *r, const int64_t *vals)
{
    json_object(j, key);
    for (int g = 0; g < r->nglobals; g++)
        json_int(j, r->L->prog->global_names[g],
                 vm_num(r->L->prog, vals[g]));
    json_end(j);
}

static void json_waits(struct json *j, const struct explore_result *r,
                       const struct explore_outcome *o)
{
    json_array(j, "waiting");
    for (int k = 0; k < o->nwaits; k++) {
        const struct explore_wait *w = &o->waits[k];

        json_object(j, NULL);
        json_str(j, "task", r->labels[w->task]);
        if (w->lock >= 0) {
            json_str(j, "waits_for", r->L->prog->lock_names[w->lock]);
            if (w->holder >= 0)
                json_str(j, "held_by", r->labels[w->holder]);
        } else if (w->lock == TRACE_JOIN_MARK) {
            json_str(j, "joins", r->labels[w->holder]);
        }
        json_end(j);
    }
    json_end(j);
}

static void json_outcome(struct json *j, const struct explore_result *r,
                         const struct explore_outcome *o)
{
    json_object(j, NULL);
    json_values(j, "final", r, o->final);
    if (r->nspaces > 1) {
        json_object(j, "processes");
        for (int t = 0; t < r->ntasks; t++)
            json_values(j, r->labels[t], r,
                        o->final + (size_t)(t + 1) * (size_t)r->nglobals);
        json_end(j);
    }
    json_str(j, "status", trace_status_name(o->status));
    if (o->infinite)
        json_null(j, "schedules");
    else
        json_raw(j, "schedules", o->schedules);
    json_bool(j, "infinite", o->infinite);
    json_double(j, "share", o->share);
    json_str(j, "witness", o->witness_text);
    json_int(j, "preemptions", o->preemptions);
    json_int(j, "ticks", o->witness_ticks);
    json_bool(j, "deadlock", o->status == TRACE_DEADLOCK);
    if (o->status == TRACE_DEADLOCK)
        json_waits(j, r, o);
    json_array(j, "failed");
    for (int k = 0; k < o->nfailures; k++) {
        const struct explore_failure *f = &o->failures[k];

        json_object(j, NULL);
        json_str(j, "task", r->labels[f->task]);
        if (f->line > 0) {
            json_int(j, "line", f->line);
            json_int(j, "col", f->col);
        }
        json_str(j, "message", f->message);
        json_end(j);
    }
    json_end(j);
    json_bool(j, "reproduced", o->reproduced);
    json_end(j);
}

void explore_format_json(struct strbuf *out, const struct explore_result *r)
{
    struct json j;

    json_init(&j, out, 2);
    json_object(&j, NULL);
    json_str(&j, "lesson", r->L->title);
    json_str(&j, "scene", r->L->scenes[r->scene].name);
    json_str(&j, "mode", mode_name(r->cfg.mode));
    json_str(&j, "runtime", scene_runtime(&r->cfg));
    json_bool(&j, "complete", r->complete);
    if (!r->complete)
        json_str(&j, "stopped", r->stop == EXPLORE_CANCELLED ? "cancelled" :
                 r->stop == EXPLORE_MEMORY ? "max-memory" : "max-states");
    json_int(&j, "states", r->states);
    json_int(&j, "transitions", r->transitions);
    if (r->max_preemptions >= 0)
        json_int(&j, "max_preemptions", r->max_preemptions);
    else
        json_null(&j, "max_preemptions");
    json_bool(&j, "memoised", !r->naive);
    json_str(&j, "count", r->reduced ? "shared-interleavings" : "schedules");
    if (r->endless)
        json_null(&j, "schedules");
    else
        json_raw(&j, "schedules", r->schedules);
    json_bool(&j, "endless", r->endless);
    json_array(&j, "outcomes");
    for (int i = 0; i < r->noutcomes; i++)
        json_outcome(&j, r, &r->outcomes[i]);
    json_end(&j);
    json_array(&j, "deadlocks");
    for (int i = 0; i < r->noutcomes; i++)
        if (r->outcomes[i].status == TRACE_DEADLOCK)
            json_outcome(&j, r, &r->outcomes[i]);
    json_end(&j);
    json_end(&j);
}
