; x86pc-test: timeout=10
; tlb-flush: TLB maintenance rules with 32-bit paging.  After a PTE is changed in memory,
; the old translation stays in use until INVLPG or a CR3 write (every real CPU and QEMU
; keep the cached entry in this simple sequence; the SDM allows but does not force it);
; INVLPG and MOV CR3 make the new PTE visible; with CR4.PGE a global (G) translation
; is flushed by INVLPG and by toggling CR4.PGE.  Whether a global entry survives a CR3
; write is only reported (hardware keeps it, QEMU TCG flushes it; both are allowed since
; a TLB may drop entries at any time).
%define TEST_NAME "tlb-flush"
%include "lib.inc"

PD              equ 0x20000
PT0             equ 0x21000
PT1             equ 0x22000
PHYS_1          equ 0x30000
PHYS_2          equ 0x31000
VA              equ 0x400000
VG              equ 0x401000                ; global mapping
PTE_VA          equ PT1 + 0
PTE_VG          equ PT1 + 4
PTE_G           equ 0x100

test_main32:
                mov edi, PD
                mov esi, PT0
                mov edx, 0x3
                call pg_identity_4k
                mov dword [PD + 4], PT1 | 0x3
                mov edi, PT1
                mov ecx, 1024
                xor eax, eax
                rep stosd
                mov dword [PHYS_1], 0x11111111
                mov dword [PHYS_2], 0x22222222
                mov dword [PTE_VA], PHYS_1 | 0x3
                mov eax, PD
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80000000
                mov cr0, eax
                jmp .paged
.paged:
                ; 1: the mapping works.
                mov eax, [VA]
                CHECK_EQ eax, 0x11111111, 1, "initial translation"
                ; 2: change the PTE without flushing: the cached translation is still used.
                mov dword [PTE_VA], PHYS_2 | 0x3
                mov eax, [VA]
                CHECK_EQ eax, 0x11111111, 2, "stale translation used before INVLPG"
                ; 3: INVLPG makes the new PTE visible.
                invlpg [VA]
                mov eax, [VA]
                CHECK_EQ eax, 0x22222222, 3, "new translation after INVLPG"
                ; 4-5: change back; stale until a CR3 write.
                mov dword [PTE_VA], PHYS_1 | 0x3
                mov eax, [VA]
                CHECK_EQ eax, 0x22222222, 4, "stale translation before MOV CR3"
                mov eax, cr3
                mov cr3, eax
                mov eax, [VA]
                CHECK_EQ eax, 0x11111111, 5, "new translation after MOV CR3"
                ; 6: INVLPG of another page does not flush VA (stale value stays).
                mov dword [PTE_VA], PHYS_2 | 0x3
                invlpg [VA + 0x3000]
                mov eax, [VA]
                CHECK_EQ eax, 0x11111111, 6, "INVLPG of another page keeps this entry"
                invlpg [VA]
                ; 7: not-present -> present needs no flush (no negative caching).
                mov dword [PT1 + 8], 0
                invlpg [VA + 0x2000]
                TRY .r7
                mov eax, [VA + 0x2000]
.r7:            CHECK_EXC 14, 0, 7, "#PF for a not-present page"
                mov dword [PT1 + 8], PHYS_1 | 0x3
                mov eax, [VA + 0x2000]
                CHECK_EQ eax, 0x11111111, 8, "page made present is used without a flush"

                ; ---- global pages ----
                mov eax, 1
                cpuid
                and edx, 1 << 13
                CHECK_EQ edx, 1 << 13, 9, "CPUID.1:EDX.PGE"
                mov eax, cr4
                or eax, 0x80                ; PGE
                mov cr4, eax
                mov dword [PTE_VG], PHYS_2 | PTE_G | 0x3
                invlpg [VG]
                mov eax, [VG]
                CHECK_EQ eax, 0x22222222, 10, "global translation"
                mov dword [PTE_VG], PHYS_1 | PTE_G | 0x3
                mov eax, cr3
                mov cr3, eax
                mov eax, [VG]
                cmp eax, 0x22222222
                jne .flushed
                PRINT "note: global translation survived the CR3 write", 10
                jmp .noted
.flushed:       CHECK_EQ eax, 0x11111111, 11, "global translation after CR3 write"
                PRINT "note: global translation was flushed by the CR3 write", 10
.noted:
                ; 12: INVLPG flushes a global entry.
                invlpg [VG]
                mov eax, [VG]
                CHECK_EQ eax, 0x11111111, 12, "global translation after INVLPG"
                ; 13: clearing CR4.PGE flushes global entries.
                mov dword [PTE_VG], PHYS_2 | PTE_G | 0x3
                mov eax, cr4
                and eax, ~0x80
                mov cr4, eax
                or eax, 0x80
                mov cr4, eax
                mov eax, [VG]
                CHECK_EQ eax, 0x22222222, 13, "global translation after CR4.PGE toggle"
                ; 14: a non-global entry is flushed by CR3 with PGE on.
                mov eax, [VA]
                mov dword [PTE_VA], PHYS_1 | 0x3
                mov eax, cr3
                mov cr3, eax
                mov eax, [VA]
                CHECK_EQ eax, 0x11111111, 14, "non-global flushed by MOV CR3 with PGE on"
                PASS
