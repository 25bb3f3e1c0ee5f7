; x86pc-test: timeout=10
; debug-regs: DR0 instruction breakpoint (#DB fault before the instruction, DR6.B0; the
; handler sets EFLAGS.RF so the instruction then runs once), RF lasting one instruction,
; DR1 4-byte write watchpoint (#DB trap after the write, DR6.B1; reads do not trigger),
; TF single-stepping (#DB after each instruction, DR6.BS, first trap after the
; instruction following the POPF that set TF), DR2 2-byte read/write watchpoint hit by
; reads that overlap it, and REP MOVSD stopped between iterations by a DR3 write
; watchpoint (trap with EIP at the REP and ECX left) and by TF (one trap per iteration).
; DR7.GD and RF in event frames: debug-rf.
%define TEST_NAME "debug-regs"
%include "lib.inc"

DB_COUNT        equ TEST_RAM + 0x00
DB_LOG          equ TEST_RAM + 0x10         ; (EIP, DR6 & 0x400F) pairs
STEP_LIMIT      equ TEST_RAM + 0x08         ; single-step: clear TF after this many traps
WATCHED         equ TEST_RAM + 0x100
COUNTER         equ TEST_RAM + 0x104
DB_LAST_EFL     equ TEST_RAM + 0x0C         ; EFLAGS image of the last #DB
DB_LAST_ECX     equ TEST_RAM + 0x200        ; ECX at the last #DB
COPY_SRC        equ TEST_RAM + 0x300        ; 8 dwords
COPY_DST        equ TEST_RAM + 0x400        ; 8 dwords

DR6_B0          equ 0x1
DR6_B1          equ 0x2
DR6_B2          equ 0x4
DR6_B3          equ 0x8
DR6_BD          equ 0x2000
DR6_BS          equ 0x4000
EFL_RF          equ 0x10000

test_main32:
                SET_GATE 1, db_handler
                mov dword [DB_COUNT], 0
                mov dword [STEP_LIMIT], 0
                xor eax, eax
                mov dr6, eax

                ; ---- 1. DR0 execution breakpoint ----
                mov dword [COUNTER], 0
                mov eax, bp_insn
                mov dr0, eax
                mov eax, 0x00000001         ; L0, R/W0 = 00 (execute), LEN0 = 00
                mov dr7, eax
                call bp_func
                xor eax, eax
                mov dr7, eax
                CHECK_EQ [DB_COUNT], 1, 1, "one #DB for the execution breakpoint"
                CHECK_EQ [DB_LOG + 0], bp_insn, 2, "breakpoint #DB is a fault (EIP = target)"
                CHECK_EQ [DB_LOG + 4], DR6_B0, 3, "DR6.B0"
                CHECK_EQ [COUNTER], 1, 4, "RF let the instruction execute exactly once"
                ; 5-6: RF only covers one instruction: a second call hits again.
                mov eax, 0x00000001
                mov dr7, eax
                call bp_func
                call bp_func
                xor eax, eax
                mov dr7, eax
                CHECK_EQ [DB_COUNT], 3, 5, "breakpoint hit on every execution"
                CHECK_EQ [COUNTER], 3, 6, "instruction executed each time"

                ; ---- 2. DR1 write watchpoint ----
                mov dword [DB_COUNT], 0
                mov dword [WATCHED], 5
                mov eax, WATCHED
                mov dr1, eax
                mov eax, 0x00D00004         ; L1, R/W1 = 01 (write), LEN1 = 11 (4 bytes)
                mov dr7, eax
                mov eax, [WATCHED]          ; read: no #DB
                CHECK_EQ [DB_COUNT], 0, 7, "read does not trigger a write watchpoint"
                mov dword [WATCHED], 0x77
.after_write:   xor eax, eax
                mov dr7, eax
                CHECK_EQ [DB_COUNT], 1, 8, "write triggers the watchpoint"
                CHECK_EQ [DB_LOG + 0], .after_write, 9, "watchpoint #DB is a trap (next EIP)"
                CHECK_EQ [DB_LOG + 4], DR6_B1, 10, "DR6.B1"
                CHECK_EQ [WATCHED], 0x77, 11, "the write happened"
                ; 12: a byte write inside the watched dword also triggers.
                mov eax, 0x00D00004
                mov dr7, eax
                mov byte [WATCHED + 2], 1
                xor eax, eax
                mov dr7, eax
                CHECK_EQ [DB_COUNT], 2, 12, "byte write inside the watched range"

                ; ---- 3. TF single-step ----
                mov dword [DB_COUNT], 0
                mov dword [STEP_LIMIT], 3
                pushfd
                or dword [esp], 0x100       ; TF
                popfd
                nop                         ; first trap after this one
.s1:            nop
.s2:            nop
.s3:            nop
                nop
                CHECK_EQ [DB_COUNT], 3, 13, "three single-step traps"
                CHECK_EQ [DB_LOG + 0], .s1, 14, "first trap after the instruction after POPF"
                CHECK_EQ [DB_LOG + 4], DR6_BS, 15, "DR6.BS"
                CHECK_EQ [DB_LOG + 8], .s2, 16, "second single-step EIP"
                CHECK_EQ [DB_LOG + 16], .s3, 17, "third single-step EIP"
                pushfd
                pop eax
                and eax, 0x100
                CHECK_EQ eax, 0, 18, "TF cleared by the handler"
                ; instruction-breakpoint fault: RF = 0 in its frame (the handler sets it)
                mov eax, 1
                mov dr7, eax
                call bp_func
                xor eax, eax
                mov dr7, eax
                mov eax, [DB_LAST_EFL]
                and eax, EFL_RF
                CHECK_EQ eax, 0, 19, "instruction breakpoint #DB pushes RF = 0"

                ; ---- 4. DR2 read/write watchpoint, 2 bytes ----
                mov dword [DB_COUNT], 0
                mov dword [STEP_LIMIT], 0
                mov eax, WATCHED + 8
                mov dr2, eax
                mov eax, 0x07000010         ; L2, R/W2 = 11 (read or write), LEN2 = 01 (2 bytes)
                mov dr7, eax
                mov eax, [WATCHED + 12]     ; outside the 2 bytes: no #DB
                mov al, [WATCHED + 9]       ; read of the second byte
.rd1:           mov eax, [WATCHED + 6]      ; 4-byte read overlapping the first byte
.rd2:           xor eax, eax
                mov dr7, eax
                CHECK_EQ [DB_COUNT], 2, 20, "reads overlapping a R/W watchpoint trigger it"
                CHECK_EQ [DB_LOG + 0], .rd1, 21, "read watchpoint #DB is a trap"
                CHECK_EQ [DB_LOG + 4], DR6_B2, 22, "DR6.B2"
                CHECK_EQ [DB_LOG + 8], .rd2, 23, "second read watchpoint trap"

                ; ---- 5. REP MOVSD stopped by a write watchpoint ----
                mov dword [DB_COUNT], 0
                mov edi, COPY_SRC
                mov eax, 0x01010101
                mov ecx, 8
.fill:          stosd
                add eax, 0x01010101
                loop .fill
                mov edi, COPY_DST
                mov ecx, 8
                xor eax, eax
                rep stosd
                mov eax, COPY_DST + 12      ; element 3 of the destination
                mov dr3, eax
                mov eax, 0xD0000040         ; L3, R/W3 = 01 (write), LEN3 = 11 (4 bytes)
                mov dr7, eax
                mov esi, COPY_SRC
                mov edi, COPY_DST
                mov ecx, 8
.rep:           rep movsd
                xor eax, eax
                mov dr7, eax
                CHECK_EQ [DB_COUNT], 1, 24, "one #DB for the watched element"
                CHECK_EQ [DB_LOG + 0], .rep, 25, "trap between iterations: EIP = the REP"
                CHECK_EQ [DB_LOG + 4], DR6_B3, 26, "DR6.B3"
                CHECK_EQ [DB_LAST_ECX], 4, 27, "trap right after the watched iteration"
                CHECK_EQ ecx, 0, 28, "REP MOVSD completed after the #DB"
                CHECK_EQ [COPY_DST + 28], 0x08080808, 29, "last element copied"

                ; ---- 6. TF over REP MOVSD: one trap per iteration ----
                mov dword [DB_COUNT], 0
                mov dword [STEP_LIMIT], 4
                mov esi, COPY_SRC
                mov edi, COPY_DST
                mov ecx, 3
                pushfd
                or dword [esp], 0x100
                popfd
                nop
.t1:            rep movsd
.t2:            nop
                CHECK_EQ [DB_COUNT], 4, 30, "traps: after the NOP and after each iteration"
                CHECK_EQ [DB_LOG + 0], .t1, 31, "trap after the NOP"
                CHECK_EQ [DB_LOG + 8], .t1, 32, "trap after iteration 1 (EIP at the REP)"
                CHECK_EQ [DB_LOG + 16], .t1, 33, "trap after iteration 2 (EIP at the REP)"
                CHECK_EQ [DB_LOG + 24], .t2, 34, "trap after the last iteration"
                PASS

bp_func:
bp_insn:        inc dword [COUNTER]
                ret

; #DB handler: logs EIP and DR6, clears DR6, sets RF for instruction breakpoints, clears TF
; once STEP_LIMIT traps were single-steps.
db_handler:
                push eax
                push ebx
                mov ebx, [DB_COUNT]
                cmp ebx, 16
                jae .full
                mov eax, [esp + 8]          ; EIP
                mov [DB_LOG + ebx * 8], eax
                mov eax, dr6
                and eax, 0xE00F
                mov [DB_LOG + ebx * 8 + 4], eax
.full:          inc dword [DB_COUNT]
                mov eax, [esp + 16]
                mov [DB_LAST_EFL], eax
                mov [DB_LAST_ECX], ecx
                mov eax, dr6
                test eax, DR6_B0
                jz .no_rf
                or dword [esp + 16], 0x10000 ; RF in the pushed EFLAGS
.no_rf:         test eax, DR6_BS
                jz .done
                mov ebx, [DB_COUNT]
                cmp ebx, [STEP_LIMIT]
                jb .done
                and dword [esp + 16], ~0x100 ; TF off
.done:          xor eax, eax
                mov dr6, eax
                pop ebx
                pop eax
                iretd
