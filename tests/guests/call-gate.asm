; x86pc-test: timeout=10
; call-gate: ring 3 -> ring 0 through a 32-bit call gate with a parameter count of 2:
; stack switch to TSS.SS0:ESP0, parameters copied, old SS:ESP and CS:EIP pushed; RETF 8
; back to ring 3 releases the parameters on both stacks and nulls data segment registers
; the outer ring may not use.  Also: a DPL-0 gate called from ring 3 -> #GP(gate selector).
%define TEST_NAME "call-gate"
%include "lib.inc"

SEL_GATE3       equ 0x40                    ; call gate, DPL 3 -> SEL_CODE32:gate_target, 2 params
SEL_GATE0       equ 0x48                    ; call gate, DPL 0 (not callable from ring 3)
GATE_STACK      equ 0x70000                 ; TSS.ESP0 for this test

V_R0_CS         equ TEST_RAM + 0x00         ; values seen at ring 0 inside the gate
V_R0_SS         equ TEST_RAM + 0x04
V_R0_ESP        equ TEST_RAM + 0x08
V_RET_EIP       equ TEST_RAM + 0x0C
V_RET_CS        equ TEST_RAM + 0x10
V_P_LAST        equ TEST_RAM + 0x14         ; parameter pushed last (lowest address)
V_P_FIRST       equ TEST_RAM + 0x18
V_OLD_ESP       equ TEST_RAM + 0x1C
V_OLD_SS        equ TEST_RAM + 0x20
V_R3_ESP_CALL   equ TEST_RAM + 0x24         ; ring-3 ESP right before the CALL
V_R3_ESP_AFTER  equ TEST_RAM + 0x28         ; ring-3 ESP after the RETF
V_R3_CS         equ TEST_RAM + 0x2C
V_R3_GS         equ TEST_RAM + 0x30
V_R3_DS         equ TEST_RAM + 0x34
V_R3_ESP_START  equ TEST_RAM + 0x38
V_CPL_GATE_VEC  equ TEST_RAM + 0x3C
V_CPL_GATE_ERR  equ TEST_RAM + 0x40
V_R0_EAX        equ TEST_RAM + 0x44

; CALL_GATE selector, target offset, target selector, param count, DPL
%macro CALL_GATE 5
                mov edi, GDT_BASE + (%1)
                mov eax, %2
                mov [edi], ax
                mov word [edi + 2], %3
                mov byte [edi + 4], %4
                mov byte [edi + 5], 0x8C | ((%5) << 5)
                shr eax, 16
                mov [edi + 6], ax
%endmacro

test_main32:
                mov dword [LIB_TSS + 4], GATE_STACK
                CALL_GATE SEL_GATE3, gate_target, SEL_CODE32, 2, 3
                CALL_GATE SEL_GATE0, gate_target, SEL_CODE32, 2, 0
                GO_RING3 ring3

ring3:          mov [V_R3_ESP_START], esp
                push dword 0x11111111       ; first parameter
                push dword 0x22222222       ; second parameter
                mov [V_R3_ESP_CALL], esp
                mov eax, 0xABCD0123         ; registers pass through the gate unchanged
                call SEL_GATE3 | 3:0x12345678   ; the offset is ignored for a gate
.ret_here:      mov [V_R3_ESP_AFTER], esp
                mov ax, cs
                movzx eax, ax
                mov [V_R3_CS], eax
                mov ax, gs
                movzx eax, ax
                mov [V_R3_GS], eax
                mov ax, ds
                movzx eax, ax
                mov [V_R3_DS], eax
                ; A DPL-0 gate is not accessible from CPL 3.
                TRY .r1
                call SEL_GATE0 | 3:0
.r1:            mov eax, [exc_vec]
                mov [V_CPL_GATE_VEC], eax
                mov eax, [exc_err]
                mov [V_CPL_GATE_ERR], eax
                GO_RING0 checks

; Ring-0 side of the gate (32-bit, stack = TSS.SS0:ESP0):
;   [esp] return EIP, [esp+4] return CS, [esp+8] last pushed param, [esp+12] first pushed
;   param, [esp+16] old ESP, [esp+20] old SS.
gate_target:    mov [V_R0_EAX], eax
                mov ax, cs
                movzx eax, ax
                mov [V_R0_CS], eax
                mov ax, ss
                movzx eax, ax
                mov [V_R0_SS], eax
                mov [V_R0_ESP], esp
                mov eax, [esp]
                mov [V_RET_EIP], eax
                mov eax, [esp + 4]
                mov [V_RET_CS], eax
                mov eax, [esp + 8]
                mov [V_P_LAST], eax
                mov eax, [esp + 12]
                mov [V_P_FIRST], eax
                mov eax, [esp + 16]
                mov [V_OLD_ESP], eax
                mov eax, [esp + 20]
                mov [V_OLD_SS], eax
                ; GS gets a DPL-0 selector: RETF to ring 3 must null it.
                mov ax, SEL_DATA32
                mov gs, ax
                retf 8

checks:
                CHECK_EQ [V_R0_EAX], 0xABCD0123, 1, "EAX through the gate"
                CHECK_EQ [V_R0_CS], SEL_CODE32, 2, "CS at ring 0 is the gate's target selector"
                CHECK_EQ [V_R0_SS], SEL_DATA32, 3, "SS switched to TSS.SS0"
                CHECK_EQ [V_R0_ESP], GATE_STACK - 24, 4, "ESP = TSS.ESP0 - 6 dwords"
                CHECK_EQ [V_RET_EIP], ring3.ret_here, 5, "pushed return EIP"
                CHECK_EQ [V_RET_CS], SEL_UCODE32, 6, "pushed return CS (RPL 3)"
                CHECK_EQ [V_P_LAST], 0x22222222, 7, "parameter copied (last pushed)"
                CHECK_EQ [V_P_FIRST], 0x11111111, 8, "parameter copied (first pushed)"
                mov eax, [V_R3_ESP_CALL]
                CHECK_EQ [V_OLD_ESP], eax, 9, "old ESP pushed"
                CHECK_EQ [V_OLD_SS], SEL_UDATA32, 10, "old SS pushed"
                mov eax, [V_R3_ESP_START]
                CHECK_EQ [V_R3_ESP_AFTER], eax, 11, "RETF 8 released the ring-3 parameters"
                CHECK_EQ [V_R3_CS], SEL_UCODE32, 12, "back in ring 3"
                CHECK_EQ [V_R3_GS], 0, 13, "RETF to ring 3 nulls GS holding a DPL-0 selector"
                CHECK_EQ [V_R3_DS], SEL_UDATA32, 14, "RETF keeps DS with DPL 3"
                CHECK_EQ [V_CPL_GATE_VEC], 13, 15, "DPL-0 call gate from ring 3 -> #GP"
                CHECK_EQ [V_CPL_GATE_ERR], SEL_GATE0, 16, "#GP error code is the gate selector"
                PASS
