/*
 * The reader's search page of analysis-search. Plain JavaScript, no build step.
 *
 * Safety rule: nothing that comes from the service (titles, snippets, tags, ...) or
 * from the query is inserted as markup. Text goes in with textContent / text nodes;
 * the only elements built from service strings are the <mark>s of `title_html` and
 * `snippets`, which are split on the literal <mark>/</mark> tags, every other part
 * being HTML-unescaped and inserted as text.
 */
(function () {
  "use strict";

  var ROOT = document.body.getAttribute("data-root") || "";
  var DEBOUNCE_MS = 200;
  var PER_PAGE = 10;
  var SUGGEST_LIMIT = 8;
  var FACET_VISIBLE = 8;
  var RELATED_LIMIT = 5;
  var RESULT_TAGS = 8;
  var FACETS = [
    { name: "tags", param: "tag", label: "Tags", chip: "Tag" },
    { name: "authors", param: "author", label: "Authors", chip: "Author" },
    { name: "section", param: "section", label: "Section", chip: "Section" },
    { name: "year", param: "year", label: "Year", chip: "Year" },
    // shown only when the results hold more than one language
    { name: "language", param: "language", label: "Language", chip: "Language",
      minValues: 2, show: languageName }
  ];
  var SORTS = ["relevance", "newest", "oldest"];
  var FACET_SIZE = 20;
  var FACET_SIZE_ALL = 100;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  var el = {
    form: document.getElementById("search-form"),
    input: document.getElementById("q"),
    listbox: document.getElementById("suggestions"),
    sort: document.getElementById("sort"),
    status: document.getElementById("status"),
    chips: document.getElementById("chips"),
    chipList: document.getElementById("chip-list"),
    clearAll: document.getElementById("clear-all"),
    notices: document.getElementById("notices"),
    results: document.getElementById("results"),
    heading: document.getElementById("results-heading"),
    empty: document.getElementById("empty"),
    pagination: document.getElementById("pagination"),
    facetGroups: document.getElementById("facet-groups"),
    facetsPanel: document.getElementById("facets"),
    filtersToggle: document.getElementById("filters-toggle"),
    filtersCount: document.getElementById("filters-count"),
    main: document.getElementById("main")
  };

  var BASE_TITLE = document.title;
  var state = readState(window.location.search);
  var lastData = null;
  var searchController = null;
  var searchSeq = 0;
  var suggestController = null;
  var debounceTimer = null;
  var typingEntryPushed = false;
  var suggestions = [];
  var activeIndex = -1;
  var expandedFacets = {};
  var facetSize = FACET_SIZE;

  /* ---------- small DOM helpers ---------- */

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  var ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: "\u00a0" };

  /** Decode the character references of HTML-escaped text (no HTML parsing). */
  function unescapeHtml(text) {
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, function (all, ref) {
      if (ref.charAt(0) === "#") {
        var code = ref.charAt(1).toLowerCase() === "x"
          ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        try { return String.fromCodePoint(code); } catch (e) { return all; }
      }
      return Object.prototype.hasOwnProperty.call(ENTITIES, ref) ? ENTITIES[ref] : all;
    });
  }

  /**
   * Build DOM nodes from service text in which only <mark>...</mark> is markup.
   * Everything else becomes text nodes, so stray tags show as text.
   */
  function marked(html) {
    var fragment = document.createDocumentFragment();
    var parts = String(html || "").split(/(<mark>|<\/mark>)/);
    var inMark = false;
    parts.forEach(function (part) {
      if (part === "<mark>") { inMark = true; return; }
      if (part === "</mark>") { inMark = false; return; }
      if (!part) return;
      var text = document.createTextNode(unescapeHtml(part));
      if (inMark) {
        var mark = document.createElement("mark");
        mark.append(text);
        fragment.append(mark);
      } else {
        fragment.append(text);
      }
    });
    return fragment;
  }

  /** The URL when it is http(s) (or relative to this page), else null. */
  function safeUrl(url) {
    if (!url) return null;
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function formatDate(iso) {
    if (!iso) return null;
    var date = new Date(iso);
    if (isNaN(date.getTime())) return null;
    return date.getUTCDate() + " " + MONTHS[date.getUTCMonth()] + " " + date.getUTCFullYear();
  }

  function formatCount(n) {
    return Number(n || 0).toLocaleString("en");
  }

  function plural(n, one, many) {
    return formatCount(n) + " " + (n === 1 ? one : many);
  }

  function formatMs(ms) {
    var value = Number(ms || 0);
    return (value < 10 ? value.toFixed(1) : String(Math.round(value))) + " ms";
  }

  /* ---------- state <-> URL ---------- */

  function emptyFilters() {
    var filters = {};
    FACETS.forEach(function (f) { filters[f.param] = []; });
    return filters;
  }

  function readState(search) {
    var params = new URLSearchParams(search);
    var filters = emptyFilters();
    FACETS.forEach(function (f) {
      params.getAll(f.param).forEach(function (v) {
        if (v && filters[f.param].indexOf(v) < 0) filters[f.param].push(v);
      });
    });
    var page = parseInt(params.get("page") || "1", 10);
    var perPage = parseInt(params.get("per_page") || String(PER_PAGE), 10);
    var sort = params.get("sort") || "relevance";
    return {
      q: params.get("q") || "",
      filters: filters,
      sort: SORTS.indexOf(sort) >= 0 ? sort : "relevance",
      page: page > 0 && page <= 1000 ? page : 1,
      perPage: perPage > 0 && perPage <= 100 ? perPage : PER_PAGE
    };
  }

  function copyState(s, changes) {
    var filters = emptyFilters();
    FACETS.forEach(function (f) { filters[f.param] = s.filters[f.param].slice(); });
    var next = { q: s.q, filters: filters, sort: s.sort, page: s.page, perPage: s.perPage };
    Object.keys(changes || {}).forEach(function (k) { next[k] = changes[k]; });
    return next;
  }

  function stateParams(s) {
    var params = new URLSearchParams();
    if (s.q) params.set("q", s.q);
    FACETS.forEach(function (f) {
      s.filters[f.param].forEach(function (v) { params.append(f.param, v); });
    });
    if (s.sort !== "relevance") params.set("sort", s.sort);
    if (s.page > 1) params.set("page", String(s.page));
    if (s.perPage !== PER_PAGE) params.set("per_page", String(s.perPage));
    return params;
  }

  function stateUrl(s) {
    var query = stateParams(s).toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  function filterCount(s) {
    return FACETS.reduce(function (n, f) { return n + s.filters[f.param].length; }, 0);
  }

  /**
   * Make `next` the current state and search.
   * mode: "push" (a new history entry), "replace", or "none" (popstate, first load).
   */
  function navigate(next, mode, options) {
    options = options || {};
    state = next;
    var url = stateUrl(state);
    if (mode === "push" && url !== window.location.pathname + window.location.search) {
      window.history.pushState(null, "", url);
    } else if (mode === "replace" || mode === "push") {
      window.history.replaceState(null, "", url);
    }
    if (!options.typing) {
      typingEntryPushed = false;
      if (el.input.value !== state.q) el.input.value = state.q;
    }
    el.sort.value = state.sort;
    renderChips(state);
    runSearch(options);
  }

  /* ---------- searching ---------- */

  function apiParams(s) {
    var params = stateParams(s);
    params.set("per_page", String(s.perPage));
    params.set("facets", FACETS.map(function (f) { return f.name; }).join(","));
    if (facetSize !== FACET_SIZE) params.set("facet_size", String(facetSize));
    return params;
  }

  function runSearch(options) {
    options = options || {};
    if (searchController) searchController.abort();
    var controller = new AbortController();
    searchController = controller;
    var seq = ++searchSeq;
    var requested = state;
    el.main.setAttribute("aria-busy", "true");
    el.main.classList.add("loading");
    fetch(ROOT + "/search?" + apiParams(requested).toString(), {
      signal: controller.signal,
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    }).then(function (answer) {
      if (seq !== searchSeq) return;
      done();
      if (answer.ok) {
        lastData = answer.body;
        render(requested, answer.body);
        if (options.focusResults) {
          el.heading.focus({ preventScroll: true });
          window.scrollTo(0, 0);
        }
      } else {
        renderError(answer.body && answer.body.description
          ? answer.body.description
          : "The search service answered with an error (" + answer.status + ").");
      }
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      if (seq !== searchSeq) return;
      done();
      renderError("The search service could not be reached. Check your connection and try again.");
    });

    function done() {
      el.main.removeAttribute("aria-busy");
      el.main.classList.remove("loading");
    }
  }

  /* ---------- rendering ---------- */

  function render(s, data) {
    document.title = (s.q ? s.q + " \u2013 " : "") + BASE_TITLE;
    renderStatus(s, data);
    renderNotices(s, data);
    renderResults(data);
    renderFacets(s, data);
    renderPagination(s, data);
    renderEmpty(s, data);
  }

  function renderStatus(s, data) {
    var total = data.total || 0;
    var text;
    if (!s.q && !filterCount(s)) {
      text = plural(total, "article", "articles");
    } else if (s.q) {
      text = plural(total, "result", "results") + " for \u201c" + s.q + "\u201d";
    } else {
      text = plural(total, "article", "articles") + " match the filters";
    }
    if (data.pages > 1) text += " \u00b7 page " + formatCount(data.page) + " of " + formatCount(data.pages);
    el.status.textContent = "";
    el.status.append(h("span", { className: "status-count", text: text }),
      h("span", { className: "status-time", text: " (" + formatMs(data.took_ms) + ")" }));
  }

  function renderChips(s) {
    clear(el.chipList);
    var count = filterCount(s);
    el.chips.hidden = count === 0;
    el.filtersCount.textContent = count ? "(" + count + ")" : "";
    FACETS.forEach(function (f) {
      s.filters[f.param].forEach(function (value) {
        var button = h("button", {
          type: "button", className: "chip",
          "aria-label": "Remove filter " + f.chip + ": " + shown(f, value),
          "data-param": f.param, "data-value": value
        }, [
          h("span", { className: "chip-kind", text: f.chip + ":" }), " ",
          h("span", { className: "chip-value", text: shown(f, value) }),
          h("span", { className: "chip-x", "aria-hidden": "true", text: "\u00d7" })
        ]);
        button.addEventListener("click", function () { removeFilter(f.param, value, button); });
        el.chipList.append(h("li", null, [button]));
      });
    });
  }

  function didYouMeanLink(s, corrected) {
    var next = copyState(s, { q: corrected, page: 1 });
    var link = h("a", { href: stateUrl(next), className: "did-you-mean-link" }, [
      h("strong", { text: corrected })
    ]);
    link.addEventListener("click", function (event) {
      if (isModified(event)) return;
      event.preventDefault();
      closeSuggestions();
      navigate(next, "push");
    });
    return h("p", { className: "did-you-mean" }, ["Did you mean ", link, "?"]);
  }

  function renderNotices(s, data) {
    clear(el.notices);
    if (data.did_you_mean && data.total > 0) el.notices.append(didYouMeanLink(s, data.did_you_mean));
    var dropped = data.query && data.query.dropped_terms;
    if (dropped && dropped.length && data.total > 0) {
      var words = h("span");
      dropped.forEach(function (term, i) {
        if (i) words.append(", ");
        words.append(h("s", { text: term }));
      });
      el.notices.append(h("p", { className: "notice" }, [
        "No article contains all your words, so these results leave out: ", words, "."
      ]));
    }
    if (data.partial) {
      el.notices.append(h("p", { className: "notice" }, [
        "The search was stopped early because it took too long; results may be incomplete."
      ]));
    }
  }

  function renderError(message) {
    clear(el.notices);
    el.notices.append(h("p", { className: "notice notice-error", role: "alert", text: message }));
    el.status.textContent = "The search failed.";
    clear(el.results);
    el.pagination.hidden = true;
    el.empty.hidden = true;
  }

  function isModified(event) {
    return event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
  }

  function renderResults(data) {
    clear(el.results);
    var hits = data.hits || [];
    el.results.setAttribute("start", String((data.page - 1) * (data.per_page || PER_PAGE) + 1));
    hits.forEach(function (hit, i) { el.results.append(resultItem(hit, i)); });
  }

  // "de" -> "German" (in the reader's language), else the code itself
  var languageNames = null;
  function languageName(code) {
    try {
      if (!languageNames) languageNames = new Intl.DisplayNames([navigator.language || "en"], { type: "language" });
      return languageNames.of(code) || code;
    } catch (e) {
      return code;
    }
  }

  function shown(f, value) {
    return f.show ? f.show(value) : value;
  }

  function resultItem(hit, i) {
    var id = "r" + i;
    var href = safeUrl(hit.url);
    var titleNodes = marked(hit.title_html || hit.title || hit.id);
    var title = h("h2", { className: "result-title", id: id + "-title" },
      [href ? h("a", { href: href }, [titleNodes]) : titleNodes]);

    var meta = h("p", { className: "result-meta" });
    var parts = [];
    // the editors put this hit first for this query (/settings "pinned")
    if (hit.pinned) parts.push(h("span", { className: "result-pinned", text: "Editors' pick" }));
    if (hit.section) parts.push(h("span", { className: "result-section", text: hit.section }));
    if (hit.authors && hit.authors.length) {
      parts.push(h("span", { className: "result-authors", text: "By " + hit.authors.join(", ") }));
    }
    var date = formatDate(hit.published);
    if (date) parts.push(h("time", { datetime: hit.published, text: date }));
    parts.forEach(function (part, n) {
      if (n) meta.append(h("span", { className: "sep", "aria-hidden": "true", text: " \u00b7 " }));
      meta.append(part);
    });

    var body = [];
    var snippets = hit.snippets || [];
    if (snippets.length) {
      snippets.forEach(function (snippet) {
        body.push(h("p", { className: "snippet" }, [marked(snippet)]));
      });
    } else if (hit.summary) {
      body.push(h("p", { className: "snippet", text: hit.summary }));
    }

    var footer = h("div", { className: "result-footer" });
    if (hit.tags && hit.tags.length) {
      var tags = h("ul", { className: "tags", "aria-label": "Tags" });
      hit.tags.slice(0, RESULT_TAGS).forEach(function (tag) {
        tags.append(h("li", null, [tagLink(tag)]));
      });
      if (hit.tags.length > RESULT_TAGS) {
        var rest = hit.tags.slice(RESULT_TAGS);
        tags.append(h("li", { className: "tags-more", title: rest.join(", ") }, [
          h("span", { "aria-hidden": "true", text: "+" + rest.length }),
          h("span", { className: "visually-hidden", text: "and " + rest.join(", ") })
        ]));
      }
      footer.append(tags);
    }
    var relatedId = id + "-related";
    var toggle = h("button", {
      type: "button", className: "related-toggle",
      "aria-expanded": "false", "aria-controls": relatedId
    }, ["Related posts"]);
    var panel = h("div", { className: "related", id: relatedId, hidden: true });
    toggle.addEventListener("click", function () { toggleRelated(hit, toggle, panel); });
    footer.append(toggle);

    // the article's language, for screen readers, hyphenation and fonts
    var article = h("article", { "aria-labelledby": id + "-title" }, [title, meta].concat(body, [footer, panel]));
    if (hit.language) article.setAttribute("lang", hit.language);
    return h("li", { className: "result", "data-id": hit.id }, [article]);
  }

  function tagLink(tag) {
    var selected = state.filters.tag.indexOf(tag) >= 0;
    var next = copyState(state, { page: 1 });
    if (!selected) next.filters.tag.push(tag);
    var link = h("a", {
      className: "tag" + (selected ? " tag-selected" : ""),
      href: stateUrl(next),
      title: selected ? "Filtered by this tag" : "Show only articles tagged " + tag,
      text: tag
    });
    link.addEventListener("click", function (event) {
      if (isModified(event)) return;
      event.preventDefault();
      if (!selected) navigate(next, "push", { focusResults: true });
    });
    return link;
  }

  function toggleRelated(hit, toggle, panel) {
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    panel.hidden = open;
    if (open || panel.getAttribute("data-loaded")) return;
    panel.setAttribute("data-loaded", "loading");
    panel.setAttribute("aria-busy", "true");
    panel.append(h("p", { className: "related-message", text: "Loading related posts\u2026" }));
    var url = ROOT + "/documents/" + encodeURIComponent(hit.id) + "/related?limit=" + RELATED_LIMIT;
    fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (body) {
      panel.setAttribute("data-loaded", "yes");
      panel.removeAttribute("aria-busy");
      clear(panel);
      var items = Array.isArray(body) ? body : (body.hits || body.related || body.documents || []);
      if (!items.length) {
        panel.append(h("p", { className: "related-message", text: "No related posts found." }));
        return;
      }
      var list = h("ul", { className: "related-list", "aria-label": "Related posts" });
      items.forEach(function (item) {
        var href = safeUrl(item.url);
        var text = item.title || item.id;
        var when = formatDate(item.published);
        list.append(h("li", null, [
          href ? h("a", { href: href, text: text }) : h("span", { text: text }),
          when ? h("time", { datetime: item.published, className: "related-date", text: when }) : null
        ]));
      });
      panel.append(h("h3", { className: "related-heading", text: "Related posts" }), list);
    }).catch(function () {
      panel.removeAttribute("data-loaded");
      panel.removeAttribute("aria-busy");
      clear(panel);
      panel.append(h("p", { className: "related-message", text: "Related posts could not be loaded." }));
    });
  }

  function facetValues(f, s, data) {
    var facet = (data.facets || {})[f.name] || { values: [], truncated: false };
    var values = (facet.values || []).slice();
    s.filters[f.param].forEach(function (v) {
      var present = values.some(function (fv) { return fv.value === v; });
      if (!present) values.push({ value: v, count: 0, selected: true });
    });
    if (f.name === "year") {
      values.sort(function (a, b) { return String(b.value).localeCompare(String(a.value)); });
    }
    return { values: values, truncated: !!facet.truncated };
  }

  function renderFacets(s, data) {
    var focused = document.activeElement;
    var focusKey = focused && focused.getAttribute ? focused.getAttribute("data-focus-key") : null;
    clear(el.facetGroups);
    var any = false;
    FACETS.forEach(function (f) {
      var facet = facetValues(f, s, data);
      if (!facet.values.length) return;
      if (facet.values.length < (f.minValues || 1) && !s.filters[f.param].length) return;
      any = true;
      var selected = s.filters[f.param];
      var fieldset = h("fieldset", { className: "facet" }, [h("legend", { text: f.label })]);
      var list = h("ul", { className: "facet-values" });
      var expanded = !!expandedFacets[f.name];
      facet.values.forEach(function (fv, n) {
        var value = String(fv.value);
        var isSelected = selected.indexOf(value) >= 0;
        if (!expanded && n >= FACET_VISIBLE && !isSelected) return;
        var box = h("input", {
          type: "checkbox", name: f.param, value: value,
          "data-focus-key": f.param + "\u0000" + value
        });
        box.checked = isSelected;
        box.addEventListener("change", function () { toggleFilter(f.param, value, box.checked); });
        list.append(h("li", null, [h("label", { className: "facet-value" }, [
          box,
          h("span", { className: "facet-label", text: shown(f, value) }),
          h("span", { className: "facet-count", text: formatCount(fv.count) })
        ])]));
      });
      fieldset.append(list);
      if (facet.values.length > FACET_VISIBLE) {
        var more = h("button", {
          type: "button", className: "link-button facet-more",
          "data-focus-key": f.param + "\u0000more", "aria-expanded": expanded ? "true" : "false",
          text: expanded ? "Show fewer" : "Show all " + facet.values.length + (facet.truncated ? "+" : "")
        });
        more.addEventListener("click", function () {
          expandedFacets[f.name] = !expanded;
          if (!expanded && facet.truncated && facetSize < FACET_SIZE_ALL) {
            facetSize = FACET_SIZE_ALL;
            runSearch();
          } else if (lastData) {
            renderFacets(state, lastData);
          }
        });
        fieldset.append(more);
      }
      el.facetGroups.append(fieldset);
    });
    if (!any) el.facetGroups.append(h("p", { className: "facet-none", text: "No filters for these results." }));
    if (focusKey) {
      Array.prototype.forEach.call(el.facetGroups.querySelectorAll("[data-focus-key]"), function (node) {
        if (node.getAttribute("data-focus-key") === focusKey) node.focus();
      });
    }
  }

  function pageLink(s, page, label, attrs) {
    var next = copyState(s, { page: page });
    var a = h("a", Object.assign({ href: stateUrl(next), className: "page-link" }, attrs || {}), [label]);
    a.addEventListener("click", function (event) {
      if (isModified(event)) return;
      event.preventDefault();
      navigate(next, "push", { focusResults: true });
    });
    return a;
  }

  function renderPagination(s, data) {
    clear(el.pagination);
    var pages = data.pages || 0;
    var page = data.page || 1;
    el.pagination.hidden = pages <= 1;
    if (pages <= 1) return;
    var list = h("ul", { className: "page-list" });
    list.append(h("li", null, [page > 1
      ? pageLink(s, page - 1, "\u2039 Previous", { rel: "prev", className: "page-link page-prev" })
      : h("span", { className: "page-link page-prev disabled", "aria-disabled": "true", text: "\u2039 Previous" })]));
    var shown = [];
    for (var p = 1; p <= pages; p++) {
      if (p === 1 || p === pages || Math.abs(p - page) <= 2) shown.push(p);
    }
    shown.forEach(function (p, n) {
      if (n && p - shown[n - 1] > 1) list.append(h("li", { className: "page-gap", "aria-hidden": "true", text: "\u2026" }));
      list.append(h("li", null, [p === page
        ? h("a", { className: "page-link current", "aria-current": "page", href: stateUrl(copyState(s, { page: p })), "aria-label": "Page " + p, text: String(p) })
        : pageLink(s, p, String(p), { "aria-label": "Page " + p })]));
    });
    list.append(h("li", null, [page < pages
      ? pageLink(s, page + 1, "Next \u203a", { rel: "next", className: "page-link page-next" })
      : h("span", { className: "page-link page-next disabled", "aria-disabled": "true", text: "Next \u203a" })]));
    el.pagination.append(list);
  }

  function renderEmpty(s, data) {
    clear(el.empty);
    var none = !(data.total > 0);
    el.empty.hidden = !none;
    if (!none) return;
    var filters = filterCount(s);
    if (!s.q && !filters) {
      el.empty.append(h("h2", { text: "There are no articles to search yet" }),
        h("p", { text: "Once articles are indexed they appear here." }));
      return;
    }
    el.empty.append(h("h2", { className: "empty-title" }, s.q
      ? ["No results for \u201c", h("span", { className: "empty-query", text: s.q }), "\u201d"]
      : ["No articles match these filters"]));
    if (data.did_you_mean) el.empty.append(didYouMeanLink(s, data.did_you_mean));
    var tips = h("ul", { className: "tips" });
    if (filters) {
      var without = copyState(s, { filters: emptyFilters(), page: 1 });
      var link = h("a", { href: stateUrl(without), text: "search without the " + plural(filters, "filter", "filters") });
      link.addEventListener("click", function (event) {
        if (isModified(event)) return;
        event.preventDefault();
        navigate(without, "push");
      });
      tips.append(h("li", null, ["Remove a filter above, or ", link, "."]));
    }
    if (s.q) {
      tips.append(h("li", { text: "Check the spelling, or try a word with a similar meaning." }));
      tips.append(h("li", { text: "Use fewer or more general words." }));
      if (/["\-]|\bOR\b|:/.test(s.q)) {
        tips.append(h("li", { text: "Remove quotation marks, -excluded words or field: prefixes." }));
      }
    }
    el.empty.append(h("p", { className: "tips-heading", text: "To broaden the search:" }), tips);
    if (s.q) emptySuggestions(s);
  }

  function emptySuggestions(s) {
    var words = s.q.trim().split(/\s+/);
    var prefix = words[words.length - 1].replace(/[^\p{L}\p{N}]/gu, "").slice(0, 4);
    if (prefix.length < 2) return;
    fetchSuggestions(prefix, null).then(function (items) {
      if (state !== s || !items.length) return;
      var list = h("ul", { className: "empty-suggestions" });
      items.slice(0, 5).forEach(function (item) {
        var next = copyState(s, { q: item.text, page: 1 });
        var link = h("a", { href: stateUrl(next), text: item.text });
        link.addEventListener("click", function (event) {
          if (isModified(event)) return;
          event.preventDefault();
          navigate(next, "push");
        });
        list.append(h("li", null, [link]));
      });
      el.empty.append(h("p", { className: "tips-heading", text: "Searches that find articles:" }), list);
    }).catch(function () {});
  }

  /* ---------- filters ---------- */

  function toggleFilter(param, value, on) {
    var next = copyState(state, { page: 1 });
    var values = next.filters[param];
    var at = values.indexOf(value);
    if (on && at < 0) values.push(value);
    if (!on && at >= 0) values.splice(at, 1);
    navigate(next, "push");
  }

  function removeFilter(param, value, button) {
    var chips = Array.prototype.slice.call(el.chipList.querySelectorAll(".chip"));
    var index = chips.indexOf(button);
    toggleFilter(param, value, false);
    var remaining = el.chipList.querySelectorAll(".chip");
    var target = remaining[Math.min(index, remaining.length - 1)];
    (target || el.input).focus();
  }

  el.clearAll.addEventListener("click", function () {
    navigate(copyState(state, { filters: emptyFilters(), page: 1 }), "push");
    el.input.focus();
  });

  el.sort.addEventListener("change", function () {
    navigate(copyState(state, { sort: el.sort.value, page: 1 }), "push");
  });

  el.filtersToggle.addEventListener("click", function () {
    var open = el.filtersToggle.getAttribute("aria-expanded") !== "true";
    el.filtersToggle.setAttribute("aria-expanded", open ? "true" : "false");
    el.facetsPanel.classList.toggle("open", open);
  });

  /* ---------- suggestions (ARIA combobox) ---------- */

  function fetchSuggestions(prefix, controller) {
    var url = ROOT + "/suggest?q=" + encodeURIComponent(prefix) + "&limit=" + SUGGEST_LIMIT;
    return fetch(url, {
      signal: controller ? controller.signal : undefined,
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (body) {
      var items = Array.isArray(body) ? body : (body.suggestions || []);
      return items.filter(function (item) { return item && typeof item.text === "string" && item.text; });
    });
  }

  /** The query a term suggestion stands for: the input with its last word completed. */
  function completedQuery(input, text) {
    var typed = input.replace(/\s+$/, "");
    if (text.toLowerCase().indexOf(typed.toLowerCase()) === 0) return text;
    var cut = typed.search(/\S+$/);
    return cut > 0 ? typed.slice(0, cut) + text : text;
  }

  function suggest(value) {
    if (suggestController) suggestController.abort();
    if (value.trim().length < 2) { closeSuggestions(); return; }
    var controller = new AbortController();
    suggestController = controller;
    fetchSuggestions(value, controller).then(function (items) {
      if (el.input.value !== value || document.activeElement !== el.input) return;
      showSuggestions(value, items);
    }).catch(function () {});
  }

  function highlightPrefix(text, typed) {
    var fragment = document.createDocumentFragment();
    var word = typed.trim().split(/\s+/).pop().toLowerCase();
    var at = word ? text.toLowerCase().indexOf(word) : -1;
    if (at < 0) { fragment.append(text); return fragment; }
    fragment.append(text.slice(0, at), h("b", { text: text.slice(at, at + word.length) }),
      text.slice(at + word.length));
    return fragment;
  }

  function showSuggestions(value, items) {
    suggestions = items.map(function (item) {
      var isTitle = item.kind === "title";
      return {
        kind: isTitle ? "title" : "term",
        label: item.text,
        query: isTitle ? item.text : completedQuery(value, item.text),
        url: isTitle ? safeUrl(item.url) : null
      };
    });
    activeIndex = -1;
    clear(el.listbox);
    suggestions.forEach(function (s, i) {
      var option = h("li", {
        id: "suggestion-" + i, role: "option", "aria-selected": "false",
        className: "suggestion suggestion-" + s.kind
      }, [
        h("span", { className: "suggestion-text" }, [highlightPrefix(s.kind === "title" ? s.label : s.query, value)]),
        s.kind === "title" ? h("span", { className: "suggestion-kind", text: "Article" }) : null
      ]);
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });
      option.addEventListener("click", function () { pickSuggestion(i); });
      el.listbox.append(option);
    });
    if (suggestions.length) {
      el.listbox.hidden = false;
      el.input.setAttribute("aria-expanded", "true");
    } else {
      closeSuggestions();
    }
    el.input.removeAttribute("aria-activedescendant");
  }

  function closeSuggestions() {
    el.listbox.hidden = true;
    el.input.setAttribute("aria-expanded", "false");
    el.input.removeAttribute("aria-activedescendant");
    activeIndex = -1;
  }

  function setActive(index) {
    var options = el.listbox.querySelectorAll("[role=option]");
    activeIndex = index;
    Array.prototype.forEach.call(options, function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("active", i === index);
    });
    if (index >= 0 && options[index]) {
      el.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      el.input.removeAttribute("aria-activedescendant");
    }
  }

  function pickSuggestion(i) {
    var s = suggestions[i];
    if (!s) return;
    closeSuggestions();
    clearTimeout(debounceTimer);
    if (s.kind === "title" && s.url) {
      window.location.assign(s.url);
      return;
    }
    el.input.value = s.query;
    navigate(copyState(state, { q: s.query, page: 1 }), typingEntryPushed ? "replace" : "push");
  }

  el.input.addEventListener("input", function () {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(function () {
      var value = el.input.value;
      suggest(value);
      if (value === state.q) return;
      var mode = typingEntryPushed ? "replace" : "push";
      typingEntryPushed = true;
      navigate(copyState(state, { q: value, page: 1 }), mode, { typing: true });
    }, DEBOUNCE_MS);
  });

  el.input.addEventListener("keydown", function (event) {
    var open = !el.listbox.hidden;
    var count = suggestions.length;
    switch (event.key) {
      case "ArrowDown":
        if (!count) return;
        event.preventDefault();
        if (!open) { el.listbox.hidden = false; el.input.setAttribute("aria-expanded", "true"); }
        setActive(activeIndex + 1 >= count ? 0 : activeIndex + 1);
        break;
      case "ArrowUp":
        if (!count) return;
        event.preventDefault();
        if (!open) { el.listbox.hidden = false; el.input.setAttribute("aria-expanded", "true"); }
        setActive(activeIndex <= 0 ? count - 1 : activeIndex - 1);
        break;
      case "Enter":
        if (open && activeIndex >= 0) {
          event.preventDefault();
          pickSuggestion(activeIndex);
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          closeSuggestions();
        }
        break;
      case "Tab":
        closeSuggestions();
        break;
      default:
        break;
    }
  });

  el.input.addEventListener("blur", function () { closeSuggestions(); });

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(debounceTimer);
    if (suggestController) suggestController.abort();
    closeSuggestions();
    var value = el.input.value;
    if (value === state.q && state.page === 1 && typingEntryPushed) {
      typingEntryPushed = false;
      return;
    }
    navigate(copyState(state, { q: value, page: 1 }), typingEntryPushed ? "replace" : "push");
  });

  /* ---------- history and start-up ---------- */

  window.addEventListener("popstate", function () {
    clearTimeout(debounceTimer);
    closeSuggestions();
    navigate(readState(window.location.search), "none");
  });

  el.input.value = state.q;
  el.sort.value = state.sort;
  navigate(state, "none");
  if (!state.q) el.input.focus();
})();
