/*
 * Bare-metal start-up for tests/fpu/fputest.c as an x86pc/QEMU -bios image: reset vector
 * -> 16-bit entry -> flat 32-bit protected mode -> copy .data, clear .bss, enable the FPU
 * (CR0.NE/MP, EM/TS clear) and SSE (CR4.OSFXSR | OSXMMEXCPT) -> guest_main() -> exit
 * through the isa-debug-exit port 0xF4 (status 1 = pass). Output goes to COM1.
 * The IDT has one gate: #XM (vector 19) stores MXCSR in fputest_trap_mxcsr and calls
 * fputest_trap() (which does not return); any other exception shuts the machine down.
 */
    .section .reset16, "ax"
    .code16
entry16:
    cli
    cld
    /* CS base is 0xFFFF0000 after reset: address the GDT descriptor CS-relative */
    lgdtl %cs:(gdt_desc - entry16 + 0xff00) /* .reset16 is at 0xffffff00 */
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $entry32

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9b000000ffff /* 0x08: flat code */
    .quad 0x00cf93000000ffff /* 0x10: flat data */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt

    .section .reset, "ax"
    .code16
    jmp entry16
    .p2align 4, 0xf4

    .text
    .code32
    .globl entry32
entry32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl $0x90000, %esp
    /* .data from ROM to RAM, .bss cleared */
    movl $__data_lma, %esi
    movl $__data_start, %edi
    movl $__data_end, %ecx
    subl %edi, %ecx
    rep movsb
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    /* IDT: vector 19 -> xm_entry (32-bit interrupt gate) */
    movl $xm_entry, %eax
    movw %ax, idt + 19 * 8
    movw $0x08, idt + 19 * 8 + 2
    movw $0x8e00, idt + 19 * 8 + 4
    shrl $16, %eax
    movw %ax, idt + 19 * 8 + 6
    movw $20 * 8 - 1, idt_desc
    movl $idt, idt_desc + 2
    lidt idt_desc
    /* FPU: NE=1 MP=1 EM=0 TS=0; SSE: OSFXSR, OSXMMEXCPT */
    movl %cr0, %eax
    andl $~0x0c, %eax
    orl $0x22, %eax
    movl %eax, %cr0
    movl %cr4, %eax
    orl $0x600, %eax
    movl %eax, %cr4
    fninit
    /* COM1: 115200 8N1 */
    movw $0x3fb, %dx
    movb $0x80, %al
    outb %al, %dx
    movw $0x3f8, %dx
    movb $1, %al
    outb %al, %dx
    movw $0x3f9, %dx
    xorb %al, %al
    outb %al, %dx
    movw $0x3fb, %dx
    movb $3, %al
    outb %al, %dx
    call guest_main
    movw $0xf4, %dx
    outb %al, %dx
1:  hlt
    jmp 1b

xm_entry:
    stmxcsr fputest_trap_mxcsr
    call fputest_trap

    .globl out_char
out_char:
    movw $0x3fd, %dx
1:  inb %dx, %al
    testb $0x20, %al
    jz 1b
    movb 4(%esp), %al
    movw $0x3f8, %dx
    outb %al, %dx
    ret

    .bss
    .p2align 3
idt:
    .space 20 * 8
idt_desc:
    .space 6
