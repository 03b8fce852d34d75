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

// str.islower: no upper or title case character, and at least one lowercase one
function isLower(chars) {
  let cased = false;
  for (const c of chars) {
    if (UPPER.test(c) || TITLE.test(c)) return false;
    if (LOWER.test(c)) cased = true;
  }
  return cased;
}

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

  stem(word, lang = this.defaultLang) { return (this.chains[lang] || this.chains[this.defaultLang]).stem(word); }

  // Snowball French stem of a light stem: words sharing it form a family (analysis.family_key)
  familyKey(stem) { return this.familyStem(stem); }
}
