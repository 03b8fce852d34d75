/* Highlighting's loops over a page's text, compiled (highlight.py keeps the reference
 * code beside each, which runs where this module could not be built).
 *
 *   word_starts(folded, seeds) -> list of int
 *
 * Where a word of a page's folded text starts with one of a query's seeds. The Python
 * code runs str.find over the text for each seed and tests the character before each
 * place found (a word starts there when nothing or no letter or digit comes before): a
 * pass over the text per seed and a turn of a Python loop per place, for about ten seeds
 * over every page a query shows. This walks the text once and tries the seeds where a
 * word may start, with the same test (Py_UNICODE_ISALNUM is str.isalnum's of one
 * character); it gives the places of all the seeds together, ascending, each once.
 * folded: a str (analysis.fold_text of the texts); seeds: a tuple of str.
 *
 *   confirmed(joined, starts, known, term_of, invisible, connectors) -> list of (start, end, term)
 *
 * Matcher._confirmed: the words starting at `starts` (ascending) that match the query, in
 * order and apart. Each word is cut as lang.WORD_PATTERN cuts it (letters and digits,
 * with combining accents U+0300..U+036F, runs of `invisible` characters followed by
 * letters, and one of `connectors` followed by letters inside); its term is looked up in
 * `known` (the query's words seen before: word -> term or None), else asked of
 * `term_of(word)` and kept there. A word with a term is a match, and a place inside it is
 * not looked at.
 *
 * tests/test_highlight_compiled.py compares both with the Python code on the pages of
 * the corpus.
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

/* is `ch` one of the characters of `chars` (kind, data, length)? */
static int among(Py_UCS4 ch, int kind, const void *data, Py_ssize_t length) {
    for (Py_ssize_t i = 0; i < length; i++)
        if (PyUnicode_READ(kind, data, i) == ch)
            return 1;
    return 0;
}

#define IS_ALNUM(ch) ((ch) < 128 ? Py_ISALNUM(ch) : Py_UNICODE_ISALNUM(ch))

/* where the word starting at `at` ends, as lang.WORD_PATTERN matches it (`at`: no word) */
static Py_ssize_t word_end(int kind, const void *data, Py_ssize_t length, Py_ssize_t at,
                           PyObject *invisible, PyObject *connectors) {
    int ikind = PyUnicode_KIND(invisible), ckind = PyUnicode_KIND(connectors);
    const void *idata = PyUnicode_DATA(invisible), *cdata = PyUnicode_DATA(connectors);
    Py_ssize_t ilength = PyUnicode_GET_LENGTH(invisible), clength = PyUnicode_GET_LENGTH(connectors);
    Py_ssize_t i = at;
    while (i < length && IS_ALNUM(PyUnicode_READ(kind, data, i)))
        i++;
    if (i == at)
        return at;
    while (i < length) {   /* (?:[accents]+L*|[invisible]+L+|[connector]L+)* */
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        Py_ssize_t j = i;
        if (ch >= 0x300 && ch <= 0x36f) {
            while (j < length && (ch = PyUnicode_READ(kind, data, j)) >= 0x300 && ch <= 0x36f)
                j++;
        } else if (among(ch, ikind, idata, ilength)) {
            while (j < length && among(PyUnicode_READ(kind, data, j), ikind, idata, ilength))
                j++;
            if (j == length || !IS_ALNUM(PyUnicode_READ(kind, data, j)))
                break;
        } else if (among(ch, ckind, cdata, clength)) {
            j++;
            if (j == length || !IS_ALNUM(PyUnicode_READ(kind, data, j)))
                break;
        } else {
            break;
        }
        while (j < length && IS_ALNUM(PyUnicode_READ(kind, data, j)))
            j++;
        i = j;
    }
    return i;
}

static PyObject *confirmed(PyObject *self, PyObject *args) {
    PyObject *joined, *starts, *known, *term_of, *invisible, *connectors;
    if (!PyArg_ParseTuple(args, "UO!O!OUU:confirmed", &joined, &PyList_Type, &starts, &PyDict_Type, &known,
                          &term_of, &invisible, &connectors))
        return NULL;
    int kind = PyUnicode_KIND(joined);
    const void *data = PyUnicode_DATA(joined);
    Py_ssize_t length = PyUnicode_GET_LENGTH(joined), end = -1;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(starts); k++) {
        Py_ssize_t at = PyLong_AsSsize_t(PyList_GET_ITEM(starts, k));
        if (at == -1 && PyErr_Occurred())
            goto fail;
        if (at < 0 || at > length) {
            PyErr_Format(PyExc_IndexError, "confirmed: a start (%zd) outside the text (%zd characters)", at, length);
            goto fail;
        }
        if (at < end)
            continue;
        Py_ssize_t stop = word_end(kind, data, length, at, invisible, connectors);
        if (stop == at)
            continue;
        PyObject *word = PyUnicode_Substring(joined, at, stop);
        if (word == NULL)
            goto fail;
        PyObject *term = PyDict_GetItemWithError(known, word);   /* borrowed */
        if (term != NULL) {
            Py_INCREF(term);
        } else if (PyErr_Occurred()) {
            Py_DECREF(word);
            goto fail;
        } else {
            term = PyObject_CallOneArg(term_of, word);
            if (term == NULL || PyDict_SetItem(known, word, term) < 0) {
                Py_XDECREF(term);
                Py_DECREF(word);
                goto fail;
            }
        }
        Py_DECREF(word);
        int matched = PyObject_IsTrue(term);
        if (matched > 0) {
            PyObject *found = Py_BuildValue("(nnO)", at, stop, term);
            if (found == NULL || PyList_Append(out, found) < 0) {
                Py_XDECREF(found);
                Py_DECREF(term);
                goto fail;
            }
            Py_DECREF(found);
            end = stop;
        }
        Py_DECREF(term);
        if (matched < 0)
            goto fail;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"word_starts", word_starts, METH_VARARGS,
     "Where a word of `folded` starts with one of `seeds`: ascending, each place once."},
    {"confirmed", confirmed, METH_VARARGS,
     "The words at `starts` that match, as (start, end, term), in order and apart (see the module's text)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "casesearch._highlight",
    "Highlighting's loops over a page's text, compiled: the same places and words as highlight.py's.", -1, methods,
};

PyMODINIT_FUNC PyInit__highlight(void) {
    return PyModule_Create(&module);
}
