/*
 * The virtual clock and the one timer queue of the machine.
 *
 * Every guest-visible notion of time (PIT, RTC, UART bit timing, TSC) derives from
 * vclock_ns(). Two modes:
 *  - real time (default): the main loop samples the host clock at slice boundaries and
 *    advances the virtual clock to it (never backwards); inside a slice the clock is
 *    interpolated from the instructions retired at the measured host speed, capped at the
 *    end of the slice.
 *  - deterministic (-icount shift=N): the clock is instructions retired << N; the host
 *    clock is never consulted.
 *
 * Contract: only the main loop (hw/pc.c) and tests call the vclock_* control functions;
 * devices call timer_* and vclock_ns() only. All of this runs on the single emulation
 * thread; nothing here is thread-safe.
 */
#ifndef X86PC_HW_CORE_TIMER_H
#define X86PC_HW_CORE_TIMER_H

#include "util/common.h"

#define NS_PER_SEC 1000000000LL
#define VCLOCK_NEVER INT64_MAX

typedef struct Timer Timer;
typedef void TimerCb(void *opaque);

Timer *timer_new(TimerCb *cb, void *opaque);
void timer_free(Timer *t);
/* Arm (or re-arm) t to fire once the virtual clock reaches deadline_ns. A deadline in the
 * past fires at the next timers_run_expired(). */
void timer_mod(Timer *t, int64_t deadline_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
/* Deadline of a pending timer, -1 if not pending. */
int64_t timer_expire_time(const Timer *t);

/* Current virtual time in ns since machine creation. */
int64_t vclock_ns(void);

/* ---- clock control: main loop and tests only ---- */

/* Reset the clock to 0 and select the mode: icount_shift < 0 is real time. Pending timers
 * stay queued (devices own them). */
void vclock_init(int icount_shift);
bool vclock_deterministic(void);
int vclock_icount_shift(void);
/* Move the clock forward to ns (ignored if ns is in the past). */
void vclock_advance_to(int64_t ns);
/*
 * A CPU slice: while it is open, vclock_ns() = base + min((*icount - icount_start) *
 * ns_per_insn_fp / 256, max_ns). ns_per_insn_fp is the speed in 1/256 ns per instruction.
 */
void vclock_slice_begin(const uint64_t *icount, uint64_t icount_start, uint64_t ns_per_insn_fp,
                        int64_t max_ns);
/* Close the slice; returns the interpolated time it reached (the clock goes back to the
 * base until the caller advances it). */
int64_t vclock_slice_end(void);
/* Called when a timer is armed to fire before the end of the open slice, so the main loop
 * can stop the running CPU early. */
void vclock_set_notify(void (*notify)(void *opaque), void *opaque);

/* Earliest pending deadline, VCLOCK_NEVER if none. */
int64_t timer_next_deadline(void);
/* Run the callbacks of every timer whose deadline <= vclock_ns(), in deadline order.
 * Returns the number of callbacks run. */
int timers_run_expired(void);

#endif
