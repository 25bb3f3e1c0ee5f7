; multiboot-test.asm - a Multiboot v1 kernel (a.out-kludge header, flat binary loaded at
; 1 MiB) for `x86pc -kernel`. It checks what the loader hands over and what the
; machine provides, prints one line per check on COM1 and exits through isa-debug-exit
; (port 0xF4: 0 = all passed -> exit status 1, 1 = a check failed -> exit status 3).
;
; Checks: EAX magic 0x2BADB002; flat protected mode with paging and interrupts off; the
; information structure's flags, mem_lower/mem_upper, command line (must end with
; "hello args"), modules (two: strings ending "mod1 arg" and "mod2", page aligned,
; contents "MODULE-ONE\n" and "MODULE-TWO\n"), memory map (RAM at 1 MiB of mem_upper KiB);
; zeroed bss; then the local APIC: an interrupt from its timer (one-shot, vector 0x40)
; through the IDT, EOI, and, with -smp 2 or more, an INIT/SIPI start of CPU 1 that counts
; in at 0x7000, then the two CPUs' TSCs agree: reading in turns under a lock, neither ever
; reads a value smaller than the other's last (as Linux's TSC warp check).
; tests/scripts/multiboot.sh runs it.
bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ (1 << 1) | (1 << 16)        ; memory info, a.out-kludge addresses
COM1            equ 0x3F8
APIC            equ 0xFEE00000
AP_FLAG         equ 0x7000
WARP_LOCK       equ 0x7010                      ; TSC warp check (shared with CPU 1)
WARP_LAST       equ 0x7018                      ; last TSC read by either CPU (qword)
WARP_COUNT      equ 0x7020                      ; reads smaller than the last one
WARP_DONE       equ 0x7024                      ; CPU 1 finished its reads
WARP_ROUNDS     equ 1000000
TRAMPOLINE      equ 0x8000

header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd header                               ; header_addr
        dd 0x100000                             ; load_addr
        dd load_end                             ; load_end_addr
        dd bss_end                              ; bss_end_addr
        dd start                                ; entry_addr

; ---- helpers ----

putc:                                           ; al = character
        push edx
        push eax
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

puts:                                           ; esi = NUL-terminated string
        push eax
        push esi
.next:  lodsb
        test al, al
        jz .done
        call putc
        jmp .next
.done:  pop esi
        pop eax
        ret

; check: ZF set = pass. esi = name. Prints "ok NAME" or "FAIL NAME", counts failures.
check:
        push esi
        jz .ok
        inc dword [failures]
        mov esi, s_fail
        call puts
        jmp .name
.ok:    mov esi, s_ok
        call puts
.name:  pop esi
        call puts
        mov al, 10
        call putc
        ret

%macro CHECK 2                                  ; condition code that means pass, name
        mov esi, %%name
        j%1 %%pass
        or esi, esi                             ; ZF = 0 (esi != 0): fail
        jmp %%go
%%pass: cmp esi, esi                            ; ZF = 1: pass
%%go:   call check
        jmp %%end
%%name: db %2, 0
%%end:
%endmacro

; ends_with: esi = string, edi = suffix; ZF = 1 if string ends with suffix.
ends_with:
        push eax
        push ecx
        push edx
        push esi
        push edi
        mov edx, esi
        xor ecx, ecx
.l1:    cmp byte [edx + ecx], 0
        je .l1d
        inc ecx
        jmp .l1
.l1d:   mov eax, ecx                            ; strlen(string)
        xor ecx, ecx
.l2:    cmp byte [edi + ecx], 0
        je .l2d
        inc ecx
        jmp .l2
.l2d:   cmp eax, ecx
        jb .no
        add esi, eax
        sub esi, ecx
        repe cmpsb                              ; ecx = suffix length (0: equal)
        jmp .out
.no:    or eax, 1                               ; ZF = 0
.out:   pop edi
        pop esi
        pop edx
        pop ecx
        pop eax
        ret

; mem_eq: esi, edi, ecx = length; ZF = 1 if equal.
mem_eq:
        push ecx
        push esi
        push edi
        repe cmpsb
        pop edi
        pop esi
        pop ecx
        ret

timer_isr:
        inc dword [ticks]
        mov dword [APIC + 0xB0], 0              ; EOI
        iretd

; ---- the test ----

start:
        mov esp, stack_top
        mov [magic], eax
        mov [mbi], ebx
        mov esi, s_hello
        call puts

        cmp dword [magic], 0x2BADB002
        CHECK e, "EAX = 0x2BADB002"
        mov eax, cr0
        and eax, 0x80000001
        cmp eax, 1
        CHECK e, "CR0.PE = 1, CR0.PG = 0"
        pushfd
        pop eax
        test eax, 0x200
        CHECK z, "EFLAGS.IF = 0"
        mov ax, ds
        mov bx, ss
        cmp ax, bx
        CHECK e, "DS = SS (flat data)"

        mov ebx, [mbi]
        mov eax, [ebx]
        and eax, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6)
        cmp eax, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6)
        CHECK e, "flags: mem, cmdline, mods, mmap"
        cmp dword [ebx + 4], 640
        CHECK e, "mem_lower = 640"
        cmp dword [ebx + 8], 1024
        CHECK a, "mem_upper > 1024"

        mov esi, [ebx + 16]
        mov edi, s_cmdline
        call ends_with
        CHECK e, "cmdline ends with 'hello args'"
        mov esi, [ebx + 16]
        call puts
        mov al, 10
        call putc

        cmp dword [ebx + 20], 2
        CHECK e, "mods_count = 2"
        mov edx, [ebx + 24]                     ; mods_addr
        mov esi, [edx + 8]
        mov edi, s_mod1
        call ends_with
        CHECK e, "module 1 string ends with 'mod1 arg'"
        mov esi, [edx + 24]
        mov edi, s_mod2
        call ends_with
        CHECK e, "module 2 string ends with 'mod2'"
        mov esi, [edx]
        mov edi, s_mod1_data
        mov ecx, 11
        call mem_eq
        CHECK e, "module 1 contents"
        mov esi, [edx + 16]
        mov edi, s_mod2_data
        mov ecx, 11
        call mem_eq
        CHECK e, "module 2 contents"
        mov eax, [edx + 4]
        sub eax, [edx]
        cmp eax, 11
        CHECK e, "module 1 length"
        test dword [edx + 16], 0xFFF
        CHECK z, "module 2 page aligned"
        mov eax, [edx]
        cmp eax, bss_end
        CHECK ae, "module 1 above the kernel"

        ; memory map: find RAM at 1 MiB of mem_upper KiB
        mov esi, [ebx + 48]                     ; mmap_addr
        mov ecx, [ebx + 44]                     ; mmap_length
        add ecx, esi
        xor edx, edx                            ; found
.mmap:  cmp esi, ecx
        jae .mmap_done
        cmp dword [esi + 4], 0x100000
        jne .mmap_next
        cmp dword [esi + 8], 0
        jne .mmap_next
        cmp dword [esi + 20], 1
        jne .mmap_next
        mov eax, [ebx + 8]
        shl eax, 10
        cmp [esi + 12], eax
        jne .mmap_next
        inc edx
.mmap_next:
        add esi, [esi]
        add esi, 4
        jmp .mmap
.mmap_done:
        cmp edx, 1
        CHECK e, "mmap: RAM at 1 MiB, mem_upper KiB long"

        cmp dword [bss_var], 0
        CHECK e, "bss zeroed"

        ; ---- local APIC timer interrupt through the IDT ----
        mov eax, 1
        cpuid
        test edx, 1 << 9
        CHECK nz, "CPUID reports a local APIC"
        mov eax, timer_isr
        mov [idt + 0x40 * 8], ax
        mov cx, cs
        mov [idt + 0x40 * 8 + 2], cx
        mov word [idt + 0x40 * 8 + 4], 0x8E00
        shr eax, 16
        mov [idt + 0x40 * 8 + 6], ax
        lidt [idtr]
        mov eax, [APIC + 0x30]
        and eax, 0xFF
        cmp eax, 0x14
        CHECK e, "APIC version 0x14"
        mov dword [APIC + 0xF0], 0x1FF          ; software enable, spurious vector 0xFF
        mov dword [APIC + 0x3E0], 0x3           ; divide by 16
        mov dword [APIC + 0x320], 0x40          ; one-shot, vector 0x40
        mov dword [APIC + 0x380], 100000        ; 1.6 ms at 1 GHz / 16
        sti
        mov ecx, 1000
.wait_tick:
        cmp dword [ticks], 0
        jne .ticked
        hlt
        loop .wait_tick
.ticked:
        cli
        cmp dword [ticks], 1
        CHECK e, "one LAPIC timer interrupt"
        mov eax, [APIC + 0x100 + 0x40 / 32 * 0x10]
        test eax, 1                             ; ISR bit of vector 0x40 cleared by EOI
        CHECK z, "ISR clear after EOI"
        cmp dword [APIC + 0x390], 0
        CHECK e, "one-shot count reached 0"

        ; ---- SMP: start CPU 1 with INIT/SIPI if there is one ----
        mov esi, trampoline
        mov edi, TRAMPOLINE
        mov ecx, trampoline_end - trampoline
        rep movsb
        mov dword [AP_FLAG], 0
        mov dword [WARP_LOCK], 0
        mov dword [WARP_LAST], 0
        mov dword [WARP_LAST + 4], 0
        mov dword [WARP_COUNT], 0
        mov dword [WARP_DONE], 0
        mov dword [APIC + 0x310], 1 << 24       ; destination APIC ID 1
        mov dword [APIC + 0x300], 0x0000C500    ; INIT, level assert
        mov dword [APIC + 0x310], 1 << 24
        mov dword [APIC + 0x300], 0x00008500    ; INIT de-assert
        mov ecx, 200000
.d1:    loop .d1
        mov dword [APIC + 0x310], 1 << 24
        mov dword [APIC + 0x300], 0x00000600 | (TRAMPOLINE >> 12)   ; Start-Up
        mov ecx, 5000000
.w_ap:  cmp dword [AP_FLAG], 0
        jne .ap_done
        pause
        loop .w_ap
.ap_done:
        mov eax, [AP_FLAG]
        mov [ap_seen], eax
        mov esi, s_smp
        call puts
        mov eax, [ap_seen]
        add al, '0'
        call putc
        mov al, 10
        call putc

        ; ---- TSC agreement: both CPUs read the TSC in turns under a lock; no read may
        ; be smaller than the last one the other CPU stored (Linux's check_tsc_warp) ----
        cmp dword [ap_seen], 0
        je .warp_skip
        mov ecx, WARP_ROUNDS
.warp:  mov al, 1
        xchg al, [WARP_LOCK]
        test al, al
        jz .warp_locked
        pause
        jmp .warp
.warp_locked:
        rdtsc
        cmp edx, [WARP_LAST + 4]
        jb .warp_back
        ja .warp_store
        cmp eax, [WARP_LAST]
        jae .warp_store
.warp_back:
        inc dword [WARP_COUNT]
.warp_store:
        mov [WARP_LAST], eax
        mov [WARP_LAST + 4], edx
        mov byte [WARP_LOCK], 0
        loop .warp
.warp_wait:
        cmp dword [WARP_DONE], 0
        jne .warp_check
        pause
        jmp .warp_wait
.warp_check:
        mov esi, s_warp
        call puts
        mov edx, [WARP_COUNT]
        mov ecx, 8
.warp_hex:
        rol edx, 4
        mov al, dl
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .warp_digit
        add al, 'a' - '0' - 10
.warp_digit:
        call putc
        loop .warp_hex
        mov al, 10
        call putc
        cmp dword [WARP_COUNT], 0
        CHECK e, "TSC never behind the other CPU's last read"
.warp_skip:

        cmp dword [failures], 0
        jne .fail
        mov esi, s_pass
        call puts
        mov dx, 0xF4
        mov al, 0
        out dx, al
        jmp .halt
.fail:  mov esi, s_failed
        call puts
        mov dx, 0xF4
        mov al, 1
        out dx, al
.halt:  cli
        hlt
        jmp .halt

; CPU 1 starts here in real mode at 0800:0000.
trampoline:
bits 16
        cli
        xor ax, ax
        mov ds, ax
        lock inc dword [AP_FLAG]
        mov ecx, WARP_ROUNDS                    ; the TSC agreement check, CPU 1's half
.ap_warp:
        mov al, 1
        xchg al, [WARP_LOCK]
        test al, al
        jz .ap_locked
        pause
        jmp .ap_warp
.ap_locked:
        rdtsc
        cmp edx, [WARP_LAST + 4]
        jb .ap_back
        ja .ap_store
        cmp eax, [WARP_LAST]
        jae .ap_store
.ap_back:
        inc dword [WARP_COUNT]
.ap_store:
        mov [WARP_LAST], eax
        mov [WARP_LAST + 4], edx
        mov byte [WARP_LOCK], 0
        a32 loop .ap_warp
        lock inc dword [WARP_DONE]
.ap_halt:
        hlt
        jmp .ap_halt
bits 32
trampoline_end:

idtr:   dw 256 * 8 - 1
        dd idt

s_hello:     db "multiboot-test: started", 10, 0
s_ok:        db "ok ", 0
s_fail:      db "FAIL ", 0
s_cmdline:   db "hello args", 0
s_mod1:      db "mod1 arg", 0
s_mod2:      db "mod2", 0
s_mod1_data: db "MODULE-ONE", 10
s_mod2_data: db "MODULE-TWO", 10
s_smp:       db "application processors started: ", 0
s_warp:      db "TSC reads behind the other CPU's last: 0x", 0
s_pass:      db "PASS multiboot", 10, 0
s_failed:    db "FAILED multiboot", 10, 0

align 4
load_end:

absolute load_end
magic:      resd 1
mbi:        resd 1
failures:   resd 1
ticks:      resd 1
ap_seen:    resd 1
bss_var:    resd 1
alignb 8
idt:        resb 256 * 8
            resb 4096
stack_top:
bss_end:
