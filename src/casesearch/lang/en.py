"""English (pages with ``lang: en``): stop words, clitics and the stemmer, as plain data."""

from . import read_stopwords

FAMILY_EXCEPTIONS: list[list[str]] = []   # word families are French only

# Folded. Sources and curation are written at the top of the file.
STOPWORDS = read_stopwords("stopwords_en.txt")

# What makes a query a question (see fr.py): dropped at the start of a query with other words.
QUESTIONS = [
    "how", "how to", "how do i", "how can i", "how long", "how much", "how many", "what", "what is",
    "what are", "what s", "whats", "why", "when", "where", "who", "who can", "which", "whom", "whose",
    "is there", "are there", "can i", "do i", "does", "do",
]

ELISION = {
    "prefixes": [],
    "exceptions": [],
    # The tail after an apostrophe that is dropped without taking a position: company's, don't.
    "clitics": ["s", "t", "d", "m", "ll", "re", "ve"],
}

# Snowball's English stemmer (https://snowballstem.org/algorithms/english/stemmer.html;
# PyStemmer in Python, the snowball JavaScript build on the other side).
STEMMER = {"kind": "snowball", "language": "english"}
