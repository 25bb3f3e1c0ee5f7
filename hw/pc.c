/*
 * The PC: builds the machine from a MachineConfig (RAM, firmware, ISA devices, CPUs) and
 * runs it (the main loop). This file and ui/ are the only places that read host time.
 *
 * Main loop, one iteration:
 *   handle requests (reset, shutdown, pause) -> poll front ends and chardevs ->
 *   sync the virtual clock (real-time mode) -> run expired timers ->
 *   run every vCPU for one slice (budget = instructions until the next timer deadline) ->
 *   advance the virtual clock -> if every vCPU is halted: sleep until the next deadline
 *   or host input (real time), or warp the clock to the next deadline (-icount).
 * All vCPUs run on this one thread, round-robin, one after the other on the virtual
 * clock (pc_run_slice), so a -icount run is a pure function of its inputs.
 */
#include "hw/machine.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hw/boot/boot.h"
#include "hw/devices.h"
#include "hw/intc/apic.h"
#include "hw/nvram/fw_cfg.h"
#include "util/log.h"

#define RAM_MAX (0xe0000000ull)          /* RAM above the PCI hole is not supported */
#define BIOS_MAX (16u << 20)
#define BIOS_LOW_ALIAS (128u << 10)      /* last 128 KiB of the firmware at 0xE0000 */
#define SLICE_MAX_NS 1000000             /* real time: resync with the host every 1 ms */
#define CLOCK_MAX_CATCHUP_NS 2000000     /* real time: see pc_sync_clock */
#define SLICE_MAX_INSNS (1 << 20)        /* -icount: at most this many per slice */
#define MAX_POLL_HANDLERS 16
#define MAX_EVENT_HANDLERS 8
#define RATE_INIT_FP (256 * 4)           /* first guess: 4 ns per instruction */

/* Memory map priorities (higher wins). */
enum { PRIO_RAM = 0, PRIO_BIOS = 1 };

struct Machine {
    MachineConfig cfg;
    Board board;
    MemRegion *ram, *bios_high, *bios_low;
    uint8_t *bios;
    uint32_t bios_size;

    X86CPU *cpus[MAX_CPUS];
    int nb_cpus;
    X86CPU *running; /* vCPU inside cpu_exec(), else NULL */
    struct ApicState *apic;     /* local APICs (hw/intc/apic.c) */
    struct IOAPICState *ioapic;
    struct LinuxImage *linux_img;   /* -kernel bzImage (hw/boot/linux.c) */
    struct MultibootImage *mb;      /* -kernel Multiboot image (hw/boot/multiboot.c) */

    bool reset_requested;
    bool shutdown_requested;
    int shutdown_status;
    bool paused;

    /* real-time clock: virtual = host - host_offset; paused time is added to the offset,
     * and so is host time lost while the vCPUs were runnable (see pc_sync_clock) */
    int64_t host_offset;
    int64_t paused_at;
    bool waited;                /* the last loop iteration slept (every vCPU halted) */
    uint64_t ns_per_insn_fp; /* measured host speed, 1/256 ns per instruction */

    struct {
        void (*fn)(void *opaque);
        void *opaque;
    } polls[MAX_POLL_HANDLERS];
    int nb_polls;
    struct {
        void (*fn)(void *opaque, MachineEvent ev);
        void *opaque;
    } events[MAX_EVENT_HANDLERS];
    int nb_events;
    void (*debug_stopped)(void *opaque, X86CPU *cpu);
    void *debug_opaque;
};

/* ---- CPU bus ---- */

static uint8_t *bus_map_page(void *opaque, uint64_t paddr, bool write)
{
    Machine *m = opaque;

    return mem_map_page(m->board.mem, paddr, write);
}

static uint64_t bus_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    Machine *m = opaque;

    return mem_read(m->board.mem, paddr, size);
}

static void bus_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
    Machine *m = opaque;

    mem_write(m->board.mem, paddr, val, size);
}

static uint32_t bus_io_read(void *opaque, uint16_t port, unsigned size)
{
    Machine *m = opaque;

    return io_read(m->board.io, port, size);
}

static void bus_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
    Machine *m = opaque;

    io_write(m->board.io, port, val, size);
}

static int bus_intr_ack(void *opaque, int cpu_index)
{
    Machine *m = opaque;

    if (m->apic) {
        return apic_intr_ack(m->apic, cpu_index);
    }
    /* Without local APICs only the BSP's INTR pin is wired (to the 8259). */
    if (cpu_index != 0 || !m->board.pic) {
        log_mask_printf(LOG_GUEST_ERRORS, "intr_ack from cpu %d with no interrupt source\n",
                        cpu_index);
        return 0x0f;
    }
    return pic_intr_ack(m->board.pic);
}

static int64_t bus_clock_ns(void *opaque)
{
    return vclock_ns();
}

static bool bus_msr_read(void *opaque, int cpu_index, uint32_t msr, uint64_t *val)
{
    Machine *m = opaque;

    if (m->apic && apic_msr_read(m->apic, cpu_index, msr, val)) {
        return true;
    }
    log_mask_printf(LOG_UNIMP, "rdmsr 0x%08x: not implemented by the machine (#GP)\n", msr);
    return false;
}

static bool bus_msr_write(void *opaque, int cpu_index, uint32_t msr, uint64_t val)
{
    Machine *m = opaque;

    if (m->apic && apic_msr_write(m->apic, cpu_index, msr, val)) {
        return true;
    }
    log_mask_printf(LOG_UNIMP, "wrmsr 0x%08x <- 0x%llx: not implemented by the machine (#GP)\n",
                    msr, (unsigned long long)val);
    return false;
}

/* FERR# of any vCPU goes to the PIIX3 (IRQ 13); as on SMP boards, they share one line. */
static void bus_ferr(void *opaque, int cpu_index, bool level)
{
    Machine *m = opaque;
    void *piix3 = board_find_device(&m->board, piix3_device.name, 0);

    if (piix3) {
        piix3_set_ferr(piix3, level);
    }
}

static void bus_pmi(void *opaque, int cpu_index)
{
    Machine *m = opaque;

    if (m->apic) {
        apic_perf_interrupt(m->apic, cpu_index);
    }
}

static const CPUBusOps pc_bus_ops = {
    .map_page = bus_map_page,
    .mem_read = bus_mem_read,
    .mem_write = bus_mem_write,
    .io_read = bus_io_read,
    .io_write = bus_io_write,
    .intr_ack = bus_intr_ack,
    .clock_ns = bus_clock_ns,
    .msr_read = bus_msr_read,
    .msr_write = bus_msr_write,
    .ferr = bus_ferr,
    .pmi = bus_pmi,
};

/* ---- hooks from the memory map and devices ---- */

static void pc_flush_all_cpus(void *opaque)
{
    Machine *m = opaque;

    for (int i = 0; i < m->nb_cpus; i++) {
        cpu_flush_caches(m->cpus[i]);
    }
}

static void pc_invalidate_code(void *opaque, uint64_t paddr, uint64_t len)
{
    Machine *m = opaque;

    for (int i = 0; i < m->nb_cpus; i++) {
        cpu_invalidate_phys(m->cpus[i], paddr, len);
    }
}

static void pc_cpu_intr(void *opaque, int n, int level)
{
    Machine *m = opaque;

    if (m->apic) {
        /* The 8259's INTR goes to every LINT0 and to I/O APIC pin 0 (hw/intc/apic.h). */
        apic_set_pic_intr(m->apic, level != 0);
        if (m->ioapic) {
            ioapic_set_gsi(m->ioapic, 0, level);
        }
    } else if (m->nb_cpus > 0) {
        cpu_set_irq(m->cpus[0], level != 0);
    }
}

/* ---- local APIC hooks: how the APICs reach the vCPUs ---- */

static void pc_apic_set_intr(void *opaque, int cpu, bool level)
{
    Machine *m = opaque;

    if (cpu >= 0 && cpu < m->nb_cpus) {
        cpu_set_irq(m->cpus[cpu], level);
    }
}

static void pc_apic_event(void *opaque, int cpu, ApicEvent ev, uint8_t vector)
{
    Machine *m = opaque;
    static const uint32_t bits[] = {
        [APIC_EV_NMI] = CPU_INTERRUPT_NMI,
        [APIC_EV_SMI] = CPU_INTERRUPT_SMI,
        [APIC_EV_INIT] = CPU_INTERRUPT_INIT,
        [APIC_EV_SIPI] = CPU_INTERRUPT_SIPI,
    };

    if (cpu < 0 || cpu >= m->nb_cpus) {
        return;
    }
    if (ev == APIC_EV_SIPI) {
        m->cpus[cpu]->sipi_vector = vector;
    }
    cpu_interrupt(m->cpus[cpu], bits[ev]);
}

static int pc_apic_pic_ack(void *opaque)
{
    Machine *m = opaque;

    return m->board.pic ? pic_intr_ack(m->board.pic) : 0x0f;
}

static int pc_apic_current_cpu(void *opaque)
{
    Machine *m = opaque;

    return m->running ? m->running->cpu_index : 0;
}

static uint64_t pc_apic_tsc(void *opaque, int cpu, int64_t now_ns)
{
    Machine *m = opaque;

    return (uint64_t)now_ns + (cpu >= 0 && cpu < m->nb_cpus ? m->cpus[cpu]->tsc_offset : 0);
}

/* Make the running vCPU return from cpu_exec at its next block boundary. */
static void pc_kick(Machine *m)
{
    if (m->running) {
        cpu_interrupt(m->running, CPU_INTERRUPT_EXIT);
    }
}

static void pc_timer_notify(void *opaque)
{
    pc_kick(opaque);
}

static void pc_set_a20(void *opaque, bool enabled)
{
    Machine *m = opaque;

    for (int i = 0; i < m->nb_cpus; i++) {
        cpu_set_a20(m->cpus[i], enabled);
    }
}

static void pc_board_reset(void *opaque)
{
    machine_request_reset(opaque);
}

static void pc_board_shutdown(void *opaque, int status)
{
    machine_request_shutdown(opaque, status);
}

static void pc_guest_shutdown(Machine *m);

/* C-a x on a stdio chardev: quit like the monitor's "quit". */
static void pc_chr_quit(void *opaque)
{
    machine_request_shutdown(opaque, 0);
}

/* ACPI soft off (PIIX4 PM, SLP_TYP 0): like a power-off, honours -no-shutdown. */
static void pc_board_poweroff(void *opaque)
{
    pc_guest_shutdown(opaque);
}

static void pc_emit(Machine *m, MachineEvent ev)
{
    for (int i = 0; i < m->nb_events; i++) {
        m->events[i].fn(m->events[i].opaque, ev);
    }
}

/* ---- firmware ---- */

static bool file_readable(const char *path)
{
    return path && access(path, R_OK) == 0;
}

/* A firmware image by file name: $X86PC_BIOS_DIR, roms/ next to the executable, the data
 * directory, and for bios.bin Debian's SeaBIOS. */
static char *find_rom(const char *name)
{
    const char *env = getenv("X86PC_BIOS_DIR");
    char buf[PATH_MAX + 32];
    ssize_t n;

    if (env && *env) {
        snprintf(buf, sizeof(buf), "%s/%s", env, name);
        if (file_readable(buf)) {
            return xstrdup(buf);
        }
    }
    /* The build directory: next to the executable. */
    n = readlink("/proc/self/exe", buf, PATH_MAX);
    if (n > 0) {
        char *slash;

        buf[n] = 0;
        slash = strrchr(buf, '/');
        if (slash) {
            snprintf(slash + 1, sizeof(buf) - (size_t)(slash + 1 - buf), "roms/%s", name);
            if (file_readable(buf)) {
                return xstrdup(buf);
            }
        }
    }
    snprintf(buf, sizeof(buf), "%s/%s", CONFIG_DATADIR, name);
    if (file_readable(buf)) {
        return xstrdup(buf);
    }
    if (!strcmp(name, "bios.bin") && file_readable("/usr/share/seabios/bios.bin")) {
        return xstrdup("/usr/share/seabios/bios.bin");
    }
    return NULL;
}

/*
 * The firmware ROM ends at 4 GiB; its last 128 KiB (all of it if smaller) also appear at
 * 0xE0000-0xFFFFF below 1 MiB, as the chipset decodes both ranges to the BIOS chip.
 */
static void pc_load_bios(Machine *m)
{
    char *path = m->cfg.bios ? xstrdup(m->cfg.bios) : find_rom("bios.bin");
    uint32_t rom_size, alias;
    FILE *f;
    long len;

    if (!path) {
        fatal("no firmware found: pass -bios FILE, set X86PC_BIOS_DIR, or install the Debian "
              "package 'seabios' (/usr/share/seabios/bios.bin)");
    }
    f = fopen(path, "rb");
    if (!f) {
        fatal("cannot open firmware %s: %s", path, strerror(errno));
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fatal("cannot read firmware %s", path);
    }
    if (len == 0 || (unsigned long)len > BIOS_MAX) {
        fatal("firmware %s: size %ld is not between 1 byte and 16 MiB", path, len);
    }
    rom_size = ((uint32_t)len + GUEST_PAGE_SIZE - 1) & ~(GUEST_PAGE_SIZE - 1);
    m->bios = xalloc_pages(rom_size);
    memset(m->bios, 0xff, rom_size - (uint32_t)len); /* pad below the image: erased flash */
    if (fread(m->bios + rom_size - (uint32_t)len, 1, (size_t)len, f) != (size_t)len) {
        fatal("cannot read firmware %s", path);
    }
    fclose(f);
    m->bios_size = rom_size;
    m->bios_high = mem_add_rom(m->board.mem, "bios", 0x100000000ull - rom_size, rom_size, m->bios,
                               PRIO_BIOS);
    alias = MIN(rom_size, BIOS_LOW_ALIAS);
    m->bios_low = mem_add_rom(m->board.mem, "isa-bios", 0x100000 - alias, alias,
                              m->bios + rom_size - alias, PRIO_BIOS);
    free(path);
}

static Chardev *pc_open_chardev(const ChardevSpec *spec, const char *label)
{
    char err[256];
    Chardev *chr = chr_open(spec, label, err, sizeof(err));

    if (!chr) {
        fatal("%s", err);
    }
    return chr;
}

static const CPUModel *pc_default_cpu_model(void)
{
    static const char *const names[] = {"pentium2", "pentium3", "qemu32", "pentiumpro",
                                        "pentium"};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        const CPUModel *model = cpu_model_find(names[i]);

        if (model) {
            return model;
        }
    }
    fatal("no default CPU model; pass -cpu (see -cpu help)");
}

static int64_t pc_rtc_base(const MachineConfig *cfg)
{
    time_t now;
    struct tm tm;

    switch (cfg->rtc_base) {
    case RTC_BASE_DATE:
        return cfg->rtc_base_epoch;
    case RTC_BASE_LOCALTIME:
        /* The wall-clock start date is read once here, never during execution. */
        now = time(NULL);
        localtime_r(&now, &tm);
        return (int64_t)now + tm.tm_gmtoff;
    case RTC_BASE_DEFAULT:
        if (cfg->icount_shift >= 0) {
            return RTC_ICOUNT_EPOCH;
        }
        return (int64_t)time(NULL);
    default:
        return (int64_t)time(NULL);
    }
}

/*
 * -kernel. A Multiboot image, or Linux with -machine linuxboot=direct, is loaded by x86pc
 * after every reset (pc_direct_boot) and the firmware does not run: like QEMU's -kernel,
 * but without SeaBIOS. Otherwise the firmware boots Linux: fw_cfg holds the setup code,
 * kernel, initrd and command line (FW_CFG_SETUP_*, _KERNEL_*, _INITRD_*, _CMDLINE_*) and
 * our option ROM "genroms/linuxboot.bin" (bios/linuxboot.asm), first in the boot order.
 */
static void pc_open_kernel(Machine *m)
{
    const MachineConfig *cfg = &m->cfg;
    FWCfgState *fw = fw_cfg_find(&m->board);
    const uint8_t *setup, *kernel, *initrd;
    uint32_t setup_size, kernel_size, initrd_size, initrd_addr, image_size, rom_size;
    static const char bootorder[] = "/rom@genroms/linuxboot.bin\n";
    const char *cmdline;
    uint8_t *image, *rom, sum = 0;
    char *rom_path;

    if (!cfg->kernel) {
        return;
    }
    if (cfg->ram_size < (2u << 20)) {
        fatal("-kernel: at least 2 MiB of RAM are needed");
    }
    image = boot_read_file("-kernel", cfg->kernel, cfg->ram_size, &image_size);
    if (multiboot_probe(image, image_size)) {
        m->mb = multiboot_open(cfg->kernel, image, image_size, cfg->initrd, cfg->append,
                               cfg->ram_size);
        return;
    }
    m->linux_img = linux_open(image, image_size, cfg->initrd, cfg->append, cfg->ram_size);
    if (cfg->kernel_direct) {
        return;
    }
    if (!fw) {
        fatal("-kernel: no fw_cfg device to hand the kernel to the firmware");
    }
    rom_path = find_rom("linuxboot.bin");
    if (!rom_path) {
        fatal("-kernel: option ROM linuxboot.bin not found (build roms/linuxboot.bin, set "
              "X86PC_BIOS_DIR, or use -machine linuxboot=direct)");
    }
    rom = boot_read_file("-kernel option ROM", rom_path, 0x10000, &rom_size);
    free(rom_path);
    if (rom_size < 512 || rom_size % 512) {
        fatal("-kernel: %s is not an option ROM", "linuxboot.bin");
    }
    /* The ROM's last byte makes its checksum zero, as the firmware requires. */
    for (uint32_t i = 0; i + 1 < rom_size; i++) {
        sum = (uint8_t)(sum + rom[i]);
    }
    rom[rom_size - 1] = (uint8_t)-sum;
    linux_fw_blobs(m->linux_img, &setup, &setup_size, &kernel, &kernel_size, &initrd,
                   &initrd_size, &initrd_addr, &cmdline);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_ADDR, LINUX_FW_SETUP_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_SETUP_SIZE, setup_size);
    fw_cfg_add_bytes(fw, FW_CFG_SETUP_DATA, setup, setup_size);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_ADDR, LINUX_FW_KERNEL_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_KERNEL_SIZE, kernel_size);
    fw_cfg_add_bytes(fw, FW_CFG_KERNEL_DATA, kernel, kernel_size);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_ADDR, initrd_size ? initrd_addr : 0);
    fw_cfg_add_i32(fw, FW_CFG_INITRD_SIZE, initrd_size);
    fw_cfg_add_bytes(fw, FW_CFG_INITRD_DATA, initrd, initrd_size);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_ADDR, LINUX_FW_CMDLINE_ADDR);
    fw_cfg_add_i32(fw, FW_CFG_CMDLINE_SIZE, (uint32_t)strlen(cmdline) + 1);
    fw_cfg_add_bytes(fw, FW_CFG_CMDLINE_DATA, cmdline, strlen(cmdline) + 1);
    fw_cfg_add_file(fw, "genroms/linuxboot.bin", rom, rom_size);
    fw_cfg_add_file(fw, "bootorder", bootorder, sizeof(bootorder) - 1);
    free(rom);
}

/* After a reset: load a directly booted kernel and put the BSP at its entry point. */
static void pc_direct_boot(Machine *m)
{
    uint32_t rsdp;

    if (!m->mb && !(m->linux_img && m->cfg.kernel_direct)) {
        return;
    }
    boot_pci_init(&m->board);
    rsdp = boot_load_fw_tables(fw_cfg_find(&m->board), m->board.mem, m->cfg.ram_size);
    if (m->mb) {
        multiboot_setup(m->mb, m->board.mem, m->cpus[0]);
    } else {
        linux_setup(m->linux_img, m->board.mem, m->cpus[0], rsdp);
    }
}

/* CPUs other than the boot processor wait for a startup IPI after reset. */
static void pc_reset_cpu(X86CPU *cpu)
{
    cpu_reset(cpu);
    if (cpu->cpu_index != 0) {
        cpu->wait_for_sipi = true;
        cpu->halted = true;
    }
}

/*
 * The PCI chipset: i440FX host bridge, PIIX3 ISA bridge, PIIX4 ACPI PM, the ISA DMA
 * controllers and fw_cfg, then the firmware tables that describe the machine. Must come
 * after the RAM (the i440FX shadows it) and after the ISA devices (the host bridge takes
 * 0xCF8-0xCFF over).
 */
static void pc_add_chipset(Machine *m)
{
    Board *b = &m->board;
    void *piix3;
    FWCfgState *fw;
    AcpiBuildConfig acpi = {
        .smp = m->cfg.smp,
        .ram_size = m->cfg.ram_size,
        .pm_base = 0x600,
        .ioapic = m->ioapic != NULL,
        .ioapic_id = (uint8_t)IOAPIC_ID(m->cfg.smp),
        .hpet = board_find_device(b, hpet_device.name, 0) != NULL,
    };

    board_add_device(b, &i440fx_device, 0);
    piix3 = board_add_device(b, &piix3_device, 0);
    board_add_device(b, &piix4_pm_device, 0);
    board_add_device(b, &i8237_device, 0);
    fw = board_add_device(b, &fw_cfg_device, 0);
    if (m->ioapic) {
        IRQ gsi[4];

        for (int i = 0; i < 4; i++) {
            gsi[i] = ioapic_gsi_irq(m->ioapic, IOAPIC_PIRQ_FIRST_GSI + i);
        }
        piix3_set_apic_irqs(piix3, gsi);
    }
    acpi_build(fw, &acpi);
    smbios_build(fw, &acpi);
}

Machine *machine_create(const MachineConfig *cfg)
{
    Machine *m = xzalloc(sizeof(*m));
    Board *b = &m->board;
    MemoryHooks hooks = {
        .flush_write_tlb = pc_flush_all_cpus,
        .map_changed = pc_flush_all_cpus,
        .invalidate_code = pc_invalidate_code,
        .opaque = m,
    };
    const CPUModel *model;
    int nb_com;

    m->cfg = *cfg;
    if (cfg->ram_size < (1u << 20)) {
        fatal("-m: at least 1 MiB of RAM is needed");
    }
    if (cfg->ram_size > RAM_MAX) {
        fatal("-m: at most %llu MiB of RAM is supported (no RAM above the PCI hole at "
              "0xE0000000 yet)", RAM_MAX >> 20);
    }
    if (cfg->ram_size & (GUEST_PAGE_SIZE - 1)) {
        fatal("-m: the RAM size must be a multiple of 4 KiB");
    }
    if (cfg->smp < 1 || cfg->smp > MAX_CPUS) {
        fatal("-smp: between 1 and %d CPUs are supported", MAX_CPUS);
    }
    if ((uint64_t)(size_t)cfg->ram_size != cfg->ram_size) {
        fatal("-m: %llu MiB does not fit this host's address space",
              (unsigned long long)(cfg->ram_size >> 20));
    }

    vclock_init(cfg->icount_shift);
    vclock_set_notify(pc_timer_notify, m);
    chr_set_quit_handler(pc_chr_quit, m);
    m->ns_per_insn_fp = RATE_INIT_FP;

    board_init(b);
    mem_set_hooks(b->mem, &hooks);
    b->ram_size = cfg->ram_size;
    b->smp = cfg->smp;
    snprintf(b->boot_order, sizeof(b->boot_order), "%s", cfg->boot_order[0] ? cfg->boot_order :
             "cad");
    for (int i = 0; i < cfg->nb_drives; i++) {
        if (cfg->drives[i].iface == IF_FLOPPY) {
            b->nb_floppies++;
        } else if (cfg->drives[i].iface == IF_IDE && cfg->drives[i].media == MEDIA_DISK &&
                   cfg->drives[i].index >= 0 && cfg->drives[i].index < 2) {
            b->hd_present |= (uint8_t)(1u << cfg->drives[i].index);
        }
    }
    b->rtc_base_epoch = pc_rtc_base(cfg);
    b->cpu_intr = (IRQ){pc_cpu_intr, m, 0};
    b->request_reset = pc_board_reset;
    b->request_shutdown = pc_board_shutdown;
    b->request_poweroff = pc_board_poweroff;
    b->set_a20 = pc_set_a20;
    b->machine = m;

    m->ram = mem_add_ram(b->mem, "pc.ram", 0, cfg->ram_size, NULL, PRIO_RAM);
    pc_load_bios(m);

    /* Character devices: -serial (default with -nographic: COM1 on stdio), -debugcon. */
    nb_com = cfg->nb_serial;
    for (int i = 0; i < cfg->nb_serial && i < MAX_SERIAL; i++) {
        char label[24];

        snprintf(label, sizeof(label), "serial%d", i);
        b->serial_chr[i] = pc_open_chardev(&cfg->serial[i], label);
    }
    if (cfg->nb_serial == 0 && cfg->nographic) {
        ChardevSpec stdio_spec = {.kind = CHR_STDIO};

        b->serial_chr[0] = pc_open_chardev(&stdio_spec, "serial0");
    }
    if (cfg->debugcon_set) {
        b->debugcon_chr = pc_open_chardev(&cfg->debugcon, "debugcon");
    }

    /* Devices: the local APICs, then the PIC: it provides the ISA IRQ lines, which the I/O
     * APIC splits and the HPET gates (IRQ0, IRQ8) before the ISA devices take them. */
    m->apic = board_add_device(b, &apic_device, 0);
    apic_connect(m->apic, &(ApicHooks){
        .set_intr = pc_apic_set_intr,
        .event = pc_apic_event,
        .pic_ack = pc_apic_pic_ack,
        .current_cpu = pc_apic_current_cpu,
        .tsc = pc_apic_tsc,
        .opaque = m,
    });
    board_add_device(b, &i8259_device, 0);
    m->ioapic = board_add_device(b, &ioapic_device, 0);
    board_add_device(b, &hpet_device, 0);
    board_add_device(b, &i8254_device, 0);
    board_add_device(b, &mc146818_device, 0);
    board_add_device(b, &i8042_device, 0);
    for (int i = 0; i < MAX(nb_com, 1) && i < MAX_SERIAL; i++) {
        board_add_device(b, &serial_device, i);
    }
    board_add_device(b, &port80_device, 0);
    board_add_device(b, &debugcon_device, 0);
    board_add_device(b, &debugexit_device, 0);
    pc_add_chipset(m);
    pc_open_kernel(m);

    model = cfg->cpu_model ? cfg->cpu_model : pc_default_cpu_model();
    for (int i = 0; i < cfg->smp; i++) {
        m->cpus[i] = cpu_new(model, i, &pc_bus_ops, m);
        m->nb_cpus++;
    }
    board_reset(b);
    for (int i = 0; i < m->nb_cpus; i++) {
        pc_reset_cpu(m->cpus[i]);
    }
    pc_direct_boot(m);
    m->paused = cfg->start_paused;
    m->host_offset = host_clock_ns();
    m->paused_at = m->host_offset;
    return m;
}

/*
 * Everything machine_create() made, in reverse: the vCPUs, the devices (board_destroy: their
 * timers, buffers, the memory map with the RAM), the firmware image, the -kernel images and
 * the chardevs of -serial/-debugcon. Front ends (gdbstub, monitor, QMP) must not use m
 * afterwards.
 */
void machine_destroy(Machine *m)
{
    Board *b;

    if (!m) {
        return;
    }
    b = &m->board;
    for (int i = 0; i < m->nb_cpus; i++) {
        cpu_free(m->cpus[i]);
        m->cpus[i] = NULL;
    }
    m->nb_cpus = 0;
    vclock_set_notify(NULL, NULL);
    chr_set_quit_handler(NULL, NULL);
    board_destroy(b);
    if (m->bios) {
        xfree_pages(m->bios, m->bios_size);
    }
    linux_free(m->linux_img);
    multiboot_free(m->mb);
    for (int i = 0; i < MAX_SERIAL; i++) {
        chr_close(b->serial_chr[i]);
    }
    chr_close(b->debugcon_chr);
    free(m);
}

/* ---- requests ---- */

void machine_request_reset(Machine *m)
{
    m->reset_requested = true;
    pc_kick(m);
}

void machine_request_shutdown(Machine *m, int status)
{
    if (!m->shutdown_requested) {
        m->shutdown_requested = true;
        m->shutdown_status = status;
    }
    pc_kick(m);
}

void machine_request_powerdown(Machine *m)
{
    void *pm = board_find_device(&m->board, piix4_pm_device.name, 0);

    /* The ACPI power button: the guest OS sees an SCI and decides to power off. */
    pc_emit(m, MEV_POWERDOWN);
    if (pm) {
        piix4_pm_power_button(pm);
    } else {
        log_mask_printf(LOG_UNIMP, "system_powerdown: no ACPI power button on this machine\n");
    }
}

void machine_pause(Machine *m)
{
    if (!m->paused) {
        m->paused = true;
        m->paused_at = host_clock_ns();
        pc_kick(m);
        pc_emit(m, MEV_STOP);
    }
}

void machine_resume(Machine *m)
{
    if (m->paused) {
        m->paused = false;
        /* The virtual clock does not run while paused. */
        m->host_offset += host_clock_ns() - m->paused_at;
        pc_emit(m, MEV_RESUME);
    }
}

bool machine_is_paused(Machine *m)
{
    return m->paused;
}

int machine_nb_cpus(Machine *m)
{
    return m->nb_cpus;
}

X86CPU *machine_cpu(Machine *m, int index)
{
    return index >= 0 && index < m->nb_cpus ? m->cpus[index] : NULL;
}

void machine_add_poll_handler(Machine *m, void (*poll)(void *opaque), void *opaque)
{
    if (m->nb_polls == MAX_POLL_HANDLERS) {
        fatal("too many front-end poll handlers");
    }
    m->polls[m->nb_polls].fn = poll;
    m->polls[m->nb_polls].opaque = opaque;
    m->nb_polls++;
}

void machine_set_debug_handler(Machine *m, void (*stopped)(void *opaque, X86CPU *cpu),
                               void *opaque)
{
    m->debug_stopped = stopped;
    m->debug_opaque = opaque;
}

void machine_add_event_handler(Machine *m, void (*event)(void *opaque, MachineEvent ev),
                               void *opaque)
{
    if (m->nb_events == MAX_EVENT_HANDLERS) {
        fatal("too many machine event handlers");
    }
    m->events[m->nb_events].fn = event;
    m->events[m->nb_events].opaque = opaque;
    m->nb_events++;
}

bool machine_info(Machine *m, const char *name, FILE *out)
{
    if (strcmp(name, "mtree") == 0) {
        mem_print_map(m->board.mem, out);
        return true;
    }
    if (strcmp(name, "clock") == 0) {
        fprintf(out, "virtual clock: %lld ns (%s)\n", (long long)vclock_ns(),
                vclock_deterministic() ? "deterministic, -icount" : "real time");
        return true;
    }
    return board_info(&m->board, name, out);
}

int machine_phys_rw(Machine *m, uint64_t paddr, void *buf, size_t len, bool write)
{
    return mem_rw_debug(m->board.mem, paddr, buf, len, write);
}

void machine_send_scancode(Machine *m, const uint8_t *codes, size_t n)
{
    void *kbd = board_find_device(&m->board, i8042_device.name, 0);

    if (kbd) {
        kbd_put_scancodes(kbd, codes, n);
    }
}

void machine_send_mouse(Machine *m, int dx, int dy, int dz, unsigned buttons)
{
    void *kbd = board_find_device(&m->board, i8042_device.name, 0);

    if (kbd) {
        kbd_mouse_event(kbd, dx, dy, dz, buttons);
    }
}

/* ---- main loop ---- */

/* The guest shut the machine down (power off; a reset under -no-reboot): exit with status
 * 0, or under -no-shutdown stop the emulation and stay alive for the monitor/gdb. */
static void pc_guest_shutdown(Machine *m)
{
    if (m->cfg.no_shutdown) {
        pc_emit(m, MEV_SHUTDOWN);
        machine_pause(m);
    } else {
        machine_request_shutdown(m, 0);
    }
}

static void pc_do_reset(Machine *m)
{
    log_mask_printf(LOG_RESET, "machine: system reset\n");
    m->reset_requested = false;
    board_reset(&m->board);
    for (int i = 0; i < m->nb_cpus; i++) {
        pc_reset_cpu(m->cpus[i]);
        cpu_flush_caches(m->cpus[i]);
    }
    pc_direct_boot(m);
    pc_emit(m, MEV_RESET);
}

static void pc_poll_io(Machine *m)
{
    for (int i = 0; i < m->nb_polls; i++) {
        m->polls[i].fn(m->polls[i].opaque);
    }
    board_poll(&m->board);
}

/* Sleep until host input, or at most timeout_ns (real time), polling front ends. */
static void pc_wait(Machine *m, int64_t timeout_ns)
{
    int ms;

    if (timeout_ns < 0 || timeout_ns > 100 * 1000000LL) {
        timeout_ns = 100 * 1000000LL;
    }
    if (m->nb_polls > 0 && timeout_ns > 10 * 1000000LL) {
        timeout_ns = 10 * 1000000LL; /* front ends without fds (SDL) need regular polls */
    }
    ms = (int)((timeout_ns + 999999) / 1000000);
    chr_wait_all(ms);
}

/*
 * True if cpu cannot run before some device raises an event: halted (HLT) or waiting for a
 * SIPI, with nothing pending that would wake it. Such a vCPU costs one check per slice.
 */
static bool pc_cpu_idle(X86CPU *cpu)
{
    uint32_t req = cpu->interrupt_request;

    if (req & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) {
        return false;
    }
    if (cpu->wait_for_sipi) {
        return true;
    }
    if (!cpu->halted) {
        return false;
    }
    return !((req & CPU_INTERRUPT_NMI) && !cpu->nmi_blocked) &&
           !((req & CPU_INTERRUPT_HARD) && (cpu_get_eflags(cpu) & EF_IF));
}

/*
 * Run every vCPU for one slice; returns true if all of them are halted afterwards.
 *
 * The vCPUs take turns on this one thread, and the virtual clock runs on through the
 * round: vCPU i's share starts where vCPU i - 1's ended, so time never goes backwards
 * from one vCPU to the next (their TSCs agree, as on a real board, and an IPI sent at t
 * is received after t). The round as a whole ends at the next timer deadline at the
 * latest: each of the n vCPUs that can run gets 1/n of it. Under -icount the clock is thus
 * the instructions of all vCPUs together (as QEMU's round-robin icount).
 */
static bool pc_run_slice(Machine *m)
{
    bool icount = vclock_deterministic();
    int shift = vclock_icount_shift();
    int n = m->nb_cpus, nrun = 0, k = 0;
    bool idle[MAX_CPUS];
    int64_t now = vclock_ns();
    int64_t deadline = timer_next_deadline();
    int64_t slice_ns, budget;
    uint64_t rate = icount ? (256ull << shift) : m->ns_per_insn_fp;
    bool all_halted = true;

    if (icount) {
        int64_t unit = 1LL << shift;

        budget = deadline == VCLOCK_NEVER ? SLICE_MAX_INSNS : (deadline - now + unit - 1) >> shift;
        budget = MIN(MAX(budget, 1), SLICE_MAX_INSNS);
        for (int i = 0; i < n; i++) { /* a cycle counter overflow: 1 tick = 1 ns */
            int64_t ns = cpu_pmc_ns_left(m->cpus[i]);

            if (ns != INT64_MAX) {
                budget = MAX(MIN(budget, (ns + unit - 1) >> shift), 1);
            }
        }
        slice_ns = budget << shift;
    } else {
        slice_ns = deadline == VCLOCK_NEVER ? SLICE_MAX_NS : deadline - now;
        slice_ns = MIN(MAX(slice_ns, 1), SLICE_MAX_NS);
        /* a cycle counter's overflow interrupt is due like a timer (1 TSC tick = 1 ns) */
        for (int i = 0; i < n; i++) {
            slice_ns = MAX(MIN(slice_ns, cpu_pmc_ns_left(m->cpus[i])), 1);
        }
        budget = MAX((slice_ns * 256) / (int64_t)rate, 1);
    }

    /* the round is shared by the vCPUs that can run (a halted one only looks for its
     * wake-up: one instruction's worth) */
    for (int i = 0; i < n; i++) {
        idle[i] = pc_cpu_idle(m->cpus[i]);
        nrun += !idle[i];
    }
    nrun = MAX(nrun, 1);
    for (int i = 0; i < n; i++) {
        X86CPU *cpu = m->cpus[i];
        uint64_t start = cpu->icount;
        int64_t t0 = icount ? 0 : host_clock_ns();
        /* this vCPU's share (the first ones take the remainder), at least one instruction:
         * a vCPU left out of short rounds could starve (a timer due again and again within
         * a few ns) while another spins waiting for it */
        int64_t my_budget = idle[i] ? 1 : MAX(budget / nrun + (k < budget % nrun), 1);
        int64_t my_ns = idle[i] ? 1 : MAX(slice_ns / nrun, 1);
        CPUExitReason why;
        uint64_t executed;

        k += !idle[i];

        if (icount) {
            my_ns = my_budget << shift;
        }
        vclock_slice_begin(&cpu->icount, start, rate, my_ns);
        m->running = cpu;
        /* stop where an instruction counter's overflow interrupt is due */
        why = cpu_exec(cpu, (int64_t)MAX(MIN((uint64_t)my_budget, cpu_pmc_insns_left(cpu)), 1));
        cpu_pmc_poll(cpu);
        m->running = NULL;
        cpu_reset_interrupt(cpu, CPU_INTERRUPT_EXIT);
        vclock_advance_to(vclock_slice_end()); /* the next vCPU starts here */
        executed = cpu->icount - start;

        if (!icount && why == CPU_EXIT_BUDGET && executed >= 1000) {
            uint64_t fp = (uint64_t)(host_clock_ns() - t0) * 256 / executed;

            fp = MIN(MAX(fp, 16), 256 * 1000);
            m->ns_per_insn_fp = (m->ns_per_insn_fp * 7 + fp) / 8;
        }
        switch (why) {
        case CPU_EXIT_SHUTDOWN:
            log_mask_printf(LOG_RESET, "machine: triple fault on cpu %d%s\n", i,
                            m->cfg.no_reboot ? " (-no-reboot: exit)" : ": reset");
            m->reset_requested = true; /* -no-reboot turns it into a shutdown */
            break;
        case CPU_EXIT_DEBUG:
            machine_pause(m);
            if (m->debug_stopped) {
                m->debug_stopped(m->debug_opaque, cpu);
            }
            break;
        default:
            break;
        }
        if (m->paused || m->reset_requested || m->shutdown_requested) {
            all_halted = false;
            break;
        }
    }
    /* After the whole round: a vCPU that ran earlier may have been woken by a later one. */
    for (int i = 0; i < m->nb_cpus && all_halted; i++) {
        all_halted = pc_cpu_idle(m->cpus[i]);
    }
    return all_halted;
}

/*
 * Real-time mode, at the top of each main-loop iteration: bring the virtual clock up to
 * host time. After a sleep (every vCPU halted) the whole gap is time that passed. While
 * the vCPUs were runnable the slices already moved the clock by the instructions they
 * ran, and a gap larger than CLOCK_MAX_CATCHUP_NS is host time the guest did not get (the
 * process was descheduled or stopped): it is dropped, added to host_offset like paused
 * time, instead of appearing to the guest as a jump in the middle of its instruction
 * stream. Such a jump broke, for example, Linux's 30 ms PIT-versus-ACPI-PM-timer
 * calibration ("PM-Timer running at invalid rate") on a loaded host. The guest's clock
 * then falls behind wall-clock time by what was dropped.
 */
static void pc_sync_clock(Machine *m)
{
    int64_t target = host_clock_ns() - m->host_offset;
    int64_t gap = target - vclock_ns();
    int64_t allowed = CLOCK_MAX_CATCHUP_NS;

    if (!m->waited && gap > allowed) {
        m->host_offset += gap - allowed;
        target -= gap - allowed;
        log_mask_printf(LOG_TIMER, "machine: %lld ms of host time not given to the guest\n",
                        (long long)((gap - allowed) / 1000000));
    }
    m->waited = false;
    vclock_advance_to(target);
}

int machine_run(Machine *m)
{
    if (m->paused) {
        m->paused_at = host_clock_ns();
        pc_emit(m, MEV_STOP);
    }
    for (;;) {
        bool icount = vclock_deterministic();
        bool halted;

        if (m->shutdown_requested) {
            m->shutdown_requested = false;
            pc_emit(m, MEV_SHUTDOWN);
            chr_cleanup_all();
            log_flush();
            return m->shutdown_status;
        }
        if (m->reset_requested) {
            m->reset_requested = false;
            if (m->cfg.no_reboot) {
                log_mask_printf(LOG_RESET, "machine: reset under -no-reboot: guest shutdown\n");
                pc_guest_shutdown(m);
                continue;
            }
            pc_do_reset(m);
        }
        pc_poll_io(m);
        if (m->paused) {
            pc_wait(m, 10 * 1000000LL);
            continue;
        }
        if (!icount) {
            pc_sync_clock(m);
        }
        timers_run_expired();

        halted = pc_run_slice(m);
        timers_run_expired();
        if (!halted) {
            continue;
        }
        /* Every vCPU waits for an interrupt: nothing happens before the next timer. */
        if (icount) {
            int64_t deadline = timer_next_deadline();

            if (deadline != VCLOCK_NEVER) {
                vclock_advance_to(deadline);
                chr_wait_all(0);
            } else {
                pc_wait(m, -1);
            }
        } else {
            int64_t deadline = timer_next_deadline();
            int64_t vnow = host_clock_ns() - m->host_offset;

            vclock_advance_to(vnow);
            if (deadline > vclock_ns()) {
                pc_wait(m, deadline == VCLOCK_NEVER ? -1 : deadline - vclock_ns());
            }
            m->waited = true;
        }
    }
}
