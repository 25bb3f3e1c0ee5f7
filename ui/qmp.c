/*
 * QMP server (see qmp.h). Wire format: one JSON object per command from the client;
 * each reply and event is one JSON object followed by CR LF.
 *
 *   <- {"QMP": {"version": {...}, "capabilities": []}}
 *   -> {"execute": "qmp_capabilities"}
 *   <- {"return": {}}
 *   -> {"execute": "query-status", "id": 1}
 *   <- {"return": {"running": true, "singlestep": false, "status": "running"}, "id": 1}
 *
 * Input is split into texts by util/json.c's streamer and parsed with a depth limit;
 * anything that is not a well-formed command object gets a GenericError reply and the
 * connection carries on.
 */
#include "ui/qmp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "ui/monitor.h"
#include "util/json.h"
#include "util/log.h"

typedef struct QmpServer {
    Machine *m;
    Chardev *chr;
    JsonStreamer st;
    bool connected;
    bool negotiated;
    bool shutdown;        /* the machine powered off (status "shutdown") */
    bool quit_requested;  /* by a QMP quit: the SHUTDOWN event says so */
    bool reset_requested; /* by a QMP system_reset */
    bool resumed;         /* the machine has been resumed at least once */
    /* error of the command being run */
    const char *err_class;
    char err_desc[256];
} QmpServer;

typedef JsonValue *QmpHandler(QmpServer *s, const JsonValue *args);

typedef struct QmpCommand {
    const char *name;
    QmpHandler *fn;
    const char *const *params; /* accepted argument names, NULL-terminated; NULL: none */
} QmpCommand;

static void qmp_set_error(QmpServer *s, const char *cls, const char *fmt, ...) PRINTF_FMT(3, 4);

static void qmp_set_error(QmpServer *s, const char *cls, const char *fmt, ...)
{
    va_list ap;

    s->err_class = cls;
    va_start(ap, fmt);
    vsnprintf(s->err_desc, sizeof(s->err_desc), fmt, ap);
    va_end(ap);
}

static void qmp_send(QmpServer *s, const JsonValue *v)
{
    char *text = json_to_string(v);

    chr_write(s->chr, text, strlen(text));
    chr_write(s->chr, "\r\n", 2);
    free(text);
}

static void qmp_version(int *major, int *minor, int *micro)
{
    *major = *minor = *micro = 0;
    if (sscanf(X86PC_VERSION, "%d.%d.%d", major, minor, micro) < 1) {
        *major = 0;
    }
}

/* ---- commands ---- */

/* Paused since the start (-S), before any vCPU ran an instruction: QEMU's "prelaunch"
 * state. (A cont at once followed by a stop may find no instruction run yet: the resume
 * counts.) */
static bool qmp_prelaunch(QmpServer *s)
{
    if (!machine_is_paused(s->m) || s->resumed) {
        return false;
    }
    for (int i = 0; i < machine_nb_cpus(s->m); i++) {
        if (machine_cpu(s->m, i)->icount != 0) {
            return false;
        }
    }
    return true;
}

static JsonValue *qmp_cmd_status(QmpServer *s, const JsonValue *args)
{
    JsonValue *r = json_new_object();
    bool paused = machine_is_paused(s->m);
    const char *status = s->shutdown ? "shutdown"
                         : qmp_prelaunch(s) ? "prelaunch"
                         : paused ? "paused" : "running";

    json_object_set(r, "running", json_new_bool(!paused && !s->shutdown));
    json_object_set(r, "singlestep", json_new_bool(false));
    json_object_set(r, "status", json_new_string(status));
    return r;
}

static JsonValue *qmp_cmd_stop(QmpServer *s, const JsonValue *args)
{
    machine_pause(s->m);
    return json_new_object();
}

static JsonValue *qmp_cmd_cont(QmpServer *s, const JsonValue *args)
{
    if (s->shutdown) {
        /* As QEMU: after a guest power-off under -no-shutdown, only a reset continues. */
        qmp_set_error(s, "GenericError", "Resetting the Virtual Machine is required");
        return NULL;
    }
    machine_resume(s->m);
    return json_new_object();
}

static JsonValue *qmp_cmd_system_reset(QmpServer *s, const JsonValue *args)
{
    s->reset_requested = true;
    machine_request_reset(s->m);
    return json_new_object();
}

static JsonValue *qmp_cmd_system_powerdown(QmpServer *s, const JsonValue *args)
{
    machine_request_powerdown(s->m);
    return json_new_object();
}

static JsonValue *qmp_cmd_quit(QmpServer *s, const JsonValue *args)
{
    s->quit_requested = true;
    machine_request_shutdown(s->m, 0);
    return json_new_object();
}

static JsonValue *qmp_cmd_hmp(QmpServer *s, const JsonValue *args)
{
    const char *cmd = json_string_value(json_object_get(args, "command-line"));
    const JsonValue *cpu = json_object_get(args, "cpu-index");
    int old = -1;
    char *out;
    JsonValue *r;

    if (!cmd) {
        qmp_set_error(s, "GenericError", "Parameter 'command-line' is missing or not a string");
        return NULL;
    }
    if (cpu) {
        if (cpu->type != JSON_INT || cpu->u.i < 0 || cpu->u.i >= machine_nb_cpus(s->m)) {
            qmp_set_error(s, "GenericError", "Parameter 'cpu-index' is not a valid CPU index");
            return NULL;
        }
        old = monitor_select_cpu(s->m, (int)cpu->u.i);
    }
    out = monitor_execute_to_string(s->m, cmd);
    if (old >= 0) {
        monitor_select_cpu(s->m, old);
    }
    r = json_new_string(out);
    free(out);
    return r;
}

static JsonValue *qmp_cmd_cpus_fast(QmpServer *s, const JsonValue *args)
{
    JsonValue *arr = json_new_array();

    for (int i = 0; i < machine_nb_cpus(s->m); i++) {
        JsonValue *c = json_new_object();
        char path[64];

        snprintf(path, sizeof(path), "/machine/cpu[%d]", i);
        json_object_set(c, "cpu-index", json_new_int(i));
        json_object_set(c, "qom-path", json_new_string(path));
        /* all vCPUs run on the main thread */
        json_object_set(c, "thread-id", json_new_int((int64_t)getpid()));
        json_object_set(c, "target", json_new_string("i386"));
        json_array_append(arr, c);
    }
    return arr;
}

static JsonValue *qmp_version_object(void)
{
    JsonValue *v = json_new_object(), *q = json_new_object();
    int major, minor, micro;

    qmp_version(&major, &minor, &micro);
    json_object_set(q, "micro", json_new_int(micro));
    json_object_set(q, "minor", json_new_int(minor));
    json_object_set(q, "major", json_new_int(major));
    json_object_set(v, "qemu", q);
    json_object_set(v, "package", json_new_string("x86pc " X86PC_VERSION));
    return v;
}

static JsonValue *qmp_cmd_version(QmpServer *s, const JsonValue *args)
{
    return qmp_version_object();
}

static JsonValue *qmp_cmd_commands(QmpServer *s, const JsonValue *args);

static JsonValue *qmp_cmd_capabilities(QmpServer *s, const JsonValue *args)
{
    return json_new_object(); /* the handshake state is handled by the dispatcher */
}

static const char *const hmp_params[] = {"command-line", "cpu-index", NULL};
static const char *const caps_params[] = {"enable", NULL};

static const QmpCommand qmp_commands[] = {
    {"qmp_capabilities", qmp_cmd_capabilities, caps_params},
    {"query-status", qmp_cmd_status, NULL},
    {"stop", qmp_cmd_stop, NULL},
    {"cont", qmp_cmd_cont, NULL},
    {"system_reset", qmp_cmd_system_reset, NULL},
    {"system_powerdown", qmp_cmd_system_powerdown, NULL},
    {"quit", qmp_cmd_quit, NULL},
    {"human-monitor-command", qmp_cmd_hmp, hmp_params},
    {"query-cpus-fast", qmp_cmd_cpus_fast, NULL},
    {"query-version", qmp_cmd_version, NULL},
    {"query-commands", qmp_cmd_commands, NULL},
};

static JsonValue *qmp_cmd_commands(QmpServer *s, const JsonValue *args)
{
    JsonValue *arr = json_new_array();

    for (size_t i = 0; i < ARRAY_SIZE(qmp_commands); i++) {
        JsonValue *c = json_new_object();
        json_object_set(c, "name", json_new_string(qmp_commands[i].name));
        json_array_append(arr, c);
    }
    return arr;
}

/* ---- dispatch ---- */

static bool qmp_check_args(QmpServer *s, const QmpCommand *cmd, const JsonValue *args)
{
    if (!args) {
        return true;
    }
    for (size_t i = 0; i < args->u.obj.n; i++) {
        bool ok = false;
        for (const char *const *p = cmd->params; p && *p; p++) {
            ok |= strcmp(*p, args->u.obj.keys[i]) == 0;
        }
        if (!ok) {
            qmp_set_error(s, "GenericError", "Parameter '%.64s' is unexpected",
                          args->u.obj.keys[i]);
            return false;
        }
    }
    return true;
}

static void qmp_reply_error(QmpServer *s, const JsonValue *id)
{
    JsonValue *r = json_new_object(), *e = json_new_object();

    json_object_set(e, "class", json_new_string(s->err_class));
    json_object_set(e, "desc", json_new_string(s->err_desc));
    json_object_set(r, "error", e);
    if (id) {
        json_object_set(r, "id", json_clone(id));
    }
    qmp_send(s, r);
    json_free(r);
}

static void qmp_dispatch(QmpServer *s, JsonValue *req)
{
    const JsonValue *id = json_object_get(req, "id");
    const JsonValue *exec = json_object_get(req, "execute");
    const JsonValue *args = json_object_get(req, "arguments");
    const char *name;
    const QmpCommand *cmd = NULL;
    JsonValue *ret, *r;

    s->err_class = NULL;
    if (req->type != JSON_OBJECT) {
        qmp_set_error(s, "GenericError", "QMP input must be a JSON object");
        qmp_reply_error(s, NULL);
        return;
    }
    for (size_t i = 0; i < req->u.obj.n; i++) {
        const char *k = req->u.obj.keys[i];
        if (strcmp(k, "execute") && strcmp(k, "arguments") && strcmp(k, "id")) {
            qmp_set_error(s, "GenericError", "QMP input member '%.64s' is unexpected", k);
            qmp_reply_error(s, id);
            return;
        }
    }
    if (!exec) {
        qmp_set_error(s, "GenericError", "QMP input lacks member 'execute'");
        qmp_reply_error(s, id);
        return;
    }
    name = json_string_value(exec);
    if (!name) {
        qmp_set_error(s, "GenericError", "QMP input member 'execute' must be a string");
        qmp_reply_error(s, id);
        return;
    }
    if (args && args->type != JSON_OBJECT) {
        qmp_set_error(s, "GenericError", "QMP input member 'arguments' must be an object");
        qmp_reply_error(s, id);
        return;
    }
    if (!s->negotiated && strcmp(name, "qmp_capabilities") != 0) {
        qmp_set_error(s, "CommandNotFound",
                      "Expecting capabilities negotiation with 'qmp_capabilities'");
        qmp_reply_error(s, id);
        return;
    }
    if (s->negotiated && strcmp(name, "qmp_capabilities") == 0) {
        qmp_set_error(s, "CommandNotFound",
                      "Capabilities negotiation is already complete, command ignored");
        qmp_reply_error(s, id);
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(qmp_commands); i++) {
        if (strcmp(qmp_commands[i].name, name) == 0) {
            cmd = &qmp_commands[i];
        }
    }
    if (!cmd) {
        qmp_set_error(s, "CommandNotFound", "The command %.64s has not been found", name);
        qmp_reply_error(s, id);
        return;
    }
    if (!qmp_check_args(s, cmd, args)) {
        qmp_reply_error(s, id);
        return;
    }
    ret = cmd->fn(s, args);
    if (!ret) {
        qmp_reply_error(s, id);
        return;
    }
    if (cmd->fn == qmp_cmd_capabilities) {
        s->negotiated = true;
    }
    r = json_new_object();
    json_object_set(r, "return", ret);
    if (id) {
        json_object_set(r, "id", json_clone(id));
    }
    qmp_send(s, r);
    json_free(r);
}

static void qmp_text(void *opaque, const char *text, size_t len)
{
    QmpServer *s = opaque;
    char err[128];
    JsonValue *req = json_parse(text, len, err, sizeof(err));

    if (!req) {
        qmp_set_error(s, "GenericError", "JSON parse error, %s", err);
        qmp_reply_error(s, NULL);
        return;
    }
    qmp_dispatch(s, req);
    json_free(req);
}

/* ---- events ---- */

static void qmp_event(void *opaque, MachineEvent ev)
{
    static const char *const names[] = {
        [MEV_STOP] = "STOP", [MEV_RESUME] = "RESUME", [MEV_RESET] = "RESET",
        [MEV_SHUTDOWN] = "SHUTDOWN", [MEV_POWERDOWN] = "POWERDOWN",
    };
    QmpServer *s = opaque;
    JsonValue *e, *ts, *data = NULL;
    struct timeval tv;

    if (ev == MEV_SHUTDOWN) {
        s->shutdown = true;
    } else if (ev == MEV_RESET || ev == MEV_RESUME) {
        s->shutdown = false;
    }
    if (ev == MEV_RESUME) {
        s->resumed = true;
    }
    if ((unsigned)ev >= ARRAY_SIZE(names) || !names[ev] || !s->connected || !s->negotiated) {
        if (ev == MEV_RESET) {
            s->reset_requested = false;
        }
        return;
    }
    if (ev == MEV_SHUTDOWN) {
        bool quit = s->quit_requested || monitor_quit_requested();
        /* A system_reset under -no-reboot ends as a shutdown, without a RESET. */
        bool reset = !quit && s->reset_requested;
        data = json_new_object();
        json_object_set(data, "guest", json_new_bool(!quit && !reset));
        json_object_set(data, "reason", json_new_string(quit ? "host-qmp-quit"
                                                        : reset ? "host-qmp-system-reset"
                                                        : "guest-shutdown"));
        s->reset_requested = false;
    } else if (ev == MEV_RESET) {
        data = json_new_object();
        json_object_set(data, "guest", json_new_bool(!s->reset_requested));
        json_object_set(data, "reason", json_new_string(s->reset_requested
                                                            ? "host-qmp-system-reset"
                                                            : "guest-reset"));
        s->reset_requested = false;
    }
    gettimeofday(&tv, NULL);
    e = json_new_object();
    json_object_set(e, "event", json_new_string(names[ev]));
    if (data) {
        json_object_set(e, "data", data);
    }
    ts = json_new_object();
    json_object_set(ts, "seconds", json_new_int((int64_t)tv.tv_sec));
    json_object_set(ts, "microseconds", json_new_int((int64_t)tv.tv_usec));
    json_object_set(e, "timestamp", ts);
    qmp_send(s, e);
    json_free(e);
}

/* ---- connection ---- */

static void qmp_connected(QmpServer *s, bool connected)
{
    if (connected == s->connected) {
        return;
    }
    s->connected = connected;
    s->negotiated = false;
    json_streamer_reset(&s->st);
    if (connected) {
        JsonValue *g = json_new_object(), *q = json_new_object();
        json_object_set(q, "version", qmp_version_object());
        json_object_set(q, "capabilities", json_new_array());
        json_object_set(g, "QMP", q);
        qmp_send(s, g);
        json_free(g);
    }
}

static void qmp_chr_event(void *opaque, bool connected)
{
    qmp_connected(opaque, connected);
}

static void qmp_poll(void *opaque)
{
    QmpServer *s = opaque;
    char buf[4096];
    size_t n;

    if (chr_connected(s->chr) != s->connected) {
        qmp_connected(s, chr_connected(s->chr));
    }
    /* Bounded per call, so a flooding client cannot starve the guest. */
    for (int i = 0; i < 16 && (n = chr_read(s->chr, buf, sizeof(buf))) > 0; i++) {
        if (!s->connected) {
            qmp_connected(s, true);
        }
        json_streamer_feed(&s->st, buf, n, qmp_text, s);
    }
}

void qmp_init(Machine *m, const ChardevSpec *spec)
{
    static QmpServer qmp;
    char err[256];

    qmp.m = m;
    json_streamer_init(&qmp.st);
    qmp.chr = chr_open(spec, "qmp", err, sizeof(err));
    if (!qmp.chr) {
        fatal("%s", err);
    }
    chr_set_handlers(qmp.chr, qmp_chr_event, &qmp);
    machine_add_poll_handler(m, qmp_poll, &qmp);
    machine_add_event_handler(m, qmp_event, &qmp);
}
