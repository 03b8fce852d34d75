// casesearch.mjs: the static search client, an ES module with no dependencies.
//
// Analysis: the twin of casesearch/chain.py and analysis.py, driven by the same tables
// (casesearch.lang, shipped in the bundle's entry file by casesearch.export.tables):
// normalise each word (NFC, invisible characters out, inclusive "·e·s" cut), split it
// (elision, hyphen compounds, camelCase), fold it through the fold table, mark stop words
// (they keep their position), then stem with the table's rules (or Snowball for English)
// or keep the folded and accented forms. tests/js/analysis.test.mjs holds it to Python's
// tokens. Python indexes strings by code point and JavaScript by UTF-16 unit: inside a
// word this code works on an array of code points as Python does; offsets it returns are
// JavaScript's (UTF-16), for slicing JavaScript strings.

import { englishStem, frenchStem } from "./snowball.mjs";

const SNOWBALL = { english: englishStem, french: frenchStem };
const MEMO_MAX = 50000;   // distinct words remembered per chain before the memo starts over

// ---------------------------------------------------------------- Unicode predicates
// Python's str predicates on one character or a short string, as Python defines them.
const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;
const TITLE = /\p{Lt}/u;
const ALPHA = /^\p{L}+$/u;
const ND = /^\p{Nd}$/u;

function isUpperChar(c) { return UPPER.test(c) && !LOWER.test(c) && !TITLE.test(c); }
function isLowerChar(c) { return LOWER.test(c) && !UPPER.test(c) && !TITLE.test(c); }

// str.islower (str.isupper): no character of the other cases, and at least one of this case
function isCased(chars, kind = LOWER, others = [UPPER, TITLE]) {
  let cased = false;
  for (const c of chars) {
    if (others.some((other) => other.test(c))) return false;
    if (kind.test(c)) cased = true;
  }
  return cased;
}
const isLower = (chars) => isCased(chars);

function inRanges(code, ranges) {
  let lo = 0, hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (code < ranges[mid][0]) hi = mid - 1;
    else if (code >= ranges[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function memoised(fn) {
  const memo = new Map();
  return (word) => {
    let out = memo.get(word);
    if (out === undefined) {
      if (memo.size >= MEMO_MAX) memo.clear();
      out = fn(word);
      memo.set(word, out);
    }
    return out;
  };
}

// the light stemmer of casesearch/lang/fr.py: see the algorithm written there
function lightStemmer(spec) {
  const irregular = new Map(Object.entries(spec.irregular));
  return (word) => {
    if (irregular.has(word)) return irregular.get(word);
    for (const rules of spec.steps) {
      for (const [suffix, replacement, minStem] of rules) {
        if (word.endsWith(suffix)) {
          if (word.length - suffix.length >= minStem) word = word.slice(0, word.length - suffix.length) + replacement;
          break;
        }
      }
    }
    return word;
  };
}

function stemmerOf(spec) {
  if (spec.kind === "snowball") {
    const stem = SNOWBALL[spec.language];
    if (!stem) throw new Error("no Snowball stemmer for " + spec.language);
    return stem;
  }
  return lightStemmer(spec);
}

// Split points of camelCase and glued acronyms (DocumentIA, XMLParser; not APIs), in code points.
function camelBounds(chars) {
  const cuts = [0];
  for (let i = 1; i < chars.length; i++) {
    const prev = chars[i - 1], cur = chars[i];
    const after = chars.slice(i + 1, i + 3);
    if (isUpperChar(cur) && (isLowerChar(prev) || (isUpperChar(prev) && after.length === 2
        && ALPHA.test(after.join("")) && isLower(after)))) cuts.push(i);
  }
  cuts.push(chars.length);
  return cuts;
}

// ---------------------------------------------------------------------- the chain

export class Chain {
  constructor(tables) {
    this.lang = tables.lang;
    this.stopwords = new Set(tables.stopwords);
    this.questions = tables.questions.map((q) => q.split(" "));
    // the function words of the language: stop words and question words (query.language)
    this.functionWords = new Set([...tables.stopwords, ...this.questions.flat()]);
    this.prefixes = new Set(tables.elision.prefixes);
    this.exceptions = new Set(tables.elision.exceptions);
    this.clitics = new Set(tables.elision.clitics);
    this.invisible = new Set(tables.invisible);
    this.apostrophes = new Set(tables.apostrophes);
    this.hyphens = new Set(tables.hyphens);
    this.dots = new Set(tables.inclusive_dots);
    this.suffixMax = tables.inclusive_suffix_max;
    this.wordRe = new RegExp(tables.word_pattern_js, "gu");
    this.folds = new Map(Object.entries(tables.fold));
    this.combining = tables.combining;
    this.digits = tables.digits;
    const rule = stemmerOf(tables.stemmer);
    this.fold = memoised((word) => this._fold(word));
    this.stem = memoised((word) => {
      // a word with a digit is not stemmed; a stem shorter than 2 letters or a stop word is not used
      if (!/^[a-z]+$/.test(word)) return word;
      const s = rule(word);
      return s.length < 2 || this.stopwords.has(s) ? word : s;
    });
    this.memo = { stem: new Map(), word: new Map() };
  }

  // Lowercase ASCII form of one word (œ->oe, é->e, ß->ss): only [a-z0-9] kept. Characters
  // outside the table's ranges fold to nothing (Python asks unidecode; no French page meets one).
  _fold(word) {
    let out = "";
    for (const c of word) {
      const v = this.folds.get(c);
      if (v !== undefined) out += v;
      else if (c.charCodeAt(0) < 128) out += c;
    }
    return out.replace(/[^a-z0-9]+/g, "");
  }

  _isDigits(chars) {
    return chars.length > 0 && chars.every((c) => ND.test(c) || inRanges(c.codePointAt(0), this.digits));
  }

  // NFC, invisible characters removed: the clean word as code points, each with the span
  // (UTF-16 offsets) of the cluster of raw it comes from
  _clean(raw) {
    const chars = [], starts = [], ends = [];
    let i = 0;
    while (i < raw.length) {
      let j = i + (raw.codePointAt(i) > 0xffff ? 2 : 1);
      while (j < raw.length && inRanges(raw.codePointAt(j), this.combining)) j += raw.codePointAt(j) > 0xffff ? 2 : 1;
      let cluster = "";
      for (const c of raw.slice(i, j)) if (!this.invisible.has(c)) cluster += c;
      for (const c of cluster.normalize("NFC")) { chars.push(c); starts.push(i); ends.push(j); }
      i = j;
    }
    return { chars, starts, ends };
  }

  _find(chars, set, from, to = chars.length) {
    for (let i = from; i < to; i++) if (set.has(chars[i])) return i;
    return -1;
  }

  _apostropheKey(chars) {
    const pieces = [[]];
    for (const c of chars) {
      if (this.apostrophes.has(c)) pieces.push([]);
      else pieces[pieces.length - 1].push(c);
    }
    return pieces.map((p) => this.fold(p.join(""))).join("'");
  }

  // apostrophe pieces [start, end, exception] of the compound part chars[a:b]
  _pieces(chars, a, b) {
    if (this._find(chars, this.apostrophes, a, b) < 0) return [[a, b, false]];
    if (this.exceptions.size && this.exceptions.has(this._apostropheKey(chars.slice(a, b)))) return [[a, b, true]];
    let spans = [], start = a;
    for (let i = a; i < b; i++) {
      if (this.apostrophes.has(chars[i])) { spans.push([start, i]); start = i + 1; }
    }
    spans.push([start, b]);
    while (spans.length > 1 && this.prefixes.has(this.fold(chars.slice(spans[0][0], spans[0][1]).join("")))) {
      spans.shift();
      if (this.exceptions.has(this._apostropheKey(chars.slice(spans[0][0], b)))) return [[spans[0][0], b, true]];
    }
    if (this.clitics.size) {
      spans = spans.slice(0, 1).concat(spans.slice(1).filter(([s, e]) => !this.clitics.has(this.fold(chars.slice(s, e).join("")))));
    }
    return spans.filter(([s, e]) => e > s).map(([s, e]) => [s, e, false]);
  }

  // positions used by one clean word, and its parts {pos, width, start, end, joined}
  _splitWord(chars) {
    // leading elision on the whole word first, so l'Île-de-France joins as "iledefrance"
    let start = 0;
    while (this.prefixes.size) {
      const m = this._find(chars, this.apostrophes, start);
      const h = this._find(chars, this.hyphens, start);
      if (m < 0 || (h >= 0 && h < m)) break;
      const endFirst = h >= 0 ? h : chars.length;
      if (this.exceptions.has(this._apostropheKey(chars.slice(start, endFirst)))) break;
      if (!this.prefixes.has(this.fold(chars.slice(start, m).join("")))) break;
      start = m + 1;
    }
    const bounds = [];
    let a = start;
    for (let i = start; i < chars.length; i++) {
      if (this.hyphens.has(chars[i])) {
        if (i > a) bounds.push([a, i]);
        a = i + 1;
      }
    }
    if (chars.length > a) bounds.push([a, chars.length]);
    const parts = [];
    let pos = 0;
    for (const [pa, pb] of bounds) {
      for (const [s, e, exception] of this._pieces(chars, pa, pb)) {
        if (exception) {
          parts.push({ pos, width: 0, start: s, end: e, joined: true });
          pos += 1;
          continue;
        }
        const cuts = camelBounds(chars.slice(s, e));
        if (cuts.length > 2) parts.push({ pos, width: cuts.length - 1, start: s, end: e, joined: false });
        for (let i = 0; i < cuts.length - 1; i++) {
          parts.push({ pos, width: 0, start: s + cuts[i], end: s + cuts[i + 1], joined: false });
          pos += 1;
        }
      }
    }
    // the joined compound (e-mail -> email), unless it is only numbers (2015-2020)
    if (bounds.length > 1 && bounds.some(([s, e]) => !this._isDigits(chars.slice(s, e)))) {
      parts.unshift({ pos: 0, width: pos, start: bounds[0][0], end: bounds[bounds.length - 1][1], joined: true });
    }
    return [pos, parts];
  }

  // [positions used, tokens] of one word of the word pattern; offsets are raw's
  analyseWord(raw, chain) {
    let { chars, starts, ends } = this._clean(raw);
    const dot = this._find(chars, this.dots, 0);
    if (dot >= 0) {
      const tails = [[]];
      for (const c of chars.slice(dot + 1)) {
        if (this.dots.has(c)) tails.push([]);
        else tails[tails.length - 1].push(c);
      }
      if (tails.every((t) => t.length <= this.suffixMax)) chars = chars.slice(0, dot);
      else return this._analyseSides(raw, chars, starts, ends, chain);   // a separator: each side a word
    }
    const [npos, parts] = this._splitWord(chars);
    const perPart = [];
    const kept = new Set();   // positions of leaves that gave a term
    for (const part of parts) {
      const found = [];
      perPart.push(found);
      let piece = chars.slice(part.start, part.end);
      if (part.joined) piece = piece.filter((c) => !this.apostrophes.has(c) && !this.hyphens.has(c));
      const text = piece.join("");
      const folded = this.fold(text);
      const a = starts[part.start], b = ends[part.end - 1];
      if (this.stopwords.has(folded)) {
        found.push([folded, part.pos, a, b, true]);
        continue;
      }
      if (!folded || (folded.length === 1 && !/[0-9]/.test(folded))) continue;
      let forms;
      if (chain === "stem") forms = [this.stem(folded)];
      else {
        const lower = text.toLowerCase();
        forms = lower === folded ? [folded] : [folded, lower];
      }
      for (const form of forms) found.push([form, part.pos, a, b, false]);
      if (!part.width) kept.add(part.pos);
    }
    const tokens = [];
    parts.forEach((part, i) => {
      // a joined form only where one of its parts is a real term: no "atil" from a-t-il
      if (part.width) {
        let any = false;
        for (let p = part.pos; p < part.pos + part.width; p++) if (kept.has(p)) any = true;
        if (!any) return;
      }
      for (const t of perPart[i]) {
        if (!tokens.some((u) => u[0] === t[0] && u[1] === t[1] && u[2] === t[2] && u[3] === t[3] && u[4] === t[4])) tokens.push(t);
      }
    });
    return [npos, tokens];
  }

  _analyseSides(raw, chars, starts, ends, chain) {
    let npos = 0, a = 0;
    const tokens = [];
    for (let i = 0; i <= chars.length; i++) {
      if (i < chars.length && !this.dots.has(chars[i])) continue;
      if (i > a) {
        const off = starts[a];
        const [n, sub] = this.analyseWord(raw.slice(off, ends[i - 1]), chain);
        for (const [t, p, s, e, stopped] of sub) tokens.push([t, p + npos, s + off, e + off, stopped]);
        npos += n;
      }
      a = i + 1;
    }
    return [npos, tokens];
  }

  // [text, pos, start, end, stopped] of text from `offset` (UTF-16 offsets into text), by
  // the "stem" or "word" chain; stop words only with keepStops
  tokens(text, chain, keepStops = false, offset = 0) {
    const memo = this.memo[chain];
    if (memo.size > MEMO_MAX) memo.clear();
    const out = [];
    let pos = 0;
    this.wordRe.lastIndex = offset;
    let m;
    while ((m = this.wordRe.exec(text)) !== null) {
      const raw = m[0];
      let found = memo.get(raw);
      if (found === undefined) memo.set(raw, (found = this.analyseWord(raw, chain)));
      const [npos, tokens] = found;
      for (const [t, p, a, b, stopped] of tokens) {
        if (keepStops || !stopped) out.push([t, pos + p, m.index + a, m.index + b, stopped]);
      }
      pos += npos;
    }
    return out;
  }
}

// ------------------------------------------------------------------- the analysis

// The analysis of every language of the tables ({fr: tables, en: tables}), the first
// language given being the default one, as casesearch.analysis is for Python.
export class Analysis {
  constructor(tablesByLang, defaultLang = "fr") {
    this.chains = {};
    for (const [code, tables] of Object.entries(tablesByLang)) this.chains[code] = new Chain(tables);
    this.defaultLang = defaultLang;
    this.mark = tablesByLang[defaultLang].lang_mark;
    this.familyStem = memoised(frenchStem);
    this.unrelated = new Set((tablesByLang.fr?.family_exceptions ?? []).map(([a, b]) => a + " " + b));
  }

  // [language, offset of the text after a leading language mark]; unknown languages are the default
  language(text, lang) {
    if (text.startsWith(this.mark)) {
      const end = text.indexOf(this.mark, 1);
      if (end > 0) {
        const code = text.slice(1, end);
        return [code in this.chains ? code : this.defaultLang, end + 1];
      }
    }
    return [lang in this.chains ? lang : this.defaultLang, 0];
  }

  tokens(text, lang = this.defaultLang, chain = "stem", keepStops = false) {
    const [code, offset] = this.language(text, lang);
    return this.chains[code].tokens(text, chain, keepStops, offset);
  }

  fold(word) { return this.chains[this.defaultLang].fold(word); }

  // analysis.related: whether two light stems of one family key may be joined
  related(a, b) {
    const [x, y] = cmpStr(a, b) <= 0 ? [a, b] : [b, a];
    return !this.unrelated.has(x + " " + y);
  }

  stem(word, lang = this.defaultLang) { return (this.chains[lang] || this.chains[this.defaultLang]).stem(word); }

  // Snowball French stem of a light stem: words sharing it form a family (analysis.family_key)
  familyKey(stem) { return this.familyStem(stem); }
}

// =================================================================== the static search
//
// The search of casesearch's /api/search over a bundle (casesearch/export/bundle.py), ranked
// as the Python search ranks: each part below names the Python function it mirrors, and
// adds floats in the order Python does, so that scores agree to ~1e-9. Page ids are the
// bundle's; ties are broken by the page's source path on both sides.

// ------------------------------------------------------------- Python's str helpers

const SURROGATE = /[\ud800-\udfff]/;
const CF = /\p{Cf}/u;
const SEPARATOR = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const SPACE = /\s/u;
const ALNUM = /[\p{L}\p{N}]/u;
const ND_ANY = /\p{Nd}/u;
const ASCII = /^[\x00-\x7f]*$/;

function codeLength(s) { return SURROGATE.test(s) ? Array.from(s).length : s.length; }

// Python's order of strings (by code point; JavaScript's < compares UTF-16 units)
function cmpStr(a, b) {
  if (a === b) return 0;
  if (SURROGATE.test(a) || SURROGATE.test(b)) {
    const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  return a < b ? -1 : 1;
}

// str.split(): on runs of whitespace, no empty pieces
function splitWords(s) { return s.split(/\s+/u).filter(Boolean); }

const isUpperText = (s) => isCased(s, UPPER, [LOWER, TITLE]);   // str.isupper

// str.isalpha
function isAlpha(s) { return s.length > 0 && ALPHA.test(s); }

// round(x, n): Python rounds the exact binary value, halves to even
function pyRound(x, n) {
  const fixed = Number(x.toFixed(n));
  const scale = 10 ** n, scaled = x * scale;
  if (Math.abs(scaled - Math.trunc(scaled)) === 0.5 && Math.trunc(scaled) / scale + 0.5 / scale === x) {
    const down = Math.trunc(scaled);   // an exact tie: to even
    return (down % 2 === 0 ? down : down + Math.sign(x)) / scale;
  }
  return fixed;
}

// html.escape(text, quote=False)
// highlight._escape: html.escape(s, quote=True)
function escapeHtml(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

function sameList(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

export class QueryError extends Error {
  constructor(message) { super(message); this.name = "QueryError"; }
}

// ------------------------------------------------------------------ query.py

const SYNTAX = /(-?)"([^"]*)"?|(-?)([^\s"]+)/gu;   // query._SYNTAX

// query._alternatives: terms [text, pos, ...] -> alternatives (arrays of stems)
function alternatives(terms) {
  if (!terms.length) return [];
  const byPos = new Map();
  for (const [text, pos] of terms) {
    if (!byPos.has(pos)) byPos.set(pos, []);
    byPos.get(pos).push(text);
  }
  const positions = [...byPos.keys()].sort((a, b) => a - b);
  if (positions.length === 1) return [...new Set(byPos.get(positions[0]))].map((t) => [t]);
  // a compound (start-up, DocumentIA): the joined form, or all of its parts
  const first = byPos.get(positions[0]);
  const joined = first.reduce((best, t) => (codeLength(t) > codeLength(best) ? t : best));
  const parts = positions.map((p) => byPos.get(p).find((t) => t !== joined) ?? byPos.get(p)[0]);
  return [[joined], parts];
}

// a QueryWord
function queryWord(raw, alternatives, english, exact, folded, gap = 1) {
  const stems = new Set();
  for (const alt of alternatives.concat(english)) for (const t of alt) stems.add(t);
  return { raw, alternatives, english, exact, folded, gap, stems };
}

// query.analyse_word: one typed word, analysed with every query language; null for a stop word
function analyseWord(analysis, raw) {
  const french = alternatives(analysis.tokens(raw, "fr", "stem"));
  const english = alternatives(analysis.tokens(raw, "en", "stem"));
  if (!french.length) return null;   // the site's language decides what is a stop word
  const words = analysis.tokens(raw, "fr", "word").map((t) => t[0]);
  const foldedForms = words.filter((w) => w === analysis.fold(w));
  const accented = words.filter((w) => w !== analysis.fold(w));
  const exact = [...new Set(accented.length ? accented : foldedForms)];
  const folded = foldedForms.length
    ? foldedForms.reduce((best, w) => (codeLength(w) > codeLength(best) ? w : best)) : analysis.fold(raw);
  return queryWord(raw, french, english, exact, folded);
}

// query._within: the word, and the room left for compounds' parts: a compound whose parts
// do not fit in what is left is searched as its joined form
function within(word, room) {
  const parts = Math.max(0, ...word.alternatives.filter((alt) => alt.length > 1).map((alt) => alt.length));
  if (!parts) return [word, room];
  if (parts <= room) return [word, room - parts];
  const one = (alt) => alt.length === 1;
  return [queryWord(word.raw, word.alternatives.filter(one), word.english.filter(one), word.exact, word.folded, word.gap), room];
}

// query._phrase_words
function phraseWords(analysis, phrase) {
  const words = [];
  let gap = 1;
  for (const raw of splitWords(phrase)) {
    const word = analyseWord(analysis, raw);
    if (word === null) { gap += 1; continue; }
    words.push(words.length ? { ...word, gap } : word);
    gap = 1;
  }
  return words;
}

// query._pieces: a typed word's folded pieces, split at apostrophes and hyphens
function pieces(analysis, raw) {
  const chain = analysis.chains[analysis.defaultLang];
  const out = [];
  let piece = "";
  for (const c of raw + " ") {
    if (c === " " || chain.apostrophes.has(c) || chain.hyphens.has(c)) {
      const folded = piece ? analysis.fold(piece) : "";
      if (folded) out.push(folded);
      piece = "";
    } else piece += c;
  }
  return out;
}

// query.asked: how many of the words a query starts with ask a question (0 when none)
function asked(analysis, tokens) {
  const split = tokens.map((t) => pieces(analysis, t));
  const flat = split.flat();
  const ends = new Map();
  let total = 0;
  split.forEach((ps, n) => { total += ps.length; ends.set(total, n + 1); });
  let best = 0;
  for (const chain of Object.values(analysis.chains)) {
    for (const q of chain.questions) {
      if (ends.has(q.length) && q.every((w, i) => flat[i] === w)) best = Math.max(best, ends.get(q.length));
    }
  }
  return best;
}

// query.language: the query's language when its function words are of one language only
function queryLanguage(analysis, tokens) {
  const flat = tokens.flatMap((t) => pieces(analysis, t));
  const codes = Object.keys(analysis.chains);
  const seen = codes.filter((code) => flat.some((p) => analysis.chains[code].functionWords.has(p)
    && !codes.some((o) => o !== code && analysis.chains[o].functionWords.has(p))));
  return seen.length === 1 ? seen[0] : null;
}

// query.clean: control and format characters become spaces; Unicode NFC
function cleanQuery(text) {
  let out = "";
  for (const c of text.normalize("NFC")) out += CF.test(c) ? "" : SEPARATOR.test(c) ? " " : c;
  return out;
}

// query.parse: a visitor's text -> {text, words, phrases, excluded, prefix, question, lang};
// QueryError over the limits
export function parseQuery(analysis, text, { maxChars = 200, maxTerms = 12, prefix = true, compoundParts = Infinity } = {}) {
  if (codeLength(text) > 4 * maxChars) throw new QueryError(`query is ${codeLength(text)} characters long; the limit is ${maxChars}`);
  text = cleanQuery(text);
  if (codeLength(text) > maxChars) throw new QueryError(`query is ${codeLength(text)} characters long; the limit is ${maxChars}`);
  const tokens = [...text.matchAll(SYNTAX)].map((m) => [m[3] || "", m[4]]);
  const leading = [];
  for (const [negative, word] of tokens) {
    if (word === undefined || negative) break;
    leading.push(word);
  }
  const lang = queryLanguage(analysis, tokens.filter(([, w]) => w !== undefined).map(([, w]) => w));
  const question = asked(analysis, leading);
  if (question) {
    const parsed = parseWords(analysis, text, maxTerms, prefix, question, lang, compoundParts);
    if (!parsed.isEmpty) return { ...parsed, question: true };
  }
  const parsed = parseWords(analysis, text, maxTerms, prefix, 0, lang, compoundParts);
  return parsed.isEmpty ? parsed : { ...parsed, question: text.trimEnd().endsWith("?") };
}

// query._parse: the query without its first `skip` words; in English, English stop words dropped too
function parseWords(analysis, text, maxTerms, prefix, skip, lang, compoundParts) {
  const words = [], phrases = [], excluded = [];
  let typed = 0, lastPlain = null, n = -1, room = compoundParts;
  for (const m of text.matchAll(SYNTAX)) {
    const [, negPhrase, phrase, negWord, word] = m;
    n += 1;
    if (n < skip) { typed += 1; continue; }
    if (phrase !== undefined) {
      const parts = phraseWords(analysis, phrase).map((part) => { [part, room] = within(part, room); return part; });
      typed += splitWords(phrase).length;
      lastPlain = null;
      if (negPhrase && parts.length) excluded.push(...parts);
      else if (parts.length > 1) phrases.push(parts);
      else words.push(...parts);
      continue;
    }
    typed += 1;
    const negative = Boolean(negWord) && word.length > 0;
    let analysed = analyseWord(analysis, word);
    lastPlain = null;
    if (analysed === null || (lang === "en" && !analysed.english.length)) continue;
    [analysed, room] = within(analysed, room);
    if (negative) excluded.push(analysed);
    else { words.push(analysed); lastPlain = analysed; }
  }
  if (typed > maxTerms) throw new QueryError(`query has ${typed} words; the limit is ${maxTerms}`);
  let typedPrefix = null;
  if (prefix && lastPlain !== null && text && !SPACE.test(text[text.length - 1]) && codeLength(lastPlain.folded) >= 2) {
    typedPrefix = lastPlain.folded;
  }
  const positive = words.concat(...phrases);
  return { text: text.trim(), words, phrases, excluded, prefix: typedPrefix, positive,
           isEmpty: !words.length && !phrases.length, question: false, lang };
}

// --------------------------------------------------------------- synonyms.py

const KEY_SEP = "\u0000";

// synonyms.Synonyms: groups of members (arrays of query words); find() gives the spans,
// with at most `room` (weights.synonym_words) words of other members for a query
class Synonyms {
  constructor(groups, room) {
    this.room = room;
    const key = (member) => member.map((w) => w.alternatives[0][0]).join(KEY_SEP);   // synonyms._key
    this.byKey = new Map();
    for (const group of groups) {
      for (const member of group) {
        const others = group.filter((m) => key(m) !== key(member));
        if (!this.byKey.has(key(member))) this.byKey.set(key(member), []);
        this.byKey.get(key(member)).push(...others);
      }
    }
    this.longest = Math.max(0, ...[...this.byKey.keys()].map((k) => k.split(KEY_SEP).length));
  }

  // Synonyms.find: non-overlapping spans {start, end, variants} of the query, longest first,
  // each with the other members that fit in what is left of the room (spans in order,
  // members in order; a span left with none is not a span)
  find(words) {
    const keys = words.map((w) => (w.alternatives[0].length === 1 ? w.alternatives[0][0] : null));
    const spans = [];
    let i = 0, room = this.room;
    while (i < words.length) {
      let found = false;
      for (let size = Math.min(this.longest, words.length - i); size > 0; size--) {
        const key = keys.slice(i, i + size);
        if (!key.includes(null) && this.byKey.has(key.join(KEY_SEP))) {
          const variants = [];
          for (const variant of this.byKey.get(key.join(KEY_SEP))) {
            if (variant.length <= room) { variants.push(variant); room -= variant.length; }
          }
          if (variants.length) spans.push({ start: i, end: i + size, variants });
          i += size;
          found = true;
          break;
        }
      }
      if (!found) i += 1;
    }
    return spans;
  }
}

// synonyms.parse_groups
function parseGroups(analysis, text, origin) {
  const groups = [];
  text.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/).forEach((line, index) => {
    line = line.split("#")[0].trim();
    if (!line) return;
    const members = [];
    for (const part of line.split("=")) {
      const words = splitWords(part).map((raw) => analyseWord(analysis, raw)).filter(Boolean);
      if (words.length) members.push(words);
    }
    if (members.length < 2) throw new Error(`synonyms file '${origin}', line ${index + 1}: a group needs two members`);
    groups.push(members);
  });
  return groups;
}

// synonyms.load, as Snapshot uses it: the site's groups beside the built-in ones, or the
// built-in ones alone when the site's file does not parse
function loadSynonyms(analysis, texts, room) {
  try {
    return new Synonyms(texts.flatMap((text, i) => parseGroups(analysis, text, i ? "site" : "built-in")), room);
  } catch (error) {
    return new Synonyms(parseGroups(analysis, texts[0], "built-in"), room);
  }
}

// ------------------------------------------------------------------ typos.py

const TYPO_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

// typos.distance: optimal-string-alignment distance, capped at limit + 1
function osaDistance(a, b, limit) {
  a = Array.from(a); b = Array.from(b);
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2 = [], prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i].concat(new Array(b.length).fill(0));
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] !== b[j - 1] ? 1 : 0;
      let value = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, prev2[j - 2] + 1);
      cur[j] = value;
    }
    if (Math.min(...cur) > limit) return limit + 1;
    prev2 = prev; prev = cur;
  }
  return prev[prev.length - 1];
}

// typos._edits1
function edits1(word) {
  const out = new Set();
  for (let i = 0; i <= word.length; i++) {
    const a = word.slice(0, i), b = word.slice(i);
    if (b) out.add(a + b.slice(1));
    if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2));
    for (const c of TYPO_ALPHABET) {
      if (b) out.add(a + c + b.slice(1));
      out.add(a + c + b);
    }
  }
  return out;
}

// typos.max_edits
function maxEdits(weights, word) {
  const n = codeLength(word);
  if (n < weights.typo_min_length) return 0;
  return n <= weights.typo_one_edit_max_length ? 1 : weights.typo_max_edits;
}

// Vocabulary.corrections leaves alone a word in capitals or with a digit
function mayBeTypo(word, digits) {
  return !isUpperText(word.raw) && !Array.from(word.raw).some((c) => ND_ANY.test(c) || inRanges(c.codePointAt(0), digits));
}

// typos.Vocabulary, over the bundle's vocabulary file (accented forms) and every piece of
// its folded words ([[word, pages], ...]) and of the accented forms' page counts
class Vocabulary {
  constructor(data, words, formCounts, weights, analysis) {
    this.weights = weights;
    this.analysis = analysis;
    this.words = words.map(([w]) => w);                // folded (ASCII) words, sorted
    this.known = new Map(words);                        // word -> pages holding it
    this.buckets = new Map();                           // first letter and length -> words
    for (const w of this.words) {
      const key = w[0] + KEY_SEP + w.length;
      if (!this.buckets.has(key)) this.buckets.set(key, []);
      this.buckets.get(key).push(w);
    }
    // folded -> [[form, pages], ...]; the counts follow the folded words' order, then the forms'
    this.accented = new Map();
    let i = 0;
    for (const folded of Object.keys(data.accented).sort(cmpStr)) {
      this.accented.set(folded, data.accented[folded].map((form) => [form, formCounts[i++]]));
    }
    this.df = new Map(words);
    for (const forms of this.accented.values()) for (const [form, n] of forms) this.df.set(form, n);
  }

  maxEdits(word) { return maxEdits(this.weights, word); }

  docFrequency(word) { return this.df.get(word) ?? 0; }

  frequency(word) { return this.known.get(word) ?? 0; }

  // Vocabulary.may_correct: is the word one correction looks at (unknown, long enough, letters)?
  mayCorrect(word) { return Boolean(this.maxEdits(word)) && isAlpha(word) && !this.frequency(word); }

  // Vocabulary.correct: the most frequent known word within the allowed edits, or null
  correct(word) {
    if (!this.mayCorrect(word)) return null;
    const edits = this.maxEdits(word);
    const found = [];
    for (const w of edits1(word)) if (this.known.has(w)) found.push([1, -this.docFrequency(w), w]);
    if (!found.length && edits > 1) {
      for (let length = word.length - edits; length <= word.length + edits; length++) {
        for (const candidate of this.buckets.get(word[0] + KEY_SEP + length) ?? []) {
          const d = osaDistance(word, candidate, edits);
          if (d <= edits) found.push([d, -this.docFrequency(candidate), candidate]);
        }
      }
    }
    if (!found.length) return null;
    found.sort((x, y) => x[0] - y[0] || x[1] - y[1] || cmpStr(x[2], y[2]));
    return found[0][2];
  }

  // Vocabulary.written: the form pages mostly write a folded word in (donnees -> données)
  written(word) {
    const forms = this.accented.get(word);
    if (!forms || !forms.length) return word;
    let [accented, count] = forms[0];
    for (const [form, n] of forms) {
      if (n > count || (n === count && cmpStr(form, accented) > 0)) { accented = form; count = n; }
    }
    return count * 2 > this.frequency(word) ? accented : word;
  }

  // Vocabulary.corrections: raw typed word -> corrected word as pages write it, for the
  // first typo_words words that need one
  corrections(words) {
    const fixes = new Map();
    const digits = this.analysis.chains.fr.digits;
    let room = this.weights.typo_words;
    for (const w of words) {
      if (!mayBeTypo(w, digits) || !this.mayCorrect(w.folded)
          || knownParts(this.analysis, w.raw, (t) => this.frequency(t), this.analysis.chains.fr.stopwords)) continue;
      if (room === 0) break;
      room -= 1;
      const fixed = this.correct(w.folded);
      if (fixed && fixed !== w.folded) fixes.set(w.raw, this.written(fixed));
    }
    return fixes;
  }
}

// names.candidates: the ways a folded word is made of 2 or 3 known words or stop words,
// the likeliest first
function nameCandidates(w, word, frequency, stopwords) {
  if (word.length < w.name_min_length || !/^[a-z]+$/.test(word)) return [];
  const rank = (parts) => {
    const counts = parts.map(frequency);
    if (parts.some((p, i) => !counts[i] && !stopwords.has(p)) || !counts.some(Boolean)) return null;
    return [parts.length, -Math.min(...counts.filter(Boolean)), parts];
  };
  const n = word.length, found = [];
  const add = (parts) => { const r = rank(parts); if (r) found.push(r); };
  for (let i = 2; i <= n - 2; i++) add([word.slice(0, i), word.slice(i)]);
  for (let i = 2; i <= n - 4; i++) for (let j = i + 2; j <= n - 2; j++) add([word.slice(0, i), word.slice(i, j), word.slice(j)]);
  const cmpParts = (a, b) => { for (let i = 0; i < a.length; i++) { const c = cmpStr(a[i], b[i]); if (c) return c; } return 0; };
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || cmpParts(a[2], b[2]));
  return found.slice(0, w.name_splits).map((r) => r[2]);
}

// names.typed: the parts of a word typed in parts (folded), as its one candidate split
const APART = /[^\p{L}\p{N}_'’]|_/u;
function typedParts(analysis, raw, frequency, stopwords) {
  const parts = apartParts(analysis, raw);
  return knownParts(analysis, raw, frequency, stopwords) && parts.some((p) => frequency(p)) ? [parts] : [];
}

// names.parts: the folded parts of a word typed in parts ([] for a word typed whole)
function apartParts(analysis, raw) {
  const parts = raw.split(new RegExp(APART.source, "gu")).map((p) => analysis.fold(p)).filter(Boolean);
  return parts.length > 1 ? parts : [];
}

// names.known_parts: typed in parts that are each a known word or a stop word
function knownParts(analysis, raw, frequency, stopwords) {
  const parts = apartParts(analysis, raw);
  return parts.length > 0 && parts.every((p) => frequency(p) || stopwords.has(p));
}

// the first of sorted [word, pages] pairs whose word is not before `word`
function lowerBound(pairs, word) {
  let lo = 0, hi = pairs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmpStr(pairs[mid][0], word) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// the last of sorted first terms that is not after `term` (-1: none)
function lastNotAfter(firsts, term) {
  let lo = 0, hi = firsts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmpStr(firsts[mid], term) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo - 1;
}

// analysis.fold_text from its table in the analysis file: each character to one
function foldTextOf(table) {
  const map = new Map(Object.entries(table));
  const chars = [...map.keys()].map((c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")).join("");
  const re = new RegExp(`[${chars}]`, "g");
  return (text) => text.replace(re, (c) => map.get(c));
}

// ----------------------------------------------------------------- scoring.py

// Posting lists of the bundle (scoring.Postings): the pages file's lengths, averages and
// page count, and the term chunks loaded so far. The scorer's reads are synchronous:
// StaticSearch.need() loads the chunks of a query's terms before it scores.
class Postings {
  constructor(pages, entry, analysis, chunkOf) {
    this.analysis = analysis;
    this.w = entry.weights;
    this.fields = entry.fields;
    this.phraseFields = entry.phrase_fields;
    this.wordsField = entry.words_field;
    this.n = pages.n;
    this.avg = pages.avg;
    this.lengths = pages.lengths;
    this.english = pages.english.map(Boolean);
    this.families = pages.families;
    this.phrase = new Set(entry.phrase_fields);
    this.column = Object.fromEntries(entry.row.map((field, i) => [field, i]));   // field -> its place in a row
    this.chunkOf = chunkOf;        // term -> the loaded chunk holding it, or undefined
    this.cache = new Map();
  }

  _chunk(term) {
    const chunk = this.chunkOf(term);
    if (chunk === null) throw new Error(`casesearch: the chunk of '${term}' is not loaded`);
    return chunk;
  }

  // the numbers of a term's postings in one field (bundle.py's _flat), decoded once
  _flat(field, term) {
    const key = "f" + KEY_SEP + field + KEY_SEP + term;
    let found = this.cache.get(key);
    if (found === undefined) {
      const text = this._chunk(term)?.get(term)?.[this.column[field]];
      found = text ? decodeNumbers(text) : [];
      this.cache.set(key, found);
    }
    return found;
  }

  // Postings.weights: term frequency per page (Map in page order)
  weights(field, term) {
    const found = new Map();
    const flat = this._flat(field, term);
    let id = 0;
    if (field === this.wordsField) {   // the exact-form field keeps existence only: frequency 1
      for (const gap of flat) { id += gap; found.set(id, 1); }
    } else if (this.phrase.has(field)) {   // id gap, count, count position gaps
      for (let i = 0; i < flat.length; i += 2 + flat[i + 1]) { id += flat[i]; found.set(id, flat[i + 1]); }
    } else {
      for (let i = 0; i < flat.length; i += 2) { id += flat[i]; found.set(id, flat[i + 1]); }
    }
    return found;
  }

  // Postings.positions
  positions(field, term) {
    const key = "p" + KEY_SEP + field + KEY_SEP + term;
    let found = this.cache.get(key);
    if (found === undefined) {
      found = new Map();
      const flat = this._flat(field, term);
      let id = 0, i = 0;
      while (i < flat.length) {
        id += flat[i];
        const count = flat[i + 1];
        const positions = [];
        let at = 0;
        for (let k = 0; k < count; k++) { at += flat[i + 2 + k]; positions.push(at); }
        found.set(id, positions);
        i += 2 + count;
      }
      this.cache.set(key, found);
    }
    return found;
  }

  // the pages holding a folded word in the exact-form field (Vocabulary.frequency, read
  // from the postings so that a query needs no vocabulary unless it corrects or completes)
  wordFrequency(word) {
    if (!ASCII.test(word)) return 0;
    let n = 0;
    for (const _ of this.weights(this.wordsField, word).keys()) n += 1;
    return n;
  }

  // Postings.family: other stems of the same family that extend the term or that it extends,
  // most frequent first (the pages file lists each family in that order)
  family(term) {
    const least = this.w.family_min;
    const key = isAlpha(term) && codeLength(term) >= least ? this.analysis.familyKey(term) : null;
    const group = key ? this.families.get(key) : null;
    if (!group || !group.length) return [];
    return group.filter((t) => t !== term && Math.min(codeLength(t), codeLength(term)) >= least
                         && (t.startsWith(term) || term.startsWith(t)) && this.analysis.related(t, term))
      .slice(0, this.w.family_size);
  }

  // Postings.field_tf: frequency in one field, normalised by the field's length
  fieldTf(field, term) {
    const key = "tf" + KEY_SEP + field + KEY_SEP + term;
    let found = this.cache.get(key);
    if (found === undefined) {
      const b = this.w.b[field], avg = this.avg[field], lengths = this.lengths[field];
      const floor = (this.w.short_floor[field] ?? 0.0) * avg;
      found = new Map();
      for (const [d, tf] of this.weights(field, term)) found.set(d, tf / (1 - b + b * Math.max(lengths[d], floor) / avg));
      this.cache.set(key, found);
    }
    return found;
  }

  // Postings.bm25f: BM25F of one stem over the searchable fields
  bm25f(term) {
    const key = "bm25f" + KEY_SEP + term;
    let found = this.cache.get(key);
    if (found === undefined) {
      const pseudo = new Map();
      const boosts = this.w.field_boosts;
      for (const f of this.fields) {
        const boost = boosts[f];
        for (const [d, x] of this.fieldTf(f, term)) pseudo.set(d, (pseudo.get(d) ?? 0.0) + boost * x);
      }
      const idf = Math.log(1 + (this.n - pseudo.size + 0.5) / (pseudo.size + 0.5));
      const k1f = this.w.k1f;
      found = new Map();
      for (const [d, x] of pseudo) found.set(d, idf * x * (k1f + 1) / (x + k1f));
      this.cache.set(key, found);
    }
    return found;
  }

  // Postings.term_scores: plain BM25 of one term in one field
  termScores(field, term) {
    const key = "bm25" + KEY_SEP + field + KEY_SEP + term;
    let found = this.cache.get(key);
    if (found === undefined) {
      const posting = this.weights(field, term);
      found = new Map();
      if (posting.size) {
        const idf = Math.log(1 + (this.n - posting.size + 0.5) / (posting.size + 0.5));
        const k1 = this.w.k1, b = this.w.b[field], avg = this.avg[field], lengths = this.lengths[field];
        const norm = k1 * (1 - b);
        const scale = k1 * b / avg;
        for (const [d, tf] of posting) found.set(d, idf * tf * (k1 + 1) / (tf + norm + scale * lengths[d]));
      }
      this.cache.set(key, found);
    }
    return found;
  }
}

// scoring._alternative: pages holding every term of one alternative
function scoreAlternative(p, alt, weight) {
  const perTerm = alt.map((term) => p.bm25f(term));
  const out = new Map();
  if (perTerm.length === 1) {
    for (const [doc, s] of perTerm[0]) out.set(doc, s * weight);
    return out;
  }
  const factor = p.w.compound_factor * weight;
  for (const doc of perTerm[0].keys()) {
    if (perTerm.every((a) => a.has(doc))) out.set(doc, factor * perTerm.reduce((sum, a) => sum + a.get(doc), 0));
  }
  return out;
}

// scoring._groups: ways a page can match the word, [terms, for English pages, weight], in two groups
function matchGroups(word, extra) {
  const main = word.alternatives.map((alt) => [alt, false, 1.0])
    .concat(word.english.map((alt) => [alt, true, 1.0]))
    .concat(extra.filter(([, , related]) => !related).map(([stem, weight]) => [[stem], false, weight]));
  return [main, extra.filter(([, , related]) => related).map(([stem, weight]) => [[stem], false, weight])];
}

// scoring.word_scores: pages matching a word and their score for it
function wordScores(p, word, extra = []) {
  const total = new Map();
  for (const group of matchGroups(word, extra)) {
    const best = new Map();
    for (const [alt, forEnglish, weight] of group) {
      for (const [d, s] of scoreAlternative(p, alt, weight)) {
        if (p.english[d] === forEnglish && s > (best.get(d) ?? 0.0)) best.set(d, s);
      }
    }
    for (const [d, s] of best) total.set(d, (total.get(d) ?? 0.0) + s);
  }
  const bonus = p.w.exact_form_boost;
  for (const form of word.exact) {
    for (const [d, s] of p.termScores(p.wordsField, form)) if (total.has(d)) total.set(d, total.get(d) + bonus * s);
  }
  return total;
}

// scoring._sequence: the words in order, each within gap + slop positions of the previous one
function inSequence(positionLists, gaps, slop) {
  for (const start of positionLists[0]) {
    let at = start, ok = true;
    for (let i = 1; i < positionLists.length; i++) {
      const next = positionLists[i].find((q) => at < q && q <= at + gaps[i] + slop);
      if (next === undefined) { ok = false; break; }
      at = next;
    }
    if (ok) return true;
  }
  return false;
}

// scoring.together: the pages among `docs` where the words stand together in a phrase field
function together(p, words, docs, slop) {
  const found = new Set();
  const gaps = words.map((w) => w.gap);
  for (const field of p.phraseFields) {
    for (const langEnglish of [false, true]) {
      const stems = [];
      for (const w of words) {
        const single = (langEnglish ? w.english : w.alternatives).find((a) => a.length === 1);
        if (single === undefined) break;
        stems.push(single[0]);
      }
      if (stems.length < words.length) continue;
      const lists = stems.map((s) => p.positions(field, s));
      for (const d of docs) {
        if (found.has(d) || p.english[d] !== langEnglish) continue;
        if (lists.every((l) => l.has(d)) && inSequence(lists.map((l) => l.get(d)), gaps, slop)) found.add(d);
      }
    }
  }
  return found;
}

// ----------------------------------------------------------------- ranking.py

// str.casefold, near enough for filter values (ß -> ss, ς -> σ)
function casefold(s) { return s.toUpperCase().toLowerCase(); }

// ranking.Filters.check: the filters, or QueryError saying what is allowed
function checkFilters({ category = null, tag = null, year = null, lang = null } = {}) {
  const filters = { category, tag, year, lang };
  for (const name of ["category", "tag", "lang"]) {
    if (filters[name] != null && codeLength(filters[name]) > 100) throw new QueryError(`${name} is at most 100 characters long`);
  }
  if (year != null && !/^[0-9]{4}$/.test(year)) throw new QueryError(`year must be four digits such as 2021, not '${year.slice(0, 20)}'`);
  return filters;
}

// ranking.Filters.accepts, on the pages file's columns
function accepts(pages, filters, d) {
  const { category, tag, year, lang } = filters;
  return (!category || casefold(pages.category[d]) === casefold(category))
    && (!tag || pages.tags[d].some((t) => casefold(t) === casefold(tag)))
    && (!year || (pages.date[d] ?? "").slice(0, 4) === year)
    && (!lang || pages.lang[d] === lang);
}

function anyFilter(filters) { return Boolean(filters.category || filters.tag || filters.year || filters.lang); }

// snapshot.signature: the stems of a text
function signature(analysis, text) { return analysis.tokens(text, "fr", "stem").map((t) => t[0]); }

// ranking.families: each word's related stems, the words taking them in order until
// family_terms are taken
function families(ctx, words) {
  let room = ctx.w.family_terms;
  return words.map((word) => {
    const mine = [];
    for (const alt of word.alternatives) {
      if (alt.length !== 1 || room <= 0) continue;
      const related = ctx.p.family(alt[0]).slice(0, room);
      room -= related.length;
      mine.push(...related);
    }
    return mine;
  });
}

// the words of a query whose families are taken, in order (ranking._clauses): the typed
// words, then the words of the synonyms of each span
function familyWords(words, spans) {
  return words.concat(spans.flatMap((span) => span.variants.flat()));
}

// ranking.extras: looser matches of a word, [stem, weight, related]: its family (from
// families), and completions when it is being typed
function extras(ctx, word, family, prefixes = []) {
  const { w, analysis } = ctx;
  const extra = family.map((t) => [t, w.family_factor, true]);
  if (prefixes.length) {
    const stems = [...new Set(prefixes.map((c) => analysis.stem(c, "fr")))].filter((s) => !word.stems.has(s)).sort(cmpStr);
    for (const t of stems) extra.push([t, w.prefix_factor, false]);
  }
  return extra;
}

// ranking._all_of: pages holding every word (standing together within `slop` when given), scores summed;
// a phrase is looked for in the `depth` best scored pages holding its words (ties: by source path)
function allOf(ctx, words, looser, slop = null, depth = ctx.w.phrase_depth) {
  const perWord = words.map((word, i) => wordScores(ctx.p, word, looser[i]));
  let shared = [...perWord[0].keys()].filter((d) => perWord.every((s) => s.has(d)));
  const sum = (d) => perWord.reduce((total, s) => total + s.get(d), 0);
  if (slop !== null && words.length > 1) {
    if (shared.length > depth) {
      const sources = ctx.pages.sources;
      shared = shared.map((d) => [d, sum(d)]).sort((a, b) => b[1] - a[1] || cmpStr(sources[a[0]], sources[b[0]]))
        .slice(0, depth).map(([d]) => d);
    }
    shared = [...together(ctx.p, words, shared, slop)];
  }
  const out = new Map();
  for (const d of shared) out.set(d, sum(d));
  return out;
}

// ranking._clauses: one Map(page -> score) per word, per synonym span and per quoted phrase
function queryClauses(ctx, parsed, prefixes) {
  const { p, w } = ctx;
  const words = parsed.words;
  const found = ctx.synonyms.find(words);
  const family = families(ctx, familyWords(words, found));
  let next = words.length;
  const loose = words.map((word, i) => extras(ctx, word, family[i], i === words.length - 1 ? prefixes : []));
  const spans = new Map(found.map((span) => [span.start, span]));
  const clauses = [];
  let i = 0;
  while (i < words.length) {
    const span = spans.get(i);
    if (span === undefined) {
      clauses.push(wordScores(p, words[i], loose[i]));
      i += 1;
      continue;
    }
    // the words as typed, or any other member of their synonym group (as a phrase)
    const merged = allOf(ctx, words.slice(span.start, span.end), loose.slice(span.start, span.end));
    const size = span.end - span.start;
    for (const variant of span.variants) {
      const also = allOf(ctx, variant, variant.map((v) => extras(ctx, v, family[next++])), w.synonym_slop);
      const factor = w.synonym_factor * size / variant.length;
      for (let [d, score] of also) {
        score *= factor;
        if (score > (merged.get(d) ?? 0.0)) merged.set(d, score);
      }
    }
    clauses.push(merged);
    i = span.end;
  }
  for (const phrase of parsed.phrases) clauses.push(allOf(ctx, phrase, phrase.map(() => []), w.phrase_slop));
  return clauses;
}

// ranking._score: pages and their scores, best first (ties: by source path)
function scorePages(ctx, parsed, filters, prefixes, allWords) {
  const { p, w, pages } = ctx;
  const clauses = queryClauses(ctx, parsed, prefixes);
  if (!clauses.length) return [];
  let docs;
  if (allWords) docs = new Set([...clauses[0].keys()].filter((d) => clauses.every((c) => c.has(d))));
  else {
    docs = new Set();
    for (const c of clauses) for (const d of c.keys()) docs.add(d);
  }
  for (const word of parsed.excluded) for (const d of wordScores(p, word).keys()) docs.delete(d);
  if (anyFilter(filters)) for (const d of [...docs]) if (!accepts(pages, filters, d)) docs.delete(d);
  const count = clauses.length;
  const scores = new Map();
  const wanted = signature(ctx.analysis, parsed.positive.map((word) => word.raw).join(" "));
  const named = new Set(wanted);
  const source = (d) => pages.sources[d];
  for (const d of docs) {
    const matched = clauses.filter((c) => c.has(d)).map((c) => c.get(d));
    let prior = pages.prior[d];
    // a near-empty page whose title or URL is the query
    if (named.size && [...named].every((t) => ctx.names[d].has(t))) prior = pages.full_prior[d];
    const language = parsed.lang && pages.lang[d] !== parsed.lang ? w.other_query_language_factor : 1.0;
    scores.set(d, matched.reduce((sum, s) => sum + s, 0) * (matched.length / count) * prior * language);
  }
  if (allWords && parsed.words.length > 1) {
    let best = [...scores.keys()].sort((a, b) => scores.get(b) - scores.get(a) || cmpStr(source(a), source(b)))
      .slice(0, w.proximity_depth);
    for (const [slop, factor] of w.proximity) {
      const close = together(p, parsed.words, best, slop);
      for (const d of close) scores.set(d, scores.get(d) * factor);
      best = best.filter((d) => !close.has(d));
    }
  }
  for (const d of scores.keys()) {
    if (wanted.length && (sameList(pages.titles[d], wanted) || sameList(pages.url_names[d], wanted))) {
      scores.set(d, scores.get(d) * w.title_match_factor);   // the page's own name
    }
  }
  return [...scores].sort((a, b) => b[1] - a[1] || cmpStr(source(a[0]), source(b[0])));
}

// ranking._ceiling, _below: scale `then` so that all of it ranks after all of `first`
function below(w, first, then) {
  if (!first.length || !then.length) return then;
  const ceiling = first.reduce((low, [, s]) => Math.min(low, s), Infinity) * w.tier_ceiling;
  const top = then.reduce((high, [, s]) => Math.max(high, s), -Infinity) || 1.0;
  return then.map(([d, s]) => [d, s * ceiling / top]);
}

// ranking._rewrite
function rewrite(text, fixes) { return splitWords(text).map((word) => fixes.get(word) ?? word).join(" "); }

// --------------------------------------------------------------- highlight.py

// the character (code point) that ends at UTF-16 offset `at`
function charBefore(s, at) {
  const low = s.charCodeAt(at - 1);
  return low >= 0xdc00 && low < 0xe000 && at > 1 ? s.slice(at - 2, at) : s[at - 1];
}

// highlight.Matcher: what counts as a hit: stems (any language), unstemmed folded forms, prefixes
class Matcher {
  constructor(analysis, stems, forms, prefixes) {
    this.analysis = analysis;
    this.stems = stems;
    this.forms = forms;
    this.prefixes = prefixes;
    this.word = new RegExp(analysis.chains.fr.wordRe.source, "uy");   // highlight._WORD
    this.known = new Map();   // word -> matched term (highlight._KNOWN)
    this.seeds = this._seeds();
  }

  // highlight._marked: a word is not marked for a French stop word, which only the English
  // analysis of a compound keeps (de of Île-de-France)
  _marked(stem) { return !this.analysis.chains.fr.stopwords.has(stem); }

  // Matcher.seeds: folded beginnings that any matching word starts with
  _seeds() {
    const seeds = new Set(this.prefixes);
    for (const t of [...[...this.stems].filter((stem) => this._marked(stem)), ...this.forms]) {
      const chars = Array.from(t);
      seeds.add(chars.slice(0, Math.max(3, chars.length - 2)).join(""));
    }
    return [...seeds].filter(Boolean).sort(cmpStr);
  }

  // Matcher.matches: [start, end, term] of every matching word of text (UTF-16 offsets);
  // `folded` is its fold_text and `loose` its loose forms (code point offsets, as Python stores them)
  matches(text, folded, loose) {
    if (!text) return [];
    let units = null;   // code point offset -> UTF-16 offset, when they differ
    if (SURROGATE.test(folded)) {
      units = [];
      let at = 0;
      for (const c of folded) { units.push(at); at += c.length; }
      units.push(at);
    }
    const starts = new Set();
    for (const seed of this.seeds) {
      for (const [form, offsets] of Object.entries(loose)) {   // e-mail for email: written with what the analysis skips
        if (form.startsWith(seed)) for (const o of offsets) starts.add(units ? units[o] : o);
      }
      let at = folded.indexOf(seed);
      while (at !== -1) {
        if (at === 0 || !ALNUM.test(charBefore(folded, at))) starts.add(at);
        at = folded.indexOf(seed, at + 1);
      }
    }
    const found = [];
    let end = -1;
    for (const at of [...starts].sort((a, b) => a - b)) {
      if (at < end) continue;
      this.word.lastIndex = at;
      const word = this.word.exec(text);
      if (!word) continue;
      const raw = word[0];
      if (!this.known.has(raw)) this.known.set(raw, this._termOf(raw));
      const term = this.known.get(raw);
      if (term) {
        found.push([at, at + raw.length, term]);
        end = at + raw.length;
      }
    }
    return found;
  }

  // Matcher.matches_many: matches() of several texts, with one pass over their join
  matchesMany(texts, folded, loose) {
    const joined = texts.join("\n");
    const spans = this.matches(joined, folded, loose);
    const out = texts.map(() => []);
    const bounds = [];
    let offset = 0;
    for (const text of texts) { bounds.push(offset); offset += text.length + 1; }
    let i = 0;
    for (const [start, end, term] of spans) {
      while (i + 1 < bounds.length && start >= bounds[i + 1]) i += 1;
      out[i].push([start - bounds[i], end - bounds[i], term]);
    }
    return out;
  }

  // Matcher._term_of
  _termOf(word) {
    const a = this.analysis;
    const folded = a.fold(word);
    for (const prefix of this.prefixes) if (folded.startsWith(prefix)) return prefix;
    for (const code of ["fr", "en"]) {
      for (const [t] of a.tokens(word, code, "stem")) if (this.stems.has(t) && this._marked(t)) return t;
    }
    for (const [t] of a.tokens(word, "fr", "word")) if (this.forms.has(t)) return t;
    return null;
  }
}

// Python slices strings by code point: text as an array of code points, spans converted, where they differ
function byCodePoints(text, spans) {
  if (!SURROGATE.test(text)) return [text, spans];
  const chars = Array.from(text);
  const at = new Map();
  let unit = 0;
  chars.forEach((c, i) => { at.set(unit, i); unit += c.length; });
  at.set(unit, chars.length);
  return [chars, spans.map(([s, e, t]) => [at.get(s), at.get(e), t])];
}

function slice(text, a, b) { return typeof text === "string" ? text.slice(a, b) : text.slice(a, b).join(""); }

// highlight.mark: HTML-escape text, wrapping each span in <mark>
function markSpans(text, spans) {
  const out = [];
  let last = 0;
  for (const [start, end] of spans) {
    if (start < last) continue;
    out.push(escapeHtml(slice(text, last, start)));
    out.push("<mark>" + escapeHtml(slice(text, start, end)) + "</mark>");
    last = end;
  }
  out.push(escapeHtml(slice(text, last, text.length)));
  return out.join("");
}

// highlight._cut: text[begin:begin+width] widened or narrowed to word boundaries
function cutText(text, begin, width) {
  if (begin > 0) {
    const space = text.lastIndexOf(" ", begin);
    begin = space >= 0 && begin - space < 20 ? space + 1 : begin;
  }
  let end = begin + width;
  if (end >= text.length) return [slice(text, begin, text.length).trimEnd(), begin, false];
  let space = text.lastIndexOf(" ", end - 1);
  if (space < begin) space = -1;
  end = space > begin ? space : end;
  return [slice(text, begin, end).trimEnd(), begin, true];
}

// highlight.snippet: the window of about `width` characters holding the most distinct matched terms, marked
function snippet(text, spans, width = 180) {
  [text, spans] = byCodePoints(text.replace(/\n/g, " "), spans);
  if (!spans.length) {
    const cut = cutText(text, 0, width);
    return escapeHtml(cut[0]) + (cut[2] ? "…" : "");
  }
  let bestStart = spans[0][0], bestScore = -1;
  const inside = new Map();
  let j = 0;
  for (const [start, , term] of spans) {   // slide a window over the spans, counting distinct terms
    while (j < spans.length && spans[j][0] < start + width) {
      inside.set(spans[j][2], (inside.get(spans[j][2]) ?? 0) + 1);
      j += 1;
    }
    if (inside.size > bestScore) { bestStart = start; bestScore = inside.size; }
    inside.set(term, inside.get(term) - 1);
    if (!inside.get(term)) inside.delete(term);
  }
  const [window, begin, truncatedEnd] = cutText(text, Math.max(0, bestStart - Math.floor(width / 3)), width);
  const windowLength = codeLength(window);
  const shown = spans.filter(([s, e]) => s >= begin && e <= begin + windowLength).map(([s, e, t]) => [s - begin, e - begin, t]);
  const chars = SURROGATE.test(window) ? Array.from(window) : window;
  return (begin > 0 ? "…" : "") + markSpans(chars, shown) + (truncatedEnd ? "…" : "");
}

// ---------------------------------------------------------------- searcher.py

const SORTS = ["relevance", "date"];
const MAX_PER_PAGE = 50, MAX_WINDOW = 1000, SECTIONS_PER_HIT = 3;

// searcher.check_window
function checkWindow(page, perPage, sort) {
  if (!Number.isInteger(page) || !Number.isInteger(perPage) || page < 1 || perPage < 1) {
    throw new QueryError("page and per_page must be positive whole numbers");
  }
  if (perPage > MAX_PER_PAGE) throw new QueryError(`per_page is ${perPage}; the most is ${MAX_PER_PAGE}`);
  if (page * perPage > MAX_WINDOW) throw new QueryError(`page * per_page is ${page * perPage}; results stop at ${MAX_WINDOW}`);
  if (!SORTS.includes(sort)) throw new QueryError(`sort must be one of ${SORTS.join(", ")}, not '${sort}'`);
}

// Python compares tuples element by element
function cmpTuple(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = typeof a[i] === "boolean" ? Number(a[i]) : a[i], y = typeof b[i] === "boolean" ? Number(b[i]) : b[i];
    if (typeof x === "string" ? x !== y : x !== y) return typeof x === "string" ? cmpStr(x, y) : x - y;
  }
  return a.length - b.length;
}

// searcher._hit: a page as a result: marked title, the best passage, its best sections
function hitOf(page, score, matcher, folded) {
  const sections = page.sections.map(([heading, anchor, text]) => ({ heading, anchor, text }));
  const texts = [page.title, page.summary, ...sections.flatMap((s) => [s.heading, s.text])];
  const spans = matcher.matchesMany(texts, folded(texts), page.loose);
  const [titleSpans, summarySpans] = spans;
  const distinct = (list) => new Set(list.map(([, , t]) => t)).size;
  const scored = [];
  let inText = null;   // the section whose text holds the most matched words: the snippet's passage
  sections.forEach((section, order) => {
    const headSpans = spans[2 + 2 * order], textSpans = spans[3 + 2 * order];
    const terms = distinct(headSpans.concat(textSpans));
    if (terms) scored.push([terms + 0.5 * Number(headSpans.length > 0), -order, section, textSpans]);
    if (textSpans.length) {
      const candidate = [distinct(textSpans), headSpans.length > 0, -order, section.text, textSpans];
      if (inText === null || cmpTuple(candidate, inText) > 0) inText = candidate;
    }
  });
  scored.sort((a, b) => cmpTuple(b.slice(0, 2), a.slice(0, 2)));
  const deep = scored.filter(([, , s]) => s.anchor).slice(0, SECTIONS_PER_HIT)
    .map(([, , s, sp]) => ({ heading: s.heading, anchor: s.anchor, url: `${page.url}#${s.anchor}`, snippet_html: snippet(s.text, sp) }));
  // the snippet shows matches whenever some text has them: a section matched only by its
  // heading is a link above, not a passage without a mark
  let best;
  if (inText !== null && inText[0] >= distinct(summarySpans)) best = snippet(inText[3], inText[4]);
  else if (summarySpans.length || !sections.length || page.summary.trim()) best = snippet(page.summary, summarySpans);
  else best = snippet(sections.find((s) => s.text.trim())?.text ?? "", []);
  return { url: page.url, source: page.source, title: page.title, title_html: markSpans(page.title, titleSpans),
           summary: page.summary, snippet_html: best, date: page.date, category: page.category,
           tags: [...page.tags], lang: page.lang, score: pyRound(score, 4), sections: deep };
}

// searcher._facets: category, tags and year of every page found, most frequent first (20 each)
function facetsOf(pages, ids) {
  const counters = { category: new Map(), tags: new Map(), year: new Map() };
  const add = (counter, value) => counter.set(value, (counter.get(value) ?? 0) + 1);
  for (const d of ids) {
    if (pages.category[d]) add(counters.category, pages.category[d]);
    for (const tag of new Set(pages.tags[d])) add(counters.tags, tag);
    if (pages.date[d]) add(counters.year, pages.date[d].slice(0, 4));
  }
  const out = {};
  for (const [name, counter] of Object.entries(counters)) {
    out[name] = [...counter].sort((a, b) => b[1] - a[1] || cmpStr(a[0], b[0])).slice(0, 20)
      .map(([value, count]) => ({ value, count }));
  }
  return out;
}

// A chunk file as a Map of its terms (a term may be "constructor" or "__proto__") to their rows
function chunkMaps(data) { return new Map(Object.entries(data)); }

// bundle.py's encode: base 32, most significant digit first, the last digit of a number
// from LAST_DIGITS, the others from MORE_DIGITS
const LAST_DIGITS = "0123456789abcdefghijklmnopqrstuv", MORE_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";
const DIGIT_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) {
  DIGIT_VALUE[LAST_DIGITS.charCodeAt(i)] = i;
  DIGIT_VALUE[MORE_DIGITS.charCodeAt(i)] = 32 + i;
}

// bundle.py's front_code: each word a capital letter (how many first letters it shares
// with the word before: A none, B one...), then the rest
function frontDecode(text) {
  const words = [];
  let before = "";
  for (const [, shared, rest] of text.matchAll(/([A-Z])([^A-Z]*)/g)) {
    before = before.slice(0, shared.charCodeAt(0) - 65) + rest;
    words.push(before);
  }
  return words;
}

function decodeNumbers(text) {
  const out = [];
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const v = DIGIT_VALUE[text.charCodeAt(i)];
    if (v >= 32) n = n * 32 + v - 32;
    else { out.push(n * 32 + v); n = 0; }
  }
  return out;
}

// The search over a bundle: `await StaticSearch.open(load)`, where `load(name)` gives a
// Promise of the parsed JSON of the bundle file `name`; then `await search(text, options)`
// gives the JSON body of the API's /api/search. The entry, the analysis and the pages are
// read at open; term chunks, page fragments and the vocabulary when a query needs them.
export class StaticSearch {
  static async open(load) {
    const entry = await load("entry.json");
    const [analysis, pages, meta] = await Promise.all([load(entry.analysis), load(entry.page_data), load(entry.page_meta)]);
    return new StaticSearch(load, entry, analysis, { ...pages, ...meta });
  }

  constructor(load, entry, analysisFile, pages) {
    this.load = load;
    this.entry = entry;
    this.pages = pages;
    // query analysis is French, as Python's (analysis.DEFAULT_LANG); the site's default
    // language only shapes the priors, which come precomputed
    this.analysis = new Analysis(analysisFile.tables, "fr");
    this.synonyms = loadSynonyms(this.analysis, analysisFile.synonyms, entry.weights.synonym_words);
    this.firsts = entry.chunks.map(([first]) => first);
    this.chunks = new Map();    // chunk index -> its terms
    this.loading = new Map();   // chunk index -> Promise
    this.fragments = new Map();
    this.vocabulary = null;
    this.wordFirsts = (entry.words ?? []).map(([first]) => first);
    this.wordPieces = new Map();   // piece index -> Promise of its [word, pages] pairs
    this.foldText = foldTextOf(analysisFile.fold_text);
    this.folded = new WeakMap();   // fragment -> the fold_text of its texts, joined
    pages.families = new Map(Object.entries(pages.families));
    const p = new Postings(pages, entry, this.analysis, (term) => {
      const i = this._chunkIndex(term);
      return i < 0 ? undefined : this.chunks.get(i) ?? null;
    });
    this.ctx = { p, w: entry.weights, pages, analysis: this.analysis, synonyms: this.synonyms,
                 names: pages.names.map((n) => new Set(n)) };
  }

  // the chunk a term would be in: the last whose first term is not after it
  _chunkIndex(term) { return lastNotAfter(this.firsts, term); }

  _once(cache, key, make) {
    if (!cache.has(key)) cache.set(key, make().catch((error) => { cache.delete(key); throw error; }));
    return cache.get(key);
  }

  // load the chunks holding these terms
  async need(terms) {
    const wanted = new Set();
    for (const term of terms) {
      const i = this._chunkIndex(term);
      if (i >= 0 && !this.chunks.has(i)) wanted.add(i);
    }
    await Promise.all([...wanted].map((i) => this._once(this.loading, i, async () => {
      this.chunks.set(i, chunkMaps(await this.load(this.entry.chunks[i][1])));
    })));
  }

  // one piece of the folded words: {words: [[word, pages], ...], accented: the page counts
  // of the accented forms of its range}
  _wordPiece(i) {
    return this._once(this.wordPieces, i, async () => {
      const [words, counts] = await Promise.all([this.load(this.entry.words[i][1]), this.load(this.entry.words[i][2])]);
      const pages = decodeNumbers(counts.words);
      return { words: frontDecode(words.words).map((word, k) => [word, pages[k]]), accented: decodeNumbers(counts.accented) };
    });
  }

  // for typo correction: the accented forms and every piece of the folded words
  async _vocabulary() {
    if (this.vocabulary === null) {
      const [data, ...pieces] = await Promise.all([
        this._once(this.loading, "vocabulary", () => this.load(this.entry.vocabulary)),
        ...this.wordFirsts.map((_, i) => this._wordPiece(i))]);
      this.vocabulary ??= new Vocabulary(data, pieces.flatMap((p) => p.words), pieces.flatMap((p) => p.accented),
                                         this.entry.weights, this.analysis);
    }
    return this.vocabulary;
  }

  // ranking.completions: the most frequent folded words starting with what is typed, from
  // the first prefix_scan + 1 of them in order (the pieces of the words holding them)
  async completions(prefix) {
    const w = this.entry.weights;
    const found = [];
    scan: for (let i = Math.max(0, lastNotAfter(this.wordFirsts, prefix)); i < this.wordFirsts.length; i++) {
      const { words } = await this._wordPiece(i);
      for (let k = lowerBound(words, prefix); k < words.length; k++) {
        const [word, pages] = words[k];
        if (!word.startsWith(prefix)) break scan;
        if (word !== prefix) found.push([pages, word]);
        if (found.length > w.prefix_scan) break scan;
      }
    }
    found.sort((x, y) => y[0] - x[0] || cmpStr(x[1], y[1]));
    return found.slice(0, w.prefix_expansions).map(([, word]) => word);
  }

  // a page as it is shown: its fragment ([url, title, summary, sections, loose]) and the pages files
  _page(d, [url, title, summary, sections, loose]) {
    const p = this.pages;
    return { url, title, summary, sections, loose, source: p.sources[d], date: p.date[d], category: p.category[d],
             tags: p.tags[d], lang: p.lang[d] };
  }

  // fold_text of a fragment's texts joined by "\n", as highlighting scans them
  _foldedOf(fragment) {
    return (texts) => {
      if (!this.folded.has(fragment)) this.folded.set(fragment, this.foldText(texts.join("\n")));
      return this.folded.get(fragment);
    };
  }

  _fragment(id) {
    return this._once(this.fragments, id, () => this.load(this.pages.fragments[id]));
  }

  // every term scoring `parsed` reads: stems, exact forms, folded forms, families, completions, synonyms
  _terms(parsed, prefixes) {
    const terms = new Set();
    const word = (w, extra) => {
      for (const t of [...w.stems, ...w.exact, w.folded, ...extra.map(([t]) => t)]) terms.add(t);
    };
    const all = familyWords(parsed.words, this.synonyms.find(parsed.words));
    const family = families(this.ctx, all);
    all.forEach((w, i) => word(w, extras(this.ctx, w, family[i], i === parsed.words.length - 1 ? prefixes : [])));
    for (const w of parsed.positive.concat(parsed.excluded)) word(w, []);
    return terms;
  }

  // names.splits: a name typed joined that pages write apart, as the phrase of its words
  async _names(vocabulary, words, fixes) {
    const digits = this.analysis.chains.fr.digits, stopwords = this.analysis.chains.fr.stopwords;
    const typos = new Set(fixes.keys());
    const frequency = (t) => vocabulary.frequency(t);
    let room = this.entry.weights.name_splits;
    for (const word of words) {
      if (room === 0) break;
      if (typos.has(word.raw) || !mayBeTypo(word, digits) || vocabulary.frequency(word.folded)) continue;
      const splits = APART.test(word.raw) ? typedParts(this.analysis, word.raw, frequency, stopwords)
        : nameCandidates(this.entry.weights, word.folded, frequency, stopwords);
      for (const parts of splits) {
        if (room === 0) break;
        room -= 1;
        const phrase = parts.map((t) => vocabulary.written(t)).join(" ");
        if (await this._occurs(phrase)) { fixes.set(word.raw, `"${phrase}"`); break; }
      }
    }
  }

  // ranking._occurs: whether a page holds the words of `phrase` standing together
  async _occurs(phrase) {
    const parsed = parseQuery(this.analysis, `"${phrase}"`, { prefix: false, compoundParts: this.entry.weights.compound_parts });
    const words = parsed.positive;
    if (!words.length) return false;
    await this.need(this._terms(parsed, []));
    // every page holding the words, as ranking._occurs looks (not only the phrase_depth best)
    return allOf(this.ctx, words, words.map(() => []), this.entry.weights.phrase_slop, Infinity).size > 0;
  }

  async _score(parsed, filters, prefixes, allWords) {
    await this.need(this._terms(parsed, prefixes));
    return scorePages(this.ctx, parsed, filters, prefixes, allWords);
  }

  // ranking.rank: pages best first, in tiers: with every word as typed; then, when a word is
  // unknown or too little is found, with every word of the typo-corrected query; then, when
  // still too little, with some of the words
  async rank(parsed, filters) {
    const w = this.entry.weights;
    if (parsed.isEmpty) return { hits: [], suggestion: null, prefixes: [], queries: [] };
    const typedQuery = parsed;
    const prefixes = parsed.prefix ? await this.completions(parsed.prefix) : [];
    // a question asks for pages with some of its words too, ranked with those with all
    let ranked = await this._score(parsed, filters, prefixes, !parsed.question);
    let suggestion = null;
    const last = parsed.words[parsed.words.length - 1];
    const typed = parsed.positive.filter((word) => !(prefixes.length && word === last));   // not the word being typed
    // a word typed in parts (projet-données) is known when pages match it as typed
    const found = new Set(typed.filter((word) => apartParts(this.analysis, word.raw).length
                                                 && wordScores(this.ctx.p, word).size > 0));
    const unknown = typed.some((word) => !this.ctx.p.wordFrequency(word.folded) && !found.has(word));
    if (unknown || ranked.length < w.typo_below) {
      // the vocabulary is read only when a word may be corrected: Vocabulary.correct leaves
      // a known word alone, and the word's chunk, loaded, says whether pages hold it
      const digits = this.analysis.chains.fr.digits, p = this.ctx.p;
      const typo = typed.some((word) => mayBeTypo(word, digits) && maxEdits(w, word.folded) && isAlpha(word.folded)
                                        && !p.wordFrequency(word.folded));
      const vocabulary = typo ? await this._vocabulary() : null;
      const fixes = typo ? vocabulary.corrections(typed) : new Map();
      if (typo) await this._names(vocabulary, typed.filter((word) => parsed.words.includes(word) && !found.has(word)), fixes);
      if (fixes.size) {
        // the visitor's limits were checked on what they typed; a name's words may add some
        const corrected = parseQuery(this.analysis, rewrite(parsed.text, fixes),
                                     { prefix: false, compoundParts: w.compound_parts, maxChars: 1000, maxTerms: 40 });
        const fixed = await this._score(corrected, filters, [], true);
        if (fixed.length > ranked.length) {
          suggestion = corrected.text;
          const seen = new Set(ranked.map(([d]) => d));
          ranked = ranked.concat(below(w, ranked, fixed.filter(([d]) => !seen.has(d))));
          parsed = corrected;
        }
      }
    }
    if (ranked.length < w.fallback_below && parsed.words.length + parsed.phrases.length > 1 && !parsed.question) {
      const seen = new Set(ranked.map(([d]) => d));
      const partial = (await this._score(parsed, filters, prefixes, false)).filter(([d]) => !seen.has(d));
      ranked = ranked.concat(below(w, ranked, partial));
    }
    const queries = parsed === typedQuery ? [typedQuery] : [typedQuery, parsed];
    return { hits: ranked, suggestion, prefixes, queries };
  }

  // searcher.Searcher.search: the JSON body of /api/search (SearchResult.to_dict)
  async search(text, { page = 1, perPage = 10, prefix = true, filters = {}, sort = "relevance" } = {}) {
    const started = performance.now();
    checkWindow(page, perPage, sort);
    filters = checkFilters(filters);
    const limits = this.entry.limits;
    const parsed = parseQuery(this.analysis, text, { maxChars: limits.max_query_chars, maxTerms: limits.max_query_terms, prefix,
                                                     compoundParts: this.entry.weights.compound_parts });
    const ranking = await this.rank(parsed, filters);
    let ranked = ranking.hits;
    const date = (d) => this.pages.date[d] ?? "";
    if (sort === "date") ranked = ranked.slice().sort((a, b) => cmpStr(date(b[0]), date(a[0])));   // stable: ties keep their rank
    const window = ranked.slice((page - 1) * perPage, page * perPage);
    const shown = ranking.queries.flatMap((q) => q.positive)
      .concat(ranking.queries.flatMap((q) => this.synonyms.find(q.words).flatMap((span) => span.variants.flat())));
    const matcher = new Matcher(this.analysis, new Set(shown.flatMap((word) => [...word.stems])),
                                new Set(shown.flatMap((word) => word.exact)), ranking.prefixes);
    const fragments = await Promise.all(window.map(([d]) => this._fragment(d)));
    const hits = window.map(([d, score], i) => hitOf(this._page(d, fragments[i]), score, matcher, this._foldedOf(fragments[i])));
    const facets = facetsOf(this.pages, ranked.map(([d]) => d));
    return { ok: true, query: parsed.text, total: ranked.length, page, per_page: perPage,
             took_ms: pyRound(performance.now() - started, 2), hits, facets, suggestion: ranking.suggestion };
  }
}
