/* test_trace.c - the compact op records: every op reads back exactly as it
 * was appended, whatever its time (ticks or nanoseconds, long gaps) and
 * value (small, large, negative), also across a cut; and ordinary ops take
 * the compact form (their bytes are what bench reports).  The random ops
 * mix every kind of escape with ordinary ops. */
#include <stdint.h>
#include <stdlib.h>

#include "membudget.h"
#include "testhelp.h"
#include "trace.h"
#include "vm.h"

static uint64_t rng = 88172645463325252u;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random op after time t: mostly small steps and values, sometimes the
 * edges of each field and jumps that cannot be an offset. */
static struct trace_op random_op(int64_t t)
{
    static const int64_t values[] = {
        0, 1, -1, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
        (int64_t)INT32_MIN - 1, INT64_MAX, INT64_MIN, 1234567890123,
        /* values near INT64_MIN have codes of their own, but not all */
        VM_UNSET, VM_REF(REF_NONE, 0), VM_REF(REF_NAME, 7),
        VM_REF(REF_COUNT - 1, 123456), VM_REF(15, (1 << 19) - 1),
        VM_REF(15, 1 << 19), VM_REF(16, 0), INT64_MIN + 2,
        TRACE_CODE_MIN - 1, TRACE_CODE_MIN, (int64_t)INT32_MIN + 1,
    };
    enum { NVALUES = sizeof(values) / sizeof(values[0]) };
    static const int64_t gaps[] = {0, 1, 2, 2046, 2047, 2048, 5000,
                                   1000000000, (int64_t)1 << 40};
    struct trace_op op;
    uint64_t r = next_rand();

    op.t = t + (r % 4 == 0 ? gaps[next_rand() % 9] : (int64_t)(r % 3));
    r = next_rand();
    op.value = r % 3 == 0 ? values[next_rand() % NVALUES] :
               (int64_t)(next_rand() % 2000001) - 1000000;
    op.pc = next_rand() % 8 == 0 ? (1u << 20) - 1 : (uint32_t)(next_rand() % 5000);
    op.task = (uint16_t)(next_rand() % 32);
    op.cpu = (int8_t)((int)(next_rand() % 65) - 1);
    op.status = (uint8_t)(next_rand() % (VM_ERROR + 1));
    return op;
}

static int same(const struct trace_op *a, const struct trace_op *b)
{
    return a->t == b->t && a->value == b->value && a->pc == b->pc &&
           a->task == b->task && a->cpu == b->cpu && a->status == b->status;
}

static int all_read_back(const struct trace *tr, const struct trace_op *want,
                         size_t n)
{
    int ok = tr->nops == n;

    for (size_t i = 0; ok && i < n; i++) {
        struct trace_op got = trace_op_get(tr, i);

        ok = same(&got, &want[i]) && trace_op_t(tr, i) == want[i].t &&
             trace_op_value(tr, i) == want[i].value &&
             trace_op_pc(tr, i) == want[i].pc &&
             trace_op_task(tr, i) == want[i].task &&
             trace_op_cpu(tr, i) == want[i].cpu &&
             trace_op_status(tr, i) == want[i].status;
        if (!ok)
            printf("    op %zu: t %lld value %lld pc %u task %d cpu %d "
                   "status %d, appended t %lld value %lld pc %u task %d "
                   "cpu %d status %d\n", i, (long long)got.t,
                   (long long)got.value, got.pc, got.task, got.cpu,
                   got.status, (long long)want[i].t,
                   (long long)want[i].value, want[i].pc, want[i].task,
                   want[i].cpu, want[i].status);
    }
    return ok;
}

static struct trace *new_trace(const char *unit)
{
    static const char *const labels[32] = {"A", "B", "C", "D"};
    const char *names[32];

    for (int i = 0; i < 32; i++)
        names[i] = labels[i] ? labels[i] : "T";
    return trace_new(32, names, 64, unit);
}

/* Ticks (blocks of 16 ops) and nanoseconds (a base time per op). */
static void test_round_trip(const char *unit)
{
    enum { N = 100000 };
    struct trace_op *want = malloc(N * sizeof(*want));
    struct trace *tr = new_trace(unit);
    int64_t t = 0;
    size_t cut;

    for (size_t i = 0; i < N; i++) {
        want[i] = random_op(t);
        t = want[i].t;
        trace_op(tr, want[i].t, want[i].task, want[i].cpu, want[i].pc,
                 want[i].status, want[i].value);
    }
    CHECK(tr->nesc > 0 && tr->nesc < N);
    CHECK(all_read_back(tr, want, N));
    /* Seeking by time finds the first op at or after it. */
    {
        int ok = 1;

        for (int k = 0; k < 1000; k++) {
            size_t i = next_rand() % N, at = trace_op_seek(tr, want[i].t);

            ok &= want[at].t == want[i].t && (at == 0 || want[at - 1].t < want[i].t);
        }
        CHECK(ok);
    }
    /* A cut forgets the ops (and their escapes) from a time on; appending
     * again reads back as well. */
    cut = trace_op_seek(tr, want[N / 2].t);
    trace_cut(tr, want[N / 2].t);
    CHECK_EQ(tr->nops, cut);
    CHECK(tr->nesc == 0 || tr->op_esc[tr->nesc - 1].i < cut);
    t = cut ? want[cut - 1].t : 0;
    for (size_t i = cut; i < N; i++) {
        want[i] = random_op(t);
        t = want[i].t;
        trace_op(tr, want[i].t, want[i].task, want[i].cpu, want[i].pc,
                 want[i].status, want[i].value);
    }
    CHECK(all_read_back(tr, want, N));
    trace_free(tr);
    free(want);
    CHECK_EQ(mem_used(), 0);
}

/* A simulated loop of small numbers: no escapes, and under 11 bytes an
 * op (10 for the record, a base time per 16 ops). */
static void test_compact(void)
{
    enum { N = 1 << 16 };
    struct trace *tr = new_trace("tick");
    size_t bytes0 = trace_bytes(tr);

    for (int i = 0; i < N; i++)
        trace_op(tr, i / 2, i % 2, i % 2, (uint32_t)(i % 7), VM_RAN, i / 7);
    CHECK_EQ(tr->nesc, 0);
    CHECK((double)(trace_bytes(tr) - bytes0) / N <= 10.5);
    CHECK_EQ(trace_op_t(tr, N - 1), (N - 1) / 2);
    CHECK_EQ(trace_op_value(tr, N - 1), (N - 1) / 7);
    trace_free(tr);
}

int main(void)
{
    test_round_trip("tick");
    test_round_trip("ns");
    test_compact();
    return TEST_DONE();
}
