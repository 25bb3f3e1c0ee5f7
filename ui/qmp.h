/*
 * QMP, the QEMU Machine Protocol (-qmp unix:PATH,server | tcp:HOST:PORT,server): JSON
 * commands and events for management tools and test scripts. One client at a time;
 * after a client disconnects the next one gets a fresh greeting and must negotiate again.
 *
 * Supported commands: qmp_capabilities, query-status, stop, cont, system_reset,
 * system_powerdown, quit, human-monitor-command, query-cpus-fast, query-version,
 * query-commands. Events: STOP, RESUME, RESET, SHUTDOWN, POWERDOWN.
 */
#ifndef X86PC_UI_QMP_H
#define X86PC_UI_QMP_H

#include "hw/machine.h"

void qmp_init(Machine *m, const ChardevSpec *spec);

#endif
