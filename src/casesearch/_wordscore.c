/* A word's scores over the pages, in one pass: scoring._word_scores' arithmetic, compiled.
 *
 * scoring.py keeps the reference: numpy arrays, about ten numpy calls for each way a word
 * can match (its French and English stems, its family, its completions), each over the
 * pages looked at, or over every page for a common word. This module does the same
 * arithmetic page by page, walking each term's posting list once, in the order numpy
 * combines the arrays, so each page's score is the same float (tests/test_wordscore.py
 * compares them on every word of the judged queries and on generated ones).
 *
 *   score(english, within, groups, compound, exact, bonus) -> (docs, values)
 *
 * english: the pages in English, one byte a page (the Postings' english_mask)
 * within:  the pages to look at (int64 docnums, ascending), or None: every page holding
 *          the rarest term of one of the ways (the others score 0.0 and are left out)
 * groups:  [[(terms, for_english, weight), ...], ...]: the ways of each group, `terms` a
 *          list of (docs, values) per term (int64 docnums ascending, float64 BM25F)
 * exact:   [(docs, values), ...]: the exact forms' BM25 in the words field
 * Returns the pages scoring above 0.0, ascending, and their scores, as two bytearrays
 * (int64, float64) for numpy.frombuffer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const int64_t *docs;
    const double *values;
    Py_ssize_t n;
    Py_ssize_t at;   /* a cursor: pages are looked up in ascending order */
} List;

typedef struct {
    Py_ssize_t first, count;   /* its terms: lists[first .. first+count) */
    Py_ssize_t rarest;         /* the list with the fewest pages */
    int group, for_english;
    double weight;
} Way;

typedef struct {
    Py_buffer *views;
    Py_ssize_t nviews, cap;
} Views;

static void release(Views *v) {
    for (Py_ssize_t i = 0; i < v->nviews; i++)
        PyBuffer_Release(&v->views[i]);
    PyMem_Free(v->views);
}

/* a contiguous buffer of `itemsize`-byte items of the struct format `kinds` */
static int take(Views *v, PyObject *obj, Py_ssize_t itemsize, const char *kinds, const void **data, Py_ssize_t *n) {
    if (v->nviews == v->cap) {
        Py_ssize_t cap = v->cap ? v->cap * 2 : 16;
        Py_buffer *grown = PyMem_Realloc(v->views, cap * sizeof(Py_buffer));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        v->views = grown;
        v->cap = cap;
    }
    Py_buffer *view = &v->views[v->nviews];
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    v->nviews++;
    const char *format = view->format ? view->format : "B";
    if (format[0] == '<' || format[0] == '=' || format[0] == '@')
        format++;
    if (view->itemsize != itemsize || format[0] == '\0' || format[1] != '\0' || strchr(kinds, format[0]) == NULL) {
        PyErr_Format(PyExc_TypeError, "expected an array of %zd-byte items (%s), not format '%s'", itemsize, kinds,
                     view->format ? view->format : "B");
        return -1;
    }
    *data = view->buf;
    *n = view->len / itemsize;
    return 0;
}

/* room for one more item in a growing array of `size`-byte items */
static int grow(void **items, Py_ssize_t count, Py_ssize_t *cap, size_t size) {
    if (count < *cap)
        return 0;
    Py_ssize_t more = *cap ? *cap * 2 : 8;
    void *grown = PyMem_Realloc(*items, more * size);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *items = grown;
    *cap = more;
    return 0;
}

/* one more posting list, from a (docs, values) pair: int64 docnums, float64 values */
static int add_list(Views *v, List **lists, Py_ssize_t *n, Py_ssize_t *cap, PyObject *pair) {
    PyObject *docs, *values;
    Py_ssize_t nv;
    if (!PyArg_ParseTuple(pair, "OO", &docs, &values) || grow((void **)lists, *n, cap, sizeof(List)) < 0)
        return -1;
    List *l = &(*lists)[*n];
    if (take(v, docs, 8, "qlQL", (const void **)&l->docs, &l->n) < 0 ||
        take(v, values, 8, "d", (const void **)&l->values, &nv) < 0)
        return -1;
    if (nv != l->n) {
        PyErr_SetString(PyExc_ValueError, "a list's docs and values differ in length");
        return -1;
    }
    l->at = 0;
    (*n)++;
    return 0;
}

/* room for `bound` pages and their values */
static int room(Py_ssize_t bound, int64_t **docs, double **values) {
    *docs = PyMem_Malloc((bound ? bound : 1) * sizeof(int64_t));
    *values = PyMem_Malloc((bound ? bound : 1) * sizeof(double));
    if (*docs == NULL || *values == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* the least page the lists' cursors are at (INT64_MAX when every list is read to its end) */
static inline int64_t least(const List *lists, Py_ssize_t n) {
    int64_t d = INT64_MAX;
    for (Py_ssize_t k = 0; k < n; k++)
        if (lists[k].at < lists[k].n && lists[k].docs[lists[k].at] < d)
            d = lists[k].docs[lists[k].at];
    return d;
}

/* (docs, values) as two bytearrays, for numpy.frombuffer */
static PyObject *pages_and_values(const int64_t *docs, const double *values, Py_ssize_t n) {
    PyObject *d = PyByteArray_FromStringAndSize((const char *)docs, n * (Py_ssize_t)sizeof(int64_t));
    PyObject *v = d ? PyByteArray_FromStringAndSize((const char *)values, n * (Py_ssize_t)sizeof(double)) : NULL;
    PyObject *result = (d != NULL && v != NULL) ? PyTuple_Pack(2, d, v) : NULL;
    Py_XDECREF(d);
    Py_XDECREF(v);
    return result;
}

/* the value at page d (0.0 when the list does not hold it); d never below the last one asked */
static inline double lookup(List *l, int64_t d) {
    Py_ssize_t i = l->at, n = l->n;
    const int64_t *docs = l->docs;
    if (i < n && docs[i] < d) {
        Py_ssize_t lo = i, step = 1, hi;
        while (lo + step < n && docs[lo + step] < d) {   /* galloping: docs[lo] < d */
            lo += step;
            step <<= 1;
        }
        hi = lo + step < n ? lo + step : n;
        lo++;
        while (lo < hi) {   /* the first at or after d in [lo, hi) */
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (docs[mid] < d)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo;
        l->at = i;
    }
    return (i < n && docs[i] == d) ? l->values[i] : 0.0;
}

/* scoring._alternative at one page */
static inline double alternative(List *lists, const Way *w, double compound, int64_t d) {
    if (w->count == 1) {
        double a = lookup(&lists[w->first], d);
        return w->weight == 1.0 ? a : a * w->weight;
    }
    int shared = 1;
    double total = 0.0;
    for (Py_ssize_t t = 0; t < w->count; t++) {
        double a = lookup(&lists[w->first + t], d);
        shared &= a > 0.0;
        total = t == 0 ? a : total + a;   /* per_term[0] + per_term[1], then += each next */
    }
    return shared ? (compound * w->weight) * total : 0.0;
}

static PyObject *score(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *english_obj, *within_obj, *groups, *exact_obj;
    double compound, bonus;
    if (!PyArg_ParseTuple(args, "OOOdOd", &english_obj, &within_obj, &groups, &compound, &exact_obj, &bonus))
        return NULL;
    Views views = {NULL, 0, 0};
    List *lists = NULL, *exact = NULL, *rare = NULL;
    Way *ways = NULL;
    int64_t *out_docs = NULL;
    double *out_values = NULL;
    PyObject *result = NULL, *seq = NULL, *group = NULL, *terms = NULL;
    Py_ssize_t nlists = 0, nways = 0, nexact = 0, ngroups = 0, cap_lists = 0, cap_ways = 0, cap_exact = 0;

    const uint8_t *english;
    Py_ssize_t size;
    if (take(&views, english_obj, 1, "?Bb", (const void **)&english, &size) < 0)
        goto done;
    const int64_t *within = NULL;
    Py_ssize_t nwithin = 0;
    if (within_obj != Py_None && take(&views, within_obj, 8, "qlQL", (const void **)&within, &nwithin) < 0)
        goto done;

    seq = PySequence_Fast(groups, "groups must be a sequence");
    if (seq == NULL)
        goto done;
    ngroups = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        group = PySequence_Fast(PySequence_Fast_GET_ITEM(seq, g), "a group must be a sequence");
        if (group == NULL)
            goto done;
        for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(group); k++) {
            PyObject *way_terms;
            int for_english;
            double weight;
            if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(group, k), "Opd", &way_terms, &for_english, &weight) ||
                (terms = PySequence_Fast(way_terms, "terms must be a sequence")) == NULL ||
                grow((void **)&ways, nways, &cap_ways, sizeof(Way)) < 0)
                goto done;
            Py_ssize_t count = PySequence_Fast_GET_SIZE(terms);
            if (count < 1) {
                PyErr_SetString(PyExc_ValueError, "a way has one term at least");
                goto done;
            }
            Way *w = &ways[nways++];
            w->first = w->rarest = nlists;
            w->count = count;
            w->group = (int)g;
            w->for_english = for_english;
            w->weight = weight;
            for (Py_ssize_t t = 0; t < count; t++) {
                if (add_list(&views, &lists, &nlists, &cap_lists, PySequence_Fast_GET_ITEM(terms, t)) < 0)
                    goto done;
                if (lists[nlists - 1].n < lists[w->rarest].n)
                    w->rarest = nlists - 1;
            }
            Py_CLEAR(terms);
        }
        Py_CLEAR(group);
    }
    Py_CLEAR(seq);

    seq = PySequence_Fast(exact_obj, "exact must be a sequence");
    if (seq == NULL)
        goto done;
    for (Py_ssize_t e = 0; e < PySequence_Fast_GET_SIZE(seq); e++)
        if (add_list(&views, &exact, &nexact, &cap_exact, PySequence_Fast_GET_ITEM(seq, e)) < 0)
            goto done;
    Py_CLEAR(seq);
    rare = PyMem_Malloc((nways ? nways : 1) * sizeof(List));
    if (rare == NULL) {
        PyErr_NoMemory();
        goto done;
    }

    /* the pages to look at: `within`, or those of each way's rarest term (merged) */
    Py_ssize_t bound = 0;
    if (within != NULL) {
        bound = nwithin;
    } else {
        for (Py_ssize_t k = 0; k < nways; k++) {
            rare[k] = lists[ways[k].rarest];
            rare[k].at = 0;
            bound += rare[k].n;
        }
    }
    if (room(bound, &out_docs, &out_values) < 0)
        goto done;
    Py_ssize_t found = 0, next = 0;
    for (;;) {
        int64_t d;
        if (within != NULL) {
            if (next == nwithin)
                break;
            d = within[next++];
        } else {   /* the least page not yet seen of the rarest lists */
            d = least(rare, nways);
            if (d == INT64_MAX)
                break;
            for (Py_ssize_t k = 0; k < nways; k++)
                if (rare[k].at < rare[k].n && rare[k].docs[rare[k].at] == d)
                    rare[k].at++;
        }
        if (d < 0 || d >= size) {
            PyErr_Format(PyExc_IndexError, "page %lld is outside the %zd pages", (long long)d, size);
            goto done;
        }
        int in_english = english[d] != 0;
        double total = 0.0;
        int counted = 0;
        Py_ssize_t k = 0;
        for (Py_ssize_t g = 0; g < ngroups; g++) {   /* each group's best way, the groups summed */
            double best = 0.0;
            int any = 0;
            for (; k < nways && ways[k].group == g; k++) {
                double v = alternative(lists, &ways[k], compound, d);
                double scored = (ways[k].for_english ? in_english : !in_english) ? v : 0.0;
                best = !any ? scored : (scored > best ? scored : best);
                any = 1;
            }
            if (any) {
                total = counted ? total + best : best;
                counted = 1;
            }
        }
        for (Py_ssize_t e = 0; e < nexact; e++) {   /* the exact form's bonus, where the word matched */
            double v = lookup(&exact[e], d);
            if (total > 0.0 && v > 0.0)
                total += bonus * v;
        }
        if (total > 0.0) {
            out_docs[found] = d;
            out_values[found] = total;
            found++;
        }
    }
    result = pages_and_values(out_docs, out_values, found);
done:
    Py_XDECREF(seq);
    Py_XDECREF(group);
    Py_XDECREF(terms);
    release(&views);
    PyMem_Free(lists);
    PyMem_Free(ways);
    PyMem_Free(exact);
    PyMem_Free(rare);
    PyMem_Free(out_docs);
    PyMem_Free(out_values);
    return result;
}

/* Postings.bm25f's boosted sum of a stem's fields, before saturation:
 *
 *   fields([((docs, tf), norm, boost), ...]) -> (docs, x)
 *
 * each field's term frequencies (docs int64 ascending, tf float64), divided by its length
 * normalisation `norm` (float64, one per page), times its boost, summed over the fields in
 * their order for each page holding the stem in one of them (the first added to 0.0). */
static PyObject *fields(PyObject *Py_UNUSED(self), PyObject *arg) {
    Views views = {NULL, 0, 0};
    List *lists = NULL;
    const double **norms = NULL;
    Py_ssize_t *norm_sizes = NULL;
    double *boosts = NULL;
    int64_t *out_docs = NULL;
    double *out_values = NULL;
    PyObject *result = NULL;
    PyObject *seq = PySequence_Fast(arg, "fields must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t nfields = PySequence_Fast_GET_SIZE(seq), nlists = 0, cap_lists = 0, bound = 0;
    norms = PyMem_Malloc((nfields ? nfields : 1) * sizeof(double *));
    norm_sizes = PyMem_Malloc((nfields ? nfields : 1) * sizeof(Py_ssize_t));
    boosts = PyMem_Malloc((nfields ? nfields : 1) * sizeof(double));
    if (norms == NULL || norm_sizes == NULL || boosts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t f = 0; f < nfields; f++) {
        PyObject *pair, *norm;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, f), "OOd", &pair, &norm, &boosts[f]) ||
            add_list(&views, &lists, &nlists, &cap_lists, pair) < 0 ||
            take(&views, norm, 8, "d", (const void **)&norms[f], &norm_sizes[f]) < 0)
            goto done;
        bound += lists[f].n;
    }
    if (room(bound, &out_docs, &out_values) < 0)
        goto done;
    Py_ssize_t found = 0;
    for (;;) {
        int64_t d = least(lists, nfields);
        if (d == INT64_MAX)
            break;
        double x = 0.0;
        for (Py_ssize_t f = 0; f < nfields; f++) {
            List *l = &lists[f];
            if (l->at < l->n && l->docs[l->at] == d) {
                if (d < 0 || d >= norm_sizes[f]) {
                    PyErr_Format(PyExc_IndexError, "page %lld is outside the %zd pages", (long long)d, norm_sizes[f]);
                    goto done;
                }
                x += boosts[f] * (l->values[l->at] / norms[f][d]);
                l->at++;
            }
        }
        out_docs[found] = d;
        out_values[found] = x;
        found++;
    }
    result = pages_and_values(out_docs, out_values, found);
done:
    Py_DECREF(seq);
    release(&views);
    PyMem_Free(lists);
    PyMem_Free(norms);
    PyMem_Free(norm_sizes);
    PyMem_Free(boosts);
    PyMem_Free(out_docs);
    PyMem_Free(out_values);
    return result;
}

static PyMethodDef methods[] = {
    {"score", score, METH_VARARGS, "A word's scores over the pages: (docs, values) bytearrays (see the module's text)."},
    {"fields", fields, METH_O, "A stem's boosted frequencies summed over its fields: (docs, x) bytearrays."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "casesearch._wordscore",
    "scoring._word_scores' arithmetic, compiled: the same floats, page by page.", -1, methods,
};

PyMODINIT_FUNC PyInit__wordscore(void) {
    return PyModule_Create(&module);
}
