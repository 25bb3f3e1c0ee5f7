/*
 * Virtual clock and timer queue: ordering, equal deadlines, re-arm, cancel, callbacks that
 * re-arm themselves, deterministic (icount) time inside a slice, and the early-deadline
 * notification the main loop uses to stop a CPU slice.
 */
#include "hw-test.h"

static int order[16];
static int norder;

static void record_cb(void *opaque)
{
    order[norder++] = (int)(intptr_t)opaque;
}

static int periodic_count;
static Timer *periodic;

static void periodic_cb(void *opaque)
{
    periodic_count++;
    timer_mod(periodic, vclock_ns() + 100);
}

static int notified;

static void notify_cb(void *opaque)
{
    notified++;
}

int main(void)
{
    Timer *t[5];

    vclock_init(-1);
    CHECK(vclock_ns() == 0, "clock starts at 0, got %lld", (long long)vclock_ns());
    CHECK(timer_next_deadline() == VCLOCK_NEVER, "empty queue");

    /* Ordering by deadline, FIFO among equal deadlines. */
    for (int i = 0; i < 5; i++) {
        t[i] = timer_new(record_cb, (void *)(intptr_t)i);
    }
    timer_mod(t[0], 500);
    timer_mod(t[1], 100);
    timer_mod(t[2], 300);
    timer_mod(t[3], 300);
    timer_mod(t[4], 200);
    CHECK(timer_next_deadline() == 100, "next deadline 100, got %lld",
          (long long)timer_next_deadline());
    vclock_advance_to(300);
    CHECK(timers_run_expired() == 4, "four timers expire by 300");
    CHECK(norder == 4 && order[0] == 1 && order[1] == 4 && order[2] == 2 && order[3] == 3,
          "order 1,4,2,3 got %d,%d,%d,%d", order[0], order[1], order[2], order[3]);
    CHECK(timer_pending(t[0]) && !timer_pending(t[1]), "pending flags");

    /* Re-arm moves a pending timer; cancel removes it. */
    timer_mod(t[0], 1000);
    CHECK(timer_expire_time(t[0]) == 1000, "re-armed deadline");
    timer_mod(t[1], 600);
    timer_del(t[1]);
    CHECK(!timer_pending(t[1]) && timer_expire_time(t[1]) == -1, "cancelled");
    vclock_advance_to(900);
    CHECK(timers_run_expired() == 0, "nothing before 1000 (re-arm and cancel honoured)");
    vclock_advance_to(1000);
    CHECK(timers_run_expired() == 1 && order[4] == 0, "re-armed timer fires at 1000");

    /* The clock never goes backwards. */
    vclock_advance_to(10);
    CHECK(vclock_ns() == 1000, "clock monotonic, got %lld", (long long)vclock_ns());

    /* A timer whose deadline is in the past fires at the next run. */
    timer_mod(t[2], 5);
    CHECK(timers_run_expired() == 1, "past deadline fires immediately");

    /* A callback re-arming its own timer runs once per period. */
    periodic = timer_new(periodic_cb, NULL);
    timer_mod(periodic, vclock_ns() + 100);
    for (int i = 0; i < 10; i++) {
        clock_step(100);
    }
    CHECK(periodic_count == 10, "periodic timer fired %d times, expected 10", periodic_count);
    timer_free(periodic);

    /* Deterministic mode: time = base + instructions << shift inside a slice. */
    {
        uint64_t icount = 1000;
        int64_t base;

        vclock_init(3);
        CHECK(vclock_deterministic() && vclock_icount_shift() == 3, "icount mode");
        base = vclock_ns();
        vclock_slice_begin(&icount, 1000, 256u << 3, 800);
        CHECK(vclock_ns() == base, "slice start");
        icount += 50;
        CHECK(vclock_ns() == base + 400, "50 insns << 3 = 400 ns, got %lld",
              (long long)(vclock_ns() - base));
        icount += 1000;
        CHECK(vclock_ns() == base + 800, "capped at the slice end");
        CHECK(vclock_slice_end() == base + 800, "slice end value");
        CHECK(vclock_ns() == base, "outside the slice the clock holds until advanced");

        /* Arming a timer inside the slice before its end notifies the main loop. */
        vclock_set_notify(notify_cb, NULL);
        icount = 0;
        vclock_slice_begin(&icount, 0, 256u << 3, 8000);
        timer_mod(t[3], base + 10000);
        CHECK(notified == 0, "deadline after the slice: no notification");
        timer_mod(t[3], base + 4000);
        CHECK(notified == 1, "deadline inside the slice: notification");
        vclock_slice_end();
        timer_mod(t[4], base + 1);
        CHECK(notified == 1, "no notification outside a slice");
        vclock_set_notify(NULL, NULL);
    }
    for (int i = 0; i < 5; i++) {
        timer_free(t[i]);
    }
    CHECK(timer_next_deadline() == VCLOCK_NEVER, "queue empty after freeing");
    return tests_finish();
}
