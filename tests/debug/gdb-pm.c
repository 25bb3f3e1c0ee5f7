/*
 * Protected-mode part of the gdb test guest (see gdb-guest.asm). Built freestanding into
 * gdb-pm.elf (linked at 0x8000, with debug info: gdb reads its symbols) and into the flat
 * gdb-pm.bin that gdb-guest.asm embeds. No .bss: every variable is initialised, so the
 * flat image holds all of them.
 *
 * gdb-test.sh breaks at pm_main and at done(), then checks counter == 10 and
 * result == 0xc0de000a.
 */
volatile unsigned int counter = 5;
volatile unsigned int result = 1;

__attribute__((noinline)) unsigned int square(unsigned int x)
{
    return x * x;
}

__attribute__((noinline)) void done(void)
{
    __asm__ volatile("" ::: "memory");
}

void pm_main(void);

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
