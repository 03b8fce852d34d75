/* Where a page's words start with a query's seeds: highlight._word_starts for every seed
 * at once, compiled.
 *
 * highlight.py keeps the reference: for each seed, str.find over the page's folded text
 * and a test of the character before each place found (a word starts there when nothing
 * or no letter or digit comes before). Each place found cost a turn of a Python loop, for
 * about ten seeds over every page a query shows, and each seed's scan a pass over the
 * text. This module walks the text once and tries the seeds where a word may start,
 * with the same test (Py_UNICODE_ISALNUM is str.isalnum's of one character); it gives
 * the places of all the seeds together, ascending, each once
 * (tests/test_wordstarts.py compares them with the Python code's on the pages of a site).
 *
 *   word_starts(folded, seeds) -> list of int
 *
 * folded: a str (a page's texts folded, analysis.fold_text); seeds: a tuple of str.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t length;
    Py_UCS4 first;
} Seed;

/* does `seed` begin at `at` in the text (kind, data, length)? */
static int begins(const Seed *seed, int kind, const void *data, Py_ssize_t length, Py_ssize_t at) {
    if (seed->length > length - at)
        return 0;
    for (Py_ssize_t k = 1; k < seed->length; k++)
        if (PyUnicode_READ(kind, data, at + k) != PyUnicode_READ(seed->kind, seed->data, k))
            return 0;
    return 1;
}

/* the text's places where a word may start (at 0, or after a character neither a letter
 * nor a digit: str.isalnum's test of one character) and a seed begins, appended to `out`
 * in order; `failed` set when memory runs out */
#define ALNUM 1
#define FIRST 2
#define WALK(CHAR)                                                                           \
    do {                                                                                     \
        const CHAR *text = (const CHAR *)data;                                               \
        int after_alnum = 0;                                                                 \
        for (Py_ssize_t at = 0; at < length && !failed; at++) {                              \
            Py_UCS4 ch = text[at];                                                           \
            int is = ch < 128 ? ascii[ch] : (Py_UNICODE_ISALNUM(ch) ? ALNUM : 0) | wide;     \
            if ((is & FIRST) && !after_alnum)                                                \
                for (Py_ssize_t s = 0; s < count; s++)                                       \
                    if (kept[s].first == ch && begins(&kept[s], kind, data, length, at)) {   \
                        failed = append(out, at);                                            \
                        break;                                                               \
                    }                                                                        \
            after_alnum = is & ALNUM;                                                        \
        }                                                                                    \
    } while (0)

static int append(PyObject *out, Py_ssize_t at) {
    PyObject *place = PyLong_FromSsize_t(at);
    if (place == NULL)
        return 1;
    int failed = PyList_Append(out, place) < 0;
    Py_DECREF(place);
    return failed;
}

static PyObject *word_starts(PyObject *self, PyObject *args) {
    PyObject *folded, *seeds;
    if (!PyArg_ParseTuple(args, "UO!:word_starts", &folded, &PyTuple_Type, &seeds))
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(seeds);
    Seed *kept = PyMem_Malloc((count ? count : 1) * sizeof(Seed));
    if (kept == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t s = 0; s < count; s++) {
        PyObject *seed = PyTuple_GET_ITEM(seeds, s);
        if (!PyUnicode_Check(seed) || PyUnicode_GET_LENGTH(seed) == 0) {
            PyErr_SetString(PyExc_ValueError, "word_starts: each seed must be a str of one character at least");
            PyMem_Free(kept);
            return NULL;
        }
        kept[s].kind = PyUnicode_KIND(seed);
        kept[s].data = PyUnicode_DATA(seed);
        kept[s].length = PyUnicode_GET_LENGTH(seed);
        kept[s].first = PyUnicode_READ(kept[s].kind, kept[s].data, 0);
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        PyMem_Free(kept);
        return NULL;
    }
    /* of each ASCII character: is it a letter or a digit, does a seed begin with it (`wide`:
     * does one begin with another character); most places are passed over at a glance */
    unsigned char ascii[128], wide = 0;
    for (int ch = 0; ch < 128; ch++)
        ascii[ch] = Py_ISALNUM(ch) ? ALNUM : 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        if (kept[s].first < 128)
            ascii[kept[s].first] |= FIRST;
        else
            wide = FIRST;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(folded);
    int kind = PyUnicode_KIND(folded), failed = 0;
    const void *data = PyUnicode_DATA(folded);
    /* one loop per width of the text's characters: a read is a plain load there */
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        WALK(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        WALK(Py_UCS2);
        break;
    default:
        WALK(Py_UCS4);
    }
    if (failed) {
        Py_DECREF(out);
        out = NULL;
    }
    PyMem_Free(kept);
    return out;
}

static PyMethodDef methods[] = {
    {"word_starts", word_starts, METH_VARARGS,
     "Where a word of `folded` starts with one of `seeds`: ascending, each place once."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "casesearch._wordstarts",
    "highlight._word_starts for every seed at once, compiled: the same places.", -1, methods,
};

PyMODINIT_FUNC PyInit__wordstarts(void) {
    return PyModule_Create(&module);
}
