// The static search ranks the real corpus as the API does: for every judged query of
// ../shared/eval/dev-queries.json and bench/queries/own-queries.json, typed (prefix=false)
// and as you type (prefix=true), the top hit of the static search is the API's for at
// least 95% of them and the top 10 overlap by at least 90% (the targets). Each
// site is indexed and exported once (tests/js/python_side.py search). Prints the figures,
// how many answers are the same JSON body, and the JavaScript time per query once its
// chunks are loaded. Skipped when the shared folder (CASESEARCH_SHARED, default ../shared
// beside the repository) is absent.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { performance } from "node:perf_hooks";

import { StaticSearch } from "../../src/casesearch/static/casesearch.mjs";
import { assertSameBody, bundleLoader, jsSearch, pythonSearch, root } from "./helpers.mjs";

const SHARED = process.env.CASESEARCH_SHARED || root("../shared");
const QUERY_FILES = [`${SHARED}/eval/dev-queries.json`, root("bench/queries/own-queries.json"),
                     root("bench/queries/own-queries-2.json")];
const absent = !existsSync(`${SHARED}/corpus`) || !QUERY_FILES.every(existsSync);
if (absent && process.env.CASESEARCH_REQUIRE_SHARED === "1") {
  throw new Error(`no shared corpus and judged queries at ${SHARED}; CASESEARCH_REQUIRE_SHARED=1 requires them`);
}

function bySite() {
  const sites = new Map();
  for (const file of QUERY_FILES) {
    for (const q of JSON.parse(readFileSync(file, "utf8")).queries) {
      if (!sites.has(q.corpus)) sites.set(q.corpus, []);
      sites.get(q.corpus).push(q.query);
    }
  }
  return sites;
}

function percentile(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]; }

test("static search top hits agree with the API on the judged queries", { skip: absent && `no shared corpus at ${SHARED}` }, async (t) => {
  const dirs = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const figures = {};   // "site prefix" -> {queries, top1, overlap, same}
  const times = [];
  for (const [site, texts] of bySite()) {
    const asked = [false, true].flatMap((prefix) => texts.map((text) => [text, { prefix, per_page: 10 }]));
    const python = pythonSearch({ site: `${SHARED}/corpus/${site}`, queries: asked });
    dirs.push(python.dir);
    const search = await StaticSearch.open(bundleLoader(python.bundle));
    const answers = [];
    for (const [text, options] of asked) answers.push(await jsSearch(search, text, options));
    for (const [text, options] of asked) {   // chunks loaded: the time of the search itself
      const started = performance.now();
      await jsSearch(search, text, options);
      times.push(performance.now() - started);
    }
    for (const [i, [text, options]] of asked.entries()) {
      const got = answers[i];
      const want = python.results[i];
      const key = `${site} prefix=${options.prefix}`;
      const f = (figures[key] ??= { queries: 0, top1: 0, overlap: 0, same: 0 });
      const ours = (got.hits ?? []).map((h) => h.source), theirs = (want.hits ?? []).map((h) => h.source);
      f.queries += 1;
      f.top1 += ours[0] === theirs[0] ? 1 : 0;
      f.overlap += theirs.length ? ours.filter((s) => theirs.includes(s)).length / theirs.length : ours.length ? 0 : 1;
      try {
        assertSameBody(got, want, text);
        f.same += 1;
      } catch (error) {
        t.diagnostic(`differs: ${key} ${JSON.stringify(text)}: ${error.message.split("\n").slice(0, 12).join(" | ")}`);
      }
    }
  }
  const total = { queries: 0, top1: 0, overlap: 0, same: 0 };
  for (const [key, f] of Object.entries(figures)) {
    for (const name of Object.keys(total)) total[name] += f[name];
    t.diagnostic(`${key}: ${f.queries} queries, top-1 ${(100 * f.top1 / f.queries).toFixed(1)}%, ` +
                 `top-10 overlap ${(100 * f.overlap / f.queries).toFixed(1)}%, same body ${f.same}`);
  }
  for (const prefix of [false, true]) {
    const fs = Object.entries(figures).filter(([key]) => key.endsWith(`prefix=${prefix}`)).map(([, f]) => f);
    const sum = (name) => fs.reduce((s, f) => s + f[name], 0);
    t.diagnostic(`all sites prefix=${prefix}: top-1 ${(100 * sum("top1") / sum("queries")).toFixed(1)}%, ` +
                 `top-10 overlap ${(100 * sum("overlap") / sum("queries")).toFixed(1)}%`);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`overall: ${total.queries} searches, top-1 ${(100 * total.top1 / total.queries).toFixed(1)}%, top-10 overlap ` +
               `${(100 * total.overlap / total.queries).toFixed(1)}%, same body ${total.same}; JS time per query ` +
               `(chunks loaded) p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms`);
  assert.ok(total.top1 / total.queries >= 0.95, `top-1 agreement ${total.top1}/${total.queries} is under 95%`);
  assert.ok(total.overlap / total.queries >= 0.90, `top-10 overlap ${(total.overlap / total.queries).toFixed(3)} is under 90%`);
});
