/*
 * Protected-mode part of the gdb test guest, built with debug information into gdb-pm.elf,
 * linked at 1 MiB (0x100000). The same program runs two ways, and gdb reads its symbols
 * from gdb-pm.elf in both:
 *
 *   - as a Multiboot kernel: `x86pc -kernel gdb-pm.elf` loads the ELF directly (the
 *     Multiboot header below; EAX = 0x2BADB002, EBX = the information structure);
 *   - from gdb-guest.asm: its boot sector enters protected mode, copies the flat image
 *     (`objcopy -O binary` of this ELF, embedded in the BIOS image) to 1 MiB and jumps to
 *     _start with EAX = 0.
 *
 * No .bss: every variable is initialised, so the flat image holds all of them.
 * gdb-test.sh breaks at pm_main and at done(), then checks counter == 10,
 * result == 0xc0de000a and, under Multiboot, boot_magic == 0x2badb002.
 * After done(), load_fpu_state() puts known values into the x87 registers and, when CPUID
 * reports SSE, MXCSR and XMM0-7, then the CPU halts with interrupts off: qmp-test.py waits
 * for the halt and checks what the monitor's `info registers` prints.
 */
#define MB_HEADER_MAGIC 0x1badb002u
#define MB_HEADER_FLAGS 0u /* no a.out kludge: the loader follows the ELF program headers */

/* Must lie 4-byte aligned in the first 8 KiB of the file: it is the first thing in .text. */
__attribute__((section(".text.unlikely.multiboot"), used, aligned(4)))
static const unsigned int multiboot_header[3] = {
    MB_HEADER_MAGIC, MB_HEADER_FLAGS, -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)};

volatile unsigned int counter = 5;
volatile unsigned int result = 1;
volatile unsigned int boot_magic = 1; /* EAX at entry */
volatile unsigned int boot_info = 1;  /* EBX at entry */

void pm_main(void);

/* Entry: no stack is set up by either loader. 0x9F000 is below the EBDA in free RAM. */
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "    movl $0x9f000, %esp\n"
        "    movl %eax, boot_magic\n"
        "    movl %ebx, boot_info\n"
        "    call pm_main\n"
        "1:  hlt\n"
        "    jmp 1b\n");

__attribute__((noinline)) unsigned int square(unsigned int x)
{
    return x * x;
}

__attribute__((noinline)) void done(void)
{
    __asm__ volatile("" ::: "memory");
}

/* An 80-bit operand, -0x8123456789abcdef * 2^(0x4005 - 0x3fff - 63): every byte differs. */
static const unsigned char fpu_m80[10] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45,
                                          0x23, 0x81, 0x05, 0xc0};
#define FPU_M80_ADDR 0x500 /* copied here, so that FDP is known: 0x10:0x500 */
#define STR(x) #x
#define XSTR(x) STR(x)
static const unsigned short fpu_cw = 0x0a7f;      /* RC up, PC 53 bits, all masked */
static const unsigned int fpu_mxcsr = 0x00007f81; /* RC toward zero, masked, IE set */
#define CPUID_EDX_SSE (1u << 25)
#define CR4_OSFXSR (1u << 9)

/*
 * x87, from FNINIT: push 1.0, pi, +0.0 and the operand above, so that TOP = 4, ST0 is the
 * operand in physical register 4 and physical registers 0-3 are empty; FOP and FDP are
 * those of the FLD m80 (DB 2D disp32: FOP = 0x32d); then FLDCW, a control instruction,
 * which changes neither. With SSE: MXCSR, and byte j of XMMn = n * 16 + j.
 */
__attribute__((noinline)) void load_fpu_state(void)
{
    volatile unsigned char *m80 = (volatile unsigned char *)FPU_M80_ADDR;
    unsigned char xmm[8][16];
    unsigned int eax = 1, ebx, ecx, edx, cr4;

    for (unsigned int i = 0; i < sizeof(fpu_m80); i++) {
        m80[i] = fpu_m80[i];
    }
    __asm__ volatile("fninit\n"
                     "fld1\n"
                     "fldpi\n"
                     "fldz\n"
                     "fldt " XSTR(FPU_M80_ADDR) "\n"
                     "fldcw %0\n"
                     :
                     : "m"(fpu_cw)
                     : "memory");
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    if (!(edx & CPUID_EDX_SSE)) {
        return;
    }
    for (unsigned int n = 0; n < 8; n++) {
        for (unsigned int j = 0; j < 16; j++) {
            xmm[n][j] = (unsigned char)(n * 16 + j);
        }
    }
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    __asm__ volatile("ldmxcsr %1\n"
                     "movups 0(%0), %%xmm0\n"
                     "movups 16(%0), %%xmm1\n"
                     "movups 32(%0), %%xmm2\n"
                     "movups 48(%0), %%xmm3\n"
                     "movups 64(%0), %%xmm4\n"
                     "movups 80(%0), %%xmm5\n"
                     "movups 96(%0), %%xmm6\n"
                     "movups 112(%0), %%xmm7\n"
                     :
                     : "r"(xmm), "m"(fpu_mxcsr)
                     : "memory");
}

void pm_main(void)
{
    for (unsigned int i = 0; i < 3; i++) {
        counter += square(i);
    }
    result = 0xc0de0000u | counter;
    done();
    load_fpu_state();
    for (;;) {
        __asm__ volatile("hlt");
    }
}
