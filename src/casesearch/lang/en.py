"""English (pages with ``lang: en``): stop words, clitics and the stemmer, as plain data."""

from . import read_stopwords

# Folded. Sources and curation are written at the top of the file.
STOPWORDS = read_stopwords("stopwords_en.txt")

ELISION = {
    "prefixes": [],
    "exceptions": [],
    # The tail after an apostrophe that is dropped without taking a position: company's, don't.
    "clitics": ["s", "t", "d", "m", "ll", "re", "ve"],
}

# Snowball's English stemmer (https://snowballstem.org/algorithms/english/stemmer.html;
# PyStemmer in Python, the snowball JavaScript build on the other side).
STEMMER = {"kind": "snowball", "language": "english"}
