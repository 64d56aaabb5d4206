/* test_real_costs.c - the @measure figures are measured, and sane.
 *
 * Only what cannot depend on the machine's speed or load is checked: every
 * figure is measured (positive and finite) and names its switch.
 */
#include <math.h>

#include "real/real.h"
#include "testhelp.h"

int main(void)
{
    struct real_costs c;

    real_measure_costs(&c);
    CHECK(c.coro != NULL && c.coro[0] != '\0');
    CHECK(c.coro_switch_ns > 0 && isfinite(c.coro_switch_ns));
    CHECK(c.ucontext_switch_ns > 0 && isfinite(c.ucontext_switch_ns));
    CHECK(c.thread_handoff_ns > 0 && isfinite(c.thread_handoff_ns));
    CHECK(c.thread_start_ns > 0 && isfinite(c.thread_start_ns));
    CHECK(c.process_start_ns > 0 && isfinite(c.process_start_ns));
    return TEST_DONE();
}
