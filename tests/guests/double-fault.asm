; x86pc-test: timeout=10 exit=0 expect="triple fault next"
; double-fault: how an exception raised while delivering another one is handled (SDM vol. 3
; table 6-5), ending in a triple fault. (1) #GP whose gate is not present: the #NP while
; delivering it is contributory after contributory -> #DF, error code 0. (2) INT3 whose
; gate is not present: INT3 is benign, so the #NP is delivered on its own (error code
; 3 * 8 + 2, EXT = 0 for a software interrupt). (3) #DE with its gate not present: #NP
; during #DE (both contributory) -> #DF. (4) #PF whose gate is not present -> #DF. (5) With
; the IDT limit at 0, INT3 -> #GP -> #DF -> shutdown: the runner's -no-reboot turns the
; triple fault into an exit with status 0 (a PASS would be status 1), after the guest
; printed "triple fault next".
%define TEST_NAME "double-fault"
%include "lib.inc"

PD              equ 0x20000
PT0             equ 0x21000
NOT_MAPPED      equ 0x400000                ; PDE 1 not present

%macro GATE_NOT_PRESENT 1
                and byte [IDT_BASE + (%1) * 8 + 5], 0x7F
%endmacro
%macro GATE_PRESENT 1
                or byte [IDT_BASE + (%1) * 8 + 5], 0x80
%endmacro

test_main32:
                ; 1: #GP (MOV ES with a system selector), #GP gate not present.
                GATE_NOT_PRESENT 13
                TRY .r1
                mov ax, SEL_TSS
                mov es, ax
.r1:            CHECK_EXC 8, 0, 1, "#GP with a not-present gate -> #DF(0)"
                GATE_PRESENT 13
                mov ax, SEL_DATA32
                mov es, ax

                ; 2: INT3 with a not-present gate: benign first -> #NP(vector 3) alone.
                GATE_NOT_PRESENT 3
                TRY .r2
                int3
.r2:            CHECK_EXC 11, 3 * 8 + 2, 2, "INT3, gate not present -> #NP(0x1A), not #DF"
                GATE_PRESENT 3

                ; 3: #DE with a not-present gate -> #DF.
                GATE_NOT_PRESENT 0
                TRY .r3
                xor ecx, ecx
                mov eax, 1
                xor edx, edx
                div ecx
.r3:            CHECK_EXC 8, 0, 3, "#DE with a not-present gate -> #DF(0)"
                GATE_PRESENT 0

                ; 4: #PF with a not-present gate -> #DF.
                mov edi, PD
                mov esi, PT0
                mov edx, 0x3
                call pg_identity_4k
                mov eax, PD
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80000000
                mov cr0, eax
                jmp .paged
.paged:         GATE_NOT_PRESENT 14
                TRY .r4
                mov eax, [NOT_MAPPED]
.r4:            CHECK_EXC 8, 0, 4, "#PF with a not-present gate -> #DF(0)"
                CHECK_EQ [exc_cr2], NOT_MAPPED, 5, "CR2 of the #PF that became #DF"
                GATE_PRESENT 14
                mov eax, cr0
                and eax, 0x7FFFFFFF
                mov cr0, eax

                ; 5: triple fault.
                PRINT "triple fault next", 10
                lidt [idt_empty]
                int3
                FAIL 6, "still running after a triple fault"

idt_empty:      dw 0
                dd 0
