/*
 * Interpreter tests: hand-assembled real-mode programs (bytes with the assembly in a
 * comment) run through cpu_exec() on a fake bus with 1 MiB of RAM, checking registers,
 * flags and memory. Code is loaded at 0100:0000 (physical 0x1000), the stack is
 * 0000:8000, and exception/interrupt vectors point at a HLT at 0200:0000.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "cpu/helper.h"

#define RAM_SIZE (1u << 20)
#define CODE 0x1000u
#define HANDLER 0x2000u

static uint8_t *ram;
static int irq_vector = 0x20;
static unsigned pass, fail;

static uint8_t *bus_map_page(void *opaque, uint64_t paddr, bool write)
{
    return paddr < RAM_SIZE ? ram + (paddr & ~0xfffull) : NULL;
}

static uint64_t bus_mem_read(void *opaque, uint64_t paddr, unsigned size)
{
    return ~0ull >> (64 - 8 * size);
}

static void bus_mem_write(void *opaque, uint64_t paddr, uint64_t val, unsigned size)
{
}

static uint32_t bus_io_read(void *opaque, uint16_t port, unsigned size)
{
    return 0x5a5a5a5au;
}

static void bus_io_write(void *opaque, uint16_t port, uint32_t val, unsigned size)
{
}

static int bus_intr_ack(void *opaque, int cpu_index)
{
    return irq_vector;
}

static int64_t bus_clock_ns(void *opaque)
{
    return 0;
}

static const CPUBusOps bus = {
    .map_page = bus_map_page,
    .mem_read = bus_mem_read,
    .mem_write = bus_mem_write,
    .io_read = bus_io_read,
    .io_write = bus_io_write,
    .intr_ack = bus_intr_ack,
    .clock_ns = bus_clock_ns,
};

#define CHECK(name, cond)                                                                         \
    do {                                                                                          \
        if (cond) {                                                                               \
            pass++;                                                                               \
        } else {                                                                                  \
            fail++;                                                                               \
            printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__);                             \
        }                                                                                         \
    } while (0)

static void set_vector(int v, uint16_t seg, uint16_t off)
{
    stw_le_p(ram + v * 4, off);
    stw_le_p(ram + v * 4 + 2, seg);
}

/* Reset the CPU, load hex code at 0100:0000 and point every vector at the HLT handler. */
static void load(X86CPU *cpu, const char *hex)
{
    size_t n = 0;

    memset(ram, 0, RAM_SIZE);
    while (hex[0] && hex[1]) {
        unsigned v;

        if (hex[0] == ' ') {
            hex++;
            continue;
        }
        sscanf(hex, "%2x", &v);
        ram[CODE + n++] = (uint8_t)v;
        hex += 2;
    }
    for (int v = 0; v < 256; v++) {
        set_vector(v, HANDLER >> 4, 0);
    }
    ram[HANDLER] = 0xf4; /* hlt */
    cpu_reset(cpu);
    cpu_flush_caches(cpu);
    cpu_set_irq(cpu, false);
    cpu_load_seg_real(cpu, R_CS, CODE >> 4);
    cpu_load_seg_real(cpu, R_DS, 0);
    cpu_load_seg_real(cpu, R_ES, 0);
    cpu_load_seg_real(cpu, R_SS, 0);
    cpu->regs[R_ESP] = 0x8000;
    cpu->eip = 0;
}

static CPUExitReason run(X86CPU *cpu)
{
    CPUExitReason r = CPU_EXIT_BUDGET;

    for (int k = 0; k < 1000 && r == CPU_EXIT_BUDGET; k++) {
        r = cpu_exec(cpu, 10000);
    }
    return r;
}

static uint32_t flags(X86CPU *cpu)
{
    return cpu_get_eflags(cpu);
}

/* In the handler: HLT retired at 0200:0001. */
static bool in_handler(X86CPU *cpu)
{
    return cpu->seg[R_CS].selector == (HANDLER >> 4) && cpu->eip == 1;
}

static void test_add_sub(X86CPU *cpu)
{
    load(cpu, "b07f 0401 f4"); /* mov al,0x7f; add al,1; hlt */
    run(cpu);
    CHECK("add 7f+1", (cpu->regs[R_EAX] & 0xff) == 0x80);
    CHECK("add 7f+1 flags", (flags(cpu) & CC_ALL) == (CC_O | CC_S | CC_A));

    load(cpu, "b0ff 0401 f4"); /* mov al,0xff; add al,1 */
    run(cpu);
    CHECK("add ff+1", (cpu->regs[R_EAX] & 0xff) == 0 &&
                          (flags(cpu) & CC_ALL) == (CC_C | CC_Z | CC_A | CC_P));

    load(cpu, "f9 b0ff 1400 f4"); /* stc; mov al,0xff; adc al,0 */
    run(cpu);
    CHECK("adc ff+0+1", (cpu->regs[R_EAX] & 0xff) == 0 && (flags(cpu) & (CC_C | CC_Z | CC_O)) ==
                                                              (CC_C | CC_Z));

    load(cpu, "f9 b07f 1400 f4"); /* stc; mov al,0x7f; adc al,0 */
    run(cpu);
    CHECK("adc 7f+0+1 OF", (cpu->regs[R_EAX] & 0xff) == 0x80 && (flags(cpu) & CC_O) &&
                               !(flags(cpu) & CC_C));

    load(cpu, "b000 2c01 f4"); /* mov al,0; sub al,1 */
    run(cpu);
    CHECK("sub 0-1", (cpu->regs[R_EAX] & 0xff) == 0xff &&
                         (flags(cpu) & CC_ALL) == (CC_C | CC_S | CC_A | CC_P));

    load(cpu, "f9 b080 1c00 f4"); /* stc; mov al,0x80; sbb al,0 */
    run(cpu);
    CHECK("sbb 80-0-1", (cpu->regs[R_EAX] & 0xff) == 0x7f && (flags(cpu) & CC_O) &&
                            !(flags(cpu) & CC_C));

    load(cpu, "f9 b0ff fec0 f4"); /* stc; mov al,0xff; inc al */
    run(cpu);
    CHECK("inc keeps CF", (cpu->regs[R_EAX] & 0xff) == 0 && (flags(cpu) & (CC_C | CC_Z | CC_O)) ==
                                                                (CC_C | CC_Z));

    /* mov ax,5; cmp ax,7; jl +2; mov al,1; hlt  -> jump taken, al stays 5 */
    load(cpu, "b80500 3d0700 7c02 b001 f4");
    run(cpu);
    CHECK("cmp/jl", (cpu->regs[R_EAX] & 0xffff) == 5);

    load(cpu, "b015 0427 27 f4"); /* mov al,0x15; add al,0x27; daa */
    run(cpu);
    CHECK("daa", (cpu->regs[R_EAX] & 0xff) == 0x42);

    /* mov bx,5; imul ax,bx,-3 */
    load(cpu, "bb0500 6bc3fd f4");
    run(cpu);
    CHECK("imul3", (cpu->regs[R_EAX] & 0xffff) == 0xfff1 && !(flags(cpu) & (CC_C | CC_O)));

    /* mov ax,-7; cwd; mov bx,2; idiv bx */
    load(cpu, "b8f9ff 99 bb0200 f7fb f4");
    run(cpu);
    CHECK("idiv", (cpu->regs[R_EAX] & 0xffff) == 0xfffd && (cpu->regs[R_EDX] & 0xffff) == 0xffff);

    /* mov ax,1; mov bx,2; xadd ax,bx */
    load(cpu, "b80100 bb0200 0fc1d8 f4");
    run(cpu);
    CHECK("xadd", (cpu->regs[R_EAX] & 0xffff) == 3 && (cpu->regs[R_EBX] & 0xffff) == 1);

    /* mov ax,0x1234; mov bx,0; bsf ax,bx: ZF=1, ax unchanged */
    load(cpu, "b83412 bb0000 0fbcc3 f4");
    run(cpu);
    CHECK("bsf 0", (cpu->regs[R_EAX] & 0xffff) == 0x1234 && (flags(cpu) & CC_Z));
    /* mov bx,0x0900; bsr ax,bx -> 11 */
    load(cpu, "bb0009 0fbdc3 f4");
    run(cpu);
    CHECK("bsr", (cpu->regs[R_EAX] & 0xffff) == 11 && !(flags(cpu) & CC_Z));
}

static void test_shifts(X86CPU *cpu)
{
    load(cpu, "b081 d0e0 f4"); /* mov al,0x81; shl al,1 */
    run(cpu);
    CHECK("shl", (cpu->regs[R_EAX] & 0xff) == 0x02 && (flags(cpu) & (CC_C | CC_O)) == (CC_C | CC_O));

    load(cpu, "f9 b001 d0d8 f4"); /* stc; mov al,1; rcr al,1 */
    run(cpu);
    CHECK("rcr", (cpu->regs[R_EAX] & 0xff) == 0x80 && (flags(cpu) & (CC_C | CC_O)) == (CC_C | CC_O));

    load(cpu, "b081 b109 d2c0 f4"); /* mov al,0x81; mov cl,9; rol al,cl (mod 8 = 1) */
    run(cpu);
    CHECK("rol 9", (cpu->regs[R_EAX] & 0xff) == 0x03 && (flags(cpu) & CC_C));

    load(cpu, "f8 b001 b109 d2d0 f4"); /* clc; mov al,1; mov cl,9; rcl al,cl (mod 9 = 0) */
    run(cpu);
    CHECK("rcl 9 = identity", (cpu->regs[R_EAX] & 0xff) == 0x01 && !(flags(cpu) & CC_C));

    load(cpu, "b80100 b121 d3e0 f4"); /* mov ax,1; mov cl,33; shl ax,cl (masked: 1) */
    run(cpu);
    CHECK("shl count mask", (cpu->regs[R_EAX] & 0xffff) == 2);

    load(cpu, "b080 c0f807 f4"); /* mov al,0x80; sar al,7 */
    run(cpu);
    CHECK("sar", (cpu->regs[R_EAX] & 0xff) == 0xff && !(flags(cpu) & CC_C));

    /* mov eax,0x12345678; mov edx,0x9abcdef0; shld eax,edx,8 */
    load(cpu, "66b878563412 66baf0debc9a 660fa4d008 f4");
    run(cpu);
    CHECK("shld", cpu->regs[R_EAX] == 0x3456789a && !(flags(cpu) & CC_C));

    /* shrd eax,edx,4 with eax=0x12345678, edx=0xf: 0xf1234567, CF = bit 3 of eax = 1 */
    load(cpu, "66b878563412 66ba0f000000 660facd004 f4");
    run(cpu);
    CHECK("shrd", cpu->regs[R_EAX] == 0xf1234567 && (flags(cpu) & CC_C));
}

static void test_div_fault(X86CPU *cpu)
{
    load(cpu, "b83412 b300 f6f3 f4"); /* mov ax,0x1234; mov bl,0; div bl */
    CHECK("div0 halts in handler", run(cpu) == CPU_EXIT_HALTED && in_handler(cpu));
    CHECK("div0 frame IP", lduw_le_p(ram + 0x7ffa) == 5 && lduw_le_p(ram + 0x7ffc) == 0x100);
    CHECK("div0 regs kept", (cpu->regs[R_EAX] & 0xffff) == 0x1234);

    load(cpu, "b80010 b302 f6f3 f4"); /* mov ax,0x1000; mov bl,2; div bl: quotient overflow */
    run(cpu);
    CHECK("div overflow -> #DE", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 5);

    load(cpu, "d400 f4"); /* aam 0 */
    run(cpu);
    CHECK("aam 0 -> #DE", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 0);

    /* bound ax,[0x3000] with bounds 10..20 and ax = 30 -> #BR */
    load(cpu, "b81e00 62060030 f4");
    stw_le_p(ram + 0x3000, 10);
    stw_le_p(ram + 0x3002, 20);
    set_vector(EXC_BR, 0x300, 0);
    ram[0x3000 + 0x10] = 0xf4;
    run(cpu);
    CHECK("bound -> #BR", cpu->seg[R_CS].selector == 0x300 && lduw_le_p(ram + 0x7ffa) == 3);

    load(cpu, "0f0b"); /* ud2 */
    run(cpu);
    CHECK("ud2 -> #UD", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 0);
}

/* REP MOVSB with 32-bit addresses that runs off the 64 KiB DS limit after 4 bytes. */
static void test_rep_fault(X86CPU *cpu)
{
    /* mov esi,0xfffc; mov edi,0x3000; mov ecx,8; a32 rep movsb; hlt */
    load(cpu, "66befcff0000 66bf00300000 66b908000000 67f3a4 f4");
    ram[0xfffc] = 1;
    ram[0xfffd] = 2;
    ram[0xfffe] = 3;
    ram[0xffff] = 4;
    run(cpu);
    CHECK("rep fault -> #GP handler", in_handler(cpu));
    CHECK("rep fault commits per element", cpu->regs[R_ECX] == 4 && cpu->regs[R_ESI] == 0x10000 &&
                                               cpu->regs[R_EDI] == 0x3004);
    CHECK("rep fault copied", ldl_le_p(ram + 0x3000) == 0x04030201);
    CHECK("rep fault frame IP", lduw_le_p(ram + 0x7ffa) == 18);

    /* A long REP STOSB (more than one burst): mov cx,5000; mov di,0x4000; mov al,7; rep stosb */
    load(cpu, "b98813 bf0040 b007 f3aa f4");
    run(cpu);
    CHECK("rep stosb long", (cpu->regs[R_ECX] & 0xffff) == 0 && ram[0x4000] == 7 &&
                                ram[0x4000 + 4999] == 7 && ram[0x4000 + 5000] == 0);
    CHECK("rep stosb di", (cpu->regs[R_EDI] & 0xffff) == 0x4000 + 5000);

    /*
     * An interrupt in the middle of a REP: mov cx,5000; mov di,0x4000; mov al,7; sti;
     * rep stosb (IP 9); hlt. After the first burst (the 5th unit of budget) the IRQ is
     * taken with IP at the REP and CX/DI describing the rest; its handler (0300:0000,
     * inc word [0x6000]; iret) returns to the REP, which completes.
     */
    load(cpu, "b98813 bf0040 b007 fb f3aa f4");
    set_vector(0x20, 0x300, 0);
    memcpy(ram + 0x3000, "\xff\x06\x00\x60\xcf", 5);
    cpu_exec(cpu, 5);
    CHECK("rep burst, no irq yet", cpu->eip == 9 && (cpu->regs[R_ECX] & 0xffff) == 5000 - 1024);
    cpu_set_irq(cpu, true);
    cpu_exec(cpu, 1);
    CHECK("irq between REP iterations", cpu->seg[R_CS].selector == 0x300 && cpu->eip == 0 &&
                                            lduw_le_p(ram + 0x7ffa) == 9 &&
                                            (cpu->regs[R_ECX] & 0xffff) == 5000 - 1024 &&
                                            (cpu->regs[R_EDI] & 0xffff) == 0x4000 + 1024);
    cpu_set_irq(cpu, false);
    run(cpu);
    CHECK("REP resumed after the irq", (cpu->regs[R_ECX] & 0xffff) == 0 &&
                                           (cpu->regs[R_EDI] & 0xffff) == 0x4000 + 5000 &&
                                           ram[0x4000 + 4999] == 7 && ram[0x4000 + 5000] == 0 &&
                                           lduw_le_p(ram + 0x6000) == 1 && cpu->eip == 12);

    /* repne scasb: find 0x42 in "abcB..." at 0x3000 */
    load(cpu, "bf0030 b91000 b042 f2ae f4");
    memcpy(ram + 0x3000, "abc\x42xyz", 7);
    run(cpu);
    CHECK("repne scasb", (cpu->regs[R_EDI] & 0xffff) == 0x3004 && (cpu->regs[R_ECX] & 0xffff) == 12 &&
                             (flags(cpu) & CC_Z));
}

/* Code that patches the immediate of an instruction later in the same block. */
static void test_smc(X86CPU *cpu)
{
    /* mov ax,cs; mov ds,ax; mov byte [0x000a],0x42; mov al,0; hlt */
    load(cpu, "8cc8 8ed8 c6060a0042 b000 f4");
    run(cpu);
    CHECK("smc same block", (cpu->regs[R_EAX] & 0xff) == 0x42);

    /* Loop twice over a block whose immediate is patched after its first run:
     * 0: mov bx,0 / 3: mov al,1 / 5: add bl,al / 7: mov byte cs:[0x0004],5 /
     * 13: inc cx / 14: cmp cx,2 / 17: jne 3 / 19: hlt
     * second pass adds 5 -> bl = 6 */
    load(cpu, "bb0000 b001 00c3 2ec606040005 41 83f902 75f0 f4");
    cpu->regs[R_ECX] = 0;
    run(cpu);
    CHECK("smc executed block", (cpu->regs[R_EBX] & 0xff) == 6);
}

static void test_interrupts(X86CPU *cpu)
{
    /* sti; jmp $ */
    load(cpu, "fb ebfe");
    CHECK("busy loop runs budget", cpu_exec(cpu, 100) == CPU_EXIT_BUDGET);
    cpu_set_irq(cpu, true);
    run(cpu);
    CHECK("irq delivered", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 1);
    CHECK("irq frame has IF", lduw_le_p(ram + 0x7ffe) & EF_IF);
    CHECK("handler runs with IF=0", !(flags(cpu) & EF_IF));
    cpu_set_irq(cpu, false);

    /* With an IRQ pending: sti; hlt. The STI shadow lets HLT execute, then the IRQ wakes. */
    load(cpu, "fb f4 ebfe");
    cpu_set_irq(cpu, true);
    run(cpu);
    CHECK("sti shadow", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 2);
    cpu_set_irq(cpu, false);

    /*
     * The STI shadow covers one instruction only: "sti; nop; cli; jmp back" with an IRQ
     * pending takes it after the NOP (frame IP 2), not never.
     */
    load(cpu, "fb 90 fa ebfb");
    cpu_set_irq(cpu, true);
    run(cpu);
    CHECK("sti; nop; cli window", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 2);
    cpu_set_irq(cpu, false);

    /*
     * MOV SS shadow: IF=1, "mov ax,0; mov ss,ax; mov sp,0x8000; nop; hlt" with the IRQ
     * raised right after MOV SS: it is taken after MOV SP (frame IP 8), not before it.
     */
    load(cpu, "b80000 8ed0 bc0080 90 f4");
    cpu_set_eflags(cpu, cpu_get_eflags(cpu) | EF_IF);
    cpu_exec(cpu, 2);
    CHECK("mov ss retired", cpu->eip == 5);
    cpu_set_irq(cpu, true);
    run(cpu);
    CHECK("mov ss shadow", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 8);
    cpu_set_irq(cpu, false);

    /* NMI: delivered with IF=0 through vector 2, then blocked until IRET. */
    load(cpu, "fa 90 90 90 f4");
    set_vector(EXC_NMI, 0x300, 0);
    ram[0x3000] = 0x90;         /* nop */
    ram[0x3001] = 0x90;         /* nop */
    ram[0x3002] = 0xcf;         /* iret */
    cpu_exec(cpu, 1);
    cpu_interrupt(cpu, CPU_INTERRUPT_NMI);
    cpu_exec(cpu, 2);
    CHECK("nmi delivered with IF=0", cpu->seg[R_CS].selector == 0x300 && cpu->eip == 1 &&
                                         cpu->nmi_blocked);
    cpu_interrupt(cpu, CPU_INTERRUPT_NMI);
    cpu_exec(cpu, 1);
    CHECK("second nmi blocked in the handler", cpu->seg[R_CS].selector == 0x300 &&
                                                   cpu->eip == 2);
    cpu_exec(cpu, 1); /* iret: unblocks, and the pending NMI is taken at once */
    CHECK("pending nmi taken after iret", cpu->seg[R_CS].selector == 0x300 && cpu->eip == 0 &&
                                              cpu->nmi_blocked && lduw_le_p(ram + 0x7ffa) == 1);
    cpu_reset_interrupt(cpu, CPU_INTERRUPT_NMI);

    /* hlt with IF=0 stays halted */
    load(cpu, "fa f4");
    CHECK("hlt", run(cpu) == CPU_EXIT_HALTED && cpu->eip == 2);
    CHECK("hlt again", cpu_exec(cpu, 100) == CPU_EXIT_HALTED);

    /* int 0x21 */
    set_vector(0x21, 0x300, 0);
    load(cpu, "cd21 f4");
    set_vector(0x21, 0x300, 0);
    ram[0x3000] = 0xf4;
    run(cpu);
    CHECK("int n", cpu->seg[R_CS].selector == 0x300 && lduw_le_p(ram + 0x7ffa) == 2);
}

/* -d unimp: an opcode the P6 does not have is logged with its bytes; UD2 is not. */
static void test_unimp_log(X86CPU *cpu)
{
    FILE *f = tmpfile();
    FILE *old_file = log_file;
    uint32_t old_mask = log_mask;
    char text[512] = "";
    size_t n;

    if (!f) {
        CHECK("tmpfile", false);
        return;
    }
    log_file = f;
    log_mask = LOG_UNIMP;
    load(cpu, "0f0fc09e f4"); /* 3DNow! pfacc: not on a P6 */
    run(cpu);
    CHECK("3DNow! -> #UD", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 0);
    load(cpu, "0f0b f4"); /* ud2 */
    run(cpu);
    CHECK("ud2 -> #UD", in_handler(cpu));
    log_flush();
    rewind(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = 0;
    log_file = old_file;
    log_mask = old_mask;
    fclose(f);
    CHECK("unknown opcode logged with -d unimp",
          strstr(text, "unimp: invalid opcode at 0100:00000000: 0f 0f c0 9e") != NULL);
    CHECK("UD2 is not an unknown opcode", strstr(text, "0f 0b") == NULL);
}

static void test_exec_control(X86CPU *cpu)
{
    uint64_t ic;

    load(cpu, "90909090909090909090 f4");
    ic = cpu->icount;
    CHECK("budget", cpu_exec(cpu, 3) == CPU_EXIT_BUDGET && cpu->eip == 3 && cpu->icount == ic + 3);
    CHECK("budget 2", cpu_exec(cpu, 4) == CPU_EXIT_BUDGET && cpu->eip == 7 && cpu->icount == ic + 7);
    CHECK("to hlt", cpu_exec(cpu, 100) == CPU_EXIT_HALTED && cpu->icount == ic + 11);

    /* pushf; pop ax; or ax,0x100; push ax; popf; nop; nop; hlt -> #DB after the first nop */
    load(cpu, "9c 58 0d0001 50 9d 90 90 f4");
    run(cpu);
    CHECK("TF trap", in_handler(cpu) && lduw_le_p(ram + 0x7ffa) == 8);
    CHECK("DR6.BS", cpu->dr[6] & DR6_BS);

    /*
     * TF over REP STOSB: one single-step trap per iteration, with IP at the REP until the
     * last one. The #DB handler at 0300:0000 logs the frame IP at 0x5002 + 2n, counts in
     * 0x5000 and returns:
     *   push ax; push bx; push bp; mov bp,sp; mov ax,[bp+6]; mov bx,[0x5000]; shl bx,1;
     *   mov [bx+0x5002],ax; inc word [0x5000]; pop bp; pop bx; pop ax; iret
     * Program: pushf; pop ax; or ax,0x100; push ax; mov cx,3; mov di,0x4000; mov al,7;
     *   popf; rep stosb (IP 0x0f); jmp $ (IP 0x11)
     */
    load(cpu, "9c 58 0d0001 50 b90300 bf0040 b007 9d f3aa ebfe");
    memcpy(ram + 0x3000, "\x50\x53\x55\x89\xe5\x8b\x46\x06\x8b\x1e\x00\x50\xd1\xe3"
                         "\x89\x87\x02\x50\xff\x06\x00\x50\x5d\x5b\x58\xcf", 26);
    set_vector(EXC_DB, 0x300, 0);
    cpu_exec(cpu, 100);
    CHECK("TF rep: a trap per iteration", lduw_le_p(ram + 0x5000) >= 4 &&
                                              lduw_le_p(ram + 0x5002) == 0x0f &&
                                              lduw_le_p(ram + 0x5004) == 0x0f &&
                                              lduw_le_p(ram + 0x5006) == 0x11 &&
                                              lduw_le_p(ram + 0x5008) == 0x11);
    CHECK("TF rep: stored", ram[0x4000] == 7 && ram[0x4001] == 7 && ram[0x4002] == 7 &&
                                ram[0x4003] == 0 && (cpu->regs[R_ECX] & 0xffff) == 0);

    /* gdb breakpoint before the third nop, then continue over it */
    load(cpu, "90 90 90 90 f4");
    cpu_breakpoint_insert(cpu, BP_SOFT, CODE + 2, 1);
    CHECK("breakpoint", cpu_exec(cpu, 100) == CPU_EXIT_DEBUG && cpu->eip == 2);
    CHECK("continue", cpu_exec(cpu, 100) == CPU_EXIT_HALTED && cpu->eip == 5);
    cpu_breakpoint_remove_all(cpu);

    /* single step */
    load(cpu, "90 90 f4");
    cpu->single_step = true;
    CHECK("single step", cpu_exec(cpu, 100) == CPU_EXIT_DEBUG && cpu->eip == 1);
    cpu->single_step = false;
}

static void test_misc(X86CPU *cpu)
{
    /* mov bx,0x3004; mov ax,-1; bt [bx],ax -> bit 15 of the word at 0x3002 */
    load(cpu, "bb0430 b8ffff 0fa307 f4");
    stw_le_p(ram + 0x3002, 0x8000);
    run(cpu);
    CHECK("bt negative offset", flags(cpu) & CC_C);

    /* mov bx,0x3004; mov ax,-2; bts [bx],ax -> sets bit 14 of the word at 0x3002 */
    load(cpu, "bb0430 b8feff 0fab07 f4");
    run(cpu);
    CHECK("bts negative offset", lduw_le_p(ram + 0x3002) == 0x4000 && !(flags(cpu) & CC_C));

    /* cmpxchg8b [0x3000] with EDX:EAX == memory */
    load(cpu, "66b844332211 66ba88776655 66bb01000000 66b902000000 0fc70e0030 f4");
    stq_le_p(ram + 0x3000, 0x5566778811223344ull);
    run(cpu);
    CHECK("cmpxchg8b", ldq_le_p(ram + 0x3000) == 0x0000000200000001ull && (flags(cpu) & CC_Z));

    /* mov bp,0x7100; enter 4,2 */
    load(cpu, "bd0071 c8040002 f4");
    stw_le_p(ram + 0x70fe, 0xabcd);
    run(cpu);
    CHECK("enter nested", (cpu->regs[R_EBP] & 0xffff) == 0x7ffe &&
                              (cpu->regs[R_ESP] & 0xffff) == 0x7ff6 &&
                              lduw_le_p(ram + 0x7ffc) == 0xabcd && lduw_le_p(ram + 0x7ffa) == 0x7ffe);

    /* mov ax,1; mov cx,2; pusha; mov ax,9; popa */
    load(cpu, "b80100 b90200 60 b80900 61 f4");
    run(cpu);
    CHECK("pusha/popa", (cpu->regs[R_EAX] & 0xffff) == 1 && (cpu->regs[R_ECX] & 0xffff) == 2 &&
                            (cpu->regs[R_ESP] & 0xffff) == 0x8000);

    /* mov cx,5; xor ax,ax; l: inc ax; loop l */
    load(cpu, "b90500 31c0 40 e2fd f4");
    run(cpu);
    CHECK("loop", (cpu->regs[R_EAX] & 0xffff) == 5 && (cpu->regs[R_ECX] & 0xffff) == 0);

    /* call 3; hlt; (3:) ret -> back to hlt at 3? layout: call +1; hlt; ret */
    load(cpu, "e80100 f4 c3");
    run(cpu);
    CHECK("call/ret", cpu->eip == 4 && (cpu->regs[R_ESP] & 0xffff) == 0x8000);

    /* in al,0x60 reads the bus */
    load(cpu, "e460 f4");
    run(cpu);
    CHECK("in", (cpu->regs[R_EAX] & 0xff) == 0x5a);

    /* lahf after stc */
    load(cpu, "f9 9f f4");
    run(cpu);
    CHECK("lahf", ((cpu->regs[R_EAX] >> 8) & 0xd7) == (CC_C | EF_FIXED1 | (flags(cpu) & 0xd4)));

    /* fninit; fnstsw ax; fnstcw [0x3000] */
    load(cpu, "dbe3 dfe0 d93e0030 f4");
    run(cpu);
    CHECK("fpu probe", (cpu->regs[R_EAX] & 0xffff) == 0 && lduw_le_p(ram + 0x3000) == 0x037f);
}

/*
 * The host x87/SSE paths (cpu/fpu.h; x86-64 hosts) against the portable code, run on a
 * host whose own control words are not the defaults (MXCSR with FTZ and DAZ, FCW with
 * 53-bit precision): the guest must not see them, and the host must get them back. The
 * loop runs 200 times, so its block turns hot and gets generated code. a * b is a
 * binary64 denormal, which FTZ would flush to zero.
 */
static void run_fp_loop(X86CPU *cpu, bool host, uint64_t out[3], uint16_t *fsw)
{
    fpu_host_x87 = fpu_host_sse = host;
    load(cpu, "0F20E0"         /* mov eax, cr4 */
              "0D0006"         /* or ax, 0x600: OSFXSR, OSXMMEXCPT */
              "0F22E0"         /* mov cr4, eax */
              "0F20C0"         /* mov eax, cr0 */
              "24F3"           /* and al, 0xf3: EM = TS = 0 */
              "0C22"           /* or al, 0x22: MP, NE */
              "0F22C0"         /* mov cr0, eax */
              "DBE3"           /* fninit */
              "B9C800"         /* mov cx, 200 */
              "F20F10060030"   /* l: movsd xmm0, [0x3000] */
              "F20F59060830"   /* mulsd xmm0, [0x3008] */
              "DD061030"       /* fld qword [0x3010] */
              "DC0E1830"       /* fmul qword [0x3018] */
              "DD1E2030"       /* fstp qword [0x3020] */
              "49"             /* dec cx */
              "75E5"           /* jnz l */
              "F20F11062830"   /* movsd [0x3028], xmm0 */
              "0FAE1E3030"     /* stmxcsr [0x3030] */
              "F4");           /* hlt */
    stq_le_p(ram + 0x3000, 0x01a56e1fc2f8f359ull); /* 1e-300 */
    stq_le_p(ram + 0x3008, 0x3ddb7cdfd9d7bdbbull); /* 1e-10 */
    stq_le_p(ram + 0x3010, 0x01a56e1fc2f8f359ull);
    stq_le_p(ram + 0x3018, 0x3ddb7cdfd9d7bdbbull);
    CHECK("fp loop: halts", run(cpu) == CPU_EXIT_HALTED);
    out[0] = ldq_le_p(ram + 0x3020);
    out[1] = ldq_le_p(ram + 0x3028);
    out[2] = ldl_le_p(ram + 0x3030);
    *fsw = cpu->fpu.fsw;
}

static void test_host_fp(void)
{
    X86CPU *cpu = cpu_new(cpu_model_find("x86pc"), 0, &bus, NULL);
    uint64_t soft[3], host[3];
    uint16_t soft_fsw, host_fsw;
#if defined(__x86_64__) && defined(CONFIG_HOST_X87)
    uint32_t mxcsr = 0x9fc0, mxcsr_after; /* FTZ, DAZ, every exception masked */
    uint16_t fcw = 0x027f, fcw_after;     /* 53-bit precision */

    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(fcw));
#endif
    run_fp_loop(cpu, false, soft, &soft_fsw);
    run_fp_loop(cpu, true, host, &host_fsw);
#if defined(__x86_64__) && defined(CONFIG_HOST_X87)
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr_after));
    __asm__ volatile("fnstcw %0" : "=m"(fcw_after));
    CHECK("host fp: the host's MXCSR back", mxcsr_after == mxcsr);
    CHECK("host fp: the host's FCW back", fcw_after == fcw);
    mxcsr = 0x1f80;
    fcw = 0x037f;
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(fcw));
#endif
    CHECK("host fp: SSE result a denormal, not flushed", host[1] != 0 && host[1] < (1ull << 52));
    CHECK("host fp: SSE result as the portable code's", host[1] == soft[1]);
    CHECK("host fp: x87 result as the portable code's", host[0] == soft[0]);
    CHECK("host fp: MXCSR as the portable code's (UE, PE)",
          host[2] == soft[2] && (soft[2] & 0x30) == 0x30);
    CHECK("host fp: FSW as the portable code's", host_fsw == soft_fsw);
    fpu_host_x87 = fpu_host_sse = true;
    block_cache_free(cpu);
    cpu_free(cpu);
}

int main(void)
{
    const CPUModel *model = cpu_model_find("pentium2");
    X86CPU *cpu;

    ram = xalloc_pages(RAM_SIZE);
    cpu = cpu_new(model, 0, &bus, NULL);
    test_add_sub(cpu);
    test_shifts(cpu);
    test_div_fault(cpu);
    test_rep_fault(cpu);
    test_smc(cpu);
    test_interrupts(cpu);
    test_exec_control(cpu);
    test_unimp_log(cpu);
    test_misc(cpu);
    test_host_fp();
    block_cache_free(cpu);
    cpu_free(cpu);
    xfree_pages(ram, RAM_SIZE);
    printf("%u passed, %u failed\n", pass, fail);
    return fail ? 1 : 0;
}
