"""Write tests/data/snowball_cases.tsv: word<TAB>English stem<TAB>French stem, from PyStemmer.

The JavaScript port of the Snowball stemmers (src/casesearch/static/snowball.mjs) must give
exactly PyStemmer's stems; tests/js/snowball.test.mjs checks it on every line of that file.
Both stemmers only ever see folded all-letter words, so the cases are words of [a-z] only:

- every distinct folded all-letter word (length >= 2) of the shared corpus,
- the light stem of each (the French family key is the Snowball stem of a light stem),
- the English stop words, and generated English (and a few French) forms that walk each
  step of the algorithms: suffix combinations, y handling, the exceptional words.

Run with the project's venv, from the repository root:
    PYTHONPATH=src .venv/bin/python tests/js/make_snowball_cases.py [corpus folder]
"""

from __future__ import annotations

import itertools
import random
import re
import sys
from pathlib import Path

import Stemmer

from casesearch import analysis

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "snowball_cases.tsv"
CORPUS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/corpus")
MAX_BYTES = 2_000_000  # above this, keep a deterministic sample of the corpus words
LETTERS = re.compile(r"[^\W\d_]+")
ASCII_WORD = re.compile(r"[a-z]+")


def corpus_words(folder: Path) -> set[str]:
    words: set[str] = set()
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".md", ".markdown", ".html") or not path.is_file():
            continue
        for raw in set(LETTERS.findall(path.read_text(encoding="utf-8", errors="replace"))):
            word = analysis.fold(raw)
            if len(word) >= 2 and ASCII_WORD.fullmatch(word):
                words.add(word)
    return words


def english_stopwords() -> set[str]:
    text = (ROOT / "src" / "casesearch" / "data" / "stopwords_en.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return {w for line in lines for w in line.split() if ASCII_WORD.fullmatch(w)}


# Bases chosen to reach each rule: consonant-vowel-consonant endings, doubles, y, -at/-bl/-iz.
EN_BASES = """
    relat condit ration nation sens valen hesit digit conform radic formal sensit
    vietnam hope hop tap tape fil file plan crie cry happ hap fizz bus gas kiwi gap
    rat bat bl troubl siz hiss pass ski sky die lie tie vie dy ly ty vy pl fit fail
    fall feed agree need bleed speed proc exc succ ex happi lov luck ogi geolog biolog
    analog arch hous rich gener commun arsen past univers later emerg organ inter
    war wax tax box snow show play say toy boy joy employ enjoy destroy buy guy
    electric logic crit oper activ respons adopt adjust irrit effect depend dispos
    contin communic posit civil ident just aggress harm hop cop stop star bar bet
    sit hit cut gett wett fatt bigg hugg regrett control bomb climb lamb dumb
    """
EN_SUFFIXES = """
    s es ed ing ings ingly edly eed eedly ied ies y ly li ily ily ness ful fully fulness
    ational tional enci anci izer ably abli ally alli entli eli ousli ization ation
    ations ator ators alism aliti ality iviti ivity biliti bility bli bly ogist ogists
    ogi ogy fulli lessli less lessly ousness iveness icate iciti icity ical ically ative
    atives alize alise al ance ence er ers ic able ible ant ement ements ment ments ent
    ism ate iti ous ive ize ion ions sion tion e le ll al ally ers est ee ees eed eeds
    """
EN_WORDS = """
    skis skies ski sky skied skying dying lying tying vying dyed lied tied idly gently
    ugly early only singly news howe atlas cosmos bias andes inning innings outing
    outings canning herring herrings earring earrings evening evenings proceed proceeds
    proceeding exceed exceeded exceedingly succeed succeeded succeeding exceedly agreed
    feed feeds generate generates generation generations general generally generic
    generous generously communism communist community communication communicate
    arsenal arsenic past paste pasted pasting pasts universe universal university
    universities later lateral emerge emergency emergence organ organic organize
    organization intern internal international internment interfere interval interest
    yes you your yourself youth yellow yield yay say saying sayyid says yy yyy ayy
    ayyy boy boys toy toyed toying royal royalty loyal employ employed employment
    cry cried cries crying by bye byes bying spy spied spies happy happily happiness
    try tried tries trying dry dried drier driest dryly shy shyly shyness sly slyly
    caress caresses ponies ties cats ties gaps gas this kiwis us bus buses abyss
    luxuriate luxuriated hopping hoped hoping hopeful tanned tanning filing filed
    falling fizzed failing added adding odd oddly ebb ebbing err erring eerie
    conflated troubled sized hissed hissing plastered bled sing singing sings inn
    feeding agreement agreements needed needing bleeding speeding speedily proceedings
    fully fulfil fulfilled ability abilities possibly responsibly sensibility
    geologist geologists geology biology biologist analogy apology apologist
    electricity electrical electrically logically critically operatively
    activate activation activity adoptive adjustment irritant effective dependent
    disposal continual communicable positive civilization identity justify
    aggression harmful harmfulness hopefulness carelessly careless carelessness
    lessly agreeably radically formally sensitivity conformably digitizer
    vietnamization hesitancy valency valence rational relational conditional
    generalization generalizations commune communes communal communally
    a an i o ab abs ape aped ate eat eats eaten eating ed eds ing ings ly lys
    sses ies ied ss us yes ys y yy e ee eee l ll lll li lis ly
    news newsy howes atlases cosmoses biases andean skiing skier skiers
    sky skys skyes sayed said quietly quickly kindly costly daily doubly humbly
    nobly simply bubbly ghostly hostile mobility nobility rally ally allies allying
    bully bullying rely relying reliable reliably reliability
    controll controlling controlled enrolling enrol traveling travelling
    rebelled fulfilling patrolled propelling installing spelling misspelled
    hoping hopping bating batting rating ratting fating fatting wading wadding
    """
# French forms reaching the rarer rules (the corpus already holds ordinary French).
FR_WORDS = """
    paris parie pari parler parlement colis colline tapis tapisserie niais nierais
    nie niaient quand quelque question quoique queue aigue aiguille ayant ayons
    payer paye paie yeux yoga bruyamment couramment evidemment prudemment
    abondamment ardemment finissement finissements agrandissement agrandissements
    genoux poux choux hiboux bijoux joujoux cailloux deux eux heureux heureuse
    heureuses chevaux travaux beaux nouveaux eaux bureaux animaux journaux
    balais calais palais mauvais deplais anglais francais anglaise francaise
    irlandaises niaise falais faisais faisait faisaient finiraient finissaient
    fleurissaient aimerions mangeasse mangeassions aimeriez chantions
    geologie biologies solution solutions dilution conclusion illusions
    intelligence intelligences prudence excellence rapidement rapidements
    activement positivement heureusement relativement lentement doucement
    publiquement logiquement aisement premierement derniere dernier premiere
    creatrice creatrices createur createurs creation creations publication
    communicatif communicative communicatifs communicatives explicatif
    abondance elegance croyance realisme realismes capable capables artiste artistes
    volontier pommier pommiers pension pensions question questions bastion
    action nation station tension passion mission fusion union opinion
    ennemis ennemie enne antienne antiennes bonne bonnes personne nette nettes
    belle belles vieille vieilles oreille pareille ils elles lis lys os bus pus
    """


def tricky_words() -> set[str]:
    words = set(EN_WORDS.split()) | set(FR_WORDS.split())
    words |= {base + suffix for base, suffix in itertools.product(EN_BASES.split(), EN_SUFFIXES.split())}
    return {w for w in words if ASCII_WORD.fullmatch(w)}


def main() -> None:
    english, french = Stemmer.Stemmer("english"), Stemmer.Stemmer("french")
    corpus = corpus_words(CORPUS)
    light = {analysis.stem(w) for w in corpus}
    natural = corpus | {w for w in light if ASCII_WORD.fullmatch(w)}
    extra = tricky_words() | english_stopwords()

    def line(w: str) -> str:
        return f"{w}\t{english.stemWord(w)}\t{french.stemWord(w)}\n"

    kept = sorted(natural | extra)
    size = sum(len(line(w).encode()) for w in kept)
    if size > MAX_BYTES:  # a fixed-seed sample of the corpus words, every tricky one
        share = MAX_BYTES / size
        sample = set(random.Random(20260101).sample(sorted(natural - extra), int(len(natural - extra) * share)))
        kept = sorted(sample | extra)
    header = (f"# Expected Snowball stems from PyStemmer {Stemmer.version()} "
              "(tests/js/make_snowball_cases.py); word<TAB>english<TAB>french\n")
    OUT.write_text(header + "".join(line(w) for w in kept), encoding="utf-8")
    print(f"{len(kept)} words ({len(corpus)} corpus words, {len(light)} light stems, "
          f"{len(extra)} stop words and generated forms) -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
