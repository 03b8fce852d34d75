"""casesearch: French-aware search for Jekyll-style markdown sites."""

__version__ = "0.1.0"
