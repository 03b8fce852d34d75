// The static search (static/casesearch.mjs, StaticSearch) answers as the API does: on the
// fixture site tests/data/static_site, Python builds the index and its bundle and answers
// each query (tests/js/python_side.py search); the JavaScript search over the bundle must
// give the same JSON body, took_ms aside and scores to 1e-6.
// Run: node --test tests/js/  (Python is .venv/bin/python, or CASESEARCH_PYTHON)

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { StaticSearch } from "../../src/casesearch/static/casesearch.mjs";
import { assertSameBody, bundleLoader, jsSearch, pythonSearch } from "./helpers.mjs";


const QUERIES = [
  ["donnees", {}],                                          // accents folded
  ["données de santé", { prefix: false }],                  // stop word, accents as written
  ["l'emploi", { prefix: false }],                          // elision
  ["l’Assurance maladie", {}],                              // typographic apostrophe
  ["recrutment", { prefix: false }],                        // a typo: suggestion "recrutement"
  ["cantnes scolaires", { prefix: false }],                 // a typo among known words
  ["recru", {}],                                            // completions of the word being typed
  ["publique dével", {}],                                   // completions after a whole word
  ['"données publiques"', {}],                              // a phrase
  ['"logiciel libre" -licence', {}],                        // a phrase, an exclusion empties it
  ["emploi -france", { prefix: false }],                    // an exclusion
  ["pôle emploi", { prefix: false }],                       // a synonym: france travail
  ["cpf", { prefix: false }],                               // an acronym's expansion
  ["recruter", { prefix: false }],                          // the word family: recrutement, recrute
  ["données", { filters: { category: "Blogging" } }],       // filters: category (case-blind), tag, year, lang
  ["données", { filters: { tag: "santé", year: "2020" } }],
  ["data", { filters: { lang: "en" } }],
  ["emploi", { sort: "date", prefix: false }],              // by date
  ["emploi", { page: 2, per_page: 2, prefix: false }],      // paging
  ["incubateurs", { prefix: false }],                       // a near-empty page named by the query
  ["email", { prefix: false }],                             // marked where written e-mail
  ["start-up", {}],                                         // a compound
  ["open data developers", { prefix: false }],              // English pages' analysis
  ["startup numérique", { prefix: false }],                 // proximity, some of the words
  ["Île-de-France", {}],
  ["Île-de-France données", {}],                            // "de" of the English analysis is no mark
  ["missions numériques", {}],                              // text with emoji (UTF-16 offsets)
  ["les des", {}],                                          // stop words only
  ["zzzzqx", {}],                                           // nothing
  ["données", { per_page: 51 }],                            // over the limits: the API's error
  ["données", { filters: { year: "20" } }],
  // twelve words over the limits of weights.py: synonyms (synonym_words), typos (typo_words)
  ["rsa urssaf cpam caf cpf dinum insee anct cnil anssi drees dares", { prefix: false }],
  ["recrutment cantnes donnes publiqes logicel libres adminstration numeriqe emplio santé hopitaux recru", {}],
  ["recrutment devloppeurs desginers dificile cohotres", { prefix: false }],   // the fifth typo stays
  ["start-up Île-de-France co-construction data-centrés open-data missions-numériques données-santé", {}],   // compound_parts
  ["comment recruter des développeurs ?", { prefix: false }],                   // a question: some of the words
  ["what is open data", { prefix: false }],                                      // an English query
  ["logiciellibre", { prefix: false }],                                          // a name typed joined
  // twelve words, and the split name makes the corrected query thirteen
  ["logiciellibre données santé emploi hôpitaux patients recrutement formation publique numérique licence forge", { prefix: false }],
  ["logiciel-libre", { prefix: false }],                                         // a name typed in parts: its one split
  // nine words typed in parts: the name splits looked up stop at name_splits for the query
  ["logiciel-libre santé-publique emploi-formation données-santé hôpitaux-patients recrutement-formation "
   + "publique-numérique licence-forge patients-données", { prefix: false }],
];

const python = pythonSearch({ queries: QUERIES });
after(() => rm(python.dir, { recursive: true, force: true }));
const search = await StaticSearch.open(bundleLoader(python.bundle));

test("the fixture queries cover every tier and feature", () => {
  const results = python.results;
  assert.ok(results[4].suggestion, "a typo is corrected");
  assert.ok(results.some((r) => r.total > 3 && r.facets?.tags.length > 1), "facets");
  assert.ok(results.some((r) => r.hits?.some((h) => h.sections.length)), "sections");
  assert.ok(results.some((r) => r.error), "an error");
  assert.equal(results[18].hits.length, 2);
});

QUERIES.forEach(([text, options], i) => {
  test(`static search answers as the API: ${JSON.stringify(text)} ${JSON.stringify(options)}`, async () => {
    assertSameBody(await jsSearch(search, text, options), python.results[i], text);
  });
});

test("files are read when a query needs them, and once", async () => {
  const read = [];
  const load = bundleLoader(python.bundle);
  const counting = await StaticSearch.open(async (name) => { read.push(name); return load(name); });
  assert.equal(read.length, 4);   // the entry, the analysis, the pages and what seldom changes of them
  await counting.search("données", { prefix: false, perPage: 2 });   // known, found: no correction
  assert.ok(!read.some((name) => name.startsWith("vocabulary")), "no vocabulary without a correction or completion");
  assert.equal(read.filter((name) => name.startsWith("fragments/")).length, 2, "the fragments of the pages shown");
  await counting.search("recru");   // as you type: completions from a piece of the words
  assert.ok(!read.some((name) => name.startsWith("vocabulary")), "no vocabulary for a completion");
  assert.ok(read.some((name) => name.startsWith("words.")), "the words a completion reads");
  await counting.search("donnnées", { prefix: false });   // a typo: the vocabulary, every piece of the words
  assert.equal(read.filter((name) => name.startsWith("vocabulary")).length, 1);
  const before = read.length;
  await counting.search("recru");
  await counting.search("donnnées", { prefix: false });
  await counting.search("données", { prefix: false, perPage: 2 });
  assert.equal(read.length, before, "nothing read twice");
});

test("the bundle's own casesearch.mjs (snowball inlined) answers the same", async () => {
  const shipped = await import(pathToFileURL(`${python.bundle}/casesearch.mjs`).href);
  const search = await shipped.StaticSearch.open(bundleLoader(python.bundle));
  for (const i of [0, 4, 7, 12, 14]) {
    const [text, options] = QUERIES[i];
    assertSameBody(await jsSearch(search, text, options), python.results[i], text);
  }
});

// A site whose word families run past weights.family_terms: twelve verbs, each with three
// relatives (participer: participant, participation, participement), one page per verb.
test("the words a query's families take stop at the same place in Python and JavaScript", async () => {
  const roots = ["inform", "particip", "accompagn", "administr", "transform", "développ",
                 "install", "consult", "exploit", "publi", "financ", "document"];
  const site = await mkdtemp(join(tmpdir(), "casesearch-families-"));
  after(() => rm(site, { recursive: true, force: true }));
  for (const [i, root] of roots.entries()) {
    const words = ["er", "ant", "ation", "ement"].map((suffix) => root + suffix).join(" ");
    await writeFile(join(site, `page-${i}.md`), `---\ntitle: Les mots de ${root}\n---\n${words}. ${roots[(i + 1) % 12]}er.\n`);
  }
  const verbs = roots.map((root) => root + "er").join(" ");
  const asked = [[verbs, { prefix: false }], [verbs, {}], [roots.slice(6).map((r) => r + "ation").join(" "), {}]];
  const answered = pythonSearch({ site, queries: asked });
  after(() => rm(answered.dir, { recursive: true, force: true }));
  const families = await StaticSearch.open(bundleLoader(answered.bundle));
  for (const [i, [text, options]] of asked.entries()) {
    assertSameBody(await jsSearch(families, text, options), answered.results[i], text);
  }
});
