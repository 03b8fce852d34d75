/* casesearch: a search box for your site, with no dependency.
 *
 * Add one element and one script tag:
 *
 *   <div data-casesearch></div>
 *   <script src="https://search.example.org/static/casesearch.js" defer></script>
 *
 * Options, as data- attributes of the element:
 *   data-api        address of the service (default: where this script comes from)
 *   data-source     "static:URL" searches the static bundle at URL (`casesearch export`)
 *                   in the browser, with no service: data-source="static:/search/"
 *   data-per-page   results per request, 1 to 50 (default 8)
 *   data-layout     "dropdown" (default: results float under the box) or "inline"
 *   data-query      text to search at once
 *   data-sync-url   keep ?q= of the page's address in step with the box
 *   data-css="none" do not add casesearch.css (bring your own styles)
 *   data-lang       "fr" or "en": the language of the box's own texts (default: the lang
 *                   attribute of the element or of the page, French when it is not English)
 *   data-theme      "light" or "dark" (default: the visitor's prefers-color-scheme)
 *   data-placeholder, data-label   texts of the box
 *
 * The service must list the site's origin in its `cors_origins` setting. Text from the
 * API is never parsed as HTML: only the <mark> tags of the *_html fields are rebuilt.
 *
 * Accessibility (WCAG 2.1 AA, checked by axe-core in tests/test_a11y.py): the box is a
 * role=search landmark. In the drop-down it is an ARIA combobox whose options hold no link
 * (Enter or a click opens the option's data-href); inline, the results are a plain list of
 * links that Tab reaches, the arrows being a shortcut. A visually hidden live region says the
 * count (and the correction) once typing pauses, not at every key.
 */
(function () {
  "use strict";

  var here = document.currentScript || document.querySelector('script[src*="casesearch.js"]');
  var scriptUrl = here && here.src ? here.src : new URL("/static/casesearch.js", location.href).href;
  var DEBOUNCE_MS = 150;
  // the live region speaks this long after the last key or answer, as GOV.UK's
  // accessible-autocomplete does (1400 ms): one announcement per pause, not one per letter
  var SPEAK_AFTER_MS = 1400;
  var MIN_CHARS = 2;
  var instances = 0;
  // the API's limits, read from its description (/api/openapi.json); these stand in until
  // it answers and match the service's defaults
  var DEFAULT_LIMITS = { chars: 200, words: 12, perPage: 50, window: 1000 };
  var limitsByApi = {};

  // a GET to the service (resolves to its Response): JSON wanted, never cookies
  function requestJson(url, signal) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "omit", signal: signal });
  }

  function loadLimits(apiBase) {
    var key = apiBase.href;
    if (!limitsByApi[key]) {
      limitsByApi[key] = requestJson(new URL("api/openapi.json", apiBase).href)
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (spec) { return readLimits(spec); })
        .catch(function () { return DEFAULT_LIMITS; });
    }
    return limitsByApi[key];
  }

  function readLimits(spec) {
    var limits = Object.assign({}, DEFAULT_LIMITS);
    var get = spec && spec.paths && spec.paths["/api/search"] && spec.paths["/api/search"].get;
    (get && get.parameters || []).forEach(function (param) {
      var schema = param.schema || {};
      if (param.name === "q") {
        if (schema.maxLength > 0) limits.chars = schema.maxLength;
        if (schema["x-max-words"] > 0) limits.words = schema["x-max-words"];
      } else if (param.name === "per_page" && schema.maximum > 0) {
        limits.perPage = schema.maximum;
      } else if (param.name === "page" && schema["x-max-window"] > 0) {
        limits.window = schema["x-max-window"];
      }
    });
    return limits;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  var ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

  function unescapeHtml(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, function (all, name) {
      if (name[0] === "#") {
        var code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
      }
      return Object.prototype.hasOwnProperty.call(ENTITIES, name) ? ENTITIES[name] : all;
    });
  }

  // "escaped text with <mark>" -> DOM nodes, without an HTML parser: anything else stays text.
  function marked(html) {
    var fragment = document.createDocumentFragment();
    var parts = String(html || "").split(/(<mark>|<\/mark>)/);
    var open = false;
    parts.forEach(function (part) {
      if (part === "<mark>") { open = true; return; }
      if (part === "</mark>") { open = false; return; }
      if (!part) return;
      var text = document.createTextNode(unescapeHtml(part));
      if (open) {
        var mark = el("mark");
        mark.appendChild(text);
        fragment.appendChild(mark);
      } else {
        fragment.appendChild(text);
      }
    });
    return fragment;
  }

  function safeHref(url) {
    try {
      var parsed = new URL(url, location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? url : null;
    } catch (e) {
      return null;
    }
  }

  // The box's own texts, by language (data-lang, else the page's lang attribute).
  var TEXTS = {
    fr: {
      locale: "fr-FR", label: "Rechercher sur le site", placeholder: "Par exemple : formation, données publiques…",
      results: "Résultats de la recherche", more: "Plus de résultats", inSection: "dans la section ",
      quote: function (q) { return "« " + q + " »"; },
      count: function (n) { return n.toLocaleString("fr-FR") + (n > 1 ? " résultats" : " résultat"); },
      forQuery: " pour ", none: "Aucun résultat pour ", tryNone: [" Essayez ", " ?"], tryMore: [" — vouliez-vous dire ", " ?"],
      refused: function (chars, words) {
        return "Cette recherche n'est pas acceptée : " + chars + " caractères et " + words + " mots au plus.";
      },
      tooMany: "Trop de recherches d'affilée : réessayez dans un instant.",
      down: "La recherche est indisponible pour le moment."
    },
    en: {
      locale: "en-GB", label: "Search this site", placeholder: "For example: training, open data…",
      results: "Search results", more: "More results", inSection: "in the section ",
      quote: function (q) { return "“" + q + "”"; },
      count: function (n) { return n.toLocaleString("en-GB") + (n === 1 ? " result" : " results"); },
      forQuery: " for ", none: "No results for ", tryNone: [" Try ", "?"], tryMore: [" — did you mean ", "?"],
      refused: function (chars, words) {
        return "This search is not accepted: at most " + chars + " characters and " + words + " words.";
      },
      tooMany: "Too many searches in a row: try again in a moment.",
      down: "Search is unavailable at the moment."
    }
  };

  function textsFor(root) {
    var declared = root.dataset.lang || (root.closest("[lang]") || document.documentElement).lang || "";
    return /^en\b/i.test(declared) ? TEXTS.en : TEXTS.fr;
  }

  var dateFormats = {};

  function formatDate(iso, locale) {
    if (!iso) return "";
    if (!(locale in dateFormats)) {
      dateFormats[locale] = typeof Intl !== "undefined" ? new Intl.DateTimeFormat(locale, { dateStyle: "long" }) : null;
    }
    var d = new Date(iso.slice(0, 10) + "T12:00:00");
    return isNaN(d) || !dateFormats[locale] ? iso.slice(0, 10) : dateFormats[locale].format(d);
  }

  function addStylesheet() {
    if (document.querySelector('link[href*="casesearch.css"]')) return;
    var link = el("link");
    link.rel = "stylesheet";
    link.href = new URL("casesearch.css", scriptUrl).href;
    document.head.appendChild(link);
  }

  // Where results come from. A source takes { text, page, perPage } and an AbortSignal (or
  // undefined) and resolves to { ok, status, body }: ok when body is an answer shaped as
  // /api/search gives it, status the HTTP status otherwise (0: no answer at all); it rejects
  // with an AbortError when aborted. Another source (a static JSON file, say) fits here.
  function apiSource(apiBase) {
    return function (request, signal) {
      var url = new URL("api/search", apiBase);
      url.searchParams.set("q", request.text);
      url.searchParams.set("per_page", String(request.perPage));
      if (request.page > 1) url.searchParams.set("page", String(request.page));
      return requestJson(url.href, signal)
        .then(function (response) {
          return response.json().catch(function () { return null; }).then(function (body) {
            return { ok: response.ok && !!body && !!body.ok, status: response.status, body: body };
          });
        });
    };
  }

  // Results from a static bundle (`casesearch export`), searched in the browser by the
  // bundle's own client (casesearch.mjs, loaded on the first search). Same answers as the
  // API's; a query over the limits is refused as the API does, with status 400.
  var staticSearches = {};

  function openStatic(base) {
    var key = base.href;
    if (!staticSearches[key]) {
      var load = function (name) {
        return fetch(new URL(name, base).href, { credentials: "omit" }).then(function (response) {
          if (!response.ok) throw new Error(name + ": HTTP " + response.status);
          return response.json();
        });
      };
      staticSearches[key] = import(new URL("casesearch.mjs", base).href)
        .then(function (client) { return client.StaticSearch.open(load); });
      staticSearches[key].catch(function () { delete staticSearches[key]; });   // try again next time
    }
    return staticSearches[key];
  }

  // `opened(limits)` is told the bundle's limits when its client is first loaded: the
  // bundle is fetched on the first search, not when the page shows the box
  function staticSource(base, opened) {
    return function (request, signal) {
      return openStatic(base).then(function (found) {
        opened(staticLimits(found));
        return found.search(request.text, { page: request.page, perPage: request.perPage });
      }).then(function (body) {
        if (signal && signal.aborted) throw new DOMException("aborted", "AbortError");
        return { ok: !!body && !!body.ok, status: body && body.ok ? 200 : 400, body: body };
      }, function (error) {
        if (error && error.name === "AbortError") throw error;
        return { ok: false, status: error && error.name === "QueryError" ? 400 : 0, body: null };
      });
    };
  }

  function staticLimits(found) {
    var limits = (found.entry && found.entry.limits) || {};
    return Object.assign({}, DEFAULT_LIMITS, {
      chars: limits.max_query_chars || DEFAULT_LIMITS.chars, words: limits.max_query_terms || DEFAULT_LIMITS.words
    });
  }

  // the element's data- attributes (see the top of this file), read here and nowhere else;
  // layout and sync-url are read when used, as the attributes may change after mounting
  function readSettings(root) {
    var data = root.dataset;
    var texts = textsFor(root);
    var bundle = /^static:/.test(data.source || "") ? data.source.slice(7).replace(/\/?$/, "/") : null;
    return {
      apiBase: new URL(data.api ? data.api.replace(/\/?$/, "/") : "../", data.api ? location.href : scriptUrl),
      staticBase: bundle === null ? null : new URL(bundle, location.href),
      perPage: Math.min(DEFAULT_LIMITS.perPage, Math.max(1, parseInt(data.perPage, 10) || 8)),
      css: data.css !== "none",
      query: data.query || "",
      texts: texts,
      theme: data.theme === "dark" || data.theme === "light" ? data.theme : "",
      label: data.label || texts.label,
      placeholder: data.placeholder || texts.placeholder,
      inline: function () { return data.layout === "inline"; },
      syncUrl: function () { return "syncUrl" in data; }
    };
  }

  // the box, its label, the live notice and the listbox panel, wired for ARIA
  function buildBox(n, settings) {
    var box = el("div", "cs-box" + (settings.theme ? " cs-" + settings.theme : ""));
    box.setAttribute("role", "search");
    box.lang = settings.texts.locale.slice(0, 2);
    var label = el("label", "cs-label", settings.label);
    var input = el("input", "cs-input");
    var listId = "cs-list-" + n;
    label.htmlFor = input.id = "cs-input-" + n;
    input.type = "search";
    input.name = "q";
    input.maxLength = DEFAULT_LIMITS.chars;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.placeholder = settings.placeholder;
    input.setAttribute("enterkeyhint", "search");
    input.setAttribute("aria-controls", listId);
    // what happened, on screen, with the correction as a button to click
    var notice = el("p", "cs-notice");
    // the same words for screen readers: always in the accessibility tree (an element
    // display:none until its first message may never be heard), updated once typing pauses
    var live = el("p", "cs-live");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    var panel = el("div", "cs-panel");
    panel.hidden = true;
    var list = el("ul", "cs-list");
    list.id = listId;
    list.setAttribute("aria-label", settings.texts.results);
    var more = el("button", "cs-more", settings.texts.more);
    more.type = "button";
    more.hidden = true;
    panel.append(list, more);
    box.append(label, input, notice, live, panel);
    return { box: box, input: input, notice: notice, live: live, panel: panel, list: list, more: more };
  }

  // inline: a search field over a list of links; drop-down: a combobox over a listbox.
  // Applied at mounting and before each rendering, as data-layout may change.
  function applyLayout(widget) {
    var ui = widget.ui, inline = widget.settings.inline();
    if (widget.inline === inline) return;
    widget.inline = inline;
    ui.box.classList.toggle("cs-inline", inline);
    clearResults(widget);
    if (inline) {
      ["role", "aria-autocomplete", "aria-expanded", "aria-activedescendant"].forEach(function (name) {
        ui.input.removeAttribute(name);
      });
      ui.list.removeAttribute("role");
    } else {
      ui.input.setAttribute("role", "combobox");
      ui.input.setAttribute("aria-autocomplete", "list");
      ui.input.setAttribute("aria-expanded", ui.panel.hidden ? "false" : "true");
      ui.list.setAttribute("role", "listbox");
    }
  }

  // -- one mounted box ----------------------------------------------------------------
  // Every function below takes `widget`, the record of one box that mount() makes:
  //   n         its number, for element ids
  //   settings  from readSettings
  //   ui        the elements from buildBox: box, input, notice, live, panel, list, more
  //   inline    the layout applied (applyLayout)
  //   source    where results come from (apiSource, or staticSource for a bundle)
  //   limits    the API's limits (DEFAULT_LIMITS until loadLimits answers)
  //   perPage   results asked for per page, within limits.perPage
  //   state     from newState

  function newState() {
    return {
      text: "",          // the trimmed text last searched
      page: 1,           // the last page shown
      hits: 0,           // hits shown
      total: 0,          // hits found
      options: [],       // the role=option elements (drop-down) or links (inline), in order
      active: -1,        // index of the active option, -1: none (drop-down)
      timer: 0,          // the debounce of typing
      speech: null,      // what the live region will say once typing pauses, null: nothing
      speechTimer: 0,
      controller: null,  // aborts the request under way
      seq: 0             // number of the latest request: answers to older ones are dropped
    };
  }

  function applyLimits(widget, limits) {
    widget.limits = limits;
    widget.ui.input.maxLength = limits.chars;
    widget.perPage = Math.min(limits.perPage, widget.perPage);
  }

  // -- the list: open or closed, and the active option (keyboard and pointer) ------------

  function setExpanded(widget, open) {
    widget.ui.panel.hidden = !open;
    if (widget.inline) return;
    widget.ui.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) setActive(widget, -1);
  }

  function setActive(widget, index) {
    var state = widget.state, input = widget.ui.input;
    if (state.active >= 0 && state.options[state.active]) {
      state.options[state.active].classList.remove("cs-active");
      state.options[state.active].setAttribute("aria-selected", "false");
    }
    state.active = index;
    var option = state.options[index];
    if (option) {
      option.classList.add("cs-active");
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function move(widget, step) {
    var state = widget.state;
    if (!state.options.length || widget.inline) return;
    if (widget.ui.panel.hidden) setExpanded(widget, true);
    var count = state.options.length;
    var next = state.active < 0 ? (step > 0 ? 0 : count - 1) : (state.active + step + count) % count;
    setActive(widget, next);
  }

  // -- results into the list ----------------------------------------------------------

  function clearResults(widget) {
    var state = widget.state;
    if (state.active >= 0) setActive(widget, -1);
    widget.ui.list.replaceChildren();
    state.options = [];
    state.active = -1;
    state.hits = 0;
  }

  // One result: `name` (nodes) names it, `details` (nodes: date, snippet) describe it,
  // `label` (text) names it instead of `name` when given. Drop-down: a role=option holding
  // no link, opened from its data-href; inline: a link, which Tab reaches.
  function addResult(widget, kind, href, name, details, label) {
    var state = widget.state, n = widget.ui.list.children.length;
    var id = "cs-opt-" + widget.n + "-" + n;
    var li = el("li", "cs-option cs-" + kind);
    var safe = safeHref(href);
    var heading = el(widget.inline ? "a" : "span", "cs-link");
    heading.appendChild(name);
    var target = widget.inline ? heading : li;   // what is named, described and moved to
    target.id = id;
    if (label) target.setAttribute("aria-label", label);
    else if (!widget.inline) {
      heading.id = id + "-name";
      li.setAttribute("aria-labelledby", heading.id);
    }
    var described = details.filter(Boolean).map(function (node, i) {
      node.id = id + "-d" + i;
      return node.id;
    });
    if (described.length) target.setAttribute("aria-describedby", described.join(" "));
    li.appendChild(heading);
    details.forEach(function (node) { if (node) li.appendChild(node); });
    if (widget.inline) {
      if (safe) {
        heading.setAttribute("href", safe);
        state.options.push(heading);
      }
    } else {
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      if (safe) li.dataset.href = safe;
      li.addEventListener("mousemove", function () {
        var index = state.options.indexOf(li);
        if (index !== state.active) setActive(widget, index);
      });
      li.addEventListener("click", function (event) { openOption(li, event); });
      li.addEventListener("auxclick", function (event) { if (event.button === 1) openOption(li, event); });
      state.options.push(li);
    }
    widget.ui.list.appendChild(li);
  }

  // an option's page, in this tab, or a new one as a link would with Ctrl, ⌘, Shift or the middle button
  function openOption(option, event) {
    var href = option && option.dataset.href;
    if (!href) return false;
    if (event && (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1)) {
      window.open(href, "_blank", "noopener");
    } else {
      location.assign(href);
    }
    return true;
  }

  function snippet(html) {
    var p = el("p", "cs-snippet");
    p.appendChild(marked(html));
    return p;
  }

  // a hit, then one result for each of its sections, named "page title — in the section …"
  function renderHit(widget, hit) {
    var t = widget.settings.texts;
    var title = el("span", "cs-title");
    title.appendChild(marked(hit.title_html));
    var meta = [formatDate(hit.date, t.locale), hit.category].filter(Boolean).join(" · ");
    addResult(widget, "hit", hit.url, title, [meta ? el("span", "cs-meta", meta) : null,
                                              hit.snippet_html ? snippet(hit.snippet_html) : null]);
    (hit.sections || []).forEach(function (section) {
      var name = document.createDocumentFragment();
      name.append(el("span", "cs-in", t.inSection), el("span", "cs-heading", section.heading));
      var own = section.snippet_html && section.snippet_html !== hit.snippet_html;
      addResult(widget, "section", section.url, name, [own ? snippet(section.snippet_html) : null],
                (hit.title || "") + " — " + t.inSection + section.heading);
    });
  }

  // an answer shaped as /api/search gives it; append: a further page under those shown
  function render(widget, body, append) {
    var state = widget.state;
    applyLayout(widget);
    if (!append) clearResults(widget);
    body.hits.forEach(function (hit) { renderHit(widget, hit); });
    state.hits += body.hits.length;
    state.total = body.total;
    state.page = body.page;
    widget.ui.more.hidden = !(state.hits < body.total && body.page * body.per_page < widget.limits.window);
    showNotice(widget, body);
    setExpanded(widget, widget.ui.list.children.length > 0);
  }

  // -- the notice (on screen) and the live region (role=status, heard) -----------------

  // the live region says `text` once typing pauses (SPEAK_AFTER_MS after the last key or
  // answer); "" empties it at once. Each key puts a pending announcement off again.
  function speak(widget, text) {
    var state = widget.state;
    clearTimeout(state.speechTimer);
    state.speech = text || null;
    if (!text) widget.ui.live.textContent = "";
    else deferSpeech(widget);
  }

  function deferSpeech(widget) {
    var state = widget.state;
    if (state.speech === null) return;
    clearTimeout(state.speechTimer);
    state.speechTimer = setTimeout(function () {
      widget.ui.live.textContent = state.speech;
      state.speech = null;
    }, SPEAK_AFTER_MS);
  }

  function showNotice(widget, body) {
    var notice = widget.ui.notice, t = widget.settings.texts;
    notice.replaceChildren();
    notice.classList.remove("cs-error");
    var query = t.quote(body.query);
    if (!body.total) {
      notice.append(t.none + query + ".");
      if (body.suggestion) tryInstead(widget, body.suggestion, t.tryNone[0], t.tryNone[1]);
    } else {
      notice.append(t.count(body.total) + t.forQuery + query);
      if (body.suggestion) tryInstead(widget, body.suggestion, t.tryMore[0], t.tryMore[1]);
    }
    speak(widget, notice.textContent);   // the same words, without the button
  }

  // a button in the notice that searches the suggested word
  function tryInstead(widget, word, before, after) {
    var input = widget.ui.input;
    var button = el("button", "cs-suggestion", word);
    button.type = "button";
    button.addEventListener("click", function () {
      input.value = word;
      input.focus();
      search(widget, true);
    });
    widget.ui.notice.append(before, button, after);
  }

  // status: the HTTP status of a refused request, 0 when none came back
  function showError(widget, status) {
    var limits = widget.limits, notice = widget.ui.notice, t = widget.settings.texts;
    notice.replaceChildren(status === 400 ? t.refused(limits.chars, limits.words)
      : status === 429 ? t.tooMany : t.down);
    notice.classList.add("cs-error");
    speak(widget, notice.textContent);
    setExpanded(widget, false);
  }

  // -- requests: one at a time, the newest wins ---------------------------------------

  // aborts the request under way, if any, and returns the number of the next one
  function abortRequest(widget) {
    var state = widget.state;
    if (state.controller) state.controller.abort();
    return ++state.seq;
  }

  function setBusy(widget, busy) {
    widget.ui.box.classList.toggle("cs-busy", busy);
    if (busy) widget.ui.list.setAttribute("aria-busy", "true");
    else widget.ui.list.removeAttribute("aria-busy");
  }

  function fetchPage(widget, text, page, append) {
    var state = widget.state;
    var seq = abortRequest(widget);
    var controller = typeof AbortController !== "undefined" ? new AbortController() : null;
    state.controller = controller;
    setBusy(widget, true);
    widget.source({ text: text, page: page, perPage: widget.perPage }, controller ? controller.signal : undefined)
      .then(function (answer) {
        if (seq !== state.seq) return;
        if (!answer.ok) return showError(widget, answer.status);
        render(widget, answer.body, append);
      })
      .catch(function (error) {
        if (seq === state.seq && error.name !== "AbortError") showError(widget, 0);
      })
      .then(function () {
        if (seq === state.seq) setBusy(widget, false);
      });
  }

  // -- searching as one types -----------------------------------------------------------

  function syncUrl(widget, text) {
    if (!widget.settings.syncUrl() || !history.replaceState) return;
    var url = new URL(location.href);
    if (text) url.searchParams.set("q", text); else url.searchParams.delete("q");
    history.replaceState(history.state, "", url.href);
  }

  // now: at once, and even if the text has not changed; otherwise once typing pauses
  function search(widget, now) {
    var state = widget.state;
    clearTimeout(state.timer);
    var text = widget.ui.input.value.trim();
    if (text === state.text && !now) return;
    if (now) runSearch(widget, text);
    else state.timer = setTimeout(function () { runSearch(widget, text); }, DEBOUNCE_MS);
  }

  function runSearch(widget, text) {
    widget.state.text = text;
    syncUrl(widget, text);
    if (text.length < MIN_CHARS) clearSearch(widget);
    else fetchPage(widget, widget.ui.input.value.replace(/^\s+/, ""), 1, false);
  }

  // too little to search: no request, no results, no notice
  function clearSearch(widget) {
    abortRequest(widget);
    clearResults(widget);
    widget.ui.notice.replaceChildren();
    widget.ui.notice.classList.remove("cs-error");
    speak(widget, "");
    widget.ui.more.hidden = true;
    setExpanded(widget, false);
  }

  // -- events --------------------------------------------------------------------------

  function onKeydown(widget, event) {
    var state = widget.state, input = widget.ui.input, panel = widget.ui.panel;
    if (event.isComposing) return;
    if (widget.inline) return onInlineKeydown(widget, event, -1);
    switch (event.key) {
      case "ArrowDown": event.preventDefault(); move(widget, 1); break;
      case "ArrowUp": event.preventDefault(); move(widget, -1); break;
      case "Enter":
        event.preventDefault();
        if (panel.hidden || !openOption(state.options[state.active])) search(widget, true);
        break;
      case "Escape":
        if (!panel.hidden) { event.preventDefault(); setExpanded(widget, false); }
        else if (input.value) { event.preventDefault(); input.value = ""; search(widget, true); }
        break;
    }
  }

  // Inline, the arrows are a shortcut through the links (Tab goes there too): ↓ from the
  // box to the first, ↓ ↑ from link to link, ↑ from the first or Escape back to the box.
  // `from`: the index of the focused link, -1 for the box.
  function onInlineKeydown(widget, event, from) {
    var links = widget.state.options, input = widget.ui.input;
    var to = null;
    switch (event.key) {
      case "ArrowDown": if (links.length) to = Math.min(from + 1, links.length - 1); break;
      case "ArrowUp": if (from >= 0) to = from - 1; break;
      case "Enter": if (from < 0) { event.preventDefault(); search(widget, true); } return;
      case "Escape":
        if (from >= 0) to = -1;
        else if (input.value) { event.preventDefault(); input.value = ""; search(widget, true); }
        break;
    }
    if (to === null) return;
    event.preventDefault();
    (to < 0 ? input : links[to]).focus();
  }

  function listen(widget) {
    var ui = widget.ui, state = widget.state;
    ui.input.addEventListener("input", function () {
      deferSpeech(widget);
      search(widget, false);
    });
    ui.input.addEventListener("keydown", function (event) { onKeydown(widget, event); });
    ui.input.addEventListener("focus", function () {
      if (state.options.length && !widget.inline) setExpanded(widget, true);
    });
    ui.box.addEventListener("focusout", function (event) {
      if (!widget.inline && !ui.box.contains(event.relatedTarget)) setExpanded(widget, false);
    });
    // a click on an option leaves the focus in the box, so the list stays open until it opens the page
    ui.list.addEventListener("mousedown", function (event) { if (!widget.inline) event.preventDefault(); });
    ui.list.addEventListener("keydown", function (event) {
      var from = state.options.indexOf(event.target);
      if (widget.inline && from >= 0 && !event.isComposing) onInlineKeydown(widget, event, from);
    });
    ui.more.addEventListener("click", function () { fetchPage(widget, state.text, state.page + 1, true); });
  }

  function mount(root) {
    if (root.casesearch) return root.casesearch;
    var n = ++instances;
    var settings = readSettings(root);
    if (settings.css) addStylesheet();
    var base = settings.staticBase;
    var widget = { n: n, settings: settings, ui: buildBox(n, settings), limits: DEFAULT_LIMITS,
                   perPage: settings.perPage, state: newState() };
    widget.source = base ? staticSource(base, function (limits) { applyLimits(widget, limits); })
                         : apiSource(settings.apiBase);
    applyLayout(widget);
    root.replaceChildren(widget.ui.box);
    if (!base) loadLimits(settings.apiBase).then(function (found) { applyLimits(widget, found); });
    listen(widget);
    var api = { input: widget.ui.input, search: function (text) { widget.ui.input.value = text; search(widget, true); } };
    root.casesearch = api;
    if (settings.query) api.search(settings.query);
    return api;
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-casesearch]"), mount);
  }

  window.casesearch = { mount: mount };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
