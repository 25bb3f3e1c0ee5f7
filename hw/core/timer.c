/*
 * Virtual clock and timer queue: a deadline-ordered singly linked list. A PC has a
 * handful of timers (PIT channels, RTC, UARTs), so O(n) insertion is cheaper than a heap.
 * Timers with equal deadlines fire in the order they were armed.
 */
#include "hw/core/timer.h"

#include <stdlib.h>

#include "util/log.h"

struct Timer {
    TimerCb *cb;
    void *opaque;
    int64_t deadline; /* valid while pending */
    bool pending;
    Timer *next;
};

static struct {
    Timer *head;
    int64_t base;        /* clock value outside a slice / at its start */
    int icount_shift;    /* < 0: real time */
    /* open slice */
    bool in_slice;
    const uint64_t *icount;
    uint64_t icount_start;
    uint64_t ns_per_insn_fp;
    int64_t slice_max_ns;
    void (*notify)(void *opaque);
    void *notify_opaque;
} vc = {.icount_shift = -1};

Timer *timer_new(TimerCb *cb, void *opaque)
{
    Timer *t = xzalloc(sizeof(*t));

    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        free(t);
    }
}

void timer_del(Timer *t)
{
    Timer **pp;

    if (!t->pending) {
        return;
    }
    for (pp = &vc.head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->pending = false;
    t->next = NULL;
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    Timer **pp;

    timer_del(t);
    t->deadline = deadline_ns;
    t->pending = true;
    for (pp = &vc.head; *pp && (*pp)->deadline <= deadline_ns; pp = &(*pp)->next) {
    }
    t->next = *pp;
    *pp = t;
    log_mask_printf(LOG_TIMER, "timer: arm %p at %lld ns (now %lld)\n", (void *)t,
                    (long long)deadline_ns, (long long)vclock_ns());
    if (vc.in_slice && vc.notify && deadline_ns < vc.base + vc.slice_max_ns) {
        vc.notify(vc.notify_opaque);
    }
}

bool timer_pending(const Timer *t)
{
    return t->pending;
}

int64_t timer_expire_time(const Timer *t)
{
    return t->pending ? t->deadline : -1;
}

int64_t vclock_ns(void)
{
    if (vc.in_slice) {
        uint64_t n = *vc.icount - vc.icount_start;
        int64_t d;

        /* Avoid overflow of n * rate: anything this large is past the cap anyway. */
        if (n >= (UINT64_MAX >> 1) / (vc.ns_per_insn_fp ? vc.ns_per_insn_fp : 1)) {
            d = vc.slice_max_ns;
        } else {
            d = (int64_t)((n * vc.ns_per_insn_fp) >> 8);
        }
        return vc.base + MIN(d, vc.slice_max_ns);
    }
    return vc.base;
}

void vclock_init(int icount_shift)
{
    vc.base = 0;
    vc.in_slice = false;
    vc.icount_shift = icount_shift;
}

bool vclock_deterministic(void)
{
    return vc.icount_shift >= 0;
}

int vclock_icount_shift(void)
{
    return vc.icount_shift;
}

void vclock_advance_to(int64_t ns)
{
    if (ns > vc.base) {
        vc.base = ns;
    }
}

void vclock_slice_begin(const uint64_t *icount, uint64_t icount_start, uint64_t ns_per_insn_fp,
                        int64_t max_ns)
{
    vc.icount = icount;
    vc.icount_start = icount_start;
    vc.ns_per_insn_fp = ns_per_insn_fp;
    vc.slice_max_ns = max_ns < 0 ? 0 : max_ns;
    vc.in_slice = true;
}

int64_t vclock_slice_end(void)
{
    int64_t t = vclock_ns();

    vc.in_slice = false;
    return t;
}

void vclock_set_notify(void (*notify)(void *opaque), void *opaque)
{
    vc.notify = notify;
    vc.notify_opaque = opaque;
}

int64_t timer_next_deadline(void)
{
    return vc.head ? vc.head->deadline : VCLOCK_NEVER;
}

int timers_run_expired(void)
{
    int64_t now = vclock_ns();
    int n = 0;

    while (vc.head && vc.head->deadline <= now) {
        Timer *t = vc.head;

        vc.head = t->next;
        t->next = NULL;
        t->pending = false;
        log_mask_printf(LOG_TIMER, "timer: fire %p (deadline %lld, now %lld)\n", (void *)t,
                        (long long)t->deadline, (long long)now);
        t->cb(t->opaque);
        n++;
    }
    return n;
}
