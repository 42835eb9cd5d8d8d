/*
 * Variable-length data HDF5 read: strings and sequences at any depth come
 * back in memory HDF5 allocated.  ha_vlen_repack copies the elements and
 * everything they point at into one block of ours (so the result is freed
 * with one free() on any thread) and gives HDF5's memory back on the
 * executing thread, the only one that may call HDF5.
 */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* Bytes that the variable-length data `n` elements of `t` at `p` point at
 * need in the block (sequences 8-byte aligned). */
static size_t measure(const ha_type *t, const char *p, size_t n)
{
    size_t total = 0;
    if (!ha_type_has_vlen(t))
        return 0;
    for (size_t k = 0; k < n; k++, p += t->size) {
        switch (t->cls) {
        case HA_T_VLSTR: {
            const char *s = ha_slot_get((void *const *)p);
            total += (s ? strlen(s) : 0) + 1;
            break;
        }
        case HA_T_VLSEQ: {
            hvl_t v;
            memcpy(&v, p, sizeof v);
            total += ALIGN8(v.len * t->base->size) + measure(t->base, v.p, v.len);
            break;
        }
        case HA_T_ARRAY: {
            uint64_t m = 1;
            for (int i = 0; i < t->arank; i++)
                m *= t->adims[i];
            total += measure(t->base, p, (size_t)m);
            break;
        }
        case HA_T_COMPOUND:
            for (int i = 0; i < t->nfields; i++)
                total += measure(t->fields[i].type, p + t->fields[i].offset, 1);
            break;
        default:
            break;
        }
    }
    return total;
}

/* Point the `n` elements at `p` (already copied into the block) at copies,
 * from `tail` on, of what they point at in HDF5's memory; returns the new
 * tail. */
static char *relocate(const ha_type *t, char *p, size_t n, char *tail)
{
    if (!ha_type_has_vlen(t))
        return tail;
    for (size_t k = 0; k < n; k++, p += t->size) {
        switch (t->cls) {
        case HA_T_VLSTR: {
            const char *s = ha_slot_get((void *const *)p);
            size_t len = s ? strlen(s) : 0;
            memcpy(tail, s ? s : "", len + 1);
            ha_slot_set((void **)p, tail);
            tail += len + 1;
            break;
        }
        case HA_T_VLSEQ: {
            hvl_t v;
            memcpy(&v, p, sizeof v);
            size_t nb = v.len * t->base->size;
            char *mine = tail;
            if (nb)
                memcpy(mine, v.p, nb);
            tail = relocate(t->base, mine, v.len, tail + ALIGN8(nb));
            v.p = mine;
            memcpy(p, &v, sizeof v);
            break;
        }
        case HA_T_ARRAY: {
            uint64_t m = 1;
            for (int i = 0; i < t->arank; i++)
                m *= t->adims[i];
            tail = relocate(t->base, p, (size_t)m, tail);
            break;
        }
        case HA_T_COMPOUND:
            for (int i = 0; i < t->nfields; i++)
                tail = relocate(t->fields[i].type, p + t->fields[i].offset, 1, tail);
            break;
        default:
            break;
        }
    }
    return tail;
}

void ha_vlen_reclaim(hid_t mtype, hid_t space, void *buf)
{
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mtype, space, H5P_DEFAULT, buf);
#else
    H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf);
#endif
    free(buf);
}

void *ha_vlen_dup(const ha_type *type, size_t n, const void *src, size_t *nbytes)
{
    size_t head = n * type->size, total = ALIGN8(head) + measure(type, src, n);
    char *dst = malloc(total ? total : 1);
    if (dst) {
        memcpy(dst, src, head);
        relocate(type, dst, n, dst + ALIGN8(head));
        *nbytes = total;
    }
    return dst;
}

int ha_vlen_repack(ha_task *t, const ha_type *type, hid_t mtype, hid_t space, size_t n,
                   void *src)
{
    size_t total = 0;
    char *dst = ha_vlen_dup(type, n, src, &total);
    ha_vlen_reclaim(mtype, space, src);
    t->result.data = dst;
    t->result.nbytes = total;
    return dst ? 0 : ha_op_fail_code(t, HA_E_NOMEM, "out of memory");
}
