; x86pc-test: timeout=10
; pic-pit: external interrupts from the 8254 PIT through the 8259A PIC.  The PICs are
; initialised (ICW1-4, master vectors 0x20-0x27, slave 0x28-0x2F), PIT channel 0 runs in
; mode 2 at ~1 kHz; the counter is seen counting (latch command), IRR shows the request
; while IF = 0, IRQ0 then arrives as vector 0x20 with ISR bit 0 set until EOI, HLT wakes on
; it, 20 more ticks are counted, a masked IRQ0 is not delivered and is delivered once unmasked.
%define TEST_NAME "pic-pit"
%include "lib.inc"

PIT_DIVISOR     equ 1193                    ; 1193182 Hz / 1193 = ~1000 Hz
TICKS           equ TEST_RAM + 0x00
ISR_IN_HANDLER  equ TEST_RAM + 0x04
ISR_AFTER_EOI   equ TEST_RAM + 0x08
LOOP_BOUND      equ 2000000                 ; bound for polling loops (never spin forever)

test_main32:
                ; With a local APIC the 8259 INTR reaches the CPU through LINT0, which is
                ; masked after reset: program virtual-wire mode (LINT0 = ExtINT, unmasked;
                ; APIC software-enabled with spurious vector 0xFF) like a BIOS does.
                mov eax, 1
                cpuid
                test edx, 1 << 9
                jz .no_apic
                mov ecx, 0x1B               ; IA32_APIC_BASE
                rdmsr
                test eax, 1 << 11           ; globally enabled?
                jz .no_apic
                and eax, 0xFFFFF000
                mov dword [eax + 0xF0], 0x1FF       ; SVR
                mov dword [eax + 0x350], 0x700      ; LVT LINT0: ExtINT
                mov dword [eax + 0x360], 0x400      ; LVT LINT1: NMI
.no_apic:
                ; ICW1: edge, cascade, ICW4 needed; ICW2: vector base; ICW3: cascade on IR2;
                ; ICW4: 8086 mode.
                mov al, 0x11
                out 0x20, al
                out 0xA0, al
                mov al, 0x20
                out 0x21, al
                mov al, 0x28
                out 0xA1, al
                mov al, 0x04
                out 0x21, al
                mov al, 0x02
                out 0xA1, al
                mov al, 0x01
                out 0x21, al
                out 0xA1, al
                mov al, 0xFF                ; everything masked for now
                out 0x21, al
                out 0xA1, al
                ; 1: IMR reads back.
                in al, 0x21
                movzx eax, al
                CHECK_EQ eax, 0xFF, 1, "master IMR reads back"
                SET_GATE 0x20, irq0_handler
                mov dword [TICKS], 0
                ; PIT channel 0: lobyte/hibyte, mode 2, binary.
                mov al, 0x34
                out 0x43, al
                mov al, PIT_DIVISOR & 0xFF
                out 0x40, al
                mov al, PIT_DIVISOR >> 8
                out 0x40, al
                ; 2-3: the counter counts down within 1..divisor (latch and read twice).
                call pit_read
                mov ebx, eax
                mov ecx, LOOP_BOUND
.wait_change:   call pit_read
                cmp eax, ebx
                jne .changed
                loop .wait_change
.changed:       cmp eax, ebx
                jne .ok2
                FAIL 2, "PIT channel 0 counter does not count"
.ok2:           cmp eax, PIT_DIVISOR
                jbe .ok3
                push dword PIT_DIVISOR
                push eax
                push dword 3
                push dword .m3
                jmp lib_fail_values32
.m3:            db "PIT count above the divisor", 0
.ok3:
                ; 4: IRQ0 unmasked with IF = 0: IRR bit 0 becomes set.
                mov al, 0xFE
                out 0x21, al
                mov al, 0x0A                ; OCW3: read IRR
                out 0x20, al
                mov ecx, LOOP_BOUND
.wait_irr:      in al, 0x20
                test al, 1
                jnz .irr
                loop .wait_irr
                FAIL 4, "IRR bit 0 never set by the PIT"
.irr:           CHECK_EQ [TICKS], 0, 5, "no interrupt while IF = 0"
                ; 6-8: STI + HLT: the pending IRQ0 is delivered as vector 0x20.
                mov al, 0x0B                ; OCW3: read ISR from now on
                out 0x20, al
                sti
                hlt
                cli
                CHECK_EQ [TICKS], 1, 6, "one tick after STI; HLT"
                CHECK_EQ [ISR_IN_HANDLER], 1, 7, "ISR bit 0 set inside the handler"
                CHECK_EQ [ISR_AFTER_EOI], 0, 8, "ISR bit 0 clear after EOI"
                ; 9: count 20 ticks with HLT.
                sti
.count:         hlt
                cmp dword [TICKS], 21
                jb .count
                cli
                CHECK_EQ [TICKS], 21, 9, "21 ticks counted"
                ; 10-11: masked: the PIT keeps running, its edge is latched in IRR (polled,
                ; bounded) but not delivered even with IF = 1.
                mov al, 0xFF
                out 0x21, al
                sti
                call pit_wait_periods
                CHECK_EQ edx, 0, 13, "PIT counter wrapped 3 times while IRQ0 masked"
                mov al, 0x0A                ; OCW3: read IRR
                out 0x20, al
                mov ecx, LOOP_BOUND
.wait_irr2:     in al, 0x20
                test al, 1
                jnz .irr2
                loop .wait_irr2
.irr2:          cli
                and eax, 1
                CHECK_EQ eax, 1, 11, "IRR bit 0 latched while IRQ0 is masked"
                CHECK_EQ [TICKS], 21, 10, "masked IRQ0 not delivered"
                mov al, 0x0B                ; OCW3: back to ISR
                out 0x20, al
                ; 12: unmasking delivers it (bounded wait with IF = 1).
                mov al, 0xFE
                out 0x21, al
                sti
                mov ecx, LOOP_BOUND
.wait_unmask:   cmp dword [TICKS], 22
                jae .delivered
                loop .wait_unmask
.delivered:     cli
                mov eax, [TICKS]
                cmp eax, 22
                jae .ok12
                FAIL 12, "IRQ0 not delivered after unmasking"
.ok12:
                mov al, 0xFF
                out 0x21, al
                PASS

; pit_read: EAX = channel 0 count (counter latch command).
pit_read:
                xor eax, eax
                out 0x43, al                ; latch channel 0
                in al, 0x40
                mov ah, al
                in al, 0x40
                xchg al, ah
                ret

; pit_wait_periods: polls the counter until it wrapped (reload seen) three times, bounded.
; Returns EDX = wraps not seen (0 on success).
pit_wait_periods:
                push ebx
                push ecx
                mov edx, 3
                call pit_read
                mov ebx, eax
                mov ecx, LOOP_BOUND
.poll:          call pit_read
                cmp eax, ebx
                mov ebx, eax
                jbe .next                   ; counting down
                dec edx                     ; went up: reloaded
                jz .done
.next:          loop .poll
.done:          pop ecx
                pop ebx
                ret

irq0_handler:
                push eax
                inc dword [TICKS]
                in al, 0x20                 ; ISR (OCW3 selected ISR)
                and eax, 1
                cmp dword [TICKS], 1
                jne .not_first
                mov [ISR_IN_HANDLER], eax
.not_first:     mov al, 0x20
                out 0x20, al                ; non-specific EOI
                in al, 0x20
                and eax, 1
                cmp dword [TICKS], 1
                jne .done
                mov [ISR_AFTER_EOI], eax
.done:          pop eax
                iretd
