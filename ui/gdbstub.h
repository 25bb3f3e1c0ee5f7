/*
 * gdbstub: the GDB remote serial protocol over a chardev (-gdb tcp::1234, -s).
 *
 * Register numbering of the target description (qXfer:features:read:target.xml) -- the
 * numbers in 'p'/'P' packets and the order of the 'g'/'G' image:
 *
 *    0- 7  eax ecx edx ebx esp ebp esi edi   32 bit  org.gnu.gdb.i386.core
 *       8  eip                               32
 *       9  eflags                            32
 *   10-15  cs ss ds es fs gs                 32      (selectors; writing reloads the
 *                                                     descriptor cache: cpu_set_seg_debug)
 *   16-23  st0-st7                           80      (i387 extended, ST(i) order)
 *   24-31  fctrl fstat ftag fiseg fioff foseg fooff fop   32 (ftag: the full tag word)
 *   32-39  xmm0-xmm7                        128      org.gnu.gdb.i386.sse
 *      40  mxcsr                             32
 *   41-42  fs_base gs_base                   32      org.x86pc.gdb.i386.sys (read-only)
 *   43-46  cr0 cr2 cr3 cr4                   32
 *      47  efer                              64      (cr0, cr4, efer read-only;
 *                                                     writing cr3 flushes the TLB)
 *   48-51  es_base cs_base ss_base ds_base   32      (read-only)
 *   52-55  gdtr_base gdtr_limit idtr_base idtr_limit  32 (read-only)
 *   56-57  ldtr tr                           32      (selectors, read-only)
 *   58-63  dr0 dr1 dr2 dr3 dr6 dr7           32
 *
 * (gdb 13 for i386 aborts on an org.gnu.gdb.i386.segments feature, so the segment bases
 * live in our own feature. gdb's i386 code puts registers it does not know into the
 * general group, so plain `info registers` lists them after the segment registers.)
 *
 * Addresses in memory and breakpoint packets are linear (segment base + offset), and
 * memory goes through the current paging of the selected CPU. Threads are vCPUs:
 * thread id N is the CPU with index N - 1.
 */
#ifndef X86PC_UI_GDBSTUB_H
#define X86PC_UI_GDBSTUB_H

#include "hw/machine.h"

#define GDB_NUM_REGS 64

/* Start listening on spec (fatal() if that fails). With -S the machine starts paused
 * anyway; a gdb connecting to a running machine stops it, as with a hardware probe. */
void gdbstub_init(Machine *m, const ChardevSpec *spec);

/* Register access by gdb number, for the stub and its tests: bytes in target (little-
 * endian) order; returns the size in bytes, or 0 for an unknown (or, writing, read-only)
 * register. */
int gdb_read_register(X86CPU *cpu, int n, uint8_t *buf);
int gdb_write_register(X86CPU *cpu, int n, const uint8_t *buf);
int gdb_register_size(int n);

#endif
