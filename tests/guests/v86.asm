; x86pc-test: timeout=10
; v86: virtual-8086 mode under a ring-0 monitor.  Entered with IRETD (EFLAGS.VM = 1);
; with IOPL < 3, INT n, CLI, STI, PUSHF, POPF, IRET and HLT raise #GP(0) to the monitor
; (no VME: CPUID does not offer it); INT3 is not IOPL-sensitive and meets the DPL-0 IDT
; gate (#GP(0x1A)); IN/OUT are checked against the TSS I/O permission bitmap (regardless
; of IOPL); with IOPL = 3, INT n goes through a DPL-3 IDT gate to a 32-bit handler that
; sees VM = 1 and the v86 segment registers on its stack, IRETD returns to v86 mode, and
; POPF changes IF but not IOPL.  HLT exits to the monitor.
%define TEST_NAME "v86"
%include "lib.inc"

SEL_V86TSS      equ 0x40
V86_TSS         equ 0x20000                 ; TSS with an I/O bitmap at +0x68
IOMAP           equ V86_TSS + 0x68
V86_TSS_LIMIT   equ 0x68 + 0x2000           ; bitmap for all 65536 ports + 0xFF byte
MON_STACK       equ 0x70000

PORT_OK         equ 0x80                    ; allowed in the bitmap
PORT_DENIED     equ 0x84                    ; denied

V86_SS          equ 0x3000                  ; v86 stack 3000:FFF0
V86_DS          equ 0x1000
V86_DATA        equ 0x10000                 ; = V86_DS:0

; #GP log written by the monitor: count, then (opcode, error code, eflags) triples.
GP_COUNT        equ TEST_RAM + 0x1000
GP_LOG          equ TEST_RAM + 0x1004
MON_ESP         equ TEST_RAM + 0x0F00
MON_CONT        equ TEST_RAM + 0x0F04
; INT 0x21 handler record (IOPL 3 phase).
I21_EFLAGS      equ TEST_RAM + 0x0F10
I21_CS          equ TEST_RAM + 0x0F14
I21_DS          equ TEST_RAM + 0x0F18
I21_SS          equ TEST_RAM + 0x0F1C
I21_DS_REG      equ TEST_RAM + 0x0F20
I21_COUNT       equ TEST_RAM + 0x0F24

; V86_ENTER eflags, ip, continuation : IRETD into v86 mode at F000:ip.  The monitor comes
; back to `continuation` (ring 0) when the v86 code executes HLT.
%macro V86_ENTER 3
                mov dword [MON_CONT], %3
                mov [MON_ESP], esp
                push dword 0                ; GS
                push dword 0                ; FS
                push dword V86_DS           ; DS
                push dword V86_DS           ; ES
                push dword V86_SS           ; SS
                push dword 0xFFF0           ; ESP
                push dword %1               ; EFLAGS
                push dword 0xF000           ; CS
                push dword %2               ; EIP
                iretd
%endmacro

; LOG_IS n, opcode, check : GP log entry n has this opcode byte and error code 0.
%macro LOG_IS 3
                CHECK_EQ [GP_LOG + 12 * (%1)], %2, %3, "#GP log: faulting opcode"
                CHECK_EQ [GP_LOG + 12 * (%1) + 4], 0, %3, "#GP log: error code"
                mov eax, [GP_LOG + 12 * (%1) + 8]
                and eax, 0x20000
                CHECK_EQ eax, 0x20000, %3, "#GP log: VM set in pushed EFLAGS"
%endmacro

test_main32:
                ; Phase 2 briefly sets IF in v86 mode: mask every 8259 input first.
                mov al, 0xFF
                out 0x21, al
                out 0xA1, al
                ; TSS with an I/O bitmap denying every port but PORT_OK.
                mov edi, V86_TSS
                mov ecx, 0x68 / 4
                xor eax, eax
                rep stosd
                mov edi, IOMAP
                mov ecx, 0x2000 / 4
                mov eax, 0xFFFFFFFF
                rep stosd
                mov byte [IOMAP + 0x2000], 0xFF
                and byte [IOMAP + PORT_OK / 8], ~(1 << (PORT_OK % 8)) & 0xFF
                mov dword [V86_TSS + 4], MON_STACK
                mov dword [V86_TSS + 8], SEL_DATA32
                mov word [V86_TSS + 0x66], 0x68
                SET_DESC SEL_V86TSS, V86_TSS, V86_TSS_LIMIT, ACC_TSS32
                mov ax, SEL_V86TSS
                ltr ax
                SET_GATE 13, monitor_gp
                SET_GATE 0x21, int21_handler, 0xEE  ; DPL 3, used when IOPL = 3

                ; ---- phase 1: IOPL 0 ----
                mov dword [GP_COUNT], 0
                V86_ENTER 0x20002, R(v86_phase1), phase1_done
phase1_done:
                ; v86 code ran: it stored its results in V86_DATA.
                CHECK_EQ [V86_DATA + 0], 0x1234, 1, "v86 code ran with DS = 0x1000"
                CHECK_EQ [V86_DATA + 4], V86_SS * 16, 2, "v86 linear address = SS * 16 + SP"
                ; #GP log: INT 0x21, OUT denied, IN denied, CLI, STI, PUSHF, POPF, INT3, IRET,
                ; HLT (OUT/IN to PORT_OK pass).
                CHECK_EQ [GP_COUNT], 10, 3, "number of #GP exits in phase 1"
                LOG_IS 0, 0xCD, 4
                LOG_IS 1, 0xE6, 5
                LOG_IS 2, 0xEC, 6
                LOG_IS 3, 0xFA, 7
                LOG_IS 4, 0xFB, 22
                LOG_IS 5, 0x9C, 23
                LOG_IS 6, 0x9D, 24
                ; INT3 is not IOPL-sensitive: it goes through the IDT, whose DPL-0 gate for
                ; vector 3 refuses CPL 3 with #GP(3 * 8 + 2).
                CHECK_EQ [GP_LOG + 12 * 7], 0xCC, 25, "#GP log: INT3 through a DPL-0 gate"
                CHECK_EQ [GP_LOG + 12 * 7 + 4], 3 * 8 + 2, 25, "#GP log: INT3 error code"
                mov eax, [GP_LOG + 12 * 7 + 8]
                and eax, 0x20000
                CHECK_EQ eax, 0x20000, 25, "#GP log: VM set in pushed EFLAGS"
                LOG_IS 8, 0xCF, 26
                LOG_IS 9, 0xF4, 8
                CHECK_EQ [V86_DATA + 8], 0x21, 9, "monitor emulated INT 0x21 (skipped it)"

                ; ---- phase 2: IOPL 3 ----
                mov dword [GP_COUNT], 0
                mov dword [I21_COUNT], 0
                V86_ENTER 0x23002, R(v86_phase2), phase2_done
phase2_done:
                CHECK_EQ [I21_COUNT], 1, 10, "INT 0x21 through the DPL-3 gate"
                mov eax, [I21_EFLAGS]
                and eax, 0x20000
                CHECK_EQ eax, 0x20000, 11, "INT handler sees VM = 1 in pushed EFLAGS"
                CHECK_EQ [I21_CS], 0xF000, 12, "pushed CS is the v86 CS"
                CHECK_EQ [I21_DS], V86_DS, 13, "pushed DS is the v86 DS"
                CHECK_EQ [I21_SS], V86_SS, 14, "pushed SS is the v86 SS"
                CHECK_EQ [I21_DS_REG], 0, 15, "DS is null in the handler"
                CHECK_EQ [V86_DATA + 12], V86_DS, 16, "DS restored by IRETD to v86"
                CHECK_EQ [V86_DATA + 16], 0x3000, 17, "PUSHF in v86 shows IOPL 3"
                CHECK_EQ [V86_DATA + 20], 0x200, 18, "STI/CLI work with IOPL 3 (IF was set)"
                mov eax, [V86_DATA + 24]
                and eax, 0xFFFF
                CHECK_EQ eax, 0x3200, 27, "POPF in v86 (IOPL 3) sets IF but keeps IOPL"
                ; #GP log: OUT denied (bitmap applies even with IOPL 3), HLT.
                CHECK_EQ [GP_COUNT], 2, 19, "number of #GP exits in phase 2"
                LOG_IS 0, 0xE6, 20
                LOG_IS 1, 0xF4, 21
                PASS

; #GP monitor for v86 mode.  Stack: error, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS.
monitor_gp:
                push eax
                push ebx
                push ds
                mov ax, SEL_DATA32
                mov ds, ax
                ; [esp+12] error, [esp+16] EIP, [esp+20] CS, [esp+24] EFLAGS
                test dword [esp + 24], 0x20000
                jz .not_v86
                movzx ebx, word [esp + 20]
                shl ebx, 4
                add ebx, [esp + 16]
                movzx ebx, byte [ebx]       ; opcode byte at CS:IP
                mov eax, [GP_COUNT]
                cmp eax, 16
                jae .not_v86
                imul eax, eax, 12
                mov [GP_LOG + eax], ebx
                push ebx
                mov ebx, [esp + 16]
                mov [GP_LOG + eax + 4], ebx
                mov ebx, [esp + 28]
                mov [GP_LOG + eax + 8], ebx
                pop ebx
                inc dword [GP_COUNT]
                cmp bl, 0xF4
                je .exit_v86
                mov eax, 1
                cmp bl, 0xEC                ; IN AL, DX
                je .skip
                cmp bl, 0xEE                ; OUT DX, AL
                je .skip
                cmp bl, 0xFA                ; CLI
                je .skip
                cmp bl, 0xFB                ; STI
                je .skip
                cmp bl, 0x9C                ; PUSHF
                je .skip
                cmp bl, 0x9D                ; POPF
                je .skip
                cmp bl, 0xCC                ; INT3
                je .skip
                cmp bl, 0xCF                ; IRET
                je .skip
                mov eax, 2
                cmp bl, 0xE4                ; IN AL, imm8
                je .skip
                cmp bl, 0xE6                ; OUT imm8, AL
                je .skip
                cmp bl, 0xCD                ; INT imm8: "emulated" by skipping; record n
                jne .not_v86
                movzx ebx, word [esp + 20]
                shl ebx, 4
                add ebx, [esp + 16]
                movzx ebx, byte [ebx + 1]
                mov [V86_DATA + 8], ebx
.skip:          add [esp + 16], eax
                pop ds
                pop ebx
                pop eax
                add esp, 4
                iretd
.exit_v86:      mov ax, SEL_DATA32
                mov es, ax
                mov fs, ax
                mov gs, ax
                mov esp, [MON_ESP]
                jmp [MON_CONT]
.not_v86:       pop ds
                pop ebx
                pop eax
                jmp exc_stubs + 13 * 16     ; report as unexpected

; INT 0x21 from v86 with IOPL 3.  Stack: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS.
int21_handler:
                push eax
                mov ax, ds
                movzx eax, ax
                push ds
                push eax
                mov ax, SEL_DATA32
                mov ds, ax
                pop eax
                mov [I21_DS_REG], eax
                mov eax, [esp + 8 + 4]      ; CS
                mov [I21_CS], eax
                mov eax, [esp + 8 + 8]      ; EFLAGS
                mov [I21_EFLAGS], eax
                mov eax, [esp + 8 + 16]     ; SS
                mov [I21_SS], eax
                mov eax, [esp + 8 + 24]     ; DS
                mov [I21_DS], eax
                inc dword [I21_COUNT]
                pop ds
                pop eax
                iretd

                bits 16
; v86 code (CS = F000, DS = ES = 1000, SS = 3000).
v86_phase1:
                mov dword [0], 0x1234
                mov ax, ss
                movzx eax, ax
                shl eax, 4
                movzx ebx, sp
                add eax, ebx
                sub eax, 0xFFF0
                mov [4], eax                ; linear base of SS
                int 0x21                    ; #GP (IOPL 0), monitor skips it
                out PORT_OK, al             ; allowed by the bitmap
                out PORT_DENIED, al         ; #GP
                mov dx, PORT_OK
                in al, dx                   ; allowed
                mov dx, PORT_DENIED
                in al, dx                   ; #GP
                cli                         ; #GP (IOPL 0)
                sti                         ; #GP
                pushf                       ; #GP
                popf                        ; #GP
                int3                        ; #GP(0x1A): DPL-0 gate (INT3 is not IOPL-sensitive)
                iret                        ; #GP
                hlt                         ; #GP -> monitor exits v86 mode

v86_phase2:
                int 0x21                    ; IDT gate, DPL 3
                mov ax, ds
                movzx eax, ax
                mov [12], eax
                sti
                pushfd
                cli
                pop eax
                and eax, 0x3200
                mov [16], eax
                and eax, 0x200
                mov [20], eax
                mov eax, [16]
                and eax, 0x3000
                mov [16], eax
                push word 0x0200            ; IOPL 0, IF 1
                popf                        ; IOPL 3: IF changes, IOPL does not
                pushf
                pop ax
                cli
                and ax, 0x3200
                mov [24], ax
                out PORT_OK, al
                out PORT_DENIED, al         ; #GP: the bitmap applies even with IOPL 3
                hlt                         ; #GP (privileged)
                bits 32
