#include "desc.h"

#include <stdlib.h>
#include <string.h>

ha_type *ha_type_new(ha_tclass cls, size_t size, ha_order order)
{
    ha_type *t = calloc(1, sizeof *t);
    if (t) {
        t->cls = cls;
        t->size = size;
        /* a Python object's slot for numpy */
        t->osize = cls == HA_T_VLSEQ || cls == HA_T_REGREF ? sizeof(void *) : size;
        t->order = order;
    }
    return t;
}

void ha_type_free(ha_type *t)
{
    if (!t)
        return;
    for (int i = 0; t->fields && i < t->nfields; i++) {
        free(t->fields[i].name);
        ha_type_free(t->fields[i].type);
    }
    for (int i = 0; t->members && i < t->nfields; i++)
        free(t->members[i].name);
    free(t->fields);
    free(t->members);
    free(t->tag);
    ha_type_free(t->base);
    free(t);
}

ha_type *ha_type_copy(const ha_type *t)
{
    if (!t)
        return NULL;
    ha_type *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *t;
    c->fields = NULL;
    c->members = NULL;
    c->base = NULL;
    c->tag = NULL;
    if (t->base && !(c->base = ha_type_copy(t->base)))
        goto fail;
    if (t->tag && !(c->tag = strdup(t->tag)))
        goto fail;
    if (t->fields) {
        c->fields = calloc((size_t)t->nfields, sizeof *c->fields);
        if (!c->fields)
            goto fail;
        for (int i = 0; i < t->nfields; i++) {
            c->fields[i].offset = t->fields[i].offset;
            c->fields[i].ooffset = t->fields[i].ooffset;
            c->fields[i].name = strdup(t->fields[i].name);
            c->fields[i].type = ha_type_copy(t->fields[i].type);
            if (!c->fields[i].name || !c->fields[i].type)
                goto fail;
        }
    }
    if (t->members) {
        c->members = calloc((size_t)t->nfields, sizeof *c->members);
        if (!c->members)
            goto fail;
        for (int i = 0; i < t->nfields; i++) {
            c->members[i].value = t->members[i].value;
            if (!(c->members[i].name = strdup(t->members[i].name)))
                goto fail;
        }
    }
    return c;
fail:
    ha_type_free(c);
    return NULL;
}

void ha_type_widen(ha_type *t)
{
    if (t->base)
        ha_type_widen(t->base);
    if (t->cls == HA_T_ARRAY) {
        uint64_t m = 1;
        for (int i = 0; i < t->arank; i++)
            m *= t->adims[i];
        t->size = (size_t)m * t->base->size;
    } else if (t->cls == HA_T_COMPOUND) {
        size_t grown = 0;
        for (int i = 0; i < t->nfields; i++)
            ha_type_widen(t->fields[i].type);
        /* numpy's fields may be listed in any order of offsets */
        for (int i = 0; i < t->nfields; i++) {
            t->fields[i].offset = t->fields[i].ooffset;
            for (int j = 0; j < t->nfields; j++)
                if (t->fields[j].ooffset < t->fields[i].ooffset)
                    t->fields[i].offset += t->fields[j].type->size - t->fields[j].type->osize;
            grown += t->fields[i].type->size - t->fields[i].type->osize;
        }
        t->size = t->osize + grown;
    }
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int ha_type_equal(const ha_type *a, const ha_type *b)
{
    if (a == b)
        return 1;
    if (!a || !b || a->cls != b->cls || a->size != b->size || a->osize != b->osize ||
        a->order != b->order || a->cset != b->cset || a->nullpad != b->nullpad ||
        a->nfields != b->nfields || a->arank != b->arank || !str_eq(a->tag, b->tag) ||
        memcmp(a->adims, b->adims, (size_t)a->arank * sizeof a->adims[0]) ||
        !ha_type_equal(a->base, b->base))
        return 0;
    for (int i = 0; a->fields && i < a->nfields; i++)
        if (!b->fields || !str_eq(a->fields[i].name, b->fields[i].name) ||
            a->fields[i].offset != b->fields[i].offset ||
            a->fields[i].ooffset != b->fields[i].ooffset ||
            !ha_type_equal(a->fields[i].type, b->fields[i].type))
            return 0;
    for (int i = 0; a->members && i < a->nfields; i++)
        if (!b->members || !str_eq(a->members[i].name, b->members[i].name) ||
            a->members[i].value != b->members[i].value)
            return 0;
    return (a->fields == NULL) == (b->fields == NULL) && (a->members == NULL) == (b->members == NULL);
}

/* Whether `t` has a slot of a class in `mask` (1 << cls) at any depth. */
static int has_class(const ha_type *t, unsigned mask)
{
    if (!t)
        return 0;
    if (mask & (1u << t->cls))
        return 1;
    if (t->cls == HA_T_ARRAY)
        return has_class(t->base, mask);
    if (t->cls == HA_T_COMPOUND)
        for (int i = 0; i < t->nfields; i++)
            if (has_class(t->fields[i].type, mask))
                return 1;
    return 0;
}

#define VLEN_MASK ((1u << HA_T_VLSTR) | (1u << HA_T_VLSEQ))
#define OBJECT_MASK \
    ((1u << HA_T_VLSTR) | (1u << HA_T_REF) | (1u << HA_T_VLSEQ) | (1u << HA_T_REGREF))

int ha_type_has_vlen(const ha_type *t) { return has_class(t, VLEN_MASK); }
int ha_type_has_objects(const ha_type *t) { return has_class(t, OBJECT_MASK); }

void ha_vmaps_free(ha_vmap *m, int n)
{
    for (int i = 0; m && i < n; i++) {
        ha_sel_clear(&m[i].vsel);
        ha_sel_clear(&m[i].ssel);
        free(m[i].file);
        free(m[i].dset);
    }
    free(m);
}

void ha_sel_clear(ha_sel *s)
{
    free(s->list);
    free(s->points);
    s->list = s->points = NULL;
    s->nlist = s->npoints = 0;
}

int ha_count_of(int rank, const uint64_t *dims, uint64_t *out)
{
    uint64_t n = 1;
    for (int i = 0; i < rank; i++)
        if (dims[i] == 0) {
            *out = 0;
            return 0;
        }
    for (int i = 0; i < rank; i++)
        if (ha_mul_u64(n, dims[i], &n) < 0)
            return -1;
    *out = n;
    return 0;
}

int ha_bytes_of(uint64_t count, size_t itemsize, size_t *out)
{
    uint64_t n;
    if (ha_mul_u64(count, (uint64_t)itemsize, &n) < 0 || n > (uint64_t)SIZE_MAX)
        return -1;
    *out = (size_t)n;
    return 0;
}

int ha_sel_npoints(const ha_sel *s, uint64_t *out)
{
    switch (s->kind) {
    case HA_SEL_NONE:
        *out = 0;
        return 0;
    case HA_SEL_ALL:
        return ha_count_of(s->rank, s->dims, out);
    case HA_SEL_SLAB:
        return ha_count_of(s->rank, s->count, out);
    case HA_SEL_POINTS:
        *out = s->npoints;
        return 0;
    case HA_SEL_REGION:
        break; /* only the file knows */
    }
    *out = 0;
    return 0;
}
