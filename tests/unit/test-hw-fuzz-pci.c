/*
 * Register fuzz of the PCI chipset (fixed seed, bounded count): random port accesses to
 * the PCI configuration mechanism, 0xCF9, fw_cfg (including DMA with random descriptors),
 * the 8237 DMA controllers and page registers, the PM and SMBus I/O windows; random
 * configuration-space writes aimed at the real functions (PAM, SMRAM, PIRQ routing, PM
 * base...), random accesses to 0xA0000-0xFFFFF and device-side DMA transfers, with
 * virtual time passing. Passes if nothing crashes or hangs and the chipset still answers
 * correctly after a reset.
 */
#include "hw-test.h"
#include "hw/dma/i8237.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/pci/pci.h"

static const struct {
    uint16_t base, count;
} ranges[] = {
    {0xcf8, 8}, {0x510, 2}, {0x514, 8}, {0x00, 16}, {0xc0, 32}, {0x81, 15}, {0x600, 64},
    {0x700, 16}, {0x4d0, 2}, {0x20, 2}, {0xa0, 2},
};

static const uint8_t devfns[] = {PCI_DEVFN(0, 0), PCI_DEVFN(1, 0), PCI_DEVFN(1, 3),
                                 PCI_DEVFN(2, 0)};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static int resets, poweroffs, intr;

static void on_reset(void *opaque)
{
    resets++;
}

static void on_poweroff(void *opaque)
{
    poweroffs++;
}

static void on_intr(void *opaque, int n, int level)
{
    intr = level;
}

static uint8_t rom[0x20000];

int main(void)
{
    Board b;
    const int iterations = 200000;
    int ops = 0, steps = 0, dmas = 0;
    bool storm = false;
    I8237State *dma;
    uint8_t buf[4096];

    vclock_init(-1);
    board_init(&b);
    b.ram_size = 16u << 20;
    b.smp = 1;
    b.rtc_base_epoch = 1000000000;
    b.cpu_intr = (IRQ){on_intr, NULL, 0};
    b.request_reset = on_reset;
    b.request_poweroff = on_poweroff;
    mem_add_ram(b.mem, "ram", 0, b.ram_size, NULL, 0);
    memset(rom, 0xb1, sizeof(rom));
    mem_add_rom(b.mem, "isa-bios", 0xe0000, sizeof(rom), rom, 1);
    board_add_device(&b, &i8259_device, 0);
    board_add_device(&b, &i8254_device, 0);
    board_add_device(&b, &mc146818_device, 0);
    board_add_device(&b, &i440fx_device, 0);
    board_add_device(&b, &piix3_device, 0);
    board_add_device(&b, &piix4_pm_device, 0);
    dma = board_add_device(&b, &i8237_device, 0);
    board_add_device(&b, &fw_cfg_device, 0);
    {
        AcpiBuildConfig cfg = {.smp = 1, .ram_size = b.ram_size, .pm_base = 0x600};

        acpi_build(fw_cfg_find(&b), &cfg);
        smbios_build(fw_cfg_find(&b), &cfg);
    }
    board_reset(&b);
    /* Give the fuzzer something mapped to start from. */
    io_write(b.io, 0xcf8, 0x80000b40u, 4);
    io_write(b.io, 0xcfc, 0x601, 4);
    io_write(b.io, 0xcf8, 0x80000b80u, 4);
    io_write(b.io, 0xcfc, 0x01, 1);

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
        switch ((r >> 12) % 32) {
        case 0: {
            int64_t target = vclock_ns() + (rng() % 4000000);
            int fired = 0;

            while (timer_next_deadline() <= target && fired < 1000000) {
                vclock_advance_to(timer_next_deadline());
                fired += timers_run_expired();
            }
            storm = fired >= 1000000;
            vclock_advance_to(target);
            steps++;
            break;
        }
        case 1:
        case 2: {
            /* A configuration write aimed at a real function and register. */
            uint8_t devfn = devfns[rng() % ARRAY_SIZE(devfns)];
            unsigned reg = rng() & 0xff;
            unsigned sz = 1u << (rng() % 3);

            io_write(b.io, 0xcf8, 0x80000000u | ((uint32_t)devfn << 8) | (reg & 0xfc), 4);
            io_write(b.io, (uint16_t)(0xcfc + (reg & 3)), rng(), sz);
            break;
        }
        case 3:
            mem_write(b.mem, 0xa0000 + rng() % 0x60000, rng(), 1u << (rng() % 4));
            (void)mem_read(b.mem, 0xa0000 + rng() % 0x60000, 1u << (rng() % 4));
            break;
        case 4:
            (void)dma_transfer(dma, (int)(rng() % 9), buf, (int)(rng() % sizeof(buf)), NULL);
            dmas++;
            break;
        case 5: {
            /* fw_cfg DMA with a random descriptor placed in RAM. */
            uint8_t d[16];
            uint32_t desc = rng() % (b.ram_size - 16);

            stl_be_p(d, rng() & 0xffff001f);
            stl_be_p(d + 4, rng() % (1u << 20));
            stq_be_p(d + 8, rng() % (b.ram_size + (1u << 20)));
            mem_dma_write(b.mem, desc, d, sizeof(d));
            io_write(b.io, 0x514, 0, 4);
            io_write(b.io, 0x518, ((desc & 0xff) << 24) | ((desc & 0xff00) << 8) |
                     ((desc >> 8) & 0xff00) | (desc >> 24), 4);
            break;
        }
        case 6:
            if (intr) {
                (void)pic_intr_ack(b.pic);
            }
            break;
        case 7:
            if (rng() % 256 == 0) {
                board_reset(&b);
            }
            break;
        default:
            break;
        }
    }
    CHECK(!storm, "no timer storm");
    CHECK(ops == iterations, "all %d operations ran", iterations);
    printf("fuzz-pci: %d port ops, %d clock steps, %d DMA transfers, %d resets, %d poweroffs\n",
           ops, steps, dmas, resets, poweroffs);

    /* Still sane after a reset. */
    board_reset(&b);
    io_write(b.io, 0xcf8, 0x80000000u, 4);
    CHECK(io_read(b.io, 0xcfc, 4) == 0x12378086u, "host bridge answers");
    io_write(b.io, 0xcf8, 0x80000800u, 4);
    CHECK(io_read(b.io, 0xcfc, 4) == 0x70008086u, "ISA bridge answers");
    CHECK(mem_read(b.mem, 0xffff0, 1) == 0xb1, "PAM reset: BIOS ROM visible");
    CHECK(mem_read(b.mem, 0xc0000, 1) == 0xff, "PAM reset: option ROM space empty");
    io_write(b.io, 0x510, FW_CFG_SIGNATURE, 2);
    CHECK(inb(&b, 0x511) == 'Q' && inb(&b, 0x511) == 'E', "fw_cfg signature");
    outb(&b, 0x70, 0x0d);
    CHECK(inb(&b, 0x71) == 0x80, "RTC still decoded (no window stole its ports)");
    board_teardown(&b);
    return tests_finish();
}
