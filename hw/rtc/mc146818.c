/*
 * MC146818 real-time clock and 128 bytes of CMOS RAM at 0x70 (index, bit 7 = NMI mask)
 * and 0x71 (data). Periodic, alarm and update-ended interrupts on IRQ8.
 *
 * Time model: while the clock runs (SET clear, divider bits = 010), the RTC time in
 * seconds is time_base_sec + (vclock - time_base_ns) / 1 s; the time registers are
 * computed from it when read. While stopped, the registers hold the time and are parsed
 * back into time_base_sec when the clock starts again. Nothing reads the host clock: the
 * start date is Board.rtc_base_epoch (from -rtc base=). The periodic interrupt comes from
 * the divider chain alone: it keeps its rate and phase while SET stops the updates, and
 * restarts when the divider leaves reset (DV = 11x -> 010).
 *
 * Deviations: the square-wave output and daylight-saving bit are not emulated (logged);
 * the day-of-week register is recomputed from the date.
 */
#include "hw/devices.h"
#include "util/log.h"

#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

#define REG_A_UIP 0x80
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM 0x04   /* binary (1) or BCD (0) */
#define REG_B_24H 0x02
#define REG_B_DSE 0x01
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10
#define REG_D_VRT 0x80

#define UIP_NS 244000 /* update in progress lasts 244 us before each update */

typedef struct RTCState {
    Board *board;
    IRQ irq;
    Timer *timer;
    uint8_t cmos[128];
    uint8_t index;
    bool nmi_disabled;
    int64_t time_base_sec; /* RTC time (seconds since 1970) at virtual time time_base_ns */
    int64_t time_base_ns;
    int64_t div_base_ns;    /* virtual time the divider chain last left reset (periodic phase) */
    int64_t last_c_read_ns; /* flags are collected up to here; later events are pending */
    uint8_t irq_level;
} RTCState;

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* ---- register encoding ---- */

static bool rtc_binary(RTCState *s)
{
    return (s->cmos[RTC_REG_B] & REG_B_DM) != 0;
}

static uint8_t rtc_to_reg(RTCState *s, unsigned v)
{
    return rtc_binary(s) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned rtc_from_reg(RTCState *s, uint8_t v)
{
    return rtc_binary(s) ? v : ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

static uint8_t rtc_hour_to_reg(RTCState *s, unsigned h)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_to_reg(s, h);
    }
    return (uint8_t)(rtc_to_reg(s, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned rtc_hour_from_reg(RTCState *s, uint8_t v)
{
    unsigned h;

    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return rtc_from_reg(s, v) % 24;
    }
    h = rtc_from_reg(s, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

static bool rtc_divider_running(RTCState *s)
{
    return ((s->cmos[RTC_REG_A] >> 4) & 7) == 2;
}

static bool rtc_running(RTCState *s)
{
    return !(s->cmos[RTC_REG_B] & REG_B_SET) && rtc_divider_running(s);
}

static int64_t rtc_now_sec(RTCState *s, int64_t now_ns)
{
    int64_t d = now_ns - s->time_base_ns;

    return s->time_base_sec + (d >= 0 ? d / NS_PER_SEC : -((-d + NS_PER_SEC - 1) / NS_PER_SEC));
}

/* Write the time t into the time registers. */
static void rtc_store_time(RTCState *s, int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400, year;
    unsigned month, mday;

    civil_from_days(days, &year, &month, &mday);
    s->cmos[RTC_SECONDS] = rtc_to_reg(s, (unsigned)(secs % 60));
    s->cmos[RTC_MINUTES] = rtc_to_reg(s, (unsigned)((secs / 60) % 60));
    s->cmos[RTC_HOURS] = rtc_hour_to_reg(s, (unsigned)(secs / 3600));
    s->cmos[RTC_DAY_OF_WEEK] = rtc_to_reg(s, (unsigned)(((days % 7) + 7 + 4) % 7 + 1));
    s->cmos[RTC_DAY_OF_MONTH] = rtc_to_reg(s, mday);
    s->cmos[RTC_MONTH] = rtc_to_reg(s, month);
    s->cmos[RTC_YEAR] = rtc_to_reg(s, (unsigned)(((year % 100) + 100) % 100));
    s->cmos[RTC_CENTURY] = rtc_to_reg(s, (unsigned)((year / 100) % 100));
}

/* Parse the time registers (as the guest left them) into seconds since 1970. */
static int64_t rtc_parse_time(RTCState *s)
{
    unsigned sec = rtc_from_reg(s, s->cmos[RTC_SECONDS]) % 60;
    unsigned min = rtc_from_reg(s, s->cmos[RTC_MINUTES]) % 60;
    unsigned hour = rtc_hour_from_reg(s, s->cmos[RTC_HOURS]);
    unsigned mday = rtc_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]);
    unsigned month = rtc_from_reg(s, s->cmos[RTC_MONTH]);
    int64_t year = (int64_t)rtc_from_reg(s, s->cmos[RTC_CENTURY]) * 100 +
                   rtc_from_reg(s, s->cmos[RTC_YEAR]) % 100;

    if (month < 1 || month > 12 || mday < 1 || mday > 31) {
        log_mask_printf(LOG_GUEST_ERRORS, "rtc: invalid date %u-%u set\n", month, mday);
        month = month < 1 || month > 12 ? 1 : month;
        mday = mday < 1 || mday > 31 ? 1 : mday;
    }
    return days_from_civil(year, month, mday) * 86400 + hour * 3600 + min * 60 + sec;
}

static int64_t rtc_periodic_ns(RTCState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & 0x0f;

    if (rs == 0) {
        return 0;
    }
    if (rs <= 2) {
        rs += 7; /* RS 1 and 2 give 256 Hz and 128 Hz, like RS 8 and 9 */
    }
    return (NS_PER_SEC << (rs - 1)) / 32768;
}

static bool rtc_alarm_matches(RTCState *s, int64_t t)
{
    int64_t secs = ((t % 86400) + 86400) % 86400;
    uint8_t as = s->cmos[RTC_SECONDS_ALARM], am = s->cmos[RTC_MINUTES_ALARM];
    uint8_t ah = s->cmos[RTC_HOURS_ALARM];

    return ((as & 0xc0) == 0xc0 || rtc_from_reg(s, as) == secs % 60) &&
           ((am & 0xc0) == 0xc0 || rtc_from_reg(s, am) == (secs / 60) % 60) &&
           ((ah & 0xc0) == 0xc0 || rtc_hour_from_reg(s, ah) == secs / 3600);
}

static void rtc_update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C] & (REG_C_PF | REG_C_AF | REG_C_UF);
    uint8_t en = s->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE | REG_B_UIE);
    uint8_t level;

    /* PF/AF/UF line up with PIE/AIE/UIE (bits 6/5/4 of C and B). */
    if (c & en) {
        s->cmos[RTC_REG_C] |= REG_C_IRQF;
    }
    level = (s->cmos[RTC_REG_C] & REG_C_IRQF) != 0;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

/* Raise the flags of every event in (from_ns, to_ns]. */
static void rtc_collect_flags(RTCState *s, int64_t from_ns, int64_t to_ns)
{
    int64_t period = rtc_periodic_ns(s);

    if (!rtc_divider_running(s) || to_ns <= from_ns) {
        return;
    }
    if (period > 0 && (to_ns - s->div_base_ns) / period != (from_ns - s->div_base_ns) / period) {
        s->cmos[RTC_REG_C] |= REG_C_PF;
    }
    if (rtc_running(s) && rtc_now_sec(s, to_ns) != rtc_now_sec(s, from_ns)) {
        s->cmos[RTC_REG_C] |= REG_C_UF;
        /* The alarm is checked at every update; look at the most recent ones. */
        for (int64_t t = rtc_now_sec(s, to_ns), n = 0; t > rtc_now_sec(s, from_ns) && n < 86400;
             t--, n++) {
            if (rtc_alarm_matches(s, t)) {
                s->cmos[RTC_REG_C] |= REG_C_AF;
                break;
            }
        }
    }
}

/* Arm the timer for the next event whose interrupt is enabled. */
static void rtc_schedule(RTCState *s)
{
    int64_t now = vclock_ns(), next = VCLOCK_NEVER;
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t period = rtc_periodic_ns(s);

    if ((b & REG_B_PIE) && period > 0 && rtc_divider_running(s)) {
        next = s->div_base_ns + ((now - s->div_base_ns) / period + 1) * period;
    }
    if (rtc_running(s)) {
        if (b & (REG_B_UIE | REG_B_AIE)) {
            int64_t sec = s->time_base_ns + ((now - s->time_base_ns) / NS_PER_SEC + 1) * NS_PER_SEC;

            next = MIN(next, sec);
        }
    }
    if (next == VCLOCK_NEVER) {
        timer_del(s->timer);
    } else {
        timer_mod(s->timer, next);
    }
}

static void rtc_timer_cb(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = vclock_ns();

    rtc_collect_flags(s, s->last_c_read_ns, now);
    s->last_c_read_ns = now;
    rtc_update_irq(s);
    rtc_schedule(s);
}

/*
 * The clock (re)starts: take the time from the registers. Updates come at the divider
 * chain's one-second ticks, the first 500 ms after the divider leaves reset; SET and time
 * writes do not move that phase.
 */
static void rtc_start(RTCState *s, int64_t now, bool divider_release)
{
    int64_t since;

    if (divider_release) {
        s->div_base_ns = now;
    }
    since = ((now - s->div_base_ns + NS_PER_SEC / 2) % NS_PER_SEC + NS_PER_SEC) % NS_PER_SEC;
    s->time_base_sec = rtc_parse_time(s);
    s->time_base_ns = now - since;
}

static uint8_t rtc_read_reg(RTCState *s, unsigned idx)
{
    int64_t now = vclock_ns();
    uint8_t v;

    switch (idx) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        if (rtc_running(s)) {
            rtc_store_time(s, rtc_now_sec(s, now));
        }
        return s->cmos[idx];
    case RTC_REG_A:
        v = s->cmos[RTC_REG_A] & (uint8_t)~REG_A_UIP;
        if (rtc_running(s) &&
            ((now - s->time_base_ns) % NS_PER_SEC + NS_PER_SEC) % NS_PER_SEC >=
                NS_PER_SEC - UIP_NS) {
            v |= REG_A_UIP;
        }
        return v;
    case RTC_REG_C:
        rtc_collect_flags(s, s->last_c_read_ns, now);
        s->last_c_read_ns = now;
        v = s->cmos[RTC_REG_C];
        if (v & (REG_C_PF | REG_C_AF | REG_C_UF) & (s->cmos[RTC_REG_B] >> 0) &
            (REG_B_PIE | REG_B_AIE | REG_B_UIE)) {
            v |= REG_C_IRQF;
        }
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        rtc_schedule(s);
        return v;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[idx];
    }
}

static void rtc_write_reg(RTCState *s, unsigned idx, uint8_t val)
{
    int64_t now = vclock_ns();
    bool was_running = rtc_running(s);

    if (idx <= RTC_REG_B || idx == RTC_CENTURY) {
        /* Events up to now happened under the old settings: keep their flags. */
        rtc_collect_flags(s, s->last_c_read_ns, now);
        s->last_c_read_ns = now;
    }

    switch (idx) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        if (was_running) {
            rtc_store_time(s, rtc_now_sec(s, now));
        }
        s->cmos[idx] = val;
        if (was_running) {
            rtc_start(s, now, false);
        }
        break;
    case RTC_REG_A: {
        unsigned dv = (val >> 4) & 7;

        if (dv != 2 && dv < 6) {
            log_mask_printf(LOG_UNIMP, "rtc: divider %u (only 32.768 kHz) not supported\n", dv);
        }
        if (was_running) {
            rtc_store_time(s, rtc_now_sec(s, now));
        }
        s->cmos[RTC_REG_A] = (uint8_t)((val & 0x7f) | (s->cmos[RTC_REG_A] & REG_A_UIP));
        if (!was_running && rtc_running(s)) {
            rtc_start(s, now, true);
        }
        break;
    }
    case RTC_REG_B:
        if (was_running) {
            rtc_store_time(s, rtc_now_sec(s, now));
        }
        if ((val ^ s->cmos[RTC_REG_B]) & (REG_B_DM | REG_B_24H)) {
            /* The format changes: keep the time, re-encode the registers. */
            int64_t t = rtc_parse_time(s);

            s->cmos[RTC_REG_B] = val;
            rtc_store_time(s, t);
        }
        if (val & REG_B_SET) {
            val &= (uint8_t)~REG_B_UIE; /* SET clears UIE */
        }
        if ((val & REG_B_SQWE) && !(s->cmos[RTC_REG_B] & REG_B_SQWE)) {
            log_mask_printf(LOG_UNIMP, "rtc: square-wave output not emulated\n");
        }
        s->cmos[RTC_REG_B] = val;
        if (!was_running && rtc_running(s)) {
            rtc_start(s, now, false);
        }
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        log_mask_printf(LOG_GUEST_ERRORS, "rtc: write to read-only register %02x\n", idx);
        return;
    default:
        s->cmos[idx] = val;
        return;
    }
    rtc_update_irq(s);
    rtc_schedule(s);
}

static uint32_t rtc_ioport_read(void *opaque, uint16_t port, unsigned size)
{
    RTCState *s = opaque;

    if ((port & 1) == 0) {
        return 0xff; /* the index register is write-only */
    }
    return rtc_read_reg(s, s->index);
}

static void rtc_ioport_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    RTCState *s = opaque;

    if ((port & 1) == 0) {
        s->index = val & 0x7f;
        s->nmi_disabled = (val & 0x80) != 0;
    } else {
        rtc_write_reg(s, s->index, (uint8_t)val);
    }
}

static const IOPortOps rtc_ops = {
    .read = rtc_ioport_read,
    .write = rtc_ioport_write,
};

uint8_t rtc_cmos_read(void *opaque, unsigned index)
{
    return rtc_read_reg(opaque, index & 0x7f);
}

void rtc_cmos_write(void *opaque, unsigned index, uint8_t val)
{
    rtc_write_reg(opaque, index & 0x7f, val);
}

static uint8_t boot_device_code(char c)
{
    switch (c) {
    case 'a':
    case 'b':
        return 1; /* floppy */
    case 'c':
        return 2; /* hard disk */
    case 'd':
        return 3; /* CD-ROM */
    case 'n':
        return 4; /* network */
    default:
        return 0;
    }
}

/* The battery-backed contents firmware expects (what a BIOS setup would have stored). */
static void rtc_init_cmos(RTCState *s)
{
    Board *b = s->board;
    uint64_t ext_kb = b->ram_size > (1u << 20) ? (b->ram_size - (1u << 20)) >> 10 : 0;
    uint64_t above16 = b->ram_size > (16u << 20) ? (b->ram_size - (16u << 20)) >> 16 : 0;
    unsigned sum = 0;
    uint8_t equip;

    memset(s->cmos, 0, sizeof(s->cmos));
    s->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    /* Floppies (both 1.44 MB), equipment byte: FPU, VGA, number of floppies. */
    s->cmos[0x10] = (uint8_t)((b->nb_floppies >= 1 ? 0x40 : 0) | (b->nb_floppies >= 2 ? 4 : 0));
    equip = 0x02;
    if (b->nb_floppies > 0) {
        equip |= (uint8_t)(0x01 | ((MIN(b->nb_floppies, 2) - 1) << 6));
    }
    s->cmos[0x14] = equip;
    /* Hard disks 0/1: type 47 (user-defined), geometry left to the BIOS' own probing. */
    s->cmos[0x12] = (uint8_t)(((b->hd_present & 1) ? 0xf0 : 0) | ((b->hd_present & 2) ? 0x0f : 0));
    s->cmos[0x19] = (b->hd_present & 1) ? 47 : 0;
    s->cmos[0x1a] = (b->hd_present & 2) ? 47 : 0;
    /* Memory sizes. */
    s->cmos[0x15] = 640 & 0xff;
    s->cmos[0x16] = 640 >> 8;
    ext_kb = MIN(ext_kb, 0xffff);
    s->cmos[0x17] = s->cmos[0x30] = (uint8_t)ext_kb;
    s->cmos[0x18] = s->cmos[0x31] = (uint8_t)(ext_kb >> 8);
    above16 = MIN(above16, 0xffff);
    s->cmos[0x34] = (uint8_t)above16;
    s->cmos[0x35] = (uint8_t)(above16 >> 8);
    s->cmos[0x5b] = s->cmos[0x5c] = s->cmos[0x5d] = 0; /* no RAM above 4 GiB */
    s->cmos[0x5f] = (uint8_t)(b->smp - 1);             /* QEMU/SeaBIOS: CPU count - 1 */
    /* Boot order as SeaBIOS reads it: 0x3D = 1st | 2nd << 4, 0x38 = 3rd << 4. */
    s->cmos[0x3d] = (uint8_t)(boot_device_code(b->boot_order[0]) |
                              (b->boot_order[0] ? boot_device_code(b->boot_order[1]) << 4 : 0));
    s->cmos[0x38] = (uint8_t)((b->boot_order[0] && b->boot_order[1] ?
                               boot_device_code(b->boot_order[2]) << 4 : 0) | 0x01);
    for (int i = 0x10; i <= 0x2d; i++) {
        sum += s->cmos[i];
    }
    s->cmos[0x2e] = (uint8_t)(sum >> 8);
    s->cmos[0x2f] = (uint8_t)sum;
    rtc_store_time(s, b->rtc_base_epoch);
}

/* RESET pin: clears the interrupt enables and flags; time and CMOS RAM survive. */
static void rtc_reset(void *opaque)
{
    RTCState *s = opaque;

    s->cmos[RTC_REG_B] &= (uint8_t)~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    s->irq_level = 0;
    irq_lower(&s->irq);
    s->last_c_read_ns = vclock_ns();
    rtc_schedule(s);
}

static void *rtc_init(Board *b, int instance)
{
    RTCState *s = xzalloc(sizeof(*s));

    s->board = b;
    s->irq = b->isa_irq[8];
    s->timer = timer_new(rtc_timer_cb, s);
    io_register(b->io, 0x70, 2, &rtc_ops, s);
    rtc_init_cmos(s);
    rtc_start(s, vclock_ns(), true);
    s->last_c_read_ns = vclock_ns();
    return s;
}

static void rtc_finalize(void *opaque)
{
    RTCState *s = opaque;

    timer_free(s->timer);
}

static bool rtc_info(void *opaque, const char *what, FILE *out)
{
    RTCState *s = opaque;
    int64_t t;
    int64_t year;
    unsigned month, mday;

    if (strcmp(what, "rtc") != 0 && strcmp(what, "cmos") != 0) {
        return false;
    }
    t = rtc_running(s) ? rtc_now_sec(s, vclock_ns()) : rtc_parse_time(s);
    civil_from_days(t >= 0 ? t / 86400 : -((-t + 86399) / 86400), &year, &month, &mday);
    fprintf(out, "RTC: %04lld-%02u-%02u %02u:%02u:%02u%s, A=%02x B=%02x C=%02x\n",
            (long long)year, month, mday, (unsigned)(((t % 86400) + 86400) % 86400 / 3600),
            (unsigned)(((t % 3600) + 3600) % 3600 / 60), (unsigned)(((t % 60) + 60) % 60),
            rtc_running(s) ? "" : " (stopped)", s->cmos[RTC_REG_A], s->cmos[RTC_REG_B],
            s->cmos[RTC_REG_C]);
    if (strcmp(what, "cmos") == 0) {
        for (int i = 0; i < 128; i++) {
            fprintf(out, "%s%02x", (i % 16) == 0 ? (i ? "\n" : "") : " ", s->cmos[i]);
        }
        fprintf(out, "\n");
    }
    return true;
}

static const VMStateField rtc_fields[] = {
    VMS_U8_ARRAY(RTCState, cmos),
    VMS_U8(RTCState, index),
    VMS_BOOL(RTCState, nmi_disabled),
    VMS_I64(RTCState, time_base_sec),
    VMS_I64(RTCState, time_base_ns),
    VMS_I64(RTCState, div_base_ns),
    VMS_I64(RTCState, last_c_read_ns),
    VMS_TIMER(RTCState, timer),
    VMS_END,
};

static int rtc_post_load(void *opaque)
{
    RTCState *s = opaque;

    s->index &= 0x7f;
    s->irq_level = 0xff;
    rtc_update_irq(s);
    return 0;
}

static const VMStateDesc rtc_vmsd = {
    .name = "mc146818",
    .version = 2, /* 2: div_base_ns */
    .fields = rtc_fields,
    .post_load = rtc_post_load,
};

const DeviceInfo mc146818_device = {
    .name = "mc146818",
    .init = rtc_init,
    .reset = rtc_reset,
    .vmsd = &rtc_vmsd,
    .info = rtc_info,
    .finalize = rtc_finalize,
};
