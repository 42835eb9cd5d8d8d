/* Task allocation and release. */
#include "task.h"

#include <stdlib.h>

ha_task *ha_task_new(ha_opkind op)
{
    ha_task *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->refcount = 1;
    t->op = op;
    t->dcpl.gzip = -1;
    t->fopt.libver_lo = t->fopt.libver_hi = -1;
    return t;
}

ha_task *ha_task_ref(ha_task *t)
{
    __atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED);
    return t;
}

static uint64_t sel_bytes(const ha_sel *s)
{
    return (s->nlist + s->npoints * (uint64_t)(s->rank > 0 ? s->rank : 1)) * sizeof(uint64_t);
}

uint64_t ha_task_footprint(const ha_task *t)
{
    uint64_t n = sizeof *t + t->extra_bytes + sel_bytes(&t->fsel) + sel_bytes(&t->msel);
    if (t->own_buf)
        n += t->nbytes;
    if (t->type)
        n += sizeof *t->type;
    if (t->ftype)
        n += sizeof *t->ftype;
    return n;
}

static void result_clear(ha_result *r)
{
    ha_type_free(r->type);
    free(r->dcpl.fill);
    free(r->data);
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i]);
    free(r->names);
}

void ha_task_unref(ha_task *t)
{
    if (!t || __atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Handles are normally dropped by the executor right after running;
     * they are still here only if the task never ran. */
    ha_handle_unref(t->obj);
    ha_handle_unref(t->target);
    ha_es_unref(t->es);
    ha_error_unref(t->error);
    ha_handle_unref(t->obj2);
    free(t->name);
    free(t->name2);
    free(t->name3);
    ha_type_free(t->type);
    ha_type_free(t->ftype);
    ha_sel_clear(&t->fsel);
    ha_sel_clear(&t->msel);
    free(t->dcpl.fill);
    ha_vmaps_free(t->vmaps, t->nvmaps);
    if (t->own_buf)
        ha_stage_free(t->buf, t->nbytes); /* large ones are kept for reuse */
    result_clear(&t->result);
    free(t);
}
