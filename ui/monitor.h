/*
 * The human monitor: a small command language for inspecting and controlling the
 * machine (-monitor stdio|tcp:...; also reached through gdb's `monitor CMD` and QMP's
 * human-monitor-command). Type `help` for the command list.
 */
#ifndef X86PC_UI_MONITOR_H
#define X86PC_UI_MONITOR_H

#include <stdio.h>

#include "hw/machine.h"

/* Serve the monitor on spec (fatal() if it cannot be opened). Prompt: "(x86pc) ". */
void monitor_init(Machine *m, const ChardevSpec *spec);

/* Run one command line, writing its output to out. Returns false if the command is
 * unknown or failed (the output then holds a one-line error). */
bool monitor_execute(Machine *m, const char *cmdline, FILE *out);
/* The same, returning the output as a malloc'd string (free() it). */
char *monitor_execute_to_string(Machine *m, const char *cmdline);

/* Select the CPU that monitor commands look at; returns the previous index, or -1 (and
 * changes nothing) if index is out of range. */
int monitor_select_cpu(Machine *m, int index);
/* True once `quit` was requested through the monitor (QMP reports the reason). */
bool monitor_quit_requested(void);

/* Key names of `sendkey` to PC scancode set 1: writes the make code (with its 0xE0
 * prefix for extended keys) into out and returns its length (1 or 2), 0 if unknown.
 * Also accepts a hex scancode such as "0x1e". */
int monitor_keyname_to_scancode(const char *name, uint8_t out[2]);

#endif
