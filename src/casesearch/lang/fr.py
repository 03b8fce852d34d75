"""French: stop words, elision and the light stemmer's rules, as plain data."""

from . import read_pairs, read_stopwords

# Folded. Sources and curation are written at the top of the file.
STOPWORDS = read_stopwords("stopwords_fr.txt")

# Light stems Snowball gives one family key though a reader never relates them (format /
# formation, départ / département): never joined into one word family. Sources at the top
# of the file.
FAMILY_EXCEPTIONS = read_pairs("family_exceptions_fr.txt")

# What makes a query a question, folded, words separated by spaces (an apostrophe or a
# hyphen separates too: "qu'est-ce" is "qu est ce"). At the start of a query with other
# words, they are dropped: the content words decide which pages answer, and a question
# asks for pages with some of its words, not only pages with all.
QUESTIONS = [
    "comment", "comment faire", "comment faire pour", "combien", "combien de", "combien de temps",
    "combien de fois", "combien coute", "pourquoi", "quand", "quel", "quelle", "quels", "quelles",
    "qui", "qui peut", "quoi", "ou", "lequel", "laquelle", "lesquels", "lesquelles", "que", "que faire",
    "est ce que", "est ce qu", "qu est ce que", "qu est ce qu", "qu est ce", "c est quoi",
    "a quoi sert", "a quoi servent", "a quoi ca sert", "peut on", "puis je", "dois je", "doit on",
    "faut il", "y a t il", "existe t il", "quel est", "quelle est", "quels sont", "quelles sont",
]

ELISION = {
    # Folded elided words removed (with their apostrophe) at the start of a word or compound part.
    "prefixes": ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"],
    # Folded words, apostrophe written "'", kept whole (apostrophe dropped: "aujourdhui").
    "exceptions": [
        "aujourd'hui",
        "prud'homme", "prud'hommes", "prud'homal", "prud'homale", "prud'homales", "prud'homaux",
        "presqu'ile", "presqu'iles",
        "quelqu'un", "quelqu'une", "quelqu'uns", "quelqu'unes",
    ],
    # Tails after an apostrophe dropped without taking a position (English only).
    "clitics": [],
}

# A light stemmer in the spirit of Savoy's (Lucene FrenchLightStemmer), on FOLDED
# words, so "données" and "donnees" always meet. It joins inflections (plural,
# feminine, -er/-é participles) and leaves derivations alone: no -ation, -ement,
# -ment, -ite, -isme rules (precision: "recrutement" stays apart from "recruter",
# "departement" from "depart", "logement" from "log", "formation" from "forme").
# No doubled-letter squeeze either, so "donnee" (donn) never meets "don".
#
# Algorithm: a word with a digit is not stemmed; "irregular" gives the stem of a
# few whole words outright; otherwise each step of "steps" runs once, in order:
# the FIRST rule [suffix, replacement, min_stem] whose suffix ends the word decides;
# it applies when at least min_stem letters stay in front of the suffix, else the
# step does nothing. The stem is then the word itself when the result is shorter
# than 2 letters or a stop word.
#
# Measured (scratch script, not a test) on ../shared/corpus site-eig + beta.gouv.fr,
# 1359 .md files read raw, 352,433 kept French word tokens: 24,186 distinct folded
# words -> 17,771 light stems (-26.5 %); Snowball French on the same folded words
# -> 16,159 stems (-33.2 %), but it misses 9 of the joins we need (emplois, travaux,
# publique, actrice, chercheuse, active, premiere, handicapee, creee) and folding
# splits it (données -> don, donnees -> donne). The light stemmer makes all the joins
# of tests/data/analysis_golden.tsv and none of its not-joins. Biggest groups are one
# verb or noun with its inflections (appel: appel appels appele appelee appelle
# appeler ...; demand, contact, document, present, test: 7 forms each). Known false
# joins, accepted: donner/donne ~ donnee (folding makes donné = donne), mobilier ~
# mobiliser, port ~ porte, mer ~ mere, propos ~ proposer.
STEMMER = {
    "kind": "light",
    # Whole words whose stem the rules would get wrong; the value is the stem itself.
    "irregular": {
        "travaux": "travail",  # not "traval"
        "nouvel": "nouveau",
        "nouvelle": "nouveau",
        "nouvelles": "nouveau",
        "fonds": "fonds",  # funds, not fond (bottom)
        "cours": "cours",  # lessons, not cour (Cour des comptes)
        "course": "course",
        "courses": "course",
    },
    "steps": [
        # 1. plurals: journaux -> journal, reseaux -> reseau, jeux -> jeu, emplois -> emploi
        [["eaux", "eau", 0], ["aux", "al", 3], ["eux", "eu", 1], ["oux", "ou", 2],
         ["ss", "ss", 0], ["s", "", 2]],
        # 2. feminine and agent forms: actrice/acteur -> acteu, chercheuse -> chercheu,
        #    europeenne -> europeen, professionnelle -> professionnel, premiere -> premier,
        #    public -> publiqu(e), actif -> activ(e)
        [["trice", "teu", 2], ["euse", "eu", 2], ["eure", "eu", 3], ["elle", "el", 3],
         ["enne", "en", 3], ["eur", "eu", 3], ["ere", "er", 3], ["ic", "iqu", 2],
         ["if", "iv", 2]],
        # 3. participles and infinitives: creee -> cree, recruter -> recrut
        [["ee", "e", 2], ["er", "", 3]],
        # 4. final e: donnee -> donn, publique -> publiqu, handicape -> handicap
        [["e", "", 3]],
        # 5. an s bared by step 4: francaise -> francais -> francai (= francais); 4 letters
        #    must stay, so crise/cri and base/bas stay apart
        [["ss", "ss", 0], ["s", "", 4]],
    ],
}
