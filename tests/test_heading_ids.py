"""Heading anchors equal the ids real Jekyll (kramdown 2.4, kramdown-parser-gfm 1.1) gives.

Each options set is built once with the installed `jekyll` when there is one (CI installs
it) and every page's ids are compared with `to_sections`; EXPECTED holds ids jekyll
produced, checked without it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from casesearch.markdown import HeadingIds, to_sections

# casesearch options -> the `kramdown:` block of _config.yml (Jekyll's other defaults apply)
OPTIONS = {
    "gfm": (HeadingIds("gfm"), {"input": "GFM"}),
    "kd": (HeadingIds("kramdown"), {"input": "kramdown"}),
    "kd_strip": (HeadingIds("kramdown", stripping=True), {"input": "kramdown", "auto_id_stripping": True}),
    "kd_translit": (HeadingIds("kramdown", prefix="id-", transliterate=True),
                    {"input": "kramdown", "auto_id_prefix": "id-", "transliterated_header_ids": True}),
    # the GFM parser ignores transliteration and stripping; the prefix applies
    "gfm_misc": (HeadingIds("gfm", prefix="s-", transliterate=True),
                 {"input": "GFM", "auto_id_prefix": "s-", "transliterated_header_ids": True}),
    "kd_noauto": (HeadingIds("kramdown", auto_ids=False), {"input": "kramdown", "auto_ids": False}),
    "gfm_noauto": (HeadingIds("gfm", auto_ids=False), {"input": "GFM", "auto_ids": False}),
}

CASES = [
    "# Arrêt de la startup d'état !\n",
    '## Ça marche\n',
    '##Titre collé\n',
    'Intro\n\n##Titre collé après paragraphe\n',
    ' ## Titre indenté\n',
    '   ### Trois espaces\n',
    'Titre setext\n============\n',
    'Sous-titre setext\n---\n',
    'Para ligne 1\nTitre ?\n---\n',
    '## Titre {#mon-id}\n',
    '## Titre\n{: #ial-id}\n',
    '## Titre\n{:.classe}\n',
    '{: #avant}\n## Titre après IAL\n',
    '## Titre fermé ##\n',
    '## C#\n\n## C\\#\n\n## Titre#\n',
    '```\n# pas un titre\n```\n\n## Après\n',
    '~~~\n# pas un titre\n~~~\n\n## Après\n',
    '```python\n\n# commentaire\n```\n',
    '<div>\n# pas un titre\n</div>\n\n## Après div\n',
    '<div>\n\n# pas un titre\n\n</div>\n\n## Après div\n',
    '## R&amp;D &eacute;t&eacute; &nbsp;ok &foo; &#233;\n',
    '## Les _données_ et *la* **loi** __forte__\n',
    '## Le `code` inline\n',
    '## Voir [le site](https://beta.gouv.fr/x)\n',
    '## Image ![logo](/img/logo.png) ici\n',
    '## ACOSS\xa0: bilan\n\n## Pourquoi\u202f?\n\n## Pourquoi ?\n',
    '## ⚠️ Attention\n\n## 📅 Prochaines étapes\n',
    '## 2019 : bilan\n',
    "## L'équipe\n\n## L’équipe\n",
    '## "Guillemets" et « chevrons » << doubles >>\n',
    '## Impact\n\n## Impact\n\n## Impact\n\n## Impact 1\n\n## Impact-1\n',
    '## 123\n\n## 456\n\n## !!!\n\n## ???\n',
    '## a -- b --- c ... d\n',
    '## snake_case et _em_ et un_deux_trois\n',
    'Intro\n## Titre sans ligne vide\n',
    '## A\n## B\n',
    '## Été NFD\n',
    '## Tab\tdans titre\n',
    '> ## Dans une citation\n\n## Après citation\n',
    '- item\n\n## Après liste\n',
    '- item\n## Juste après liste\n',
    '## Titre <em>html</em>\n',
    '## Lien auto <https://x.fr>\n',
    '#Titre collé en tête\n',
    '## Öl Straße İstanbul Œuvre ÉCOLE\n',
    '## Émoji 👍🏽 et ZWJ 👩\u200d💻\n',
    '## Coût : 5 € ½ ² Ⅻ\n',
    '## \\_échappé\\_ \\*étoile\\*\n',
    '<h2 id="brut">HTML brut</h2>\n\n<h3>Sans id</h3>\n\n## Après\n',
    '#\n\n## \n\n###### Six\n\n####### Sept\n',
    'Titre\n-\n\nAutre\n=\n',
    'Titre {#id-setext}\n===\n',
    '## Titre {#id} ##\n',
    '## Titre{#colle}\n',
    '## Titre\n\n{: #apres-blanc}\n## Suivant\n',
    'Intro\n\nTitre après blanc\n---\n',
    '## Premier\nTexte\n---\n',
    '## Section\n\n## section\n\n## 2020\n',
    '## Note [^1]\n\n[^1]: La note.\n',
    '## Lien [réf][ref] et [indéfini][x]\n\n[ref]: https://x.fr\n',
    '## Barré ~~vieux~~ neuf\n',
    '## Mathématiques $$x^2$$\n',
    '## Trait-d’union – tiret — cadratin\n',
    '## Clé : `a_b` et `c d`\n',
    'Paragraphe\n\n---\n\n## Après règle\n',
    '***\n## Juste après règle\n',
    '| a | b |\n|---|---|\n| 1 | 2 |\n## Après tableau\n',
    '    ## code indenté\n\n## Après\n',
    '## Emphase *imbriquée _ici_*\n',
    '## Lien [**gras**](/x "titre") fin\n',
    '## Question ?\n## Réponse !\n',
    '^\n## Après EOB\n',
    '## Multi   espaces\n',
    '## Fin par espace \\\n',
    '## Ampersand & et < et >\n',
    '## 1er janvier\n\n## 1. Introduction\n',
    '## -Tiret initial\n\n## _Souligné initial_\n',
    "## Le SI d'État\n",
    '<details>\n<summary>Plus</summary>\n\n## Dans details\n\n</details>\n',
    '<div markdown="1">\n## Dans div markdown\n</div>\n\n## Dehors\n',
]


EXPECTED = [  # (options, page, ids), as jekyll 4.3.1 / kramdown 2.4.0 built them
    ('gfm', "# Arrêt de la startup d'état !\n", ['arrêt-de-la-startup-détat-']),
    ('gfm', '##Titre collé\n', []),
    ('gfm', '## R&amp;D &eacute;t&eacute; &nbsp;ok &foo; &#233;\n', ['rd-été-ok-foo-é']),
    ('gfm', '## Les _données_ et *la* **loi** __forte__\n', ['les-données-et-la-loi-forte']),
    ('gfm', '## Le `code` inline\n', ['le-code-inline']),
    ('gfm', '## Voir [le site](https://beta.gouv.fr/x)\n', ['voir-le-site']),
    ('gfm', '## ACOSS\xa0: bilan\n\n## Pourquoi\u202f?\n\n## Pourquoi ?\n', ['acoss-bilan', 'pourquoi', 'pourquoi-']),
    ('gfm', '## ⚠️ Attention\n\n## 📅 Prochaines étapes\n', ['️-attention', '-prochaines-étapes']),
    ('gfm', '## 2019 : bilan\n', ['2019--bilan']),
    ('gfm', "## L'équipe\n\n## L’équipe\n", ['léquipe', 'léquipe-1']),
    ('gfm', '## "Guillemets" et « chevrons » << doubles >>\n', ['guillemets-et--chevrons--doubles']),
    ('gfm', '## Impact\n\n## Impact\n\n## Impact\n\n## Impact 1\n\n## Impact-1\n', ['impact', 'impact-1', 'impact-2', 'impact-1', 'impact-1-1']),
    ('gfm', '## 123\n\n## 456\n\n## !!!\n\n## ???\n', ['123', '456', '', '-1']),
    ('gfm', '## a -- b --- c ... d\n', ['a--b--c--d']),
    ('gfm', '## snake_case et _em_ et un_deux_trois\n', ['snake_case-et-em-et-un_deux_trois']),
    ('gfm', 'Intro\n## Titre sans ligne vide\n', ['titre-sans-ligne-vide']),
    ('gfm', '## A\n## B\n', ['a', 'b']),
    ('gfm', '## Été NFD\n', ['été-nfd']),
    ('gfm', '## Öl Straße İstanbul Œuvre ÉCOLE\n', ['öl-straße-i̇stanbul-œuvre-école']),
    ('gfm', '## Coût : 5 € ½ ² Ⅻ\n', ['coût--5----ⅻ']),
    ('gfm', '## \\_échappé\\_ \\*étoile\\*\n', ['_échappé_-étoile']),
    ('gfm', '## Section\n\n## section\n\n## 2020\n', ['section', 'section-1', '2020']),
    ('gfm', '## Lien [réf][ref] et [indéfini][x]\n\n[ref]: https://x.fr\n', ['lien-réf-et-indéfinix']),
    ('gfm', '## Trait-d’union – tiret — cadratin\n', ['trait-dunion--tiret--cadratin']),
    ('gfm', '## Clé : `a_b` et `c d`\n', ['clé--a_b-et-c-d']),
    ('kd', "# Arrêt de la startup d'état !\n", ['arrt-de-la-startup-dtat-']),
    ('kd', '##Titre collé\n', ['titre-coll']),
    ('kd', '## R&amp;D &eacute;t&eacute; &nbsp;ok &foo; &#233;\n', ['rampd-eacuteteacute-nbspok-foo-233']),
    ('kd', '## Les _données_ et *la* **loi** __forte__\n', ['les-donnes-et-la-loi-forte']),
    ('kd', '## Le `code` inline\n', ['le-code-inline']),
    ('kd', '## Voir [le site](https://beta.gouv.fr/x)\n', ['voir-le-sitehttpsbetagouvfrx']),
    ('kd', '## ACOSS\xa0: bilan\n\n## Pourquoi\u202f?\n\n## Pourquoi ?\n', ['acoss-bilan', 'pourquoi', 'pourquoi-']),
    ('kd', '## ⚠️ Attention\n\n## 📅 Prochaines étapes\n', ['attention', 'prochaines-tapes']),
    ('kd', '## 2019 : bilan\n', ['bilan']),
    ('kd', "## L'équipe\n\n## L’équipe\n", ['lquipe', 'lquipe-1']),
    ('kd', '## "Guillemets" et « chevrons » << doubles >>\n', ['guillemets-et--chevrons---doubles-']),
    ('kd', '## Impact\n\n## Impact\n\n## Impact\n\n## Impact 1\n\n## Impact-1\n', ['impact', 'impact-1', 'impact-2', 'impact-1', 'impact-1-1']),
    ('kd', '## 123\n\n## 456\n\n## !!!\n\n## ???\n', ['section', 'section-1', 'section-2', 'section-3']),
    ('kd', '## a -- b --- c ... d\n', ['a----b-----c--d']),
    ('kd', '## snake_case et _em_ et un_deux_trois\n', ['snakecase-et-em-et-undeuxtrois']),
    ('kd', 'Intro\n## Titre sans ligne vide\n', []),
    ('kd', '## A\n## B\n', ['a']),
    ('kd', '## Été NFD\n', ['ete-nfd']),
    ('kd', '## Öl Straße İstanbul Œuvre ÉCOLE\n', ['l-strae-stanbul-uvre-cole']),
    ('kd', '## Coût : 5 € ½ ² Ⅻ\n', ['cot--5----']),
    ('kd', '## \\_échappé\\_ \\*étoile\\*\n', ['chapp-toile']),
    ('kd', '## Section\n\n## section\n\n## 2020\n', ['section', 'section-1', 'section-2']),
    ('kd', '## Lien [réf][ref] et [indéfini][x]\n\n[ref]: https://x.fr\n', ['lien-rfref-et-indfinix']),
    ('kd', '## Trait-d’union – tiret — cadratin\n', ['trait-dunion--tiret--cadratin']),
    ('kd', '## Clé : `a_b` et `c d`\n', ['cl--ab-et-c-d']),
    ('kd_strip', "# Arrêt de la startup d'état !\n", ['arrt-de-la-startup-dtat-']),
    ('kd_strip', '##Titre collé\n', ['titre-coll']),
    ('kd_strip', '## R&amp;D &eacute;t&eacute; &nbsp;ok &foo; &#233;\n', ['rd-t-ok-foo-']),
    ('kd_strip', '## Les _données_ et *la* **loi** __forte__\n', ['les-donnes-et-la-loi-forte']),
    ('kd_strip', '## Le `code` inline\n', ['le--inline']),
    ('kd_strip', '## Voir [le site](https://beta.gouv.fr/x)\n', ['voir-le-site']),
    ('kd_strip', '## ACOSS\xa0: bilan\n\n## Pourquoi\u202f?\n\n## Pourquoi ?\n', ['acoss-bilan', 'pourquoi', 'pourquoi-']),
    ('kd_strip', '## ⚠️ Attention\n\n## 📅 Prochaines étapes\n', ['attention', 'prochaines-tapes']),
    ('kd_strip', '## 2019 : bilan\n', ['bilan']),
    ('kd_strip', "## L'équipe\n\n## L’équipe\n", ['lquipe', 'lquipe-1']),
    ('kd_strip', '## "Guillemets" et « chevrons » << doubles >>\n', ['guillemets-et--chevrons--doubles']),
    ('kd_strip', '## Impact\n\n## Impact\n\n## Impact\n\n## Impact 1\n\n## Impact-1\n', ['impact', 'impact-1', 'impact-2', 'impact-1', 'impact-1-1']),
    ('kd_strip', '## 123\n\n## 456\n\n## !!!\n\n## ???\n', ['section', 'section-1', 'section-2', 'section-3']),
    ('kd_strip', '## a -- b --- c ... d\n', ['a--b--c--d']),
    ('kd_strip', '## snake_case et _em_ et un_deux_trois\n', ['snakecase-et-em-et-undeuxtrois']),
    ('kd_strip', 'Intro\n## Titre sans ligne vide\n', []),
    ('kd_strip', '## A\n## B\n', ['a']),
    ('kd_strip', '## Été NFD\n', ['ete-nfd']),
    ('kd_strip', '## Öl Straße İstanbul Œuvre ÉCOLE\n', ['l-strae-stanbul-uvre-cole']),
    ('kd_strip', '## Coût : 5 € ½ ² Ⅻ\n', ['cot--5----']),
    ('kd_strip', '## \\_échappé\\_ \\*étoile\\*\n', ['chapp-toile']),
    ('kd_strip', '## Section\n\n## section\n\n## 2020\n', ['section', 'section-1', 'section-2']),
    ('kd_strip', '## Lien [réf][ref] et [indéfini][x]\n\n[ref]: https://x.fr\n', ['lien-rf-et-indfinix']),
    ('kd_strip', '## Trait-d’union – tiret — cadratin\n', ['trait-dunion--tiret--cadratin']),
    ('kd_strip', '## Clé : `a_b` et `c d`\n', ['cl---et-']),
    ('kd_translit', "# Arrêt de la startup d'état !\n", ['id-arret-de-la-startup-detat-']),
    ('kd_translit', '##Titre collé\n', ['id-titre-colle']),
    ('kd_translit', '## R&amp;D &eacute;t&eacute; &nbsp;ok &foo; &#233;\n', ['id-rampd-eacuteteacute-nbspok-foo-233']),
    ('kd_translit', '## Les _données_ et *la* **loi** __forte__\n', ['id-les-donnees-et-la-loi-forte']),
    ('kd_translit', '## Le `code` inline\n', ['id-le-code-inline']),
    ('kd_translit', '## Voir [le site](https://beta.gouv.fr/x)\n', ['id-voir-le-sitehttpsbetagouvfrx']),
    ('kd_translit', '## ACOSS\xa0: bilan\n\n## Pourquoi\u202f?\n\n## Pourquoi ?\n', ['id-acoss--bilan', 'id-pourquoi-', 'id-pourquoi--1']),
    ('kd_translit', '## ⚠️ Attention\n\n## 📅 Prochaines étapes\n', ['id-attention', 'id-prochaines-etapes']),
    ('kd_translit', '## 2019 : bilan\n', ['id-bilan']),
    ('kd_translit', "## L'équipe\n\n## L’équipe\n", ['id-lequipe', 'id-lequipe-1']),
    ('kd_translit', '## "Guillemets" et « chevrons » << doubles >>\n', ['id-guillemets-et--chevrons---doubles-']),
    ('kd_translit', '## Impact\n\n## Impact\n\n## Impact\n\n## Impact 1\n\n## Impact-1\n', ['id-impact', 'id-impact-1', 'id-impact-2', 'id-impact-1', 'id-impact-1-1']),
    ('kd_translit', '## 123\n\n## 456\n\n## !!!\n\n## ???\n', ['id-section', 'id-section-1', 'id-section-2', 'id-section-3']),
    ('kd_translit', '## a -- b --- c ... d\n', ['id-a----b-----c--d']),
    ('kd_translit', '## snake_case et _em_ et un_deux_trois\n', ['id-snakecase-et-em-et-undeuxtrois']),
    ('kd_translit', 'Intro\n## Titre sans ligne vide\n', []),
    ('kd_translit', '## A\n## B\n', ['id-a']),
    ('kd_translit', '## Été NFD\n', ['id-ete-nfd']),
    ('kd_translit', '## Öl Straße İstanbul Œuvre ÉCOLE\n', ['id-ol-strasse-istanbul-oeuvre-ecole']),
    ('kd_translit', '## Coût : 5 € ½ ² Ⅻ\n', ['id-cout--5-eu-12-2-xii']),
    ('kd_translit', '## \\_échappé\\_ \\*étoile\\*\n', ['id-echappe-etoile']),
    ('kd_translit', '## Section\n\n## section\n\n## 2020\n', ['id-section', 'id-section-1', 'id-section-2']),
    ('kd_translit', '## Lien [réf][ref] et [indéfini][x]\n\n[ref]: https://x.fr\n', ['id-lien-refref-et-indefinix']),
    ('kd_translit', '## Trait-d’union – tiret — cadratin\n', ['id-trait-dunion----tiret-----cadratin']),
    ('kd_translit', '## Clé : `a_b` et `c d`\n', ['id-cle--ab-et-c-d']),
]

_HEADING = re.compile(r"<h[1-6](\s[^>]*)?>")
_ID = re.compile(r'\sid="([^"]*)"')
_built: dict[str, list[list[str]] | str] = {}


def _jekyll_ids(name: str, tmp_root: Path) -> list[list[str]]:
    """Ids of each CASES page's headings ("" for a heading without id), one build per options set."""
    if name not in _built:
        site = tmp_root / name
        site.mkdir()
        (site / "_config.yml").write_text(json.dumps({"markdown": "kramdown", "kramdown": OPTIONS[name][1]}))
        for i, body in enumerate(CASES):
            (site / f"p{i:03d}.md").write_text("---\n---\n" + body, encoding="utf-8")
        run = subprocess.run(["jekyll", "build", "-s", str(site), "-d", str(site / "_site"), "-q"],
                             capture_output=True, text=True, timeout=300)
        if run.returncode:
            _built[name] = run.stderr[-3000:]
        else:
            pages = [(site / "_site" / f"p{i:03d}.html").read_text(encoding="utf-8") for i in range(len(CASES))]
            _built[name] = [[html.unescape(m.group(1)) if (m := _ID.search(h.group(1) or "")) else ""
                             for h in _HEADING.finditer(page)] for page in pages]
    result = _built[name]
    if isinstance(result, str):
        if "stringex" in result:  # kramdown's transliteration needs the stringex gem (Debian: ruby-stringex)
            _missing("transliterated_header_ids needs the stringex gem (Debian's ruby-stringex, which "
                     "`make test` installs)")
        raise AssertionError(f"jekyll build failed:\n{result}")
    return result


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jekyll-ids")


def _anchors(body: str, ids: HeadingIds) -> list[str]:
    return [s.anchor for s in to_sections(body, ids=ids) if s.level]


def _missing(message: str) -> None:
    """Skip on a plain machine; fail where jekyll is required (`make test`, CI)."""
    if os.environ.get("CI") or os.environ.get("CASESEARCH_REQUIRE_JEKYLL") == "1":
        pytest.fail(message + "; CI / CASESEARCH_REQUIRE_JEKYLL=1 require it")
    pytest.skip(message)


@pytest.mark.parametrize("name", list(OPTIONS))
@pytest.mark.parametrize("case", range(len(CASES)))
def test_ids_equal_jekylls(name: str, case: int, sites: Path) -> None:
    if shutil.which("jekyll") is None:
        _missing("Debian's jekyll is not installed: ids cannot be checked against it (`make test` installs it)")
    expected = _jekyll_ids(name, sites)[case]
    assert _anchors(CASES[case], OPTIONS[name][0]) == expected, CASES[case]


@pytest.mark.parametrize(("name", "body", "expected"), EXPECTED)
def test_ids_as_jekyll_made_them(name: str, body: str, expected: list[str]) -> None:
    assert _anchors(body, OPTIONS[name][0]) == expected


def test_a_string_is_the_input_and_gfm_may_be_capitalised() -> None:
    body = "## Arrêt\n"
    assert _anchors(body, "gfm") == _anchors(body, HeadingIds("GFM")) == ["arrêt"]
    assert _anchors(body, "kramdown") == _anchors(body, HeadingIds()) == ["arrt"]


def test_headings_in_code_and_html_blocks_are_text() -> None:
    body = "```\n## code\n```\n\n<div>\n\n## dans div\n\n</div>\n\n## Vrai\n"
    sections = to_sections(body, ids="gfm")
    assert [(s.heading, s.anchor) for s in sections if s.level] == [("Vrai", "vrai")]
    assert "## code" in sections[0].text and "dans div" in sections[0].text


def test_an_unclosed_fence_is_no_code_block() -> None:
    assert _anchors("```\n## Titre\n", "gfm") == ["titre"]


def test_heading_text_is_normalised_but_its_id_is_not() -> None:
    # a no-break space and NFD accents are kept in the id as kramdown sees them
    [section] = to_sections("## E\u0301te\u0301\u00a0: bilan\n", ids="gfm")
    assert section.heading == "Été : bilan"
    assert section.anchor == "e\u0301te\u0301-bilan"


def test_a_new_section_hands_back_the_list_its_lines_go_to() -> None:
    # the line pass writes to `lines = out.start(...)`: there is no second step to forget
    from casesearch.markdown import _Builder

    out = _Builder()
    before = out.lines
    lines = out.start("Titre", 2, None)
    assert lines is out.lines and lines is not before
    lines.append("texte du titre")
    assert [s.text for s in to_sections("## Titre\ntexte du titre\n\n## Suite\nfin\n", ids="gfm")] == [
        "texte du titre", "fin"]
