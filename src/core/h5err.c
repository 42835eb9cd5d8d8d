#define _GNU_SOURCE
/*
 * HDF5 error stack capture and classification.
 *
 * HDF5 reports an error as a stack of (major, minor, description) entries,
 * innermost last when walked downward.  We keep the whole text for the user
 * and classify the failure once, here, into an ha_ecode; the extension maps
 * codes to Python exceptions in its own single table.
 */
#include "h5err.h"

#include <hdf5.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ha_error oom_error = {
    .refcount = 1 << 30, /* never freed */
    .code = HA_E_NOMEM,
    .op = "engine",
    .path = "",
    .message = "out of memory while recording an error",
};

static char *dup_or_empty(const char *s)
{
    char *d = strdup(s ? s : "");
    return d;
}

ha_error *ha_error_ref(ha_error *e)
{
    if (e)
        __atomic_add_fetch(&e->refcount, 1, __ATOMIC_RELAXED);
    return e;
}

void ha_error_unref(ha_error *e)
{
    if (!e || e == &oom_error)
        return;
    if (__atomic_sub_fetch(&e->refcount, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    ha_error_unref(e->cause);
    free(e->op);
    free(e->path);
    free(e->message);
    free(e->stack);
    free(e);
}

static ha_error *error_alloc(ha_ecode code, const char *op, const char *path)
{
    ha_error *e = calloc(1, sizeof *e);
    if (!e)
        return &oom_error;
    e->refcount = 1;
    e->code = code;
    e->op = dup_or_empty(op);
    e->path = dup_or_empty(path);
    if (!e->op || !e->path) {
        ha_error_unref(e);
        return &oom_error;
    }
    return e;
}

ha_error *ha_error_new(ha_ecode code, const char *op, const char *path,
                       const char *fmt, ...)
{
    ha_error *e = error_alloc(code, op, path);
    if (e == &oom_error)
        return e;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&e->message, fmt, ap) < 0)
        e->message = NULL;
    va_end(ap);
    if (!e->message)
        e->message = dup_or_empty("");
    return e;
}

ha_error *ha_error_dependency(const char *op, const char *path,
                              ha_error *root)
{
    while (root && root->code == HA_E_DEPENDENCY && root->cause)
        root = root->cause;
    ha_error *e = ha_error_new(
        HA_E_DEPENDENCY, op, path, "depends on a failed operation: %s '%s': %s",
        root ? root->op : "?", root ? root->path : "?",
        root ? root->message : "?");
    if (e != &oom_error)
        e->cause = ha_error_ref(root);
    return e;
}

void ha_h5err_quiet_thread(void)
{
    static __thread int quiet;
    if (!quiet) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        quiet = 1;
    }
}

/* What we collect while walking the stack. */
typedef struct {
    ha_ecode code;
    int code_depth;     /* depth of the entry that set `code` */
    int sys_errno;
    int depth;
    char inner[512];    /* innermost description */
    char minor[128];    /* innermost minor message */
    char *text;         /* growing stack text */
    size_t len, cap;
} walk_state;

/*
 * Minor codes that say what kind of failure this is.  Checked from the
 * innermost entry outward, the first match wins, because the innermost
 * entry is the one that knows the real cause ("name already exists") while
 * outer ones only say which call failed ("unable to create group").
 */
static ha_ecode classify(hid_t maj, hid_t min)
{
    if (min == H5E_NOTFOUND || min == H5E_CANTOPENOBJ)
        return HA_E_NOT_FOUND;
    if (min == H5E_EXISTS || min == H5E_ALREADYEXISTS)
        return HA_E_EXISTS;
    if (min == H5E_BADTYPE || min == H5E_CANTCONVERT || min == H5E_UNSUPPORTED)
        return maj == H5E_ARGS ? HA_E_VALUE : HA_E_TYPE;
    if (min == H5E_BADRANGE || min == H5E_BADVALUE || min == H5E_BADSELECT)
        return HA_E_VALUE;
    if (min == H5E_CANTOPENFILE || min == H5E_FILEEXISTS ||
        min == H5E_FILEOPEN || min == H5E_NOTHDF5 || min == H5E_TRUNCATED ||
        min == H5E_READERROR || min == H5E_WRITEERROR ||
        min == H5E_SEEKERROR || min == H5E_CLOSEERROR ||
        min == H5E_CANTCREATE || min == H5E_SYSERRSTR || min == H5E_NOSPACE ||
        min == H5E_CANTFLUSH || min == H5E_OVERFLOW || min == H5E_BADFILE)
        return HA_E_IO;
    if (maj == H5E_FILE || maj == H5E_IO || maj == H5E_VFL)
        return HA_E_IO;
    return HA_E_NONE;
}

static void append(walk_state *w, const char *s)
{
    size_t n = strlen(s);
    if (w->len + n + 1 > w->cap) {
        size_t cap = (w->cap ? w->cap * 2 : 1024) + n;
        char *t = realloc(w->text, cap);
        if (!t)
            return;
        w->text = t;
        w->cap = cap;
    }
    memcpy(w->text + w->len, s, n + 1);
    w->len += n;
}

static herr_t walk_cb(unsigned n, const H5E_error2_t *err, void *data)
{
    walk_state *w = data;
    char maj[128] = "", min[128] = "", line[1024];
    H5Eget_msg(err->maj_num, NULL, maj, sizeof maj);
    H5Eget_msg(err->min_num, NULL, min, sizeof min);
    snprintf(line, sizeof line, "  #%03u: %s line %u in %s(): %s\n"
             "    major: %s\n    minor: %s\n",
             n, err->file_name ? err->file_name : "?", err->line,
             err->func_name ? err->func_name : "?",
             err->desc ? err->desc : "", maj, min);
    append(w, line);
    /* Walking downward, later entries are deeper: keep overwriting. */
    snprintf(w->inner, sizeof w->inner, "%s", err->desc ? err->desc : "");
    snprintf(w->minor, sizeof w->minor, "%s", min);
    ha_ecode c = classify(err->maj_num, err->min_num);
    if (c != HA_E_NONE)
        w->code = c, w->code_depth = (int)n;
    const char *p = err->desc ? strstr(err->desc, "errno = ") : NULL;
    if (p)
        w->sys_errno = atoi(p + 8);
    else if (err->min_num == H5E_FILEEXISTS && !w->sys_errno)
        w->sys_errno = EEXIST; /* e.g. 'w-' on a file this process has open */
    w->depth = (int)n;
    return 0;
}

ha_error *ha_error_capture(const char *op, const char *path)
{
    walk_state w = {.code = HA_E_NONE};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    if (w.code == HA_E_NONE)
        w.code = HA_E_HDF5;
    /* The "no write intent" case is an argument error in h5py's eyes. */
    if (strstr(w.inner, "no write intent"))
        w.code = HA_E_READONLY;
    ha_error *e;
    /* The innermost description says the most ("name already exists"). */
    e = ha_error_new(w.code, op, path, "%s",
                     w.inner[0] ? w.inner : w.minor[0] ? w.minor : "HDF5 call failed");
    if (e == &oom_error) {
        free(w.text);
        return e;
    }
    e->sys_errno = w.sys_errno;
    e->stack = w.text; /* may be NULL when the stack was empty */
    return e;
}

int ha_errlist_add(ha_errlist *l, ha_error *e)
{
    if (l->n == l->cap) {
        /* Drop what was retrieved elsewhere first, so the list holds only
         * failures nobody has seen yet. */
        size_t k = 0;
        for (size_t i = 0; i < l->n; i++) {
            if (l->v[i]->retrieved)
                ha_error_unref(l->v[i]);
            else
                l->v[k++] = l->v[i];
        }
        l->n = k;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        ha_error **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = ha_error_ref(e);
    return 0;
}

ha_error **ha_errlist_take(ha_errlist *l, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i]->retrieved) {
            ha_error_unref(l->v[i]);
            continue;
        }
        l->v[i]->retrieved = 1;
        l->v[k++] = l->v[i];
    }
    ha_error **out = k ? l->v : NULL;
    if (!k)
        free(l->v);
    *n = k;
    l->v = NULL;
    l->n = l->cap = 0;
    return out;
}

size_t ha_errlist_pending(const ha_errlist *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        k += !l->v[i]->retrieved;
    return k;
}

void ha_errlist_clear(ha_errlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        ha_error_unref(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
