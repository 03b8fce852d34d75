// The JavaScript analysis (static/casesearch.mjs) gives Python's tokens: the golden file's
// expected terms, and every token (text, position, offsets, stop word) of the golden inputs
// and of 2,000 generated French-like texts, for both chains and both languages.
// Run: node --test tests/js/  (Python is .venv/bin/python, or CASESEARCH_PYTHON)

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Analysis } from "../../src/casesearch/static/casesearch.mjs";

const root = (path) => fileURLToPath(new URL("../../" + path, import.meta.url));
const PYTHON = process.env.CASESEARCH_PYTHON || root(".venv/bin/python");

function python(request, input) {
  const out = execFileSync(PYTHON, [root("tests/js/python_side.py"), request],
                           { input: typeof input === "string" ? input : JSON.stringify(input), maxBuffer: 1 << 30 });
  return JSON.parse(out.toString("utf8"));
}


function golden() {
  const cases = [];
  readFileSync(root("tests/data/analysis_golden.tsv"), "utf8").split("\n").forEach((line, i) => {
    if (!line.trim() || line.startsWith("#")) return;
    const [chain, lang, text, expected] = line.split("\t");
    const decoded = text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    cases.push({ line: i + 1, chain, lang, text: decoded, expected: expected.split(" ").filter(Boolean) });
  });
  return cases;
}

// a small deterministic PRNG (mulberry32), so a failure is the same on every run
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "données", "Île-de-France", "l'emploi", "L’Assurance", "aujourd’hui", "Aujourdʼhui", "Entrepreneur·e·s",
  "développeur·euse·s", "data·inclusion", "e-mail", "E‑mail", "DocumentIA", "XMLParser", "APIs", "œuvre", "Cœur",
  "Straße", "ﬁnance", "2015-2020", "1er", "x²", "①", "CO₂", "prud'hommes", "presqu’île", "qu'est-ce", "jusqu'à",
  "a-t-il", "naïve", "Noël", "ÉTAT", "façade", "São", "Ærø", "ĳssel", "ǅemal", "e\u0301te\u0301", "cre\u0301e\u0301e",
  "in\u200bvisible", "soft\u00adhyphen", "𝐀𝐁𝐂", "ｆｕｌｌ", "ΑΘΗΝΑ", "Москва", "l'", "'", "--", "·", "company's",
  "don't", "we're", "about", "us", "the", "recrutement", "recruter", "recrutés", "travaux", "nouvelles", "publique",
  "MonCompteFormation", "mon-compte-formation", "api.gouv.fr", "beta.gouv.fr", "N°", "ﬂ", "Ⅻ", "ℌ", "µ", "ª",
  "d’idéation", "s’engager", "c’est-à-dire", "peut-être", "Grand-Est", "aide-soignant·e·s",
];
const EMOJI = ["😀", "👩‍💻", "🇫🇷", "❤️", "✅", "🚀"];
const LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæABCDEÉÈÀÇÔŒ0123456789";
const JOINS = ["'", "’", "ʼ", "‘", "-", "‐", "‑", "·", "•", "\u200b", "\u00ad", "\u0301", "\u0300", ""];
const SPACES = [" ", " ", " ", "\n", "\u00a0", "\u202f", ", ", ". ", " (", ") ", " : ", " ? ", "\t", "/"];

function generated(n, seed) {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const word = () => {
    let w = "";
    const pieces = 1 + Math.floor(rnd() * 3);
    for (let p = 0; p < pieces; p++) {
      const len = 1 + Math.floor(rnd() * 9);
      for (let i = 0; i < len; i++) w += pick(LETTERS);
      if (p < pieces - 1) w += pick(JOINS);
    }
    return rnd() < 0.2 ? w.normalize("NFD") : w;
  };
  const texts = [];
  for (let t = 0; t < n; t++) {
    let text = "";
    const count = 1 + Math.floor(rnd() * 14);
    for (let i = 0; i < count; i++) {
      const r = rnd();
      text += r < 0.45 ? pick(WORDS) : r < 0.9 ? word() : pick(EMOJI);
      text += pick(SPACES);
    }
    texts.push(text);
  }
  return texts;
}

const GENERATED = generated(2000, 20261130);
// the tables as an export ships them for a site whose pages write these texts
const analysis = new Analysis(python("tables", golden().map((c) => c.text).join("") + GENERATED.join("")));

function assertSameTokens(cases, expected) {
  const mismatches = [];
  cases.forEach(([chain, lang, text], i) => {
    const got = analysis.tokens(text, lang, chain, true);
    const python = expected[i];
    if (JSON.stringify(got) === JSON.stringify(python)) return;
    let k = 0;
    while (k < got.length && JSON.stringify(got[k]) === JSON.stringify(python[k])) k++;
    mismatches.push(`${chain} ${lang} ${JSON.stringify(text)}\n  token ${k}: js ${JSON.stringify(got[k])} python ${JSON.stringify(python[k])}`);
  });
  assert.equal(mismatches.length, 0,
               `${mismatches.length} of ${cases.length} analyses differ; first ones:\n` + mismatches.slice(0, 12).join("\n"));
}

test("the golden file's expected terms", () => {
  const cases = golden();
  assert.ok(cases.length >= 180);
  for (const c of cases) {
    const got = analysis.tokens(c.text, c.lang, c.chain).map((t) => t[0]);
    assert.deepEqual(got, c.expected, `line ${c.line}: ${c.chain} ${c.lang} ${JSON.stringify(c.text)}`);
  }
});

test("every token of the golden inputs is Python's (positions, offsets, stop words)", () => {
  const cases = golden().map((c) => [c.chain, c.lang, c.text]);
  assertSameTokens(cases, python("tokens", cases));
});

test("2,000 generated French-like texts: the same tokens as Python, both chains, both languages", () => {
  const texts = GENERATED;
  const cases = [];
  for (const text of texts) {
    for (const chain of ["stem", "word"]) cases.push([chain, "fr", text]);
  }
  for (const text of texts.slice(0, 500)) cases.push(["stem", "en", text], ["word", "en", text]);
  cases.push(["stem", "fr", "\ue000en\ue000The companies' offices"], ["stem", "en", "\ue000fr\ue000Les données"]);
  assertSameTokens(cases, python("tokens", cases));
});
