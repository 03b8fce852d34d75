// What the JavaScript search tests share: Python's side of a search, a bundle loader for
// Node, and the comparison of two /api/search bodies.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { QueryError } from "../../src/casesearch/static/casesearch.mjs";

export const root = (path) => fileURLToPath(new URL("../../" + path, import.meta.url));
const PYTHON = process.env.CASESEARCH_PYTHON || root(".venv/bin/python");

// tests/js/python_side.py search: {dir, bundle, results}
export function pythonSearch(request) {
  const out = execFileSync(PYTHON, [root("tests/js/python_side.py"), "search"],
                           { input: JSON.stringify(request), maxBuffer: 1 << 30 });
  return JSON.parse(out.toString("utf8"));
}

export function bundleLoader(dir) {
  return async (name) => JSON.parse(await readFile(`${dir}/${name}`, "utf8"));
}

// the JavaScript answer to a query given as Python's side takes it, or {error} as the API says it
export async function jsSearch(search, text, options) {
  try {
    return await search.search(text, { page: options.page, perPage: options.per_page, prefix: options.prefix,
                                       filters: options.filters, sort: options.sort });
  } catch (error) {
    if (error instanceof QueryError) return { error: error.message };
    throw error;
  }
}

// the body without took_ms, scores checked to 1e-6 and then set to Python's
export function assertSameBody(got, expected, label) {
  got = structuredClone(got);
  expected = structuredClone(expected);
  delete got.took_ms;
  delete expected.took_ms;
  (got.hits ?? []).forEach((hit, i) => {
    const want = expected.hits?.[i];
    if (want && Math.abs(hit.score - want.score) <= 1e-6) hit.score = want.score;
  });
  assert.deepStrictEqual(got, expected, label);
}
