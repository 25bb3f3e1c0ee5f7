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

void pm_main(void)
{
    for (unsigned int i = 0; i < 3; i++) {
        counter += square(i);
    }
    result = 0xc0de0000u | counter;
    done();
    for (;;) {
        __asm__ volatile("hlt");
    }
}
