"""The static bundle: complete, deterministic, content-hashed, written atomically, checked."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import write_pages

from casesearch import analysis, schema
from casesearch.cli import main
from casesearch.export import bundle, terms
from casesearch.indexer import reindex


def entry(out):
    return json.loads((out / bundle.ENTRY).read_text("utf-8"))


def page_data(out):
    return json.loads((out / entry(out)["page_data"]).read_text("utf-8"))


def test_a_bundle_names_only_files_it_holds_each_named_by_its_hash(built, tmp_path):
    out = tmp_path / "search"
    report = bundle.export(built, out)
    assert report.pages == 3 and bundle.check(out) == []
    e = entry(out)
    assert e["format"] == bundle.FORMAT_VERSION and e["pages"] == 3 and e["weights"]["k1f"] == 3.0
    pages = page_data(out)
    named = bundle.named_files(e) + [f for f in pages["fragments"] if f]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(named)
    for name in named:
        if name not in (bundle.ENTRY, *bundle.unhashed()):
            assert bundle.hashed(name.rsplit(".", 2)[0], (out / name).read_bytes()) == name
    assert sorted(s for s in pages["sources"] if s) == ["_posts/2020-03-02-donnees-de-sante.md",
                                                         "_posts/2021-06-10-logiciel-libre.md", "a-propos.md"]
    firsts = [first for first, _ in e["chunks"]]
    assert firsts == sorted(firsts)


def test_postings_hold_what_the_index_holds(built, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    ids = {s: i for i, s in enumerate(page_data(out)["sources"])}
    row = entry(out)["row"]
    # every field that holds a term (no page of the fixture links to another: no anchors)
    assert row[0] == "words" and sorted(row[1:]) == sorted(f.name for f in schema.FIELDS if f.name != "anchors")
    found = {}
    for _, name in entry(out)["chunks"]:
        for term, row_texts in json.loads((out / name).read_text("utf-8")).items():
            found[term] = {field: terms.decode(text) for field, text in zip(row, row_texts) if text}
    # "donnees" is in the title and the body of the health page, and a word of it
    health = ids["_posts/2020-03-02-donnees-de-sante.md"]
    assert found["donnees"]["words"] == [health] and found["données"]["words"] == [health]
    gap, count, *positions = found["donn"]["title"]
    assert (gap, count) == (health, 1) and positions == [1]   # "Les données de santé...": position 1
    assert found["donn"]["body"][0] == health


def test_sorted_words_are_front_coded():
    words = ["donne", "donnees", "donner", "logiciel", "logiciels", "x" * 30, "x" * 31]
    assert terms.front_code(words[:5]) == "AdonneFesFrAlogicielIs"
    assert terms.front_decode(terms.front_code(words)) == words
    with pytest.raises(terms.ExportError):
        terms.front_code(["Paris"])


def test_numbers_are_written_in_base_32_one_character_a_digit():
    numbers = [0, 1, 31, 32, 1023, 1024, 123456789]
    assert terms.encode(numbers[:-1]) == "0" "1" "v" "B0" "_v" "BA0"
    assert terms.decode(terms.encode(numbers)) == numbers
    assert len(terms.encode([31, 1023, 32767])) == 1 + 2 + 3


def test_exporting_again_writes_only_the_entry_and_the_same_bytes(built, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    report = bundle.export(built, out)
    assert report.written == [bundle.ENTRY] and report.removed == []
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_changed_page_rewrites_its_fragment_and_the_chunks_of_its_terms_only(built, site, tmp_path, monkeypatch):
    monkeypatch.setattr(terms, "CHUNK_TERMS", 4)   # chunks of a few terms on a three-page site
    out = tmp_path / "search"
    first = bundle.export(built, out)
    ids = page_data(out)["sources"]
    (site / "a-propos.md").write_text("---\ntitle: À propos\n---\nCe site présente des projets de cartographie.\n",
                                      encoding="utf-8")
    reindex(built)
    report = bundle.export(built, out)
    assert page_data(out)["sources"] == ids   # ids are kept
    chunks = [n for n in report.written if n.startswith("terms.")]
    assert 0 < len(chunks) < len(entry(out)["chunks"])
    assert len([n for n in report.written if n.startswith("fragments/")]) == 1
    assert report.written_bytes < first.bytes
    assert bundle.check(out) == []


def test_a_removed_page_leaves_a_hole_that_a_new_page_fills(built, site, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    ids = page_data(out)["sources"]
    gone = ids.index("_posts/2020-03-02-donnees-de-sante.md")
    assert gone < len(ids) - 1   # a hole, not a shorter list
    (site / "_posts/2020-03-02-donnees-de-sante.md").unlink()
    reindex(built)
    bundle.export(built, out)
    after = page_data(out)
    assert after["sources"][gone] is None and after["fragments"][gone] is None
    assert [s for i, s in enumerate(after["sources"]) if i != gone] == [s for i, s in enumerate(ids) if i != gone]
    write_pages(site, {"contact.md": "---\ntitle: Contact\n---\nÉcrivez-nous.\n"})
    reindex(built)
    bundle.export(built, out)
    assert page_data(out)["sources"][gone] == "contact.md"
    assert bundle.page_ids(["b", "c", "a"], ["x", "b", None, "c"]) == ["a", "b", None, "c"]


def test_the_bundle_before_stays_readable_and_older_files_go(built, site, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    first = bundle._all_names(out, entry(out))
    for text in ("Une équipe de cartographes.", "Une équipe de géographes."):
        (site / "a-propos.md").write_text(f"---\ntitle: À propos\n---\n{text}\n", encoding="utf-8")
        reindex(built)
        report = bundle.export(built, out)
        if text.endswith("cartographes."):
            second = bundle._all_names(out, entry(out))
            assert all((out / n).is_file() for n in first)   # a visitor's old entry still works
    gone = set(first) - set(second) - set(bundle._all_names(out, entry(out)))
    assert gone and sorted(gone) == sorted(report.removed)
    assert not any((out / n).exists() for n in gone)


def test_a_failed_export_leaves_the_previous_bundle_whole(built, site, tmp_path, monkeypatch):
    out = tmp_path / "search"
    bundle.export(built, out)
    before = entry(out)
    (site / "a-propos.md").write_text("---\ntitle: À propos\n---\nDes cartographes.\n", encoding="utf-8")
    reindex(built)
    real, calls = bundle._write_file, []

    def failing(path, content):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(path, content)

    monkeypatch.setattr(bundle, "_write_file", failing)
    with pytest.raises(OSError):
        bundle.export(built, out)
    assert entry(out) == before and bundle.check(out) == []
    assert not list(out.rglob("*.tmp"))


def test_check_names_what_is_wrong(built, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    e = entry(out)
    chunk = out / e["chunks"][0][1]
    chunk.write_bytes(chunk.read_bytes() + b" ")
    (out / page_data(out)["fragments"][0]).unlink()
    problems = bundle.check(out)
    assert any(e["chunks"][0][1] in p and "hash" in p for p in problems)
    assert any("missing" in p and "fragments/" in p for p in problems)
    (out / bundle.ENTRY).write_text(json.dumps(dict(e, format=99)), encoding="utf-8")
    assert "format 99" in bundle.check(out)[0]
    shutil.rmtree(out)
    assert "no entry.json" in bundle.check(out)[0]


TEXT = "L’Assurance maladie et les hôpitaux"


def test_the_client_is_one_module_without_imports(built, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    source = (out / bundle.CLIENT).read_text("utf-8")
    assert "\nimport " not in source and not source.startswith("import ")
    script = f"""
        import {{ readFileSync }} from "node:fs";
        const m = await import({json.dumps((out / bundle.CLIENT).as_uri())});
        const dir = {json.dumps(str(out))};
        const entry = JSON.parse(readFileSync(dir + "/entry.json", "utf8"));
        const tables = JSON.parse(readFileSync(dir + "/" + entry.analysis, "utf8")).tables;
        const a = new m.Analysis(tables);
        console.log(JSON.stringify(a.tokens({json.dumps(TEXT)}, "fr", "stem").map(t => t[0])));
    """
    done = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [t.text for t in analysis.stem_terms(TEXT)] == ["assuranc", "maladi", "hopital"]


def test_cli_export_and_check(built, tmp_path, runner):
    out = tmp_path / "search"
    args = ["--content", str(built.content_dir), "--index", str(built.index_dir)]
    done = runner.invoke(main, ["export", "--out", str(out), "--json", *args])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["pages"] == 3
    done = runner.invoke(main, ["export", "--check", str(out)])
    assert done.exit_code == 0 and "ok" in done.output
    (out / entry(out)["vocabulary"]).unlink()
    done = runner.invoke(main, ["export", "--check", str(out)])
    assert done.exit_code == 1 and "missing" in done.output


def test_fragments_hold_no_folded_copy_the_analysis_file_folds_as_fold_text(built, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    table = json.loads((out / entry(out)["analysis"]).read_text("utf-8"))["fold_text"]
    for name in filter(None, page_data(out)["fragments"]):
        _url, title, summary, sections, _loose = json.loads((out / name).read_text("utf-8"))
        text = "\n".join([title, summary, *(part for heading, _anchor, body in sections for part in (heading, body))])
        assert "".join(table.get(c, c) for c in text) == analysis.fold_text(text)
    assert "".join(table.get(c, c) for c in "Œuvre ÉTÉ ça") == analysis.fold_text("Œuvre ÉTÉ ça") == "Œuvre ete ca"


def test_the_folded_words_are_cut_in_pieces_in_order_their_page_counts_apart(built, tmp_path):
    out = tmp_path / "search"
    bundle.export(built, out)
    pieces = entry(out)["words"]
    assert [first for first, _, _ in pieces] == sorted(first for first, _, _ in pieces)
    words, counts, form_counts = [], [], []
    for _, words_file, counts_file in pieces:
        words += terms.front_decode(json.loads((out / words_file).read_text("utf-8"))["words"])
        piece_counts = json.loads((out / counts_file).read_text("utf-8"))
        counts += terms.decode(piece_counts["words"])
        form_counts += terms.decode(piece_counts["accented"])
    assert words == sorted(words) and all(w.isascii() for w in words) and len(counts) == len(words)
    assert counts[words.index("donnees")] == 1 and counts[words.index("libre")] == 1
    accented = json.loads((out / entry(out)["vocabulary"]).read_text("utf-8"))["accented"]
    assert accented["donnees"] == ["données"]
    assert len(form_counts) == sum(len(forms) for forms in accented.values()) and set(form_counts) == {1}
