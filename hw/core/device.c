/*
 * Board bookkeeping and the save-state serialiser.
 *
 * Serialised form (all little-endian): per VMStateDesc a u32 version, then each field in
 * table order: integers at their natural width, bools as one byte, timers as an i64
 * deadline (-1: idle), struct arrays element by element.
 */
#include "hw/core/device.h"

#include <stdlib.h>

#include "util/log.h"

void bytebuf_put(ByteBuf *b, const void *p, size_t n)
{
    if (n == 0) {
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->len + n) {
            cap *= 2;
        }
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bytebuf_free(ByteBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void put_le(ByteBuf *b, uint64_t v, unsigned n)
{
    uint8_t tmp[8];

    for (unsigned i = 0; i < n; i++) {
        tmp[i] = (uint8_t)(v >> (i * 8));
    }
    bytebuf_put(b, tmp, n);
}

static bool get_le(const uint8_t *buf, size_t len, size_t *pos, unsigned n, uint64_t *v)
{
    if (len - *pos < n || *pos > len) {
        return false;
    }
    *v = 0;
    for (unsigned i = 0; i < n; i++) {
        *v |= (uint64_t)buf[*pos + i] << (i * 8);
    }
    *pos += n;
    return true;
}

static void save_fields(const VMStateDesc *d, const uint8_t *s, ByteBuf *out)
{
    for (const VMStateField *f = d->fields; f->name; f++) {
        const uint8_t *p = s + f->offset;

        for (uint32_t i = 0; i < f->count; i++) {
            switch (f->type) {
            case VMS_TYPE_U8:
                put_le(out, ((const uint8_t *)p)[i], 1);
                break;
            case VMS_TYPE_U16:
                put_le(out, ((const uint16_t *)p)[i], 2);
                break;
            case VMS_TYPE_U32:
                put_le(out, ((const uint32_t *)p)[i], 4);
                break;
            case VMS_TYPE_U64:
                put_le(out, ((const uint64_t *)p)[i], 8);
                break;
            case VMS_TYPE_I32:
                put_le(out, (uint32_t)((const int32_t *)p)[i], 4);
                break;
            case VMS_TYPE_I64:
                put_le(out, (uint64_t)((const int64_t *)p)[i], 8);
                break;
            case VMS_TYPE_BOOL:
                put_le(out, ((const bool *)p)[i] ? 1 : 0, 1);
                break;
            case VMS_TYPE_TIMER:
                put_le(out, (uint64_t)timer_expire_time(((Timer *const *)p)[i]), 8);
                break;
            case VMS_TYPE_STRUCT:
                save_fields(f->sub, p + i * f->stride, out);
                break;
            }
        }
    }
}

void vmstate_save(const VMStateDesc *d, const void *s, ByteBuf *out)
{
    put_le(out, d->version, 4);
    save_fields(d, s, out);
}

static bool load_fields(const VMStateDesc *d, uint8_t *s, const uint8_t *buf, size_t len,
                        size_t *pos, uint32_t version)
{
    for (const VMStateField *f = d->fields; f->name; f++) {
        uint8_t *p = s + f->offset;

        if (f->since > version) {
            continue; /* not in a stream this old: keeps its value */
        }

        for (uint32_t i = 0; i < f->count; i++) {
            uint64_t v = 0;
            bool ok = true;

            switch (f->type) {
            case VMS_TYPE_U8:
                ok = get_le(buf, len, pos, 1, &v);
                ((uint8_t *)p)[i] = (uint8_t)v;
                break;
            case VMS_TYPE_U16:
                ok = get_le(buf, len, pos, 2, &v);
                ((uint16_t *)p)[i] = (uint16_t)v;
                break;
            case VMS_TYPE_U32:
                ok = get_le(buf, len, pos, 4, &v);
                ((uint32_t *)p)[i] = (uint32_t)v;
                break;
            case VMS_TYPE_U64:
                ok = get_le(buf, len, pos, 8, &v);
                ((uint64_t *)p)[i] = v;
                break;
            case VMS_TYPE_I32:
                ok = get_le(buf, len, pos, 4, &v);
                ((int32_t *)p)[i] = (int32_t)(uint32_t)v;
                break;
            case VMS_TYPE_I64:
                ok = get_le(buf, len, pos, 8, &v);
                ((int64_t *)p)[i] = (int64_t)v;
                break;
            case VMS_TYPE_BOOL:
                ok = get_le(buf, len, pos, 1, &v);
                ((bool *)p)[i] = v != 0;
                break;
            case VMS_TYPE_TIMER:
                ok = get_le(buf, len, pos, 8, &v);
                if (ok) {
                    Timer *t = ((Timer **)p)[i];

                    if ((int64_t)v < 0) {
                        timer_del(t);
                    } else {
                        timer_mod(t, (int64_t)v);
                    }
                }
                break;
            case VMS_TYPE_STRUCT:
                ok = load_fields(f->sub, p + i * f->stride, buf, len, pos, version);
                break;
            }
            if (!ok) {
                return false;
            }
        }
    }
    return true;
}

bool vmstate_load(const VMStateDesc *d, void *s, const uint8_t *buf, size_t len, size_t *pos)
{
    uint32_t oldest = d->min_version ? d->min_version : d->version;
    uint64_t version;

    if (!get_le(buf, len, pos, 4, &version) || version > d->version || version < oldest) {
        return false;
    }
    if (!load_fields(d, s, buf, len, pos, (uint32_t)version)) {
        return false;
    }
    return d->post_load ? d->post_load(s) == 0 : true;
}

void board_init(Board *b)
{
    memset(b, 0, sizeof(*b));
    b->mem = mem_new();
    b->io = io_new();
    b->smp = 1;
    b->a20_enabled = true;
}

void board_destroy(Board *b)
{
    for (int i = b->nb_devs - 1; i >= 0; i--) {
        if (b->devs[i].info->finalize) {
            b->devs[i].info->finalize(b->devs[i].state);
        }
        free(b->devs[i].state);
        b->devs[i].state = NULL;
    }
    b->nb_devs = 0;
    b->nb_polls = 0;
    b->pic = NULL;
    b->pit = NULL;
    mem_free(b->mem);
    b->mem = NULL;
    io_free(b->io);
    b->io = NULL;
}

void *board_add_device(Board *b, const DeviceInfo *info, int instance)
{
    void *s;

    if (b->nb_devs == BOARD_MAX_DEVICES) {
        fatal("board: too many devices (adding %s)", info->name);
    }
    s = info->init(b, instance);
    b->devs[b->nb_devs].info = info;
    b->devs[b->nb_devs].state = s;
    b->devs[b->nb_devs].instance = instance;
    b->nb_devs++;
    return s;
}

void *board_find_device(Board *b, const char *name, int instance)
{
    for (int i = 0; i < b->nb_devs; i++) {
        if (strcmp(b->devs[i].info->name, name) == 0 && b->devs[i].instance == instance) {
            return b->devs[i].state;
        }
    }
    return NULL;
}

void board_reset(Board *b)
{
    b->a20_enabled = true;
    for (int i = 0; i < b->nb_devs; i++) {
        if (b->devs[i].info->reset) {
            b->devs[i].info->reset(b->devs[i].state);
        }
    }
}

void board_add_poll(Board *b, void (*poll)(void *opaque), void *opaque)
{
    if (b->nb_polls == BOARD_MAX_POLLS) {
        fatal("board: too many poll handlers");
    }
    b->polls[b->nb_polls].poll = poll;
    b->polls[b->nb_polls].opaque = opaque;
    b->nb_polls++;
}

void board_poll(Board *b)
{
    for (int i = 0; i < b->nb_polls; i++) {
        b->polls[i].poll(b->polls[i].opaque);
    }
}

bool board_info(Board *b, const char *what, FILE *out)
{
    bool answered = false;

    for (int i = 0; i < b->nb_devs; i++) {
        if (b->devs[i].info->info && b->devs[i].info->info(b->devs[i].state, what, out)) {
            answered = true;
        }
    }
    return answered;
}

/* Per device: name length (u32), name, instance (u32), payload length (u32), payload. */
void board_save(Board *b, ByteBuf *out)
{
    put_le(out, (uint64_t)b->nb_devs, 4);
    for (int i = 0; i < b->nb_devs; i++) {
        const DeviceInfo *info = b->devs[i].info;
        ByteBuf dev = {0};
        size_t n = strlen(info->name);

        if (info->vmsd) {
            vmstate_save(info->vmsd, b->devs[i].state, &dev);
        }
        put_le(out, n, 4);
        bytebuf_put(out, info->name, n);
        put_le(out, (uint64_t)b->devs[i].instance, 4);
        put_le(out, dev.len, 4);
        if (dev.len) {
            bytebuf_put(out, dev.data, dev.len);
        }
        bytebuf_free(&dev);
    }
}

bool board_load(Board *b, const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    uint64_t count;

    if (!get_le(buf, len, &pos, 4, &count)) {
        return false;
    }
    for (uint64_t k = 0; k < count; k++) {
        uint64_t n, instance, plen;
        char name[64];
        void *s;
        int idx = -1;

        if (!get_le(buf, len, &pos, 4, &n) || n >= sizeof(name) || len - pos < n) {
            return false;
        }
        memcpy(name, buf + pos, (size_t)n);
        name[n] = 0;
        pos += (size_t)n;
        if (!get_le(buf, len, &pos, 4, &instance) || !get_le(buf, len, &pos, 4, &plen) ||
            len - pos < plen) {
            return false;
        }
        s = board_find_device(b, name, (int)instance);
        for (int i = 0; i < b->nb_devs; i++) {
            if (b->devs[i].state == s) {
                idx = i;
            }
        }
        if (!s || idx < 0) {
            warn("saved state: no device %s.%d here (skipped)", name, (int)instance);
        } else if (b->devs[idx].info->vmsd) {
            size_t dpos = 0;

            if (!vmstate_load(b->devs[idx].info->vmsd, s, buf + pos, (size_t)plen, &dpos)) {
                warn("saved state: device %s.%d does not load", name, (int)instance);
                return false;
            }
        }
        pos += (size_t)plen;
    }
    return true;
}

void board_request_reset(Board *b)
{
    if (b->request_reset) {
        b->request_reset(b->machine);
    }
}

void board_request_shutdown(Board *b, int status)
{
    if (b->request_shutdown) {
        b->request_shutdown(b->machine, status);
    }
}

void board_request_poweroff(Board *b)
{
    if (b->request_poweroff) {
        b->request_poweroff(b->machine);
    } else {
        board_request_shutdown(b, 0);
    }
}

void board_set_a20(Board *b, bool enabled)
{
    b->a20_enabled = enabled;
    if (b->set_a20) {
        b->set_a20(b->machine, enabled);
    }
}
