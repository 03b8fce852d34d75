"""The compiled part of casesearch (everything else is in pyproject.toml).

`casesearch._wordscore` does scoring._word_scores' arithmetic page by page in C, the same
floats as the numpy code beside it; `casesearch._wordstarts` finds where a page's words
start with a query's seeds, for highlighting, the same places as highlight._word_starts.
Both are optional: where they cannot be built (no C compiler, no Python headers) the
install goes on and the Python code beside them does their work.
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
    Extension("casesearch._wordstarts", ["src/casesearch/_wordstarts.c"], extra_compile_args=["-O2"], optional=True),
])
