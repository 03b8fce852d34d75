// snowball.mjs - the Snowball English ("Porter2") and French stemmers for the JavaScript
// client, so that it stems query words exactly as the Python side does with PyStemmer.
//
// Our own implementation of the published algorithms:
//   https://snowballstem.org/algorithms/english/stemmer.html
//   https://snowballstem.org/algorithms/french/stemmer.html
// (and their definitions english.sbl / french.sbl), matching Snowball 3.1 as bundled by
// PyStemmer 3.1.0 (e.g. the 'inter' prefix and the -ogist rule of the English stemmer).
// tests/js/snowball.test.mjs compares both functions with PyStemmer on ~54,000 words.
//
// Input: one folded word of [a-z] letters only (no accents, digits or apostrophes), as
// casesearch folds them; the French algorithm's rules on accented letters, apostrophes
// and 'H' marks can never fire on such words and are left out. Nothing is memoised:
// the caller caches.
//
//   englishStem("generalizations") -> "general"      frenchStem("continuellement") -> "continuel"

const isVowel = (c) => c === "a" || c === "e" || c === "i" || c === "o" || c === "u" || c === "y";

// Index just past the first non-vowel that follows a vowel, searching from `from`
// (Snowball's "gopast v gopast non-v"); w.length when there is none.
function regionStart(w, from) {
  let i = from;
  while (i < w.length && !isVowel(w[i])) i++;
  while (i < w.length && isVowel(w[i])) i++;
  return Math.min(i + 1, w.length);
}

// Suffix table: the suffixes by last letter, longest first, so that the first hit is
// Snowball's "among" match (the longest suffix of the list that ends the word).
function longestFirst(suffixes) {
  const byLast = new Map();
  for (const s of suffixes.split(" ").sort((a, b) => b.length - a.length)) {
    const list = byLast.get(s[s.length - 1]);
    if (list) list.push(s);
    else byLast.set(s[s.length - 1], [s]);
  }
  return byLast;
}

// The longest suffix of a table ending w and starting at or after `limit`, or "".
function findSuffix(w, table, limit = 0) {
  const list = table.get(w[w.length - 1]);
  if (list) for (const s of list) if (w.endsWith(s) && w.length - s.length >= limit) return s;
  return "";
}

// ------------------------------------------------------------------ English (Porter2)

// Whole words with a fixed stem (the algorithm's exception1).
const EN_EXCEPTIONS = new Map(Object.entries({
  skis: "ski", skies: "sky", idly: "idl", gently: "gentl", ugly: "ugli", early: "earli",
  only: "onli", singly: "singl", sky: "sky", news: "news", howe: "howe",
  atlas: "atlas", cosmos: "cosmos", bias: "bias", andes: "andes",
}));
// Prefixes after which R1 starts (generate/general stay apart from gener-ous...).
const EN_R1_PREFIXES = ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter"];
// -ing words left alone (Step 1b); "proc"/"exc"/"succ" + -eed stay as they are.
const EN_ING_KEEP = new Set(["inn", "out", "cann", "herr", "earr", "even"]);
const EN_EED_KEEP = new Set(["proc", "exc", "succ"]);
const EN_DOUBLES = new Set(["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"]);
const EN_VALID_LI = "cdeghkmnrt";

const EN_STEP2 = longestFirst("tional enci anci abli entli izer ization ational ation ator alism aliti alli " +
  "fulness ousli ousness iveness iviti biliti bli ogist ogi fulli lessli li");
const EN_STEP2_TO = {
  tional: "tion", enci: "ence", anci: "ance", abli: "able", entli: "ent", izer: "ize", ization: "ize",
  ational: "ate", ation: "ate", ator: "ate", alism: "al", aliti: "al", alli: "al", fulness: "ful",
  ousli: "ous", ousness: "ous", iveness: "ive", iviti: "ive", biliti: "ble", bli: "ble", ogist: "og",
  fulli: "ful", lessli: "less", // ogi and li: see enStep2()
};
const EN_STEP3 = longestFirst("tional ational alize icate iciti ical ful ness ative");
const EN_STEP3_TO = {
  tional: "tion", ational: "ate", alize: "al", icate: "ic", iciti: "ic", ical: "ic", ful: "", ness: "", // ative: R2
};
const EN_STEP4 = longestFirst("al ance ence er ic able ible ant ement ment ent ism ate iti ous ive ize ion");

// A short syllable ends at `end`: consonant-vowel-consonant (the last consonant not w, x
// or Y), or vowel-consonant at the start of the word; or the word part ends with "past".
function enShortSyllable(w, end) {
  if (end >= 2 && !isVowel(w[end - 1]) && isVowel(w[end - 2])) {
    if (end === 2) return true;
    if (!isVowel(w[end - 3]) && !"wxY".includes(w[end - 1])) return true;
  }
  return end >= 4 && w.startsWith("past", end - 4);
}

// Step 1a: plurals (-sses, -ies/-ied, -s).
function enStep1a(w) {
  if (w.endsWith("sses")) return w.slice(0, -2);
  if (w.endsWith("ied") || w.endsWith("ies")) return w.slice(0, -3) + (w.length > 4 ? "i" : "ie");
  if (w.endsWith("us") || w.endsWith("ss")) return w;
  if (w.endsWith("s")) {
    // delete the s if a vowel comes before the letter preceding it
    for (let i = w.length - 3; i >= 0; i--) if (isVowel(w[i])) return w.slice(0, -1);
  }
  return w;
}

// Step 1b: -eed(ly) -> -ee in R1; -ed, -edly, -ing, -ingly deleted after a vowel, then tidied.
function enStep1b(w, p1) {
  const eed = w.endsWith("eedly") ? 5 : w.endsWith("eed") ? 3 : 0;
  if (eed) {
    const stem = w.slice(0, -eed);
    return stem.length >= p1 && !EN_EED_KEEP.has(stem) ? stem + "ee" : w;
  }
  const n = w.endsWith("ingly") ? 5 : w.endsWith("edly") ? 4 : w.endsWith("ing") ? 3 : w.endsWith("ed") ? 2 : 0;
  if (!n) return w;
  const stem = w.slice(0, -n);
  if (n === 3) {
    if (stem.length === 2 && stem[1] === "y" && !isVowel(stem[0])) return stem[0] + "ie"; // dying -> die
    if (EN_ING_KEEP.has(stem)) return w; // inning, outing, ...
  }
  if (!/[aeiouy]/.test(stem)) return w;
  const end = stem.slice(-2);
  if (end === "at" || end === "bl" || end === "iz") return stem + "e"; // luxuriat(ed) -> luxuriate
  if (EN_DOUBLES.has(end)) {
    // hopp(ing) -> hop, but add, ebb, err (vowel a/e/o + double, whole word) stay
    return stem.length === 3 && "aeo".includes(stem[0]) ? stem : stem.slice(0, -1);
  }
  if (stem.length === p1 && enShortSyllable(stem, stem.length)) return stem + "e"; // hop(ed) -> hope
  return stem;
}

// Step 1c: final y/Y -> i after a consonant that is not the first letter (cry -> cri, by stays).
function enStep1c(w) {
  const n = w.length;
  const last = w[n - 1];
  return (last === "y" || last === "Y") && n > 2 && !isVowel(w[n - 2]) ? w.slice(0, -1) + "i" : w;
}

// Step 2: double suffixes to single ones, in R1.
function enStep2(w, p1) {
  const s = findSuffix(w, EN_STEP2);
  const start = w.length - s.length;
  if (!s || start < p1) return w;
  const stem = w.slice(0, start);
  if (s === "ogi") return stem.endsWith("l") ? stem + "og" : w; // analogi -> analog
  if (s === "li") return EN_VALID_LI.includes(stem[start - 1]) ? stem : w;
  return stem + EN_STEP2_TO[s];
}

// Step 3: -ational, -alize, -icate, -ful, -ness... in R1 (-ative in R2).
function enStep3(w, p1, p2) {
  const s = findSuffix(w, EN_STEP3);
  const start = w.length - s.length;
  if (!s || start < p1) return w;
  if (s === "ative") return start >= p2 ? w.slice(0, start) : w;
  return w.slice(0, start) + EN_STEP3_TO[s];
}

// Step 4: suffixes deleted in R2 (-ion only after s or t).
function enStep4(w, p2) {
  const s = findSuffix(w, EN_STEP4);
  const start = w.length - s.length;
  if (!s || start < p2) return w;
  if (s === "ion" && w[start - 1] !== "s" && w[start - 1] !== "t") return w;
  return w.slice(0, start);
}

// Step 5: final e in R2, or in R1 after no short syllable; final l after l in R2.
function enStep5(w, p1, p2) {
  const start = w.length - 1;
  if (w.endsWith("e") && (start >= p2 || (start >= p1 && !enShortSyllable(w, start)))) return w.slice(0, start);
  if (w.endsWith("ll") && start >= p2) return w.slice(0, start);
  return w;
}

/** Snowball English (Porter2) stem of one folded [a-z] word. */
export function englishStem(word) {
  const exception = EN_EXCEPTIONS.get(word);
  if (exception !== undefined) return exception;
  if (word.length < 3) return word;

  // Prelude: a y at the start or after a vowel is a consonant, written Y.
  let w = word;
  const hasY = w.includes("y");
  if (hasY) {
    const c = w.split("");
    for (let i = 0; i < c.length; i++) if (c[i] === "y" && (i === 0 || isVowel(c[i - 1]))) c[i] = "Y";
    w = c.join("");
  }

  // Regions R1 and R2 (as start offsets p1, p2).
  const prefix = EN_R1_PREFIXES.find((p) => w.startsWith(p));
  const p1 = prefix ? prefix.length : regionStart(w, 0);
  const p2 = regionStart(w, p1);

  w = enStep1a(w);
  w = enStep1b(w, p1);
  w = enStep1c(w);
  w = enStep2(w, p1);
  w = enStep3(w, p1, p2);
  w = enStep4(w, p2);
  w = enStep5(w, p1, p2);
  return hasY ? w.replaceAll("Y", "y") : w;
}

// ------------------------------------------------------------------ French

// Working state of one French word: the word (with I, U, Y marks) and its regions.
// Step functions return whether they "succeeded" in Snowball's sense, and may change x.w.
// cut(x, i, r) replaces everything from offset i with r.
function cut(x, i, r = "") {
  x.w = x.w.slice(0, i) + r;
  return true;
}

// Prelude: u and i between vowels, y next to a vowel, and u after q are consonants:
// written U, I, Y (vowel tests below only know lowercase letters).
function frPrelude(word) {
  const c = word.split("");
  for (let i = 0; i < c.length; i++) {
    const next = c[i + 1];
    if (isVowel(c[i]) && (next === "u" || next === "i") && i + 2 < c.length && isVowel(c[i + 2])) {
      c[i + 1] = next.toUpperCase();
    } else if (isVowel(c[i]) && next === "y") c[i + 1] = "Y";
    else if (c[i] === "y" && next !== undefined && isVowel(next)) c[i] = "Y";
    else if (c[i] === "q" && next === "u") c[i + 1] = "U";
  }
  return c.join("");
}

// RV starts after two leading vowels plus one letter, after par-/col-/tap-/ni+vowel,
// else after the first vowel that is not the first letter.
function frRV(w) {
  if (w.length >= 3 && isVowel(w[0]) && isVowel(w[1])) return 3;
  if (w.startsWith("par") || w.startsWith("col") || w.startsWith("tap")) return 3;
  if (w.startsWith("ni") && w.length >= 3 && isVowel(w[2])) return 3;
  for (let i = 1; i < w.length; i++) if (isVowel(w[i])) return i + 1;
  return w.length;
}

// -ic before a removed suffix: deleted in R2, else -iqU.
function frIcTail(x) {
  if (x.w.endsWith("ic")) {
    const i = x.w.length - 2;
    cut(x, i, i >= x.p2 ? "" : "iqU");
  }
  return true;
}

// Step 1, standard suffixes: [suffixes, action(x, start of the suffix)].
const FR_STANDARD_RULES = [
  ["ance iqUe isme able iste eux ances iqUes ismes ables istes", (x, i) => i >= x.p2 && cut(x, i)],
  ["atrice ateur ation atrices ateurs ations", (x, i) => i >= x.p2 && cut(x, i) && frIcTail(x)],
  ["logie logies", (x, i) => i >= x.p2 && cut(x, i, "log")],
  ["usion ution usions utions", (x, i) => i >= x.p2 && cut(x, i, "u")],
  ["ence ences", (x, i) => i >= x.p2 && cut(x, i, "ent")],
  ["ement ements", (x, i) => i >= x.pV && cut(x, i) && frAfterEment(x)],
  ["if ive ifs ives", (x, i) => {
    if (i < x.p2) return false;
    cut(x, i);
    if (x.w.endsWith("at") && x.w.length - 2 >= x.p2) {
      cut(x, x.w.length - 2);
      frIcTail(x);
    }
    return true;
  }],
  ["eaux", (x, i) => cut(x, i, "eau")],
  ["aux", (x, i) => i >= x.p1 && cut(x, i, "al")],
  ["oux", (x, i) => i > 0 && "bhjlnp".includes(x.w[i - 1]) && cut(x, i, "ou")],
  ["euse euses", (x, i) => (i >= x.p2 && cut(x, i)) || (i >= x.p1 && cut(x, i, "eux"))],
  ["issement issements", (x, i) => i >= x.p1 && i > 0 && !isVowel(x.w[i - 1]) && cut(x, i)],
  // The last three change the word yet fail, so that the verb suffixes are tried next.
  ["amment", (x, i) => { if (i >= x.pV) cut(x, i, "ant"); return false; }],
  ["emment", (x, i) => { if (i >= x.pV) cut(x, i, "ent"); return false; }],
  ["ment ments", (x, i) => { if (i - 1 >= x.pV && isVowel(x.w[i - 1])) cut(x, i); return false; }],
];

// After -ement(s) is removed: -iv(-at), -eus, -abl, -iqU before it.
function frAfterEment(x) {
  const w = x.w;
  if (w.endsWith("iv")) {
    const i = w.length - 2;
    if (i >= x.p2) {
      cut(x, i);
      if (x.w.endsWith("at") && i - 2 >= x.p2) cut(x, i - 2);
    }
  } else if (w.endsWith("eus")) {
    const i = w.length - 3;
    if (i >= x.p2) cut(x, i);
    else if (i >= x.p1) cut(x, i, "eux");
  } else if (w.endsWith("abl") || w.endsWith("iqU")) {
    if (w.length - 3 >= x.p2) cut(x, w.length - 3);
  }
  return true;
}

// Step 2a: verb endings in -i... (in RV, after a consonant that is in RV too).
const FR_I_VERB = longestFirst("i ie ies ir ira irai iraIent irais irait iras irent irez iriez irions " +
  "irons iront is issaIent issais issait issant issante issantes issants isse issent isses issez issiez " +
  "issions issons it");

function frIVerb(x) {
  const s = findSuffix(x.w, FR_I_VERB, x.pV);
  const i = x.w.length - s.length;
  return s !== "" && i - 1 >= x.pV && !isVowel(x.w[i - 1]) && cut(x, i);
}

// Step 2b: other verb endings (found in RV).
const FR_VERB_RULES = [
  ["ions", (x, i) => i >= x.p2 && cut(x, i)],
  ["er era erai eraIent erais erait eras erez eriez erions erons eront ez iez eais", (x, i) => cut(x, i)],
  // also removes an e before them in RV
  ["a ai aIent ait ant ante antes ants as asse assent asses assiez assions",
    (x, i) => cut(x, x.w[i - 1] === "e" && i - 1 >= x.pV ? i - 1 : i)],
  // but kept in balais, palais... (one letter + al) and in mauvais
  ["ais aise aises", (x, i) => {
    const keep = (i === 3 && x.w.startsWith("al", 1)) || (i >= 3 && x.w.startsWith("auv", i - 3));
    return !keep && cut(x, i);
  }],
];

// Step 4 (residual suffixes), once steps 1-2 removed nothing.
const FR_RESIDUAL = longestFirst("ion ier Ier e");

function frResidual(x) {
  const n = x.w.length;
  if (n >= 2 && x.w[n - 1] === "s" && !"aious".includes(x.w[n - 2])) cut(x, n - 1);
  const s = findSuffix(x.w, FR_RESIDUAL, x.pV);
  const i = x.w.length - s.length;
  if (s === "ion") {
    if (i >= x.p2 && i - 1 >= x.pV && (x.w[i - 1] === "s" || x.w[i - 1] === "t")) cut(x, i);
  } else if (s === "ier" || s === "Ier") cut(x, i, "i");
  else if (s === "e") cut(x, i);
}

// A suffix table of [suffixes, action] rules, and the action of each suffix.
function ruleTable(rules) {
  const action = new Map();
  for (const [suffixes, act] of rules) for (const s of suffixes.split(" ")) action.set(s, act);
  return { suffixes: longestFirst([...action.keys()].join(" ")), action };
}
const FR_STANDARD = ruleTable(FR_STANDARD_RULES);
const FR_VERB = ruleTable(FR_VERB_RULES);

function frApply(x, table, limit) {
  const s = findSuffix(x.w, table.suffixes, limit);
  return s !== "" && table.action.get(s)(x, x.w.length - s.length);
}

/** Snowball French stem of one folded [a-z] word. */
export function frenchStem(word) {
  const w = frPrelude(word);
  const p1 = regionStart(w, 0);
  const x = { w, pV: frRV(w), p1, p2: regionStart(w, p1) };

  // Step 1 (standard suffixes), else step 2a (-i verbs), else step 2b (other verbs)...
  const removed = frApply(x, FR_STANDARD, 0) || frIVerb(x) || frApply(x, FR_VERB, x.pV);
  // ...then step 3: a final Y becomes i; if nothing was removed, step 4.
  if (removed) {
    if (x.w.endsWith("Y")) cut(x, x.w.length - 1, "i");
  } else frResidual(x);

  // Step 5: undouble -enn, -onn, -ett, -ell, -eill. (Step 6 only concerns é/è.)
  if (/(?:enn|onn|ett|ell|eill)$/.test(x.w)) x.w = x.w.slice(0, -1);
  // Postlude: the I, U, Y marks back to lowercase.
  return x.w.replace(/[IUY]/g, (c) => c.toLowerCase());
}
