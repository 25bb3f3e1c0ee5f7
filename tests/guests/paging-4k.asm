; x86pc-test: timeout=10
; paging-4k: 32-bit paging with 4 KiB pages: identity map of the first 4 MiB plus test
; mappings at 4 MiB; translation, aliasing, and the accessed/dirty bits the CPU writes into
; PDEs and PTEs (A on any access, D only on a write, also after a read cached the entry);
; supervisor writes to read-only pages with CR0.WP = 0.
%define TEST_NAME "paging-4k"
%include "lib.inc"

PD              equ 0x20000
PT0             equ 0x21000                 ; 0-4 MiB identity
PT1             equ 0x22000                 ; 4-8 MiB test mappings
PHYS_A          equ 0x30000
PHYS_B          equ 0x31000
VA              equ 0x400000                ; -> PHYS_A, RW
VA_ALIAS        equ 0x401000                ; -> PHYS_A, RW
VB              equ 0x402000                ; -> PHYS_B, read-only
VC              equ 0x403000                ; -> PHYS_B, RW, mapped late
PTE_A           equ 0x20
PTE_D           equ 0x40

%define PTE(va)  (PT1 + (((va) >> 12) & 0x3FF) * 4)

test_main32:
                mov edi, PD
                mov esi, PT0
                mov edx, 0x3                ; P | RW, A = D = 0
                call pg_identity_4k
                mov dword [PD + 4], PT1 | 0x3
                mov edi, PT1
                mov ecx, 1024
                xor eax, eax
                rep stosd
                mov dword [PTE(VA)], PHYS_A | 0x3
                mov dword [PTE(VA_ALIAS)], PHYS_A | 0x3
                mov dword [PTE(VB)], PHYS_B | 0x1
                mov dword [PHYS_A], 0x12345678
                mov dword [PHYS_B], 0x9ABCDEF0
                mov eax, PD
                mov cr3, eax
                mov eax, cr0
                or eax, 0x80000000
                and eax, ~0x10000           ; WP = 0
                mov cr0, eax
                jmp .paged                  ; (code is identity mapped)
.paged:
                ; 1-2: the PDE and the PTE of the code page got A set; no D on code (ROM).
                mov eax, [PD]
                and eax, PTE_A
                CHECK_EQ eax, PTE_A, 1, "PDE 0 accessed bit"
                mov eax, test_main32
                shr eax, 12
                mov eax, [PT0 + eax * 4]
                and eax, PTE_A | PTE_D
                CHECK_EQ eax, PTE_A, 2, "code PTE: A set, D clear"
                ; 3: the stack page is written: A and D set.
                push eax
                pop eax
                mov eax, [PT0 + ((STACK_TOP - 4) >> 12) * 4]
                and eax, PTE_A | PTE_D
                CHECK_EQ eax, PTE_A | PTE_D, 3, "stack PTE: A and D set"
                ; 4: an untouched mapping has neither bit.
                mov eax, [PTE(VA)]
                CHECK_EQ eax, PHYS_A | 0x3, 4, "untouched PTE unchanged"
                ; 5-7: a read translates and sets A (PTE and PDE 1) but not D.
                mov eax, [VA]
                CHECK_EQ eax, 0x12345678, 5, "read through the 4 KiB mapping"
                mov eax, [PTE(VA)]
                CHECK_EQ eax, PHYS_A | 0x3 | PTE_A, 6, "read sets A only"
                mov eax, [PD + 4]
                and eax, PTE_A | PTE_D
                CHECK_EQ eax, PTE_A, 7, "PDE accessed bit (no D in a PDE for 4 KiB pages)"
                ; 8: a write after the read (TLB entry cached clean) must set D.
                mov dword [VA + 8], 0x55AA55AA
                mov eax, [PTE(VA)]
                CHECK_EQ eax, PHYS_A | 0x3 | PTE_A | PTE_D, 8, "write after read sets D"
                ; 9-10: the alias maps the same physical page; reading it sets only its A.
                mov eax, [VA_ALIAS + 8]
                CHECK_EQ eax, 0x55AA55AA, 9, "alias sees the write"
                mov eax, [PTE(VA_ALIAS)]
                CHECK_EQ eax, PHYS_A | 0x3 | PTE_A, 10, "alias PTE: A only"
                ; 11: the offset within the page is kept.
                mov eax, [PHYS_A + 8]
                CHECK_EQ eax, 0x55AA55AA, 11, "physical page written at the page offset"
                ; 12-13: CR0.WP = 0: ring-0 write to a read-only page succeeds and sets D.
                mov dword [VB], 0x0BADF00D
                mov eax, [PHYS_B]
                CHECK_EQ eax, 0x0BADF00D, 12, "supervisor write to read-only page with WP=0"
                mov eax, [PTE(VB)]
                CHECK_EQ eax, PHYS_B | 0x1 | PTE_A | PTE_D, 13, "read-only PTE got A and D"
                ; 14-15: a write as the first access sets A and D at once.
                mov dword [PTE(VC)], PHYS_B | 0x3
                mov dword [VC + 4], 0x600DCAFE
                mov eax, [PTE(VC)]
                CHECK_EQ eax, PHYS_B | 0x3 | PTE_A | PTE_D, 14, "first-access write sets A and D"
                mov eax, [PHYS_B + 4]
                CHECK_EQ eax, 0x600DCAFE, 15, "write reached the physical page"
                ; 16: not-present page -> #PF.
                TRY .r16
                mov eax, [VA + 0x5000]
.r16:           CHECK_EXC 14, 0, 16, "#PF reading a not-present page"
                CHECK_EQ [exc_cr2], VA + 0x5000, 17, "CR2"
                ; 18: paging off again: linear = physical.
                mov eax, cr0
                and eax, 0x7FFFFFFF
                mov cr0, eax
                jmp .unpaged
.unpaged:       mov eax, [PHYS_A + 8]
                CHECK_EQ eax, 0x55AA55AA, 18, "paging disabled again"
                PASS
