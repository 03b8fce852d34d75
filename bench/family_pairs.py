"""Word pairs casesearch joins as one family today, drawn from Debian's French word list,
for labelling by hand (issue 10: tests/data/family_pairs.json).

    apt-get install -y --no-install-recommends wfrench        # gives /usr/share/dict/french
    .venv/bin/python bench/family_pairs.py [--dict /usr/share/dict/french]
        [--corpus ../shared/corpus/site-eig ...] [--all-words] [--seed 10] [--limit 40]
        [--out tests/data/family_pairs.json]

tests/data/family_pairs.json is `--limit 979 --out tests/data/family_pairs.json` with the
defaults (run from the project's root, beside ../shared), then labelled by hand.

Words: the dictionary's lowercase alphabetic words (capitalised names are left out) that
also occur, written the same way, in the corpora (default: both sites of
../shared/corpus, every file read through casesearch's WORD chain), or with `--all-words`
every such word of the dictionary. Each word gets its light stem
(`analysis.stem(analysis.fold(word))`) and family key (`analysis.family_key(stem)`);
stop words are left out.

Candidates: the pairs `Postings.family` joins, i.e. two different light stems with the same
family key, one a prefix of the other, both alphabetic and at least `WEIGHTS.family_min`
letters long. Each light stem is shown as its word most frequent in the corpora (then the
shortest, then the first in alphabetical order).

Order: every candidate, in rounds. A round takes one pair of each family that has pairs
left, chosen with `random.Random(seed)`, and shuffles the round's families with the same
generator; so the first round is one pair of every family, spread over all of them. The
order is the order to label in: the first pairs, then more of the same order when the
labels need more. It prints the first `--limit` (rank, family key, both words and their
light stems).

`--out FILE` writes the first `--limit` pairs of that order as JSON, each with `"label":
null`. Labels are added by hand, by someone reading each pair ("wrong": a French reader
would not take one word as a form or a derivative of the other, in the sense a visitor
means; "right": they would), never by this script; the file's "about" says who read its
pairs and how. When FILE exists, what it holds is kept: its "about", the labels and
reasons of its pairs, and its pairs left out as uncertain (`left_out`, with the doubt),
matched by the two words. Rerunning after a change of the analysis refreshes the stems
and keys and keeps what the reader wrote; a pair that comes out new has `"label": null`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from casesearch import analysis  # noqa: E402
from casesearch.weights import WEIGHTS  # noqa: E402

DICTIONARY = Path("/usr/share/dict/french")
SEED = 10  # issue 10


def dictionary_words(path: Path) -> list[str]:
    """The list's lowercase alphabetic words, in its order (names and abbreviations left out)."""
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [w for w in words if w.isalpha() and w.islower()]


def corpus_counts(folders: list[Path]) -> Counter:
    """How often each word of the WORD chain occurs in every file under the folders: the
    folded form, and the lowercase accented one when it differs (université, universite)."""
    counts: Counter = Counter()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            text = path.read_bytes().decode("utf-8", errors="replace")
            counts.update(t.text for t in analysis.word_terms(text))
    return counts


def stems(words: list[str], counts: Counter | None) -> dict[str, list[str]]:
    """light stem -> its words (those in `counts` only, unless counts is None), the most
    frequent first, then the shortest, then alphabetical; stop words left out."""
    out: dict[str, list[str]] = {}
    for word in words:
        if counts is not None and not counts[word]:
            continue
        folded = analysis.fold(word)
        if analysis.is_stopword(folded):
            continue
        out.setdefault(analysis.stem(folded), []).append(word)
    for group in out.values():
        group.sort(key=lambda w: (-(counts[w] if counts else 0), len(w), w))
    return out


def candidates(by_stem: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """family key -> the (shorter, longer) light stems `Postings.family` joins, sorted."""
    least = WEIGHTS.family_min
    families: dict[str, list[str]] = {}
    for s in by_stem:
        if s.isalpha() and len(s) >= least:
            families.setdefault(analysis.family_key(s), []).append(s)
    out = {}
    for key, group in families.items():
        pairs = [(a, b) for a in group for b in group if a != b and b.startswith(a)]
        if pairs:
            out[key] = sorted(pairs)
    return out


def sample(families: dict[str, list[tuple[str, str]]], seed: int) -> list[tuple[str, str, str]]:
    """Every candidate as (key, stem, stem), in rounds: each round takes one pair of every
    family that has one left (chosen by `random.Random(seed)` among its remaining pairs),
    the round's families in an order the same generator shuffles."""
    rng = random.Random(seed)
    left = {key: list(pairs) for key, pairs in sorted(families.items())}
    order = []
    while left:
        picked = [(key, *pairs.pop(rng.randrange(len(pairs)))) for key, pairs in left.items()]
        rng.shuffle(picked)
        order += picked
        left = {key: pairs for key, pairs in left.items() if pairs}
    return order


def pair_record(rank: int, key: str, a: str, b: str, by_stem: dict[str, list[str]]) -> dict:
    return {"rank": rank, "words": [by_stem[a][0], by_stem[b][0]], "stems": [a, b], "family_key": key,
            "label": None, "why": ""}


def write(out: Path, records: list[dict], about: dict) -> None:
    """Write the sample, keeping what an existing file holds: its about, the labels and
    reasons of its pairs, and its pairs left out (with their reasons), matched by the two words."""
    old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    labelled = {tuple(p["words"]): p for p in old.get("pairs", [])}
    left_out = {tuple(p["words"]): p for p in old.get("left_out", [])}
    pairs, skipped = [], []
    for r in records:
        words = tuple(r["words"])
        if words in left_out:
            del r["label"]
            r["why"] = left_out[words]["why"]
            skipped.append(r)
            continue
        if words in labelled:
            r["label"], r["why"] = labelled[words]["label"], labelled[words]["why"]
        pairs.append(r)
    head = json.dumps({"about": old.get("about", about)}, ensure_ascii=False, indent=1)[:-2]
    lists = [f' "{name}": [' + ",".join("\n  " + json.dumps(r, ensure_ascii=False) for r in rows) + ("\n ]" if rows else "]")
             for name, rows in (("pairs", pairs), ("left_out", skipped))]
    out.write_text(head + ",\n" + ",\n".join(lists) + "\n}\n", encoding="utf-8")  # one pair a line


EXCEPTIONS_HEADER = """\
# Light stems casesearch never joins into one word family, though Snowball's French stemmer
# gives them one key: the pairs labelled "wrong" in tests/data/family_pairs.json (a
# sample of wfrench's words found in the corpora, read and labelled one by one). Written by
#   python bench/family_pairs.py --exceptions tests/data/family_pairs.json > THIS FILE
# like Elasticsearch's stemmer_override: data, read by lang/fr.py. One pair a line.
"""


def exceptions(labelled: Path) -> str:
    """The wrong pairs of a labelled file as casesearch's family exceptions (light stems)."""
    pairs = json.loads(labelled.read_text(encoding="utf-8"))["pairs"]
    lines = sorted({" ".join(sorted(p["stems"])) for p in pairs if p["label"] == "wrong"})
    return EXCEPTIONS_HEADER + "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["--exceptions"]:
        sys.stdout.write(exceptions(Path(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dict", type=Path, default=DICTIONARY, help="word list, one word a line")
    parser.add_argument("--corpus", action="append", type=Path,
                        help="corpus folder (default: both sites of ../shared/corpus)")
    parser.add_argument("--all-words", action="store_true", help="every word of the list, not only the corpora's")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--limit", type=int, default=40, help="pairs printed and written")
    parser.add_argument("--out", type=Path, help="write the first --limit pairs as JSON")
    args = parser.parse_args()
    corpora = args.corpus or [SHARED / "corpus" / "site-eig", SHARED / "corpus" / "beta.gouv.fr"]
    missing = [str(c) for c in corpora if not args.all_words and not c.is_dir()]
    if missing or not args.dict.is_file():
        parser.error(f"not found: {', '.join(missing) or args.dict}")
    counts = None if args.all_words else corpus_counts(corpora)
    by_stem = stems(dictionary_words(args.dict), counts)
    families = candidates(by_stem)
    order = sample(families, args.seed)
    n = sum(len(p) for p in families.values())
    print(f"{len(by_stem)} light stems, {n} candidate pairs in {len(families)} families; "
          f"first {min(args.limit, len(order))} of the sample (seed {args.seed}):")
    records = [pair_record(i, key, a, b, by_stem) for i, (key, a, b) in enumerate(order[:args.limit], 1)]
    for r in records:
        print(f"{r['rank']}\t{r['family_key']}\t{r['words'][0]} ({r['stems'][0]})\t{r['words'][1]} ({r['stems'][1]})")
    if args.out:
        about = {"candidates": n, "families": len(families), "seed": args.seed, "light_stems": len(by_stem),
                 "words": "all of the list" if args.all_words else "those also in " + ", ".join(c.name for c in corpora)}
        write(args.out, records, about)


if __name__ == "__main__":
    main()
