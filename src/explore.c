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
 * The search runs on every CPU: each thread has its own sim and path, and
 * they share the graph, built in memory reserved up front, and the sets of
 * states, which threads insert into at once ("searching on several
 * threads" says how, and why the answer is the same whatever the timing).
 *
 * Sections: exact counts (bignums); sets of byte strings; memory that
 * stays put; the sets the search shares; the search, the reduction and the
 * search on several threads; counting; witnesses; the result (the full
 * search, then the reduced one); words, text and JSON.
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
#include <sys/mman.h>
#include <unistd.h>

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
    size_t len = n;

    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    v = 0;
    if (n > 0 && len >= 8) {
        /* the last 8 bytes, some of them hashed already: one load */
        memcpy(&v, p + n - 8, 8);
        v >>= 8 * (8 - n);
    } else {
        for (size_t i = 0; i < n; i++)
            v |= (uint64_t)p[i] << (8 * i);
    }
    return mix64(h ^ v);
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

/* ---- memory that stays put ------------------------------------------------------ */

/* Address space reserved up front and paged in as it is written: the
 * graph's arrays, which searching threads fill at once, and which grow
 * without being copied.  What is in use is counted against the budget an
 * eighth more at a time (at least 64 KiB); past HUGE_FROM the system is
 * asked for huge pages, which spare a search of millions of states most
 * of its TLB misses.  A region with no memory (base NULL, size SIZE_MAX)
 * only counts: room kept for what comes after the search. */
enum { REGION_STEP = 64 << 10, HUGE_FROM = 8 << 20 };

struct region {
    unsigned char *base;
    size_t size;                /* bytes reserved */
    atomic_size_t charged;      /* bytes counted against the budget */
    int huge;                   /* huge pages asked for */
    pthread_mutex_t lock;
};

static void *map_zeroed(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

static void ask_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

/* Reserve want bytes, or as much of it as the system gives (then the
 * search stops at the end of it as at the budget); want 0: a ledger. */
static void region_init(struct region *r, size_t want)
{
    r->base = NULL;
    r->size = want ? 0 : SIZE_MAX;
    r->huge = 0;
    atomic_init(&r->charged, 0);
    pthread_mutex_init(&r->lock, NULL);
    want = (want + 4095) & ~(size_t)4095;
    while (want >= 4096 && !(r->base = map_zeroed(want)))
        want /= 2;
    if (r->base)
        r->size = want;
}

static void region_done(struct region *r)
{
    if (r->base)
        munmap(r->base, r->size);
    mem_uncharge(atomic_load(&r->charged));
    pthread_mutex_destroy(&r->lock);
    r->base = NULL;
    r->size = 0;
    atomic_store(&r->charged, 0);
}

/* region_use past what is counted already. */
static int region_grow(struct region *r, size_t end)
{
    size_t c;
    int rc = 0;

    if (end > r->size)
        return -2;
    pthread_mutex_lock(&r->lock);
    c = atomic_load_explicit(&r->charged, memory_order_relaxed);
    if (c < end) {
        size_t step = c / 8 > REGION_STEP ? c / 8 : REGION_STEP;

        if (step < end - c)
            step = (end - c + REGION_STEP - 1) / REGION_STEP * REGION_STEP;
        if (step > r->size - c)
            step = r->size - c;
        if (mem_charge(step) < 0) {
            /* Only what this step needs, past the limit, then stop. */
            step = (end - c + REGION_STEP - 1) / REGION_STEP * REGION_STEP;
            if (step > r->size - c)
                step = r->size - c;
            mem_force(step);
            rc = -1;
        }
        c += step;
        if (r->base && !r->huge && c >= HUGE_FROM) {
            ask_huge(r->base, r->size);
            r->huge = 1;
        }
        atomic_store_explicit(&r->charged, c, memory_order_release);
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* Bytes [0, end) are about to be written: 0; -1 if the budget refused
 * them (they are counted anyway: the search stops at its next turn); -2
 * if they are past the reservation (not to be written: stop now).  Every
 * new state asks this of five regions: almost always they have room. */
static inline int region_use(struct region *r, size_t end)
{
    if (end <= atomic_load_explicit(&r->charged, memory_order_acquire))
        return 0;
    return region_grow(r, end);
}

/* A zeroed table of n bytes; big ones on huge pages. */
static void *table_alloc(size_t n)
{
    void *p;

    if (n < HUGE_FROM)
        return xcalloc(1, n);
    if (!(p = map_zeroed(n)))
        die("out of memory (a table of %zu bytes)", n);
    ask_huge(p, n);
    return p;
}

static void table_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n < HUGE_FROM)
        free(p);
    else
        munmap(p, n);
}

/* ---- the sets the search shares: byte strings to dense ids ----------------------- */

/* The parts of states (sim_canon_parts) and the states themselves.  Open
 * addressing, linear probing, at most 7/8 full (a probe past the home
 * slot stays on the line or the next, which the CPU fetches ahead, and a
 * smaller table misses the cache less).  A slot is two words, the key and
 * its meta (32 bits of its hash, and id + 1), so that a probe reads one
 * cache line.  A key of at most 8 bytes, none of them zero, and
 * not with the top bit of the eighth set, is kept in its slot, padded with
 * zeros - a state's key, the varints of its parts' ids + 1, always is
 * unless the scene has many tasks; any other key is kept in an arena, and
 * its slot holds CSET_LONG | its offset there.
 *
 * Several threads look up and insert at once.  A thread claims an empty
 * slot by setting its meta from 0 to CSET_BUSY, writes the key, and then
 * publishes the meta; a reader that meets CSET_BUSY waits for it.  Ids are
 * given in the order slots are claimed, never past max: a set that is
 * full adds nothing (the search stops at max_states exactly, whatever the
 * timing).  Growing the table stops every other thread first (the gate). */
#define CSET_BUSY UINT64_MAX
#define CSET_LONG (UINT64_C(1) << 63)
#define CSET_ID_MASK UINT64_C(0xFFFFFFFF)

struct cslot {
    uint64_t key;
    _Atomic uint64_t meta;      /* 0 empty, CSET_BUSY being written */
};

struct cset {
    struct cslot *slot;
    int bits;                   /* 2^bits slots */
    /* written by every insertion: on a cache line of its own, away from
     * what every lookup reads */
    _Alignas(64) atomic_uint count;     /* ids given */
    uint32_t max;
    struct region arena;        /* long keys: length (4 bytes), the key */
    atomic_size_t arena_len;
};

static void cset_init(struct cset *cs, uint32_t max, size_t arena)
{
    cs->bits = 10;
    cs->slot = table_alloc(sizeof(*cs->slot) << cs->bits);
    mem_force(sizeof(*cs->slot) << cs->bits);
    atomic_init(&cs->count, 0);
    cs->max = max;
    region_init(&cs->arena, arena);
    atomic_init(&cs->arena_len, 0);
}

static void cset_done(struct cset *cs)
{
    if (!cs->slot)
        return;     /* done already */
    table_free(cs->slot, sizeof(*cs->slot) << cs->bits);
    mem_uncharge(sizeof(*cs->slot) << cs->bits);
    cs->slot = NULL;
    region_done(&cs->arena);
}

/* memcmp(a, b, n) == 0 for the short parts of a state, without a call. */
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

/* The key as a slot keeps it, if it can: 1 and *w. */
static int cset_inline(const unsigned char *key, uint32_t len, uint64_t *w)
{
    uint64_t v = 0;

    if (len > 8)
        return 0;
    for (uint32_t i = 0; i < len; i++) {
        if (!key[i])
            return 0;
        v |= (uint64_t)key[i] << (8 * i);
    }
    if (v & CSET_LONG)
        return 0;
    *w = v;
    return 1;
}

static const unsigned char *cset_long(const struct cset *cs, uint64_t k,
                                      uint32_t *len)
{
    const unsigned char *p = cs->arena.base + (k & ~CSET_LONG);

    memcpy(len, p, 4);
    return p + 4;
}

static uint64_t cset_hash(const struct cset *cs, uint64_t k)
{
    uint32_t len;
    const unsigned char *p;

    if (!(k & CSET_LONG))
        return mix64(k ^ 0x9E3779B97F4A7C15ull);
    p = cset_long(cs, k, &len);
    return hash_bytes(p, len);
}

static size_t cset_threshold(int bits)
{
    return ((size_t)1 << bits) / 8 * 7;
}

/* Double the table (no other thread is in it). */
static void cset_grow(struct cset *cs, atomic_int *refused)
{
    int bits = cs->bits + 1;
    size_t size = (size_t)1 << bits, mask = size - 1;
    size_t bytes = size * sizeof(struct cslot);
    size_t count = atomic_load(&cs->count);
    struct cslot *slot;

    if (mem_charge(bytes) < 0) {
        /* The search stops at its next turn; never let the table fill. */
        atomic_store(refused, 1);
        if (count * 16 < (size / 2) * 15)
            return;
        mem_force(bytes);
    }
    slot = table_alloc(bytes);
    for (size_t i = 0; i < size / 2; i++) {
        uint64_t m = atomic_load_explicit(&cs->slot[i].meta,
                                          memory_order_relaxed);
        size_t j;

        if (!m)
            continue;
        j = (size_t)(cset_hash(cs, cs->slot[i].key) >> (64 - bits));
        while (atomic_load_explicit(&slot[j].meta, memory_order_relaxed))
            j = (j + 1) & mask;
        slot[j].key = cs->slot[i].key;
        atomic_store_explicit(&slot[j].meta, m, memory_order_relaxed);
    }
    table_free(cs->slot, bytes / 2);
    mem_uncharge(bytes / 2);
    cs->slot = slot;
    cs->bits = bits;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
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

/* A node of the graph: a state. */
struct gnode {
    uint64_t estart;        /* its first edge */
    int32_t outc;           /* its outcome if it is final, else -1 */
    uint8_t nedge;
    int8_t cur;             /* the task on the CPU (a choice), or -1 */
    uint16_t unused;
};

/* An edge: one task's turn (reduced: turns) from a node. */
struct gedge {
    uint32_t child;         /* NONE: not explored (pruned, or a limit) */
    uint8_t task;
    uint8_t len1;           /* its turns - 1 (up to MACRO_TURNS) */
    uint16_t unused;
};

/* A state on the current path of a worker's search. */
struct frame {
    uint32_t node;          /* memo: its node */
    int32_t p;              /* preemptions on the path to it */
    uint64_t e0;            /* memo: the edge of its first choice */
    size_t ck;              /* offset of its saved state, or SIZE_MAX */
    size_t base;            /* the frame its state is rebuilt from */
    size_t choff;           /* its choices, in w->chs */
    size_t canoff;          /* memo: its parts, in w->cstack */
    uint8_t n, next;        /* choices, and the next one to try */
    int8_t cur;             /* the task on the CPU (a choice), or -1 */
    uint8_t taken;          /* the task of the turn being explored */
    uint8_t timers;         /* memo: a task waits for a timer */
};

/* A turn given away to an idle worker: from node's state, the edge e
 * (task's turn), with the state, its parts and their ids and lengths. */
struct work {
    struct work *next;
    uint32_t node;
    int32_t p;
    int8_t cur;
    uint8_t task;
    uint64_t e;
    size_t nstate, ncanon;
    uint32_t idl[2 * (LESSON_MAX_TASKS + 1)];
    unsigned char bytes[];  /* the state, then the parts */
};

struct explorer;

/* One searching thread: its own sim and path (on cache lines of its own). */
struct worker {
    _Alignas(64) struct explorer *x;
    struct sim *s;
    struct frame *fr;
    size_t depth, cap_fr;
    size_t at;              /* the frame whose state the sim holds, or SIZE_MAX */
    size_t scan;            /* frames below it have no turn left to give away */
    unsigned char *ck;
    size_t cklen, ckcap;
    uint8_t *chs;
    size_t chlen, chcap;
    /* memo: each frame's parts (sim_canon_parts), and their ids and
     * lengths (2 x nparts per frame), so that a turn interns only the
     * parts it changed */
    unsigned char *cstack;
    size_t cslen, cscap;
    uint32_t *idstack;
    size_t idcap;
    /* each frame's task states (sim_task_state), ntasks per frame */
    uint8_t *ststack;
    size_t stcap;
    /* the parts of the state the last state_key saw, ids then lengths */
    unsigned char *canon;
    size_t canon_len, canon_cap;
    uint32_t idl[2 * (LESSON_MAX_TASKS + 1)];
    uint8_t st[LESSON_MAX_TASKS];   /* and its tasks' states */
    int timers;                     /* and whether one waits for a timer */
    /* Private turns seen (see "turns foretold"): per part id, two words:
     * the part after a private turn of its task, and after its task was
     * switched out; id + 1, 0 while not seen. */
    uint32_t *learnt;
    size_t cap_learnt;
    /* and turns that read or wrote module variables: (shared part id,
     * task part id) + 1 to the two after it, in pairs of words; 0: empty */
    uint64_t *gturn;
    size_t gbits, gcount;
    int64_t visits, transitions;
    int timed;              /* reduced: a timed wait came up */
    pthread_t th;
    int running;            /* th was started */
    int busy;               /* counted in gate.nbusy */
};

/* What the workers share besides the graph: who is busy, idle or parked,
 * the turns given away, and the flags each worker reads before each turn. */
enum {
    GATE_STOP = 1,          /* the search is over (x->stop says why) */
    GATE_PAUSE = 2,         /* a table grows: park until it has */
    GATE_HUNGRY = 4,        /* a worker waits for a turn to take */
    GATE_OOM = 8,           /* the budget refused room: stop */
};

struct gate {
    atomic_int flags;       /* read before every turn, seldom written */
    _Alignas(64) pthread_mutex_t lock;
    pthread_cond_t cv;
    int nworkers, nbusy, nidle;
    int pause, done;
    struct work *pool;
    int npool;
};

/* Searching threads start once the search has this many states: smaller
 * searches end before threads would pay for themselves. */
enum { PARALLEL_FROM = 1 << 13, EXPLORE_MAX_THREADS = 8 };

struct explorer {
    struct explore_limits lim;
    const struct lesson *L;
    int scene;
    struct scene_config run_cfg;
    struct schedule none;   /* the empty script each sim runs with */
    int ntasks, nspaces, nglobals, nparts;

    /* The graph (memo).  Ids are given as states are found; after a
     * search on several threads, rank gives each node's id in the order
     * that one thread would have found them, for ties between witnesses. */
    struct cset parts;      /* the parts of states, interned */
    struct cset states;
    struct region nodes, edges, room;
    struct gnode *node;
    struct gedge *edge;
    size_t nnodes;          /* after the search */
    _Alignas(64) atomic_size_t nedges;
    _Alignas(64) struct region postr, pathr;
    uint32_t *post;         /* nodes in the order the search finished them */
    size_t npost;
    uint64_t *onpath;       /* one thread: bit per node on the current path */
    int cyclic;             /* an edge leads back to a node on the path */
    uint32_t *rank;         /* NULL: a node's rank is its id */

    /* Outcomes. */
    pthread_mutex_t oc_lock;
    struct keyset okeys;
    struct oc *oc;
    size_t noc, cap_oc;

    /* The workers: w[0] searches on the caller's thread; the others start
     * at PARALLEL_FROM states (parallel is then set). */
    struct worker *w;
    int nw, want;
    int64_t parallel_from;
    int parallel;
    _Alignas(64) struct gate gate;
    pthread_mutex_t progress_lock;
    _Alignas(64) atomic_int stop;   /* enum explore_stop: the first reason stays */
    atomic_int refused;     /* a table was refused room */
    int64_t visits, transitions;
    int timed;

    /* Partial-order reduction: an edge runs one task from one shared
     * access to the next (see "the reduction" below). */
    int reduce;
    uint8_t *shared;        /* per pc: it may touch what others share */

    /* A turn re-encodes only the parts it may have changed (see
     * part_may_change). */
    int incremental;
    /* Turns foretold: a private turn to a known state is not simulated. */
    int foretell;
    uint8_t *kinds;         /* per pc: TURN_PRIVATE, TURN_GLOBAL or other */
};

/* Counted per node besides the node and its edges: room kept for counting
 * the schedules after the search: a 128-bit count and two words a node
 * (count_fast: the count, the order, the in-degrees; the witnesses' four
 * arrays come after it), and the order nodes were finished in.  The rare
 * count of any size (count_big) needs 16 bytes a node more, which the
 * sets freed before counting (at least 21 bytes a state) make room for. */
#define COUNT_BYTES (2 * sizeof(uint64_t) + 2 * sizeof(uint32_t))

static void set_stop(struct explorer *x, enum explore_stop why)
{
    int none = EXPLORE_DONE;

    atomic_compare_exchange_strong(&x->stop, &none, (int)why);
    atomic_fetch_or(&x->gate.flags, GATE_STOP);
    if (x->parallel) {
        pthread_mutex_lock(&x->gate.lock);
        pthread_cond_broadcast(&x->gate.cv);
        pthread_mutex_unlock(&x->gate.lock);
    }
}

static void note_oom(struct explorer *x)
{
    atomic_fetch_or(&x->gate.flags, GATE_OOM);
}

/* Lock held, a table growing: wait, not counted as busy, until it has. */
static void park_locked(struct gate *g)
{
    g->nbusy--;
    pthread_cond_broadcast(&g->cv);
    while (g->pause)
        pthread_cond_wait(&g->cv, &g->lock);
    g->nbusy++;
}

static void park(struct explorer *x)
{
    pthread_mutex_lock(&x->gate.lock);
    park_locked(&x->gate);
    pthread_mutex_unlock(&x->gate.lock);
}

/* The set is past its threshold: grow it, with every other worker parked. */
static void cset_want_grow(struct explorer *x, struct cset *cs)
{
    struct gate *g = &x->gate;

    if (!x->parallel) {
        cset_grow(cs, &x->refused);
        if (atomic_load(&x->refused))
            note_oom(x);
        return;
    }
    pthread_mutex_lock(&g->lock);
    while (g->pause)
        park_locked(g);
    if (atomic_load(&cs->count) > cset_threshold(cs->bits)) {
        g->pause = 1;
        atomic_fetch_or(&g->flags, GATE_PAUSE);
        while (g->nbusy > 1)
            pthread_cond_wait(&g->cv, &g->lock);
        cset_grow(cs, &x->refused);
        if (atomic_load(&x->refused))
            note_oom(x);
        g->pause = 0;
        atomic_fetch_and(&g->flags, ~GATE_PAUSE);
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->lock);
}

/* The id of key, adding it if add is set and it is new (*added then 1).
 * NONE if it is absent and not added: *added is then 0, or -1 if the set
 * is full (max ids), or -2 if its arena has no room. */
static uint32_t cset_get(struct explorer *x, struct cset *cs,
                         const unsigned char *key, uint32_t len, int add,
                         int *added)
{
    uint64_t w = 0, h, tag, m;
    int inl = cset_inline(key, len, &w);
    size_t mask = ((size_t)1 << cs->bits) - 1, i, off = 0;
    struct cslot *sl = cs->slot;
    uint32_t id;

    h = inl ? mix64(w ^ 0x9E3779B97F4A7C15ull) : hash_bytes(key, len);
    tag = h << 32;
    *added = 0;
    for (i = (size_t)(h >> (64 - cs->bits));; i = (i + 1) & mask) {
        m = atomic_load_explicit(&sl[i].meta, memory_order_acquire);
        while (m == CSET_BUSY) {
            cpu_relax();
            m = atomic_load_explicit(&sl[i].meta, memory_order_acquire);
        }
        if (m == 0) {
            uint64_t zero = 0;

            if (!add)
                return NONE;
            if (atomic_compare_exchange_strong_explicit(
                    &sl[i].meta, &zero, CSET_BUSY, memory_order_acquire,
                    memory_order_acquire))
                break;      /* claimed */
            i = (i - 1) & mask;     /* taken meanwhile: look at it again */
            continue;
        }
        if ((m & ~CSET_ID_MASK) != tag)
            continue;
        if (inl) {
            if (sl[i].key == w)
                return (uint32_t)(m & CSET_ID_MASK) - 1;
        } else if (sl[i].key & CSET_LONG) {
            uint32_t klen;
            const unsigned char *k = cset_long(cs, sl[i].key, &klen);

            if (klen == len && same_bytes(k, key, len))
                return (uint32_t)(m & CSET_ID_MASK) - 1;
        }
    }
    /* Slot i is ours: room for the key, then an id. */
    if (!inl) {
        size_t need = 4 + (((size_t)len + 3) & ~(size_t)3);
        int rc;

        off = atomic_fetch_add(&cs->arena_len, need);
        rc = region_use(&cs->arena, off + need);
        if (rc == -2) {
            atomic_store_explicit(&sl[i].meta, 0, memory_order_release);
            *added = -2;
            return NONE;
        }
        if (rc < 0)
            note_oom(x);
        memcpy(cs->arena.base + off, &len, 4);
        memcpy(cs->arena.base + off + 4, key, len);
        w = CSET_LONG | off;
    }
    id = atomic_load(&cs->count);
    do {
        if (id >= cs->max) {
            atomic_store_explicit(&sl[i].meta, 0, memory_order_release);
            *added = -1;
            return NONE;
        }
    } while (!atomic_compare_exchange_weak(&cs->count, &id, id + 1));
    sl[i].key = w;
    atomic_store_explicit(&sl[i].meta, tag | ((uint64_t)id + 1),
                          memory_order_release);
    *added = 1;
    if ((size_t)id + 1 > cset_threshold(cs->bits))
        cset_want_grow(x, cs);
    return id;
}

static int turn(struct sim *s, int t, int *ch)
{
    sim_force(s, t);
    sim_step(s);
    return sim_settle(s, ch);
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
static int next_shared(const struct worker *w, int t)
{
    int sh;

    if (sim_task_busy(w->s, t) > 0)
        return 0;       /* a tick of compute() */
    sh = w->x->shared[vm_pc(sim_task_vm(w->s, t))];
    /* an op that fails inside a with block releases what it entered */
    return sh ? sh : sim_task_leaves_with(w->s, t);
}

/* A task waits for a timer (a sleep, a process being started): moving an
 * op by a tick could move what the timer wakes, and the reduction does
 * not hold. */
static int timer_pending(const struct worker *w)
{
    for (int t = 0; t < w->x->ntasks; t++)
        if (sim_task_wake(w->s, t) >= 0)
            return 1;
    return 0;
}

/* One edge: task t's turn, or in the reduced graph its turns as the
 * comment above says.  Returns the choices after it; *len: its turns. */
static int edge(struct worker *w, int t, int *ch, uint32_t *len)
{
    const struct explorer *x = w->x;
    int n, done = 0;
    uint32_t k = 0;

    if (!x->reduce) {
        *len = 1;
        return turn(w->s, t, ch);
    }
    if (timer_pending(w))
        w->timed = 1;
    for (;;) {
        int sh = next_shared(w, t);

        if (sh && done)
            break;
        if (sh && x->shared[vm_pc(sim_task_vm(w->s, t))] == 2)
            w->timed = 1;   /* the reduction does not hold */
        done |= sh;
        /* While t keeps the CPU it is a choice, and no time is idle: the
         * choices are needed only at the end. */
        sim_force(w->s, t);
        sim_step(w->s);
        k++;
        if (sim_status(w->s) != TRACE_RUNNING || sim_task_cpu(w->s, t) < 0 ||
            k >= MACRO_TURNS)
            break;
    }
    n = sim_settle(w->s, ch);
    if (timer_pending(w))
        w->timed = 1;
    if (k >= MACRO_TURNS && n > 0 && sim_task_cpu(w->s, t) >= 0 &&
        !next_shared(w, t)) {
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
static void oc_key(const struct worker *w, struct strbuf *k)
{
    const struct explorer *x = w->x;
    unsigned char st = (unsigned char)sim_status(w->s);

    sb_clear(k);
    sb_add(k, (const char *)&st, 1);
    for (int sp = 0; sp < x->nspaces; sp++)
        for (int g = 0; g < x->nglobals; g++) {
            int64_t v = sim_global(w->s, sp, g);

            sb_add(k, (const char *)&v, sizeof(v));
        }
    for (int t = 0; t < x->ntasks; t++) {
        int32_t f[2] = {sim_task_state(w->s, t), 0};

        if (f[0] == TS_FAILED)
            f[1] = (int32_t)vm_pc(sim_task_vm(w->s, t));
        else if (f[0] == TS_LOCK_WAIT)
            f[1] = sim_task_lock(w->s, t);
        sb_add(k, (const char *)f, sizeof(f));
    }
}

/* The outcome of the final state the worker's sim is in. */
static int32_t outcome_here(struct worker *w)
{
    struct explorer *x = w->x;
    struct strbuf k;
    int added;
    uint32_t id;

    sb_init(&k);
    oc_key(w, &k);
    pthread_mutex_lock(&x->oc_lock);
    id = keyset_get(&x->okeys, k.s, (uint32_t)k.len, 1, &added);
    if (x->okeys.refused)
        note_oom(x);
    if (added) {
        struct oc *o;

        if (MEM_GROW(x->oc, x->cap_oc, x->noc + 1) < 0)
            note_oom(x);
        o = &x->oc[x->noc++];
        memset(o, 0, sizeof(*o));
        o->status = sim_status(w->s);
        o->final = xmalloc(sizeof(int64_t) *
                           (size_t)(x->nspaces * x->nglobals + 1));
        for (int sp = 0; sp < x->nspaces; sp++)
            for (int g = 0; g < x->nglobals; g++)
                o->final[sp * x->nglobals + g] = sim_global(w->s, sp, g);
        o->best = -1;
        o->best_node = NONE;
        schedule_init(&o->path);
    }
    pthread_mutex_unlock(&x->oc_lock);
    sb_done(&k);
    return (int32_t)id;
}

/* Node id was just given to the state the sim is in: its edges (not yet
 * explored), its task on the CPU and, if it is final, its outcome. */
static void add_node(struct worker *w, uint32_t id, int n, const int *ch)
{
    struct explorer *x = w->x;
    struct gnode *nd;
    uint64_t e0;
    int rc;

    /* The set gives no id past what the node region holds. */
    rc = region_use(&x->nodes, ((size_t)id + 1) * sizeof(struct gnode)) |
         region_use(&x->room, ((size_t)id + 1) * COUNT_BYTES);
    if (!x->parallel)
        rc |= region_use(&x->postr, ((size_t)id + 1) * sizeof(uint32_t)) |
              region_use(&x->pathr, ((size_t)id / 64 + 1) * sizeof(uint64_t));
    if (rc < 0)
        note_oom(x);
    nd = &x->node[id];
    e0 = atomic_fetch_add(&x->nedges, (size_t)n);
    nd->cur = (int8_t)(n > 0 && sim_task_cpu(w->s, ch[0]) >= 0 ? ch[0] : -1);
    nd->outc = n == 0 ? outcome_here(w) : -1;
    rc = n ? region_use(&x->edges, (e0 + (size_t)n) * sizeof(struct gedge)) : 0;
    if (rc == -2) {
        /* No room for its edges: the search stops here. */
        set_stop(x, EXPLORE_MEMORY);
        n = 0;
    } else if (rc < 0) {
        note_oom(x);
    }
    nd->estart = e0;
    nd->nedge = (uint8_t)n;
    if (n == 0 && !x->parallel)
        x->post[x->npost++] = id;   /* a leaf is finished at once */
    for (int i = 0; i < n; i++) {
        struct gedge *e = &x->edge[e0 + (size_t)i];

        e->child = NONE;
        e->task = (uint8_t)ch[i];
        e->len1 = 0;
    }
}

static void push_frame(struct worker *w, uint32_t node, int p, int n,
                       const int *ch, uint64_t e0)
{
    struct explorer *x = w->x;
    struct frame *f;
    size_t d = w->depth;
    size_t np2 = 2 * (size_t)x->nparts;

    if (MEM_GROW(w->fr, w->cap_fr, d + 1) < 0)
        note_oom(x);
    f = &w->fr[d];
    f->node = node;
    f->p = p;
    f->e0 = e0;
    f->n = (uint8_t)n;
    f->next = 0;
    f->taken = 0;
    f->timers = (uint8_t)w->timers;
    f->cur = (int8_t)(n > 0 && sim_task_cpu(w->s, ch[0]) >= 0 ? ch[0] : -1);
    f->choff = w->chlen;
    if (MEM_GROW(w->chs, w->chcap, w->chlen + (size_t)n) < 0)
        note_oom(x);
    for (int i = 0; i < n; i++)
        w->chs[w->chlen++] = (uint8_t)ch[i];
    /* A state is needed again only if another turn follows the first. */
    if (d == 0 || (n >= 2 && (d < SAVE_DENSE_DEPTH ||
                              d - w->fr[d - 1].base >= SAVE_STRIDE))) {
        size_t size = sim_state_size(w->s);

        if (MEM_GROW(w->ck, w->ckcap, w->cklen + size) < 0)
            note_oom(x);
        sim_save(w->s, w->ck + w->cklen);
        f->ck = w->cklen;
        f->base = d;
        w->cklen += size;
    } else {
        f->ck = SIZE_MAX;
        f->base = w->fr[d - 1].base;
    }
    w->depth = d + 1;
    w->at = d;
    if (!x->lim.naive) {
        /* w->canon and w->idl are this state's: memo_node just made them. */
        if (!x->parallel)
            x->onpath[node / 64] |= UINT64_C(1) << (node % 64);
        f->canoff = w->cslen;
        if (MEM_GROW(w->cstack, w->cscap, w->cslen + w->canon_len) < 0)
            note_oom(x);
        memcpy(w->cstack + w->cslen, w->canon, w->canon_len);
        w->cslen += w->canon_len;
        if (MEM_GROW(w->idstack, w->idcap, (d + 1) * np2) < 0)
            note_oom(x);
        memcpy(w->idstack + d * np2, w->idl, sizeof(uint32_t) * np2);
        if (MEM_GROW(w->ststack, w->stcap, (d + 1) * (size_t)x->ntasks) < 0)
            note_oom(x);
        memcpy(w->ststack + d * (size_t)x->ntasks, w->st, (size_t)x->ntasks);
    }
}

static void pop_frame(struct worker *w)
{
    struct explorer *x = w->x;
    struct frame *f = &w->fr[--w->depth];

    if (!x->lim.naive) {
        if (!x->parallel) {
            x->onpath[f->node / 64] &= ~(UINT64_C(1) << (f->node % 64));
            x->post[x->npost++] = f->node;
        }
        w->cslen = f->canoff;
    }
    if (f->ck != SIZE_MAX)
        w->cklen = f->ck;
    w->chlen = f->choff;
    if (w->at == w->depth)
        w->at = SIZE_MAX;
    if (w->scan > w->depth)
        w->scan = w->depth;
}

/* Put the sim in the state of frame d: restore the nearest saved state at
 * or above it and replay the turns from there. */
static void restore_frame(struct worker *w, size_t d)
{
    size_t b = w->fr[d].base;
    int ch[LESSON_MAX_TASKS];
    uint32_t len;

    sim_restore(w->s, w->ck + w->fr[b].ck);
    for (size_t j = b; j < d; j++)
        edge(w, w->fr[j].taken, ch, &len);
    w->at = d;
}

/* The caller's progress callback, one thread at a time, never once the
 * search has stopped. */
static int progress(struct explorer *x, int64_t n)
{
    int stop = 0;

    if (!x->lim.progress || n % PROGRESS_EVERY != 0)
        return 0;
    pthread_mutex_lock(&x->progress_lock);
    if (atomic_load(&x->stop) == EXPLORE_DONE &&
        x->lim.progress(x->lim.progress_arg, n))
        stop = 1;
    if (stop)
        set_stop(x, EXPLORE_CANCELLED);
    pthread_mutex_unlock(&x->progress_lock);
    return stop;
}

/* Naive search: a final state ends one schedule. */
static void naive_final(struct worker *w, int p)
{
    struct explorer *x = w->x;
    int32_t i = outcome_here(w);   /* may move x->oc */
    struct oc *o = &x->oc[i];

    big_add_u64(&o->count, 1);
    if (o->best < 0 || p < o->best) {
        o->best = p;
        schedule_done(&o->path);
        for (size_t j = 0; j < w->depth; j++)
            schedule_add(&o->path, w->fr[j].taken, 1);
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

/* Whether task u's part (sim_canon_part) may differ from its parent's
 * after a turn of task t, from the parent's frame.  Only t's code ran,
 * on the one CPU the search uses, so another task's part changes only
 * where the turn changed its state: t took the CPU from it, or woke,
 * blocked or started it (a task's code and fields change only with its
 * state, as in a wake with a result), or it is a thread not yet started,
 * which the code that makes it sets up, or one that has ended, whose
 * result others may retrieve.  A task that waits for a lock holds
 * a rank among its waiters, which others' turns move, and timers are
 * kept relative to the clock, so they are always encoded, as everything
 * is in the GIL and asyncio modes, whose parts also hold checkpoints and
 * queue ranks.  make asan checks this against the whole encoding on every
 * state (TT_EXPLORE_CHECK). */
static int part_may_change(const struct worker *w, size_t parent, int t, int u)
{
    const uint8_t *pst = w->ststack + parent * (size_t)w->x->ntasks;

    return u == t || u == w->fr[parent].cur || w->st[u] != pst[u] ||
           w->st[u] == TS_LOCK_WAIT || w->st[u] == TS_NEW ||
           w->st[u] == TS_DONE || w->st[u] == TS_FAILED;
}

/* n bytes from b to a, without a call, for the short parts of a state. */
static void copy_bytes(unsigned char *a, const unsigned char *b, size_t n)
{
    for (; n >= 8; a += 8, b += 8, n -= 8)
        memcpy(a, b, 8);
    while (n-- > 0)
        *a++ = *b++;
}

/* The parts of the state the sim is in (w->canon, their lengths in
 * w->idl): the parent's where the turn of task t cannot have changed
 * them.  Returns those parts, a bit each. */
static uint64_t encode_parts(struct worker *w, size_t parent, int t)
{
    struct explorer *x = w->x;
    size_t np = (size_t)x->nparts, at = 0;
    uint32_t *lens = w->idl + np;
    const unsigned char *pc;
    const uint32_t *plen;
    uint64_t kept = 0;
    int all = parent == SIZE_MAX || !x->incremental;

    w->timers = sim_task_states(w->s, w->st);
    if (w->timers)
        all = 1;
    if (all) {
        w->canon_len = sim_canon_parts(w->s, w->canon, lens);
        return 0;
    }
    pc = w->cstack + w->fr[parent].canoff;
    plen = w->idstack + parent * 2 * np + np;
    for (size_t j = 0; j < np; j++) {
        if (j == 0 || part_may_change(w, parent, t, (int)j - 1)) {
            lens[j] = (uint32_t)sim_canon_part(w->s, (int)j, w->canon + at);
        } else {
            copy_bytes(w->canon + at, pc, plen[j]);
            lens[j] = plen[j];
            kept |= UINT64_C(1) << j;
        }
        at += lens[j];
        pc += plen[j];
    }
    w->canon_len = at;
#ifdef TT_EXPLORE_CHECK
    {
        unsigned char *all_parts = xmalloc(sim_canon_room(w->s));
        uint32_t all_lens[LESSON_MAX_TASKS + 1];
        size_t n = sim_canon_parts(w->s, all_parts, all_lens);

        if (n != at || memcmp(all_parts, w->canon, n) != 0 ||
            memcmp(all_lens, lens, sizeof(uint32_t) * np) != 0)
            die("explorer: a turn of task %d changed a part it was "
                "thought not to", t);
        free(all_parts);
    }
#endif
    return kept;
}

/* The key of the state the sim is in: the ids of its parts + 1 (so that
 * no byte of it is zero), then the preemptions used + 1 if the search is
 * bounded; its parts are interned only where they differ from those of
 * the parent frame (SIZE_MAX: none), whose turn was task t's.  Returns
 * its length, 0 if there was no room for a part (the search then
 * stops). */
static uint32_t state_key(struct worker *w, int p, size_t parent, int t,
                          unsigned char *key)
{
    struct explorer *x = w->x;
    size_t room = sim_canon_room(w->s), np = (size_t)x->nparts;
    const unsigned char *c, *pc = NULL;
    const uint32_t *pid = NULL, *plen = NULL;
    uint32_t *ids = w->idl, *lens = w->idl + np, k = 0;
    uint64_t kept;
    int added;

    if (room > w->canon_cap)
        XGROW(w->canon, w->canon_cap, room);
    kept = encode_parts(w, parent, t);
    if (parent != SIZE_MAX) {
        pc = w->cstack + w->fr[parent].canoff;
        pid = w->idstack + parent * 2 * np;
        plen = pid + np;
    }
    c = w->canon;
    for (size_t j = 0; j < np; j++) {
        uint32_t n = lens[j], id;

        if (kept >> j & 1 || (pc && plen[j] == n && same_bytes(pc, c, n))) {
            id = pid[j];
        } else {
            id = cset_get(x, &x->parts, c, n, 1, &added);
            if (id == NONE)
                return 0;
        }
        if (pc)
            pc += plen[j];
        ids[j] = id;
        k += (uint32_t)put_varint(key + k, (uint64_t)id + 1);
        c += n;
    }
    if (x->lim.max_preemptions >= 0)
        k += (uint32_t)put_varint(key + k, (uint64_t)p + 1);
    return k;
}

/* ---- turns foretold ------------------------------------------------------------

 * A private op (see "the reduction") reads and writes only its own task's
 * state, so a private turn of task t that leaves t running changes t's
 * part (sim_canon_part) as a function of that part alone, and the task it
 * takes the CPU from only in its state; a turn that reads or writes a
 * module variable changes t's part and the shared one as a function of
 * the two.  What such a turn does to the parts, once seen, is known
 * wherever they turn up again.  Most turns of the full search lead to
 * states already found; for these turns the search builds the key of the
 * state a turn leads to from its parent's parts, and where that state is
 * known it takes the edge without simulating it.  Only in threads and
 * processes modes, where a task's part holds no queue ranks or
 * checkpoints, and never where a timer is pending (time moves every part
 * that holds one).  A turn is learned from only if its task runs on after
 * it (it did not end, fail or block, so nothing was woken or found
 * stuck) and it changed no part but those.  make asan simulates every
 * foretold turn as well and checks that it leads where it was foretold
 * (TT_EXPLORE_CHECK). */
enum { TURN_PRIVATE, TURN_GLOBAL, TURN_OTHER };

/* What task t's next turn touches (the sim is in its parent's state). */
static int turn_kind(const struct worker *w, int t)
{
    int k;

    if (sim_task_busy(w->s, t) > 0)
        return TURN_PRIVATE;    /* a tick of compute() */
    k = w->x->kinds[vm_pc(sim_task_vm(w->s, t))];
    /* an op that fails inside a with block releases what it entered */
    return k == TURN_PRIVATE && sim_task_leaves_with(w->s, t) ? TURN_OTHER : k;
}

/* The slot of key (shared part, task part) + 1 in the worker's table of
 * turns that touch module variables. */
static size_t gturn_slot(const struct worker *w, uint64_t key)
{
    size_t mask = ((size_t)1 << w->gbits) - 1, i = (size_t)(mix64(key) & mask);

    while (w->gturn[2 * i] && w->gturn[2 * i] != key)
        i = (i + 1) & mask;
    return i;
}

static void gturn_put(struct worker *w, uint64_t key, uint64_t val)
{
    size_t i;

    if (!w->gturn || (w->gcount + 1) * 2 > (size_t)1 << w->gbits) {
        uint64_t *old = w->gturn;
        size_t n = old ? (size_t)1 << w->gbits : 0;

        w->gbits = old ? w->gbits + 1 : 10;
        w->gturn = xcalloc((size_t)2 << w->gbits, sizeof(uint64_t));
        mem_force(((size_t)2 << w->gbits) * sizeof(uint64_t));
        for (size_t k = 0; k < n; k++)
            if (old[2 * k]) {
                i = gturn_slot(w, old[2 * k]);
                w->gturn[2 * i] = old[2 * k];
                w->gturn[2 * i + 1] = old[2 * k + 1];
            }
        free(old);
        mem_uncharge(2 * n * sizeof(uint64_t));
    }
    i = gturn_slot(w, key);
    w->gcount += !w->gturn[2 * i];
    w->gturn[2 * i] = key;
    w->gturn[2 * i + 1] = val;
}

/* What a turn of task t from frame d, of the kind given, did: learned
 * from the parts of the state it led to (w->idl, w->st). */
static void learn_turn(struct worker *w, size_t d, int t, int kind)
{
    struct explorer *x = w->x;
    size_t np = (size_t)x->nparts;
    const uint32_t *pid = w->idstack + d * 2 * np;
    int cur = w->fr[d].cur, off = cur >= 0 && cur != t ? cur + 1 : -1;
    uint32_t top;

    if (kind == TURN_OTHER || w->timers || w->st[t] != TS_RUNNING ||
        sim_status(w->s) != TRACE_RUNNING)
        return;
    for (size_t j = kind == TURN_GLOBAL; j < np; j++)
        if ((int)j != t + 1 && (int)j != off && w->idl[j] != pid[j])
            return;
    if (off >= 0) {
        top = pid[off];
        if (2 * (size_t)top + 2 > w->cap_learnt) {
            size_t was = w->cap_learnt;

            if (MEM_GROW(w->learnt, w->cap_learnt, 2 * (size_t)top + 2) < 0)
                note_oom(x);
            memset(w->learnt + was, 0, (w->cap_learnt - was) * sizeof(uint32_t));
        }
        w->learnt[2 * (size_t)top + 1] = w->idl[off] + 1;
    }
    if (kind == TURN_GLOBAL) {
        gturn_put(w, ((uint64_t)pid[0] << 32 | pid[t + 1]) + 1,
                  (uint64_t)w->idl[0] << 32 | w->idl[t + 1]);
        return;
    }
    top = pid[t + 1];
    if (2 * (size_t)top + 2 > w->cap_learnt) {
        size_t was = w->cap_learnt;

        if (MEM_GROW(w->learnt, w->cap_learnt, 2 * (size_t)top + 2) < 0)
            note_oom(x);
        memset(w->learnt + was, 0, (w->cap_learnt - was) * sizeof(uint32_t));
    }
    w->learnt[2 * (size_t)top] = w->idl[t + 1] + 1;
}

/* The node a turn of task t from frame d leads to, if a turn from the
 * same parts has been seen and the state is known; else NONE. */
static uint32_t foretell(struct worker *w, size_t d, int t, int p)
{
    struct explorer *x = w->x;
    size_t np = (size_t)x->nparts, at;
    const uint32_t *pid = w->idstack + d * 2 * np;
    int cur = w->fr[d].cur, off = cur >= 0 && cur != t ? cur + 1 : -1;
    unsigned char key[(LESSON_MAX_TASKS + 2) * 5];
    uint32_t k = 0, p0 = pid[0], pt;
    int added;

    at = 2 * (size_t)pid[t + 1];
    if (at < w->cap_learnt && w->learnt[at]) {
        pt = w->learnt[at] - 1;
    } else {
        size_t i;

        if (!w->gturn)
            return NONE;
        i = gturn_slot(w, ((uint64_t)pid[0] << 32 | pid[t + 1]) + 1);
        if (!w->gturn[2 * i])
            return NONE;
        p0 = (uint32_t)(w->gturn[2 * i + 1] >> 32);
        pt = (uint32_t)w->gturn[2 * i + 1];
    }
    for (size_t j = 0; j < np; j++) {
        uint32_t id = j == 0 ? p0 : (int)j == t + 1 ? pt : pid[j];

        if ((int)j == off) {
            at = 2 * (size_t)id + 1;
            if (at >= w->cap_learnt || !w->learnt[at])
                return NONE;
            id = w->learnt[at] - 1;
        }
        k += (uint32_t)put_varint(key + k, (uint64_t)id + 1);
    }
    if (x->lim.max_preemptions >= 0)
        k += (uint32_t)put_varint(key + k, (uint64_t)p + 1);
    return cset_get(x, &x->states, key, k, 0, &added);
}

/* The state the sim is in after a turn: its node, or NONE if the search
 * must stop.  *fresh: first time seen. */
static uint32_t memo_node(struct worker *w, int p, size_t parent, int t,
                          int n, const int *ch, int *fresh)
{
    struct explorer *x = w->x;
    unsigned char key[(LESSON_MAX_TASKS + 2) * 5];
    uint32_t len = state_key(w, p, parent, t, key), id;

    *fresh = 0;
    if (len == 0) {
        set_stop(x, EXPLORE_MEMORY);
        return NONE;
    }
    id = cset_get(x, &x->states, key, len, 1, fresh);
    if (id == NONE) {
        /* Full: at max_states, or at what the node region holds. */
        set_stop(x, *fresh == -1 && (int64_t)x->states.max >= x->lim.max_states ?
                 EXPLORE_MAX_STATES : EXPLORE_MEMORY);
        *fresh = 0;
        return NONE;
    }
    if (*fresh) {
        add_node(w, id, n, ch);
        progress(x, (int64_t)id + 1);   /* a stop ends the search loop */
    }
    return id;
}

/* ---- searching on several threads --------------------------------------------

 * Each worker searches depth first from where it started, with the graph,
 * the sets and the outcomes shared: a state is expanded by the worker that
 * found it first, and its edges are filled in by whoever takes its turns.
 * A worker with nothing to do says so (GATE_HUNGRY), and a busy one gives
 * it the last untried turn of the shallowest frame of its path that has
 * one (the biggest piece of work it has), with that frame's state.  The
 * search is over when every worker waits and nothing is given away.  What
 * the search builds - the states, the edges, and from them the counts and
 * witnesses - does not depend on which worker found what; only the ids
 * do, and walk_graph() then finds the order in which one thread would
 * have found the nodes, for the one place an id decides something (a tie
 * between witnesses).  A search that stops early (a limit) has found some
 * states and not others, in an order that depended on the timing: its
 * caller searches again on one thread (explore_exact). */

/* Give away a turn: the caller saw GATE_HUNGRY. */
static void donate(struct worker *w)
{
    struct explorer *x = w->x;
    struct gate *g = &x->gate;
    size_t j, np2 = 2 * (size_t)x->nparts, nstate, ncanon = 0;
    struct frame *f;
    struct work *it;
    int i, want;

    while (w->scan < w->depth && w->fr[w->scan].next >= w->fr[w->scan].n)
        w->scan++;
    if (w->scan >= w->depth)
        return;     /* nothing to give: the flag stays for another worker */
    pthread_mutex_lock(&g->lock);
    want = g->npool < g->nidle;
    if (!want)
        atomic_fetch_and(&g->flags, ~GATE_HUNGRY);
    pthread_mutex_unlock(&g->lock);
    if (!want)
        return;
    j = w->scan;
    f = &w->fr[j];
    i = --f->n;
    restore_frame(w, j);
    nstate = sim_state_size(w->s);
    for (size_t k = 0; k < (size_t)x->nparts; k++)
        ncanon += w->idstack[j * np2 + (size_t)x->nparts + k];
    it = xmalloc(sizeof(*it) + nstate + ncanon);
    it->node = f->node;
    it->p = f->p;
    it->cur = f->cur;
    it->task = w->chs[f->choff + (size_t)i];
    it->e = f->e0 + (uint64_t)i;
    it->nstate = nstate;
    it->ncanon = ncanon;
    memcpy(it->idl, w->idstack + j * np2, sizeof(uint32_t) * np2);
    sim_save(w->s, it->bytes);
    memcpy(it->bytes + nstate, w->cstack + f->canoff, ncanon);
    pthread_mutex_lock(&g->lock);
    it->next = g->pool;
    g->pool = it;
    g->npool++;
    if (g->npool >= g->nidle)
        atomic_fetch_and(&g->flags, ~GATE_HUNGRY);
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->lock);
}

/* Wait for a turn given away; NULL when the search is over (every worker
 * waits) or stopped. */
static struct work *take_work(struct worker *w)
{
    struct explorer *x = w->x;
    struct gate *g = &x->gate;
    struct work *it = NULL;

    pthread_mutex_lock(&g->lock);
    g->nbusy--;
    g->nidle++;
    for (;;) {
        if (atomic_load(&g->flags) & GATE_STOP || g->done)
            break;
        if (g->pool && !g->pause) {
            it = g->pool;
            g->pool = it->next;
            g->npool--;
            break;
        }
        if (g->nidle == g->nworkers && !g->pool) {
            g->done = 1;
            break;
        }
        atomic_fetch_or(&g->flags, GATE_HUNGRY);
        pthread_cond_broadcast(&g->cv);     /* a grower counts the busy */
        pthread_cond_wait(&g->cv, &g->lock);
    }
    g->nidle--;
    if (it)
        g->nbusy++;
    else
        w->busy = 0;    /* gone */
    if (g->npool >= g->nidle)
        atomic_fetch_and(&g->flags, ~GATE_HUNGRY);
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->lock);
    return it;
}

/* Start from a turn given away: its frame, with the one choice. */
static void start_from(struct worker *w, struct work *it)
{
    struct explorer *x = w->x;
    int ch[1] = {it->task};

    sim_restore(w->s, it->bytes);
    if (it->ncanon > w->canon_cap)
        XGROW(w->canon, w->canon_cap, it->ncanon);
    memcpy(w->canon, it->bytes + it->nstate, it->ncanon);
    w->canon_len = it->ncanon;
    memcpy(w->idl, it->idl, sizeof(uint32_t) * 2 * (size_t)x->nparts);
    w->timers = sim_task_states(w->s, w->st);
    push_frame(w, it->node, it->p, 1, ch, it->e);
    w->fr[0].cur = it->cur;
    w->scan = 0;
}

static void *worker_main(void *arg);

/* The search has grown past PARALLEL_FROM: start the other workers (they
 * wait for turns given away). */
static void start_workers(struct explorer *x)
{
    struct gate *g = &x->gate;

    x->parallel = 1;
    x->w[0].busy = 1;
    pthread_mutex_lock(&g->lock);
    g->nworkers = g->nbusy = 1;
    pthread_mutex_unlock(&g->lock);
    for (int k = 1; k < x->want; k++) {
        struct worker *w = &x->w[k];

        w->s = sim_new(x->L, x->scene, &x->run_cfg, &x->none, 0);
        w->busy = 1;
        pthread_mutex_lock(&g->lock);
        g->nworkers++;
        g->nbusy++;
        pthread_mutex_unlock(&g->lock);
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            pthread_mutex_lock(&g->lock);
            g->nworkers--;
            g->nbusy--;
            pthread_mutex_unlock(&g->lock);
            w->busy = 0;
            break;
        }
        w->running = 1;
        x->nw = k + 1;
    }
}

static void search(struct worker *w)
{
    struct explorer *x = w->x;
    int ch[LESSON_MAX_TASKS], n, naive = x->lim.naive;
    int bound = x->lim.max_preemptions;

    for (;;) {
        size_t d;
        struct frame *f;
        int i, t, p, fresh, kind;
        uint32_t id, len, foretold;
        int fl = atomic_load_explicit(&x->gate.flags, memory_order_relaxed);

        if (fl) {
            if (fl & GATE_OOM)
                set_stop(x, EXPLORE_MEMORY);
            if (atomic_load(&x->gate.flags) & GATE_STOP)
                break;
            if (fl & GATE_PAUSE)
                park(x);
            if (fl & GATE_HUNGRY)
                donate(w);
        }
        if (w->depth == 0) {
            struct work *it;

            if (!x->parallel || !(it = take_work(w)))
                break;
            start_from(w, it);
            free(it);
            continue;
        }
        if (!x->parallel && x->want > 1 &&
            (int64_t)atomic_load_explicit(&x->states.count,
                                          memory_order_relaxed) >=
            x->parallel_from)
            start_workers(x);
        d = w->depth - 1;
        f = &w->fr[d];
        if (f->next >= f->n) {
            pop_frame(w);
            continue;
        }
        i = f->next++;
        t = w->chs[f->choff + (size_t)i];
        p = f->p + (f->cur >= 0 && t != f->cur);
        if (bound >= 0 && p > bound)
            continue;   /* that schedule needs more preemptions */
        foretold = NONE;
        if (x->foretell && !f->timers &&
            (foretold = foretell(w, d, t, p)) != NONE) {
#ifndef TT_EXPLORE_CHECK
            struct gedge *e = &x->edge[f->e0 + (size_t)i];

            e->child = foretold;
            e->len1 = 0;
            w->transitions++;
            if (!x->parallel && x->onpath[foretold / 64] >> (foretold % 64) & 1)
                x->cyclic = 1;
            continue;
#endif
        }
        if (w->at != d)
            restore_frame(w, d);
        f->taken = (uint8_t)t;
        kind = x->foretell && !f->timers ? turn_kind(w, t) : TURN_OTHER;
        n = edge(w, t, ch, &len);
        w->transitions += len;
        w->at = SIZE_MAX;
        if (w->timed) {
            x->timed = 1;
            set_stop(x, EXPLORE_CANCELLED);     /* explore_run searches again */
            break;
        }
        if (naive) {
            if (w->visits >= x->lim.max_states) {
                set_stop(x, EXPLORE_MAX_STATES);
                break;
            }
            w->visits++;
            if (progress(x, w->visits))
                break;
            if (n == 0)
                naive_final(w, p);
            else
                push_frame(w, 0, p, n, ch, 0);
            continue;
        }
        id = memo_node(w, p, d, t, n, ch, &fresh);
        if (id == NONE)
            break;
#ifdef TT_EXPLORE_CHECK
        if (foretold != NONE && foretold != id)
            die("explorer: a turn of task %d was foretold wrongly", t);
#endif
        if (kind != TURN_OTHER)
            learn_turn(w, d, t, kind);
        {
            struct gedge *e = &x->edge[w->fr[d].e0 + (size_t)i];

            e->child = id;
            e->len1 = (uint8_t)(len - 1);
        }
        if (fresh && n > 0)
            push_frame(w, id, p, n, ch, x->node[id].estart);
        else if (!fresh && !x->parallel && x->onpath[id / 64] >> (id % 64) & 1)
            x->cyclic = 1;
    }
}

/* A worker that stopped while busy is busy no more. */
static void leave(struct worker *w)
{
    struct gate *g = &w->x->gate;

    pthread_mutex_lock(&g->lock);
    if (w->busy)
        g->nbusy--;
    w->busy = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    search(w);
    leave(w);
    return NULL;
}

/* The search from the root, on this thread and, once it has grown, on
 * the others. */
static void search_all(struct explorer *x)
{
    struct worker *w = &x->w[0];
    int ch[LESSON_MAX_TASKS], n;

    n = sim_settle(w->s, ch);
    if (x->lim.naive) {
        w->visits = 1;
        if (n == 0)
            naive_final(w, 0);
        else
            push_frame(w, 0, 0, n, ch, 0);
    } else {
        int fresh;
        uint32_t root = memo_node(w, 0, SIZE_MAX, -1, n, ch, &fresh);

        if (n > 0 && root != NONE)
            push_frame(w, root, 0, n, ch, x->node[root].estart);
    }
    search(w);
    if (x->parallel) {
        struct gate *g = &x->gate;

        leave(w);
        for (int k = 1; k < x->nw; k++)
            if (x->w[k].running)
                pthread_join(x->w[k].th, NULL);
        while (g->pool) {
            struct work *it = g->pool;

            g->pool = it->next;
            free(it);
        }
    }
    for (int k = 0; k < x->nw; k++) {
        x->visits += x->w[k].visits;
        x->transitions += x->w[k].transitions;
    }
    if (x->parallel)
        return;     /* walk_graph finds the order */
    /* Stopped early: what is left on the path finishes now, innermost
     * first, so that the finishing order stays a topological one. */
    while (w->depth > 0)
        pop_frame(w);
}

/* After a search on several threads: the depth-first walk of a search on
 * one thread, on the graph that was built, gives the order in which that
 * search would have found the nodes (x->rank) and finished them (x->post),
 * and whether an edge leads back to the path (x->cyclic). */
struct walk_step {
    uint32_t v;
    uint32_t next;          /* its next edge to follow */
};

/* The walk goes on to v's children: ask for them now, since the graph is
 * too big for the cache and its nodes are scattered. */
static void walk_prefetch(const struct explorer *x, uint32_t v)
{
    const struct gnode *nd = &x->node[v];

    for (size_t e = nd->estart; e < nd->estart + nd->nedge; e++)
        if (x->edge[e].child != NONE)
            __builtin_prefetch(&x->node[x->edge[e].child]);
}

static void walk_graph(struct explorer *x)
{
    size_t n = x->nnodes, depth = 0, cap = 0, words = n / 64 + 1;
    uint32_t k = 0;
    struct walk_step *st = NULL;
    uint64_t *seen;

    x->npost = 0;
    if (n == 0)
        return;
    if ((region_use(&x->postr, n * sizeof(uint32_t)) |
         region_use(&x->pathr, words * sizeof(uint64_t))) == -2)
        die("explorer: no room to order %zu states", n);
    memset(x->onpath, 0, words * sizeof(uint64_t));
    mem_force(n * sizeof(uint32_t) + words * sizeof(uint64_t));
    x->rank = xmalloc(n * sizeof(uint32_t));
    seen = xcalloc(words, sizeof(uint64_t));
    XGROW(st, cap, 1);
    st[depth++] = (struct walk_step){0, 0};
    x->rank[0] = k++;
    seen[0] |= x->onpath[0] |= 1;
    while (depth > 0) {
        struct walk_step *top = &st[depth - 1];
        const struct gnode *nd = &x->node[top->v];
        uint32_t c;

        if (top->next >= nd->nedge) {
            x->onpath[top->v / 64] &= ~(UINT64_C(1) << (top->v % 64));
            x->post[x->npost++] = top->v;
            depth--;
            continue;
        }
        c = x->edge[nd->estart + top->next++].child;
        if (c == NONE)
            continue;
        if (!(seen[c / 64] >> (c % 64) & 1)) {
            seen[c / 64] |= UINT64_C(1) << (c % 64);
            x->onpath[c / 64] |= UINT64_C(1) << (c % 64);
            x->rank[c] = k++;
            XGROW(st, cap, depth + 1);
            st[depth++] = (struct walk_step){c, 0};
            walk_prefetch(x, c);
        } else if (x->onpath[c / 64] >> (c % 64) & 1) {
            x->cyclic = 1;
        }
    }
    free(st);
    free(seen);
    mem_uncharge(words * sizeof(uint64_t));
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
        if (x->edge[e].child != NONE)
            indeg[x->edge[e].child]++;
    if (n > 0 && indeg[0] == 0)
        order[tail++] = 0;
    while (head < tail) {
        uint32_t v = order[head++];
        size_t e0 = x->node[v].estart;

        for (size_t e = e0; e < e0 + x->node[v].nedge; e++) {
            uint32_t w = x->edge[e].child;

            if (w != NONE && --indeg[w] == 0)
                order[tail++] = w;
        }
    }
    free(indeg);
    return tail;
}

static void big_add_limbs(struct big *a, uint64_t *limbs, uint32_t n);

/* A sum of 128-bit counts, in three limbs: added up here and given to a
 * big once, rather than a big_add per node. */
struct sum192 {
    uint64_t lo, hi, top;
};

static void sum_add(struct sum192 *a, uint64_t lo, uint64_t hi)
{
    uint64_t l = a->lo + lo, c = l < lo, h = a->hi + hi;

    a->top += h < hi;
    a->top += h + c < h;
    a->hi = h + c;
    a->lo = l;
}

static void sum_to_big(struct big *b, const struct sum192 *a)
{
    uint64_t limbs[3] = {a->lo, a->hi, a->top};

    big_add_limbs(b, limbs, 3);
}

/* The graph's memory in the order counting visits it, a few nodes ahead
 * of it: the order is known, the nodes are scattered. */
enum { COUNT_AHEAD = 16 };

static void count_prefetch(const struct explorer *x, const uint64_t (*cnt)[2],
                           const uint32_t *order, size_t norder, size_t i)
{
    if (i + 2 * COUNT_AHEAD < norder) {
        __builtin_prefetch(&x->node[order[i + 2 * COUNT_AHEAD]]);
        __builtin_prefetch(&cnt[order[i + 2 * COUNT_AHEAD]], 1);
    }
    if (i + COUNT_AHEAD < norder) {
        const struct gnode *nd = &x->node[order[i + COUNT_AHEAD]];

        __builtin_prefetch(&x->edge[nd->estart]);
        for (size_t e = nd->estart; e < nd->estart + nd->nedge; e++)
            if (x->edge[e].child != NONE)
                __builtin_prefetch(&cnt[x->edge[e].child], 1);
    }
}

/* Paths into every node, pushed along the edges in topological order, in
 * 128 bits: enough for most scenes, and twice as fast as any size.
 * Returns 0 (having counted nothing) if a count does not fit. */
static int count_fast(struct explorer *x, const uint32_t *order, size_t norder,
                      struct big *total, struct big *tree)
{
    uint64_t (*cnt)[2] = xcalloc(x->nnodes + 1, sizeof(*cnt));
    struct sum192 sum_total = {0, 0, 0}, sum_tree = {0, 0, 0};
    struct sum192 *sum_oc = xcalloc(x->noc + 1, sizeof(*sum_oc));

    if (norder > 0)
        cnt[order[0]][0] = 1;
    for (size_t i = 0; i < norder; i++) {
        uint32_t v = order[i];
        uint64_t lo = cnt[v][0], hi = cnt[v][1];
        size_t e0 = x->node[v].estart;
        int32_t oc = x->node[v].outc;

        count_prefetch(x, (const uint64_t (*)[2])cnt, order, norder, i);
        /* every edge into v has been counted */
        if (oc >= 0) {
            sum_add(&sum_oc[oc], lo, hi);
            sum_add(&sum_total, lo, hi);
        }
        sum_add(&sum_tree, lo, hi);
        for (size_t e = e0; e < e0 + x->node[v].nedge; e++) {
            uint32_t w = x->edge[e].child;
            uint64_t l, h;

            if (w == NONE)
                continue;
            l = cnt[w][0] + lo;
            h = cnt[w][1] + hi;
            if (h < hi || h + (l < lo) < h) {
                free(sum_oc);
                free(cnt);
                return 0;
            }
            h += l < lo;
            cnt[w][0] = l;
            cnt[w][1] = h;
        }
    }
    for (size_t k = 0; k < x->noc; k++)
        sum_to_big(&x->oc[k].count, &sum_oc[k]);
    sum_to_big(total, &sum_total);
    sum_to_big(tree, &sum_tree);
    free(sum_oc);
    free(cnt);
    return 1;
}

/* The same in 256 bits, where 128 do not do (two tasks adding 40 each). */
enum { WIDE = 4 };

static void big_add_limbs(struct big *a, uint64_t *limbs, uint32_t n)
{
    struct big b;

    while (n > 0 && limbs[n - 1] == 0)
        n--;
    memset(&b, 0, sizeof(b));
    b.ext = limbs;
    b.n = n;
    b.cap = n ? n : 1;
    big_add(a, &b);
}

static int count_wide(struct explorer *x, const uint32_t *order, size_t norder,
                      struct big *total, struct big *tree)
{
    uint64_t (*cnt)[WIDE] = calloc(x->nnodes + 1, sizeof(*cnt));

    if (!cnt)
        return 0;
    if (norder > 0)
        cnt[order[0]][0] = 1;
    for (size_t i = 0; i < norder; i++) {
        uint32_t v = order[i];
        size_t e0 = x->node[v].estart;

        for (size_t e = e0; e < e0 + x->node[v].nedge; e++) {
            uint32_t w = x->edge[e].child;
            uint64_t carry = 0;

            if (w == NONE)
                continue;
            for (int k = 0; k < WIDE; k++) {
                uint64_t s = cnt[w][k] + cnt[v][k], c = s < cnt[v][k];

                cnt[w][k] = s + carry;
                carry = c | (cnt[w][k] < s);
            }
            if (carry) {
                free(cnt);
                return 0;
            }
        }
    }
    for (size_t i = 0; i < norder; i++) {
        uint32_t v = order[i];

        if (x->node[v].outc >= 0) {
            big_add_limbs(&x->oc[x->node[v].outc].count, cnt[v], WIDE);
            big_add_limbs(total, cnt[v], WIDE);
        }
        big_add_limbs(tree, cnt[v], WIDE);
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
        size_t e0 = x->node[v].estart;

        for (size_t e = e0; e < e0 + x->node[v].nedge; e++)
            if (x->edge[e].child != NONE)
                big_add(&cnt[x->edge[e].child], &cnt[v]);
        if (x->node[v].outc >= 0) {
            big_add(&x->oc[x->node[v].outc].count, &cnt[v]);
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
            if (!in[v] && x->node[v].outc >= 0)
                x->oc[x->node[v].outc].infinite = 1;
        free(in);
    }
    if (!count_fast(x, order, norder, total, tree) &&
        !count_wide(x, order, norder, total, tree))
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
 * final state (the first discovered, on ties).  Nodes leave the queue in
 * order of their fewest preemptions, so once every outcome has been
 * reached, and every node as cheap as the dearest of them has left it,
 * nothing further can change a witness: the search stops there. */
struct witness_bfs {
    uint32_t *dist, *pred, *pedge;
    uint8_t *done;          /* dist, pred and pedge are final */
};

static void witness_bfs(struct explorer *x, struct witness_bfs *b)
{
    size_t n = x->nnodes, left = x->noc;
    uint32_t *dist = xmalloc(sizeof(*dist) * (n + 1));
    uint32_t *pred = xmalloc(sizeof(*pred) * (n + 1));
    uint32_t *pedge = xmalloc(sizeof(*pedge) * (n + 1));
    uint8_t *done = xcalloc(n + 1, 1), *reached = xcalloc(x->noc + 1, 1);
    uint32_t last = NONE;   /* the fewest preemptions of the dearest outcome */
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
        size_t e0 = x->node[v].estart;
        int32_t oc = x->node[v].outc;

        if (q.len > COUNT_AHEAD) {
            /* the queue is the order: its nodes are scattered */
            uint32_t a = q.v[(q.head + COUNT_AHEAD) & (q.cap - 1)];

            __builtin_prefetch(&x->node[a]);
            __builtin_prefetch(&done[a]);
            __builtin_prefetch(&x->edge[x->node[q.v[(q.head + COUNT_AHEAD / 2) &
                                                   (q.cap - 1)]].estart]);
        }
        if (done[v])
            continue;
        if (last != NONE && dist[v] > last)
            break;
        done[v] = 1;
        if (oc >= 0 && !reached[oc]) {
            reached[oc] = 1;
            if (--left == 0)
                last = dist[v];
        }
        /* Backwards, so the first choice (the running task) is tried first. */
        for (size_t e = e0 + x->node[v].nedge; e-- > e0;) {
            uint32_t w = x->edge[e].child, c;

            if (w == NONE)
                continue;
            c = x->node[v].cur >= 0 && x->edge[e].task != (uint8_t)x->node[v].cur;
            if (dist[v] + c < dist[w]) {
                dist[w] = dist[v] + c;
                pred[w] = v;
                pedge[w] = (uint32_t)e;
                deque_push(&q, w, !c);
            }
        }
    }
    free(q.v);
    free(reached);
    b->dist = dist;
    b->pred = pred;
    b->pedge = pedge;
    b->done = done;
}

/* Each outcome's cheapest final state, and the path to it. */
static void witness_paths(struct explorer *x, struct witness_bfs *b)
{
    const uint32_t *dist = b->dist, *pred = b->pred, *pedge = b->pedge;

    for (size_t v = 0; v < x->nnodes; v++) {
        struct oc *o;

        if (x->node[v].outc < 0 || !b->done[v])
            continue;
        o = &x->oc[x->node[v].outc];
        /* Ties go to the node a search on one thread finds first. */
        if (o->best < 0 || (int)dist[v] < o->best ||
            ((int)dist[v] == o->best && x->rank &&
             x->rank[v] < x->rank[o->best_node])) {
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
            schedule_add(&o->path, x->edge[edges[k]].task,
                         x->edge[edges[k]].len1 + 1);
        free(edges);
    }
    free(b->done);
    free(b->pedge);
    free(b->pred);
    free(b->dist);
}

struct witness_job {
    struct explorer *x;
    struct witness_bfs b;
};

static void *witness_thread(void *arg)
{
    struct witness_job *j = arg;

    witness_bfs(j->x, &j->b);
    return NULL;
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
    lim->threads = 0;       /* as many as the machine has CPUs */
}

int explore_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > EXPLORE_MAX_THREADS ? EXPLORE_MAX_THREADS : (int)n;
}

static void explorer_done(struct explorer *x)
{
    size_t counted = x->cap_oc * sizeof(*x->oc);

    for (int k = 0; k < x->want; k++) {
        struct worker *w = &x->w[k];

        counted += w->cap_fr * sizeof(*w->fr) + w->chcap + w->ckcap +
                   w->cscap + w->idcap * sizeof(*w->idstack) + w->stcap +
                   w->cap_learnt * sizeof(uint32_t) +
                   (w->gturn ? (size_t)2 << w->gbits : 0) * sizeof(uint64_t);
        sim_free(w->s);
        free(w->fr);
        free(w->ck);
        free(w->chs);
        free(w->cstack);
        free(w->idstack);
        free(w->ststack);
        free(w->learnt);
        free(w->gturn);
        free(w->canon);
    }
    free(x->w);
    if (x->rank)
        counted += x->nnodes * sizeof(uint32_t);
    mem_uncharge(counted);
    free(x->rank);
    if (!x->lim.naive) {
        cset_done(&x->states);
        cset_done(&x->parts);
        region_done(&x->nodes);
        region_done(&x->edges);
        region_done(&x->room);
        region_done(&x->postr);
        region_done(&x->pathr);
    }
    keyset_done(&x->okeys);
    free(x->shared);
    free(x->kinds);
    for (size_t i = 0; i < x->noc; i++) {
        free(x->oc[i].final);
        big_done(&x->oc[i].count);
        schedule_done(&x->oc[i].path);
    }
    free(x->oc);
    pthread_mutex_destroy(&x->oc_lock);
    pthread_mutex_destroy(&x->progress_lock);
    pthread_mutex_destroy(&x->gate.lock);
    pthread_cond_destroy(&x->gate.cv);
    schedule_done(&x->none);
    free(x);
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

/* Per pc, what a turn there touches (program_access): TURN_PRIVATE its
 * task's own state only, TURN_GLOBAL module variables as well (in
 * processes mode too: the part that holds them is the shared one), and
 * TURN_OTHER anything else. */
static uint8_t *turn_kinds(const struct program *P)
{
    uint8_t *m = xmalloc(P->ncode + 1);

    for (uint32_t pc = 0; pc < P->ncode; pc++) {
        int a = program_access(P, pc);

        m[pc] = a == 0 ? TURN_PRIVATE : a == ACCESS_GLOBAL ? TURN_GLOBAL :
                TURN_OTHER;
    }
    return m;
}

/* The graph's memory: address space for as many nodes and edges as the
 * search may make (max_states, or what the budget could hold), sets that
 * start small. */
static void graph_init(struct explorer *x)
{
    size_t budget = mem_limit(), arena = budget + ((size_t)1 << 20);
    uint64_t maxn = (uint64_t)x->lim.max_states, maxe;

    if (maxn > budget / sizeof(struct gnode) + 65536)
        maxn = budget / sizeof(struct gnode) + 65536;
    if (maxn > (uint64_t)NONE - 1)
        maxn = (uint64_t)NONE - 1;
    maxe = maxn * (uint64_t)x->ntasks;
    if (maxe > budget / sizeof(struct gedge) + 65536 * (uint64_t)x->ntasks)
        maxe = budget / sizeof(struct gedge) + 65536 * (uint64_t)x->ntasks;
    region_init(&x->nodes, (size_t)maxn * sizeof(struct gnode));
    region_init(&x->edges, (size_t)maxe * sizeof(struct gedge));
    region_init(&x->room, 0);
    region_init(&x->postr, (size_t)maxn * sizeof(uint32_t));
    region_init(&x->pathr, ((size_t)maxn / 64 + 1) * sizeof(uint64_t));
    x->node = (struct gnode *)x->nodes.base;
    x->edge = (struct gedge *)x->edges.base;
    x->post = (uint32_t *)x->postr.base;
    x->onpath = (uint64_t *)x->pathr.base;
    /* No id past what every per-node region holds. */
    maxn = x->nodes.size / sizeof(struct gnode);
    if (maxn > x->postr.size / sizeof(uint32_t))
        maxn = x->postr.size / sizeof(uint32_t);
    if (maxn > (x->pathr.size / sizeof(uint64_t) - 1) * 64)
        maxn = (x->pathr.size / sizeof(uint64_t) - 1) * 64;
    if (maxn > (uint64_t)x->lim.max_states)
        maxn = (uint64_t)x->lim.max_states;
    cset_init(&x->states, (uint32_t)maxn, arena);
    cset_init(&x->parts, NONE - 1, arena);
    atomic_init(&x->nedges, 0);
}

/* One search, full or reduced, into a new result.  *redo: it ran on
 * several threads and stopped early (a limit, or a timed wait when
 * reduced), so what it found depends on the timing: the caller must
 * search again on one thread (explore_exact), and the result is empty. */
static struct explore_result *explore_pass(const struct lesson *L, int scene,
                                           const struct scene_config *cfg,
                                           const struct explore_limits *lim,
                                           int reduce, int *timed, int *redo)
{
    struct explore_result *r = xcalloc(1, sizeof(*r));
    struct explorer *x = aligned_alloc(64, (sizeof(*x) + 63) / 64 * 64);
    struct big total, tree;
    const struct scene *sc = &L->scenes[scene];
    struct strbuf sb;
    enum explore_stop stop;

    if (!x)
        die("out of memory");
    memset(x, 0, sizeof(*x));
    memset(&total, 0, sizeof(total));
    memset(&tree, 0, sizeof(tree));
    x->lim = *lim;
    x->reduce = reduce;
    x->L = L;
    x->scene = scene;
    r->L = L;
    r->scene = scene;
    r->cfg = *cfg;
    r->cfg.schedule = NULL;     /* the explorer chooses every turn */
    r->max_preemptions = x->lim.max_preemptions < 0 ? -1 : x->lim.max_preemptions;
    r->naive = x->lim.naive != 0;
    r->reduced = reduce;
    r->ntasks = sc->ntasks;
    for (int t = 0; t < sc->ntasks; t++)
        r->labels[t] = sc->tasks[t].label;

    /* An empty script: one CPU, turns as sim_force gives them, exactly as
     * `run --schedule` will replay a witness.  Loops that never end are
     * found as cycles, so the step budget must not cut a path short. */
    x->run_cfg = r->cfg;
    x->run_cfg.budget = INT64_MAX / 2;
    schedule_init(&x->none);
    x->want = x->lim.naive ? 1 : x->lim.threads > 0 ? x->lim.threads :
              explore_default_threads();
    if (x->want > EXPLORE_MAX_THREADS)
        x->want = EXPLORE_MAX_THREADS;
    x->w = aligned_alloc(64, (size_t)x->want * sizeof(*x->w));
    if (!x->w)
        die("out of memory");
    memset(x->w, 0, (size_t)x->want * sizeof(*x->w));
    for (int k = 0; k < x->want; k++) {
        x->w[k].x = x;
        x->w[k].at = SIZE_MAX;
    }
    x->nw = 1;
    x->parallel_from = x->lim.parallel_from > 0 ? x->lim.parallel_from :
                       PARALLEL_FROM;
    x->w[0].s = sim_new(L, scene, &x->run_cfg, &x->none, 0);
    x->ntasks = sim_ntasks(x->w[0].s);
    x->nparts = x->ntasks + 1;
    x->nspaces = r->nspaces = sim_nspaces(x->w[0].s);
    x->nglobals = r->nglobals = L->prog->nglobals;
    /* (a pool's shutdown moves the join of a task that stays blocked: its
     * part changes with no change of state) */
    x->incremental = (cfg->mode == MODE_THREADS ||
                      cfg->mode == MODE_PROCESSES) && !L->prog->has_pools;
    x->foretell = x->incremental && !reduce && !x->lim.naive;
    if (reduce)
        x->shared = shared_map(L->prog, cfg->mode);
    if (x->foretell)
        x->kinds = turn_kinds(L->prog);
    pthread_mutex_init(&x->oc_lock, NULL);
    pthread_mutex_init(&x->progress_lock, NULL);
    pthread_mutex_init(&x->gate.lock, NULL);
    pthread_cond_init(&x->gate.cv, NULL);
    atomic_init(&x->gate.flags, 0);
    atomic_init(&x->stop, EXPLORE_DONE);
    atomic_init(&x->refused, 0);
    if (!x->lim.naive)
        graph_init(x);
    keyset_init(&x->okeys);

    search_all(x);
    stop = (enum explore_stop)atomic_load(&x->stop);
    x->nnodes = x->lim.naive ? 0 : atomic_load(&x->states.count);
    *timed = x->timed;
    *redo = x->parallel && (x->timed || stop == EXPLORE_MAX_STATES ||
                            stop == EXPLORE_MEMORY);
    r->stop = stop;
    if (x->timed || *redo) {    /* the caller searches again */
        explorer_done(x);
        return r;
    }
    r->stop = stop;
    if (stop == EXPLORE_MEMORY) {
        sb_init(&sb);
        mem_limit_message(&sb, "the search");
        r->stop_text = sb_steal(&sb);
    }
    r->complete = stop == EXPLORE_DONE;
    r->transitions = x->transitions;
    if (x->lim.naive) {
        r->states = x->visits;
        for (size_t i = 0; i < x->noc; i++)
            big_add(&total, &x->oc[i].count);
        big_add_u64(&tree, (uint64_t)x->visits);
    } else {
        pthread_t th;
        struct witness_job job;
        int two;

        r->states = (int64_t)x->nnodes;
        /* The keys are the bulk of the memory; the graph is all we need. */
        cset_done(&x->states);
        cset_done(&x->parts);
        /* The witnesses' search reads only the graph: on a thread of its
         * own, where the search had several, while this one orders the
         * nodes and counts.  Only choosing between tied witnesses needs
         * the order (x->rank), and that comes after both. */
        job.x = x;
        two = x->parallel &&
              pthread_create(&th, NULL, witness_thread, &job) == 0;
        if (x->parallel)
            walk_graph(x);
        count_paths(x, r, &total, &tree);
        if (two)
            pthread_join(th, NULL);
        else
            witness_bfs(x, &job.b);
        witness_paths(x, &job.b);
    }
    sb_init(&sb);
    if (r->endless)
        sb_puts(&sb, "infinite");
    else
        big_decimal(&total, &sb);
    r->schedules = sb_steal(&sb);
    r->tree_nodes = r->endless || reduce ? 0 : big_double(&tree);
    build_result(x, r, &total);
    big_done(&total);
    big_done(&tree);
    explorer_done(x);
    return r;
}

/* A search whose answer does not depend on the timing of its threads: if
 * one on several threads stopped early, the same search again on one. */
static struct explore_result *explore_exact(const struct lesson *L, int scene,
                                            const struct scene_config *cfg,
                                            const struct explore_limits *lim,
                                            int reduce, int *timed)
{
    struct explore_limits one = *lim;
    struct explore_result *r;
    int redo;

    r = explore_pass(L, scene, cfg, lim, reduce, timed, &redo);
    if (!redo)
        return r;
    explore_free(r);
    one.threads = 1;
    return explore_pass(L, scene, cfg, &one, reduce, timed, &redo);
}

/* Turns can go to any ready task at any op: where the reduction applies. */
static int reducible(const struct scene_config *cfg)
{
    return cfg->mode == MODE_THREADS || cfg->mode == MODE_PROCESSES;
}

/* EXPLORE_REDUCE_AUTO: the reduced search, then the full one up to
 * EXPLORE_FULL_STATES, each on every CPU; the full result if it completed,
 * else the reduced one.  Every state of the reduced graph (with its
 * preemptions, when bounded) is a state of the full one, so a reduced
 * search that found more than EXPLORE_FULL_STATES says the full one
 * cannot complete: it is not run.  Which result is kept depends only on
 * whether the full search completes, never on the timing.  The caller's
 * progress callback hears from each in turn, and stopping it stops the
 * search it is in. */
static struct explore_result *explore_auto(const struct lesson *L, int scene,
                                           const struct scene_config *cfg,
                                           const struct explore_limits *full,
                                           const struct explore_limits *reduced,
                                           int *timed)
{
    struct explore_limits capped = *full;
    struct explore_result *red, *r;
    int redo;

    if (capped.max_states > EXPLORE_FULL_STATES)
        capped.max_states = EXPLORE_FULL_STATES;
    red = explore_exact(L, scene, cfg, reduced, 1, timed);
    if (*timed || red->stop == EXPLORE_CANCELLED ||
        red->states > capped.max_states)
        return red;
    r = explore_pass(L, scene, cfg, &capped, 0, timed, &redo);
    if (redo && r->stop == EXPLORE_MEMORY) {
        /* Out of memory on several threads: on one, it may complete.  (At
         * the cap, whatever the order, it did not.) */
        explore_free(r);
        capped.threads = 1;
        r = explore_pass(L, scene, cfg, &capped, 0, timed, &redo);
    }
    if (!redo && (r->complete || r->stop == EXPLORE_CANCELLED)) {
        explore_free(red);
        return r;
    }
    explore_free(r);
    return red;
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
        return explore_exact(L, scene, cfg, &full, 0, &timed);
    if (l.reduce == EXPLORE_REDUCE_AUTO)
        r = explore_auto(L, scene, cfg, &full, &reduced, &timed);
    else
        r = explore_exact(L, scene, cfg, &reduced, 1, &timed);
    if (!timed)
        return r;
    explore_free(r);
    return explore_exact(L, scene, cfg, &full, 0, &timed);
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

/* Is module variable g a multiprocessing.Value's number in a processes
 * scene: one copy every process sees, told once, not per process? */
static int one_copy(const struct explore_result *r, int g)
{
    const struct program *P = r->L->prog;

    if (r->nspaces < 2)
        return 0;
    for (int l = 0; l < P->nlocks; l++)
        if (P->lock_kind[l] == SYNC_VALUE && P->lock_link[l] == g)
            return 1;
    return 0;
}

/* Does space's part of an outcome say anything: "x = 3, y = 1" (only the
 * values that vary when brief), the Values' numbers aside? */
static int space_says(const struct explore_result *r, int space, int brief)
{
    for (int g = 0; g < r->nglobals; g++)
        if ((!brief || r->varies[space * r->nglobals + g]) &&
            !one_copy(r, g))
            return 1;
    return 0;
}

/* space's values; space -1: the Values' numbers, which are space 0's. */
static void values_words(struct strbuf *out, const struct explore_result *r,
                         const int64_t *vals, int space, int brief, int *first)
{
    const struct program *P = r->L->prog;

    for (int g = 0; g < r->nglobals; g++) {
        int i = (space < 0 ? 0 : space) * r->nglobals + g;

        if ((brief && !r->varies[i]) || one_copy(r, g) != (space < 0))
            continue;
        sb_printf(out, "%s%s = ", *first ? "" : ", ", P->global_names[g]);
        vm_format_value(P, vals[i], out);
        *first = 0;
    }
}

/* The name of memory space sp: a process's label, or "main" for the main
 * program's ("main program" if a process is called main). */
static const char *space_name(const struct explore_result *r, int sp)
{
    if (sp > 0)
        return r->labels[sp - 1];
    for (int t = 0; t < r->ntasks; t++)
        if (strcmp(r->labels[t], "main") == 0)
            return "main program";
    return "main";
}

/* The memory of an outcome: "x = 3", or per process in processes mode
 * ("total.value = 4 · main: x = 0 · A: x = 3 · B: x = 3"). */
static void memory_words(struct strbuf *out, const struct explore_result *r,
                         const int64_t *vals, int brief)
{
    int any = 0, first = 1;

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
    if (r->nspaces < 2) {
        values_words(out, r, vals, 0, brief, &first);
        return;
    }
    if (out->len && out->s[out->len - 1] != ' ') {
        size_t len = out->len;

        sb_puts(out, " · ");
        values_words(out, r, vals, -1, brief, &first);
        if (first)
            out->len = len, out->s[len] = '\0';
    } else {
        values_words(out, r, vals, -1, brief, &first);
    }
    for (int sp = 0; sp < r->nspaces; sp++) {
        if (!space_says(r, sp, brief))
            continue;
        sb_printf(out, "%s%s: ", out->len && out->s[out->len - 1] != ' ' ?
                  " · " : "", space_name(r, sp));
        first = 1;
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
                sb_printf(out, "%s ", r->labels[w->task]);
                sync_join_text(r->cfg.mode == MODE_ASYNCIO, w->queue,
                               r->labels[w->holder], out);
            } else if (w->lock == TRACE_RESULT_MARK ||
                       w->lock == TRACE_WORK_MARK) {
                sb_printf(out, "%s ", r->labels[w->task]);
                sync_pool_wait_text(w->lock == TRACE_RESULT_MARK, w->queue,
                                    out);
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
            int i = sp * r->nglobals + g, shared = one_copy(r, g);

            if (r->varies[i] || (shared && sp > 0))
                continue;
            sb_printf(out, "%s%s%s%s = ", n ? ", " : "",
                      r->nspaces > 1 && !shared ?
                      space_name(r, sp) : "",
                      r->nspaces > 1 && !shared ? " " : "",
                      r->L->prog->global_names[g]);
            vm_format_value(r->L->prog, r->outcomes[0].final[i], out);
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
            /* asyncio awaits a task; a thread joins one */
            json_str(j, r->cfg.mode == MODE_ASYNCIO ? "awaits" : "joins",
                     r->labels[w->holder]);
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

