"""How long the page reader takes on hostile pages of up to max_page_bytes (2,000,000
bytes), in CPU seconds (time.process_time: other processes on the machine do not count)
and µs per character, for each family of input:

- `char <c>`: one markup character repeated (the kind of page that made a regular
  expression run for minutes);
- heading-dense pages: ATX headings with and without ids, setext headings, `{: #id}` block
  IALs, emphasis, links, code, entities and HTML tags in headings, HTML headings...;
- front-matter families: a huge YAML block, an unclosed one;
- `fuzz <stem>`: each input of tests/data/fuzz/pages/ (found by fuzz/pages.py) with its
  body repeated up to the size.

Each family is read by `to_sections` with kramdown's and with the GFM parser's heading ids
(`kramdown`, `gfm` columns) and by `content.load_page` as a `page.md` (front matter, then
markdown, as the indexer reads it; `page` column). The issue's bound is 1 s for any of them.

    .venv/bin/python bench/hostile_pages.py [--size 2000000] [--only heading] [--no-fuzz] [--repeat 3]

`--repeat N` reads each page N times and keeps the least CPU time of each column (on a
busy shared host, the other processes' load still inflates CPU time, by up to half).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from casesearch.config import load_settings  # noqa: E402
from casesearch.content import PageFile, load_page  # noqa: E402
from casesearch.errors import ContentError  # noqa: E402
from casesearch.markdown import to_sections  # noqa: E402

CHARACTERS = "[]{}<>*_`()!&$\\|#-~:=+.\"'"
FRONT = "---\ntitle: Page hostile\n---\n"
WORDS = "Les données publiques de santé au service des patients et des hôpitaux. "

# heading-dense families: a piece with {i} (a counter, so that ids differ) repeated
PIECES = {
    "atx": "# Titre numéro {i}\n\n",
    "atx same": "## Même titre\n\n",
    "atx no blank": "## Titre {i}\n",
    "atx no space": "##Titre{i}\n\n",
    "atx closing": "### Titre {i} ###\n\n",
    "atx explicit id": "## Titre {i} {{#id-{i}}}\n\n",
    "atx ial": "## Titre {i}\n{{: #ial-{i} .classe}}\n\n",
    "ial before": "{{: #avant-{i}}}\n## Titre {i}\n\n",
    "setext =": "Titre {i}\n=========\n\n",
    "setext -": "Sous-titre {i}\n---\n\n",
    "setext id": "Titre {i} {{#st-{i}}}\n===\n\n",
    "emphasis": "## Un *gras* et _em_ et **fort** {i}\n\n",
    "emphasis open": "## _a *b __c **d {i}\n\n",
    # the same beside other markup: no shape of emphasis only, each heading parsed (9 s before)
    "emphasis open link": "## _a *b __c **d [x](y) {i}\n\n",
    "emphasis open entity": "## _a *b __c **d &amp; {i}\n\n",
    "links": "## Voir [le lien](page-{i}.html) et [réf][r] {i}\n\n[r]: /x\n\n",
    "link brackets": "## [[a] [b]](x) ![img](y.png) [^n] {i}\n\n",
    "code": "## Le `code_{i}` et ``a ` b``\n\n",
    "entities": "## &amp; &eacute;t&eacute; &#233; &#x41; &nope; {i}\n\n",
    "html in heading": "## Titre <span class=\"x\">{i}</span> <em>em</em> <br/>\n\n",
    "html heading": "<h2 id=\"h-{i}\">Titre <b>{i}</b></h2>\n\n",
    "escapes": "## \\*pas\\* \\_em\\_ \\# {i} \\[x\\]\n\n",
    "typography": "## Avant -- après --- et... << guillemets >> {i}\n\n",
    "accents": "## Écrire l'été à Noël — œuvre ½ {i}\n\n",
    "quote heading": "> ## Citation {i}\n\n",
    "liquid": "## Titre {{{{ page.title }}}} {{% if x %}}{i}{{% endif %}}\n\n",
    "mixed body": "## Titre {i}\n\nUn paragraphe avec *du gras*, [un lien](x) et <b>html</b>.\n\n"
                  "- une liste\n- [ ] tâche\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n",
    "plain text": WORDS,
}


def fill(piece: str, size: int) -> str:
    """`piece` repeated (with its counter) as many whole times as `size` UTF-8 bytes hold."""
    out, total, i = [], 0, 0
    while True:
        part = piece.format(i=i) if "{" in piece else piece
        total += len(part.encode())
        if total > size:
            return "".join(out)
        out.append(part)
        i += 1


def front_matter_families(size: int) -> dict[str, str]:
    """Whole pages (front matter included) whose YAML is the hostile part."""
    keys = fill("cle_{i}: une valeur {i}\n", size - 100)
    items = fill("  - élément {i}\n", size - 100)
    return {
        "fm keys": f"---\n{keys}---\nTexte.\n",
        "fm list": f"---\ntags:\n{items}---\nTexte.\n",
        "fm unclosed": "---\n" + fill("cle_{i}: valeur\n", size - 10),
        "fm dashes": fill("---\n", size),
    }


def families(size: int, fuzz: bool = True) -> dict[str, str]:
    """Family name -> page body (markdown after the front matter; whole page for 'fm')."""
    out = {f"char {c}": c * (size - len(FRONT)) for c in CHARACTERS}
    out.update({name: fill(piece, size - len(FRONT)) for name, piece in PIECES.items()})
    if fuzz:
        for path in sorted((ROOT / "tests" / "data" / "fuzz" / "pages").glob("*.bin")):
            data = path.read_bytes()
            head, sep, body = data.partition(b"\n---\n")
            body = body[:-1] if sep else data[:-1]
            text = body.decode("utf-8", "replace")
            out[f"fuzz {path.stem}"] = (text * (size // max(1, len(text.encode())) + 1)).encode()[:size - len(FRONT)] \
                .decode("utf-8", "ignore")
    return out


def cpu(call) -> float:
    started = time.process_time()
    call()
    return time.process_time() - started


def read(root: Path, page: str) -> None:
    settings = load_settings({"content_dir": root, "index_dir": root / "index"}, environ={})
    data = page.encode()
    try:
        load_page(PageFile("page.md", root / "page.md"), settings, data)
    except ContentError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2_000_000, help="bytes per page (default: max_page_bytes)")
    parser.add_argument("--only", default="", help="families whose name contains this")
    parser.add_argument("--no-fuzz", action="store_true", help="leave out the fuzz inputs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page; the least CPU time is kept")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hostile-pages-"))
    pages = {name: FRONT + body for name, body in families(args.size, not args.no_fuzz).items()}
    pages.update(front_matter_families(args.size))
    print(f"{args.size:,} bytes a page; CPU seconds (µs per character)")
    print("| family | kramdown | gfm | page |\n| --- | --- | --- | --- |")
    worst = (0.0, "")
    for name, page in pages.items():
        if args.only not in name:
            continue
        body = page.partition("\n---\n")[2]
        calls = (lambda: to_sections(body, ids="kramdown"), lambda: to_sections(body, ids="gfm"),
                 lambda: read(root, page))
        times = [min(cpu(call) for _ in range(max(1, args.repeat))) for call in calls]
        cells = " | ".join(f"{t:.2f} ({t * 1e6 / max(1, len(page)):.2f})" for t in times)
        print(f"| {name} | {cells} |", flush=True)
        worst = max(worst, (max(times), name))
    print(f"slowest: {worst[1]}, {worst[0]:.2f} s")


if __name__ == "__main__":
    main()
