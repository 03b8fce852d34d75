"""The compiled part of casesearch (everything else is in pyproject.toml).

`casesearch._wordscore` does scoring._word_scores' arithmetic page by page in C, the same
floats as the numpy code beside it; `casesearch._highlight` finds a query's words in a
page's text, for highlighting, the same places and words as highlight.py's loops;
`casesearch._postlists` looks a term up in a posting file's keys. Each is optional:
where they cannot be built (no C compiler, no Python headers) the install goes on and
the Python code beside them does their work.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension(
        "casesearch._wordscore",
        ["src/casesearch/_wordscore.c"],
        # no fused multiply-add: each product rounded, then each sum, as numpy computes them
        extra_compile_args=["-O2", "-ffp-contract=off"],
        optional=True,
    ),
    Extension("casesearch._highlight", ["src/casesearch/_highlight.c"], extra_compile_args=["-O2"], optional=True),
    Extension("casesearch._postlists", ["src/casesearch/_postlists.c"], extra_compile_args=["-O2"], optional=True),
])
