/*
 * Register fuzz: random reads and writes (fixed seed, bounded count) of every port of every
 * PC device, interleaved with virtual time, random PIC acknowledges and scancode/mouse
 * input. Passes if nothing crashes or hangs (a timer storm is caught by a bound on
 * callbacks per step) and the devices still answer sanely afterwards.
 */
#include "hw-test.h"

static const struct {
    uint16_t base, count;
} ranges[] = {
    {0x20, 2}, {0xa0, 2}, {0x4d0, 2}, {0x40, 4}, {0x61, 1}, {0x70, 2}, {0x60, 1},
    {0x64, 1}, {0x92, 1}, {0xcf8, 8}, {0x3f8, 8}, {0x2f8, 8}, {0x3e8, 8}, {0x2e8, 8},
    {0x80, 1}, {0xe9, 1}, {0x402, 1}, {0xf4, 1}, {0x1234, 4},
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static int resets, shutdowns, a20_changes;

static void on_reset(void *opaque)
{
    resets++;
}

static void on_shutdown(void *opaque, int status)
{
    shutdowns++;
}

static void on_a20(void *opaque, bool enabled)
{
    a20_changes++;
}

static int intr;

static void on_intr(void *opaque, int n, int level)
{
    intr = level;
}

int main(void)
{
    Board b;
    const int iterations = 200000;
    int ops = 0, acks = 0, steps = 0;
    bool storm = false;

    vclock_init(-1);
    board_init(&b);
    b.ram_size = 16u << 20;
    b.rtc_base_epoch = 1000000000;
    b.cpu_intr = (IRQ){on_intr, NULL, 0};
    b.request_reset = on_reset;
    b.request_shutdown = on_shutdown;
    b.set_a20 = on_a20;
    mem_add_ram(b.mem, "ram", 0, b.ram_size, NULL, 0);
    board_add_device(&b, &i8259_device, 0);
    board_add_device(&b, &i8254_device, 0);
    board_add_device(&b, &mc146818_device, 0);
    board_add_device(&b, &i8042_device, 0);
    for (int i = 0; i < 4; i++) {
        board_add_device(&b, &serial_device, i);
    }
    board_add_device(&b, &port80_device, 0);
    board_add_device(&b, &debugcon_device, 0);
    board_add_device(&b, &debugexit_device, 0);
    board_reset(&b);

    for (int i = 0; i < iterations && !storm; i++) {
        uint32_t r = rng();
        unsigned which = r % ARRAY_SIZE(ranges);
        uint16_t port = (uint16_t)(ranges[which].base + (rng() % ranges[which].count));
        unsigned size = 1u << (rng() % 3);

        if ((r >> 8) % 2) {
            io_write(b.io, port, rng(), size);
        } else {
            (void)io_read(b.io, port, size);
        }
        ops++;
        switch ((r >> 12) % 64) {
        case 0: {
            /* Advance time, firing timers at their deadlines; bound the callbacks. */
            int64_t target = vclock_ns() + (rng() % 2000000);
            int fired = 0;

            while (timer_next_deadline() <= target && fired < 1000000) {
                vclock_advance_to(timer_next_deadline());
                fired += timers_run_expired();
            }
            if (fired >= 1000000) {
                storm = true;
            }
            vclock_advance_to(target);
            steps++;
            break;
        }
        case 1:
            if (intr) {
                (void)pic_intr_ack(b.pic);
                acks++;
            }
            break;
        case 2: {
            uint8_t codes[3] = {(uint8_t)rng(), (uint8_t)rng(), (uint8_t)rng()};

            kbd_put_scancodes(board_find_device(&b, "i8042", 0), codes, 1 + rng() % 3);
            break;
        }
        case 3:
            kbd_mouse_event(board_find_device(&b, "i8042", 0), (int)(rng() % 512) - 256,
                            (int)(rng() % 512) - 256, (int)(rng() % 5) - 2, rng() & 7);
            break;
        case 4:
            mem_write(b.mem, rng() % (32u << 20), rng(), 1u << (rng() % 4));
            (void)mem_read(b.mem, rng() % (32u << 20), 1u << (rng() % 4));
            break;
        case 5:
            if (rng() % 64 == 0) {
                board_reset(&b);
            }
            break;
        default:
            break;
        }
    }
    CHECK(!storm, "no timer storm");
    CHECK(ops == iterations, "all %d operations ran", iterations);
    printf("fuzz: %d port ops, %d clock steps, %d INTA, %d reset requests, %d exits, "
           "%d A20 changes\n", ops, steps, acks, resets, shutdowns, a20_changes);

    /* The devices still work after the abuse. */
    board_reset(&b);
    outb(&b, 0x3f8 + 4, 0x10);
    outb(&b, 0x3f8 + 2, 0x00);
    (void)inb(&b, 0x3f8 + 5);
    outb(&b, 0x3f8 + 3, 0x03);
    outb(&b, 0x3f8, 0x5a);
    CHECK(inb(&b, 0x3f8) == 0x5a, "serial loopback after fuzzing");
    outb(&b, 0x70, 0x0d);
    CHECK(inb(&b, 0x71) == 0x80, "RTC answers after fuzzing");
    outb(&b, 0x64, 0xaa);
    CHECK(inb(&b, 0x60) == 0x55, "8042 self test after fuzzing");
    board_teardown(&b);
    return tests_finish();
}
