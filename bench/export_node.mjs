// bench/export.py's browser side, in Node: runs the judged queries on a static bundle
// (casesearch's or Pagefind's) with every file the client fetches counted.
//
//   node bench/export_node.mjs '{"kind": "casesearch"|"pagefind", "dir": ..., "queries": [...], "repeat": 5,
//                                "prefix": false}'
//
// `prefix`: casesearch's search as the box asks it while the visitor types (its default,
// true: the last word completed) or as a typed query (false). Pagefind has one mode.
//
// Prints JSON: the first query's requests and bytes (a visitor's first search), each next
// query's (chunks not loaded yet), and per query the search time once its files are
// loaded (median of `repeat` runs). Bytes are what a CDN sends: casesearch's JSON and the
// modules gzipped (level 9); Pagefind's index files are gzipped on disk already.

import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";

const config = JSON.parse(process.argv[2]);
const sent = new Map();   // file -> bytes sent for it
let requests = 0, bytes = 0;

function count(path, data, compressed) {
  const size = compressed ? data.length : gzipSync(data, { level: 9 }).length;
  requests += 1;
  bytes += size;
  sent.set(path, size);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function casesearch() {
  const dir = config.dir.replace(/\/?$/, "/");
  const module = dir + "casesearch.mjs";
  count(module, readFileSync(module), false);
  const m = await import(pathToFileURL(module).href);
  const load = async (name) => {
    const data = readFileSync(dir + name);
    count(dir + name, data, false);
    return JSON.parse(data.toString("utf8"));
  };
  const search = await m.StaticSearch.open(load);
  return async (q) => {
    const result = await search.search(q, { perPage: 10, prefix: Boolean(config.prefix) });
    return result.hits.map((h) => h.url);
  };
}

async function pagefind() {
  const dir = config.dir.replace(/\/?$/, "/");
  globalThis.fetch = async (url) => {
    const path = fileURLToPath(new URL(String(url), pathToFileURL(dir)).href.split("?")[0]);
    const data = readFileSync(path);
    count(path, data, true);   // pagefind's index, meta, fragments and wasm are gzipped already
    return new Response(data);
  };
  globalThis.window = globalThis;
  const module = dir + "pagefind.js";
  count(module, readFileSync(module), false);
  const pf = await import(pathToFileURL(module).href);
  await pf.options({ basePath: pathToFileURL(dir).href });
  await pf.init();
  return async (q) => {
    const found = await pf.search(q);
    const data = await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
    return data.map((d) => d.url);
  };
}

const run = await (config.kind === "pagefind" ? pagefind() : casesearch());
const perQuery = [];
let first = null;
for (const q of config.queries) {
  const before = { requests, bytes };
  const t0 = performance.now();
  const urls = await run(q);
  const cold = performance.now() - t0;
  const times = [];
  for (let i = 0; i < (config.repeat || 5); i++) {
    const t = performance.now();
    await run(q);
    times.push(performance.now() - t);
  }
  const row = { query: q, urls, requests: requests - before.requests, bytes: bytes - before.bytes,
                cold_ms: cold, warm_ms: median(times) };
  if (first === null) first = { requests, bytes };   // the module and the first query's files
  perQuery.push(row);
}
console.log(JSON.stringify({ first, total: { requests, bytes, files: sent.size }, queries: perQuery }));
