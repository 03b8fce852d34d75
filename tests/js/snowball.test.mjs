// The JavaScript Snowball stemmers must stem every word exactly as PyStemmer does: the
// expected stems come from tests/js/make_snowball_cases.py (tests/data/snowball_cases.tsv).
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { englishStem, frenchStem } from "../../src/casesearch/static/snowball.mjs";

const CASES = new URL("../data/snowball_cases.tsv", import.meta.url);
const cases = readFileSync(CASES, "utf8").split("\n")
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => line.split("\t"));

function check(name, stem, column) {
  test(`${name} stems match PyStemmer on ${cases.length} words`, () => {
    assert.ok(cases.length > 10000, `too few cases in ${CASES.pathname}`);
    const mismatches = [];
    for (const row of cases) {
      const got = stem(row[0]);
      if (got !== row[column]) mismatches.push(`${row[0]}: got ${got}, expected ${row[column]}`);
    }
    assert.equal(mismatches.length, 0,
      `${mismatches.length} ${name} mismatches, first 20:\n  ${mismatches.slice(0, 20).join("\n  ")}`);
  });
}

check("English", englishStem, 1);
check("French", frenchStem, 2);
