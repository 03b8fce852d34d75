"""The static export: a chunked JSON bundle and the tables the JavaScript client
(``static/casesearch.mjs``) loads, generated from casesearch's own modules."""
