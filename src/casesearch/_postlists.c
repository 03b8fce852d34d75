/* A posting file's key look-up, compiled (postlists.py keeps the reference, which runs
 * where this module could not be built).
 *
 *   bisect(blob, ends, key) -> int
 *
 * A posting file's keys (field, NUL, term) are one blob of bytes and the table of where
 * each ends (`ends`: little-endian unsigned 64-bit numbers, one a key, ascending); key i
 * is blob[ends[i - 1]:ends[i]] (from 0 for the first). This is bisect.bisect_left over
 * them, comparing bytes as Python compares bytes: where `key` is, or would go. The
 * Python code bisects a sequence whose __getitem__ slices the blob, a Python call at
 * each of the 17 to 20 steps of a look-up in a 50,000-page segment's few hundred
 * thousand keys. An end outside the blob or before the one before it (a damaged
 * table) is a ValueError, never a read outside the blob.
 *
 * tests/test_postlists.py compares it with bisect_left on the keys of built indexes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static PyObject *bisect(PyObject *self, PyObject *args) {
    Py_buffer blob, ends;
    const char *key;
    Py_ssize_t key_length;
    if (!PyArg_ParseTuple(args, "y*y*y#:bisect", &blob, &ends, &key, &key_length))
        return NULL;
    PyObject *out = NULL;
    if (ends.len % 8) {
        PyErr_SetString(PyExc_ValueError, "bisect: the key table's ends are not 8-byte numbers");
        goto done;
    }
    const unsigned char *bytes = blob.buf, *table = ends.buf;
    Py_ssize_t lo = 0, hi = ends.len / 8;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        uint64_t start = 0, end;
        if (mid > 0)
            memcpy(&start, table + 8 * (mid - 1), 8);
        memcpy(&end, table + 8 * mid, 8);
        if (end < start || end > (uint64_t)blob.len) {
            PyErr_Format(PyExc_ValueError, "bisect: key %zd ends outside the key table's %zd bytes", mid, blob.len);
            goto done;
        }
        Py_ssize_t length = (Py_ssize_t)(end - start);
        int order = memcmp(bytes + start, key, length < key_length ? length : key_length);
        if (order < 0 || (order == 0 && length < key_length))
            lo = mid + 1;
        else
            hi = mid;
    }
    out = PyLong_FromSsize_t(lo);
done:
    PyBuffer_Release(&blob);
    PyBuffer_Release(&ends);
    return out;
}

static PyMethodDef methods[] = {
    {"bisect", bisect, METH_VARARGS, "bisect_left over a posting file's keys (see the module's text)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "casesearch._postlists",
    "A posting file's key look-up, compiled: bisect_left over its keys.", -1, methods,
};

PyMODINIT_FUNC PyInit__postlists(void) {
    return PyModule_Create(&module);
}
