; x86pc-test: timeout=10
; task-switch: hardware task switches between the lib TSS (task A, the test's main flow)
; and a second 32-bit TSS (task B): JMP (no link, no NT, busy bits moved), CALL (link field,
; NT set, both busy), IRET with NT back to the caller, a task gate in the IDT reached by INT,
; register state saved in and loaded from the TSS, CR0.TS set, #GP(sel) for CALL/JMP to
; a busy task; a 16-bit TSS (task C, 16-bit code: JMP there and back, state saved in the
; 16-bit layout, busy type 3/1); and a #GP delivered through a task gate to task D, which
; finds the error code on its own stack, repairs task A's saved EAX and IRETs back (NT).
%define TEST_NAME "task-switch"
%include "lib.inc"

SEL_TSS_B       equ 0x40
SEL_TSS_C       equ 0x48                    ; 16-bit TSS
SEL_TSS_D       equ 0x50
TSS_B           equ 0x20000
TSS_C           equ 0x21000
TSS_D           equ 0x22000
TASK_B_STACK    equ 0x70000
TASK_C_STACK    equ 0x6F000                 ; SS = SEL_DATA16 (base 0)
TASK_D_STACK    equ 0x6E000
TASK_GATE_VEC   equ 0x50
ACC_TSS16       equ 0x0081

; Task C (16-bit) and task D records.
C_BX            equ TEST_RAM + 0x100
C_TR            equ TEST_RAM + 0x104
C_BUSYC         equ TEST_RAM + 0x108
D_ERR           equ TEST_RAM + 0x10C
D_LINK          equ TEST_RAM + 0x110
D_NT            equ TEST_RAM + 0x114
D_COUNT         equ TEST_RAM + 0x118

; Values recorded by task B, one set per entry (n = 0..2), 8 dwords each.
B_LOG           equ TEST_RAM
%define B_TR(n)     (B_LOG + (n) * 32 + 0)
%define B_EFL(n)    (B_LOG + (n) * 32 + 4)
%define B_LINK(n)   (B_LOG + (n) * 32 + 8)
%define B_BUSYA(n)  (B_LOG + (n) * 32 + 12)
%define B_BUSYB(n)  (B_LOG + (n) * 32 + 16)
%define B_CR0(n)    (B_LOG + (n) * 32 + 20)
%define B_EBX(n)    (B_LOG + (n) * 32 + 24)

; Busy bit (type bit 1) of the descriptor `sel` into EAX.
%macro BUSY 1
                movzx eax, byte [GDT_BASE + (%1) + 5]
                shr eax, 1
                and eax, 1
%endmacro

; Task B records its view of the switch into log entry n.
%macro B_RECORD 1
                mov [B_EBX(%1)], ebx
                str ax
                movzx eax, ax
                mov [B_TR(%1)], eax
                pushfd
                pop eax
                mov [B_EFL(%1)], eax
                movzx eax, word [TSS_B + 0]
                mov [B_LINK(%1)], eax
                BUSY SEL_TSS
                mov [B_BUSYA(%1)], eax
                BUSY SEL_TSS_B
                mov [B_BUSYB(%1)], eax
                mov eax, cr0
                mov [B_CR0(%1)], eax
%endmacro

test_main32:
                ; TSS B: 104 bytes, everything zero except the state task B starts with.
                mov edi, TSS_B
                mov ecx, 0x68 / 4
                xor eax, eax
                rep stosd
                mov word [TSS_B + 0x00], 0x1234              ; link (must survive JMP)
                mov eax, cr3
                mov [TSS_B + 0x1C], eax                      ; CR3
                mov dword [TSS_B + 0x20], task_b             ; EIP
                mov dword [TSS_B + 0x24], 0x2                ; EFLAGS
                mov dword [TSS_B + 0x28], 0xB0B0B0B0         ; EAX
                mov dword [TSS_B + 0x34], 0xB1B1B1B1         ; EBX
                mov dword [TSS_B + 0x38], TASK_B_STACK       ; ESP
                mov word [TSS_B + 0x48], SEL_DATA32          ; ES
                mov word [TSS_B + 0x4C], SEL_CODE32          ; CS
                mov word [TSS_B + 0x50], SEL_DATA32          ; SS
                mov word [TSS_B + 0x54], SEL_DATA32          ; DS
                mov word [TSS_B + 0x58], SEL_DATA32          ; FS
                mov word [TSS_B + 0x5C], SEL_DATA32          ; GS
                mov word [TSS_B + 0x66], 0x68                ; no I/O bitmap
                SET_DESC SEL_TSS_B, TSS_B, 0x67, ACC_TSS32
                SET_GATE TASK_GATE_VEC, 0, 0x85, SEL_TSS_B   ; task gate, DPL 0

                ; ---- 1. JMP to task B; B JMPs back ----
                mov ebx, 0xA0A0A0A0
                clts
                jmp SEL_TSS_B:0
                ; back in task A: registers come from the lib TSS, where JMP saved them.
                CHECK_EQ ebx, 0xA0A0A0A0, 1, "task A EBX restored from its TSS"
                CHECK_EQ [B_EBX(0)], 0xB1B1B1B1, 2, "task B EBX loaded from TSS B"
                CHECK_EQ [B_TR(0)], SEL_TSS_B, 3, "TR in task B"
                mov eax, [B_EFL(0)]
                and eax, 0x4000
                CHECK_EQ eax, 0, 4, "JMP does not set NT"
                CHECK_EQ [B_LINK(0)], 0x1234, 5, "JMP does not write the link field"
                CHECK_EQ [B_BUSYA(0)], 0, 6, "JMP clears the old task's busy bit"
                CHECK_EQ [B_BUSYB(0)], 1, 7, "JMP sets the new task's busy bit"
                mov eax, [B_CR0(0)]
                and eax, 8
                CHECK_EQ eax, 8, 8, "a task switch sets CR0.TS"
                CHECK_EQ [TSS_B + 0x34], 0xB2B2B2B2, 9, "task B EBX saved into TSS B"
                str ax
                movzx eax, ax
                CHECK_EQ eax, SEL_TSS, 10, "TR back to task A"
                BUSY SEL_TSS_B
                CHECK_EQ eax, 0, 11, "busy bit of B cleared by its JMP away"

                ; ---- 2. CALL task B; B returns with IRET (NT = 1) ----
                clts
                call SEL_TSS_B:0
.after_call:    CHECK_EQ [B_TR(1)], SEL_TSS_B, 12, "TR in called task B"
                mov eax, [B_EFL(1)]
                and eax, 0x4000
                CHECK_EQ eax, 0x4000, 13, "CALL sets NT in task B"
                CHECK_EQ [B_LINK(1)], SEL_TSS, 14, "CALL writes the link field"
                CHECK_EQ [B_BUSYA(1)], 1, 15, "CALL keeps the caller busy"
                CHECK_EQ [B_BUSYB(1)], 1, 16, "CALL sets the new task busy"
                BUSY SEL_TSS_B
                CHECK_EQ eax, 0, 17, "IRET clears the busy bit of the returning task"
                pushfd
                pop eax
                and eax, 0x4000
                CHECK_EQ eax, 0, 18, "NT clear in the caller after IRET"
                mov eax, [TSS_B + 0x24]
                and eax, 0x4000
                CHECK_EQ eax, 0, 19, "IRET saves task B's EFLAGS with NT cleared"

                ; ---- 3. INT through a task gate ----
                int TASK_GATE_VEC
                CHECK_EQ [B_TR(2)], SEL_TSS_B, 20, "TR in task B via task gate"
                mov eax, [B_EFL(2)]
                and eax, 0x4000
                CHECK_EQ eax, 0x4000, 21, "task gate INT sets NT"
                CHECK_EQ [B_LINK(2)], SEL_TSS, 22, "task gate INT writes the link field"
                str ax
                movzx eax, ax
                CHECK_EQ eax, SEL_TSS, 23, "TR back to task A after task-gate IRET"

                ; ---- 4. busy tasks cannot be entered by CALL/JMP ----
                TRY .r24
                call SEL_TSS:0
.r24:           CHECK_EXC 13, SEL_TSS, 24, "CALL to a busy TSS -> #GP(sel)"
                TRY .r25
                jmp SEL_TSS:0
.r25:           CHECK_EXC 13, SEL_TSS, 25, "JMP to a busy TSS -> #GP(sel)"
                clts

                ; ---- 5. a 16-bit TSS ----
                mov edi, TSS_C
                mov ecx, 0x2C / 2
                xor eax, eax
                rep stosw
                mov word [TSS_C + 0x0E], R(task_c)          ; IP (CS = SEL_CODE16, base F0000)
                mov word [TSS_C + 0x10], 0x2                ; FLAGS
                mov word [TSS_C + 0x18], 0xC1C1             ; BX
                mov word [TSS_C + 0x1A], TASK_C_STACK & 0xFFFF ; SP
                mov word [TSS_C + 0x22], SEL_DATA16         ; ES
                mov word [TSS_C + 0x24], SEL_CODE16         ; CS
                mov word [TSS_C + 0x26], SEL_DATA16         ; SS (base 0, 64 KiB)
                mov word [TSS_C + 0x28], SEL_DATA32         ; DS (flat: 32-bit addresses)
                SET_DESC SEL_TSS_C, TSS_C, 0x2B, ACC_TSS16
                mov ebx, 0xA1A1A1A1
                jmp SEL_TSS_C:0
                CHECK_EQ ebx, 0xA1A1A1A1, 26, "task A EBX restored after the 16-bit task"
                CHECK_EQ [C_BX], 0xC1C1, 27, "task C BX loaded from the 16-bit TSS"
                CHECK_EQ [C_TR], SEL_TSS_C, 28, "TR in task C"
                CHECK_EQ [C_BUSYC], 3, 29, "16-bit TSS busy while running (type 3)"
                movzx eax, byte [GDT_BASE + SEL_TSS_C + 5]
                and eax, 0xF
                CHECK_EQ eax, 1, 30, "16-bit TSS available again after its JMP away (type 1)"
                movzx eax, word [TSS_C + 0x18]
                CHECK_EQ eax, 0xC2C2, 31, "task C BX saved at offset 0x18 of the 16-bit TSS"
                movzx eax, word [TSS_C + 0x0E]
                CHECK_EQ eax, R(task_c.after_jmp), 32, "task C IP saved at offset 0x0E"

                ; ---- 6. #GP through a task gate: error code on the new task's stack ----
                mov edi, TSS_D
                mov ecx, 0x68 / 4
                xor eax, eax
                rep stosd
                mov eax, cr3
                mov [TSS_D + 0x1C], eax
                mov dword [TSS_D + 0x20], task_d
                mov dword [TSS_D + 0x24], 0x2
                mov dword [TSS_D + 0x38], TASK_D_STACK
                mov word [TSS_D + 0x48], SEL_DATA32
                mov word [TSS_D + 0x4C], SEL_CODE32
                mov word [TSS_D + 0x50], SEL_DATA32
                mov word [TSS_D + 0x54], SEL_DATA32
                mov word [TSS_D + 0x66], 0x68
                SET_DESC SEL_TSS_D, TSS_D, 0x67, ACC_TSS32
                SET_GATE 13, 0, 0x85, SEL_TSS_D             ; #GP -> task D
                mov dword [D_COUNT], 0
                mov eax, SEL_TSS                            ; a system descriptor: #GP(0x38)
.gp:            mov es, ax
                SET_GATE 13, exc_stubs + 13 * 16            ; the lib's #GP stub again
                CHECK_EQ [D_COUNT], 1, 33, "one #GP through the task gate"
                CHECK_EQ [D_ERR], SEL_TSS, 34, "error code pushed on task D's stack"
                CHECK_EQ [D_LINK], SEL_TSS, 35, "task D linked to task A"
                CHECK_EQ [D_NT], 0x4000, 36, "NT set in task D"
                mov ax, es
                movzx eax, ax
                CHECK_EQ eax, SEL_DATA32, 37, "the faulting MOV ES restarted with EAX repaired"
                mov ax, SEL_DATA32
                mov es, ax
                clts
                PASS

; Task B: each entry continues where the previous exit left it (EIP saved in TSS B).
task_b:
                B_RECORD 0
                mov ebx, 0xB2B2B2B2
                jmp SEL_TSS:0               ; back to task A (no nesting)
                B_RECORD 1
                iretd                       ; NT = 1: back to the linking task
                B_RECORD 2
                iretd
                FAIL 40, "task B entered too often"

; Task D: entered by the #GP task gate (error code on its stack); records, repairs task A's
; saved EAX so the MOV ES succeeds on restart, and returns to task A (NT = 1).
task_d:
                inc dword [D_COUNT]
                pop eax
                mov [D_ERR], eax
                movzx eax, word [TSS_D + 0]
                mov [D_LINK], eax
                pushfd
                pop eax
                and eax, 0x4000
                mov [D_NT], eax
                mov dword [LIB_TSS + 0x28], SEL_DATA32      ; task A's EAX
                iretd
                FAIL 41, "task D entered twice"

                bits 16
; Task C: 16-bit code (CS = SEL_CODE16, base F0000), ES = SS = SEL_DATA16 (base 0), DS
; flat (its records lie above 64 KiB: 32-bit addressing).
task_c:
                mov [dword C_BX], bx
                str ax
                mov [dword C_TR], ax
                mov al, [dword GDT_BASE + SEL_TSS_C + 5]
                and ax, 0xF
                mov [dword C_BUSYC], ax
                mov bx, 0xC2C2
                jmp SEL_TSS:0
.after_jmp:     hlt
                bits 32
