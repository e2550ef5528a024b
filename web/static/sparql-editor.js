// The SPARQL editor page: YASQE (editor, syntax highlighting, prefix completion from our own prefixes) and
// YASR (results table) from the locally served YASGUI bundle, canned queries opened as forms (a field per parameter; editing one binds and runs it again), a
// shareable URL carrying the query, CSV/JSON downloads. Nothing is fetched from any other host.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("sparql-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.origin).toString();
  const textarea = document.getElementById("sparql-query");
  const status = document.getElementById("sparql-status");
  const form = document.getElementById("sparql-form");

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // an instance IRI https://w3id.org/lantian/id/<path> is the explorer's page /id/<path>; another http(s) IRI is
  // itself; any other (a query can make IRI("javascript:…"), and a shared link runs its query) is no link: null
  function localHref(iri) {
    if (iri.startsWith(config.idBase)) return "/id/" + iri.slice(config.idBase.length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  // an IRI as a link to its page, or as text when it has none
  function iriHtml(iri, attributes) {
    const href = localHref(iri);
    const text = escapeHtml(shortName(iri));
    return href === null ? "<span class='iri'>" + text + "</span>" : "<a" + attributes + " href='" + escapeHtml(href) + "'>" + text + "</a>";
  }

  function shortName(iri) {
    for (const [prefix, base] of Object.entries(config.prefixes)) {
      if (iri.startsWith(base) && iri.length > base.length) return prefix + ":" + iri.slice(base.length);
    }
    return iri;
  }

  let yasqe = null;
  let yasr = null;
  const getQuery = () => (yasqe ? yasqe.getValue() : textarea.value);

  function resultLink(format) {
    return endpoint + "?query=" + encodeURIComponent(getQuery()) + "&format=" + format + "&download=1";
  }

  // a spreadsheet of the results: plain values, CSV with a BOM or XLSX (the server's one export function)
  function tableLink(format) {
    return config.tableUrl.replace("FORMAT", format) + "?query=" + encodeURIComponent(getQuery());
  }

  // the canned query's form: the page's URL carries its fields while the query is the form's
  const cannedForm = document.getElementById("canned-form");
  let cannedQuery = null; // the text the form last bound: while the editor holds it, the URL is the form's

  function formUrl() {
    const url = new URL(config.canned.pageUrl, window.location.origin);
    for (const input of cannedForm.querySelectorAll("input[data-param]")) url.searchParams.set(input.name, input.value);
    return url;
  }

  function updateLinks() {
    let shared = new URL("/sparql", window.location.origin);
    shared.searchParams.set("query", getQuery());
    if (cannedForm && getQuery() === cannedQuery) shared = formUrl();
    document.getElementById("sparql-share").href = shared.toString();
    document.getElementById("sparql-csv").href = tableLink("csv");
    document.getElementById("sparql-xlsx").href = tableLink("xlsx");
    document.getElementById("sparql-json").href = resultLink("json");
    return shared;
  }

  function remember() {
    const shared = updateLinks();
    window.history.replaceState(null, "", shared.pathname + shared.search);
  }

  // fallback results table when the YASGUI bundle is not installed
  async function runPlain() {
    status.textContent = "…";
    const body = new URLSearchParams({ query: getQuery() });
    const response = await fetch(endpoint, { method: "POST", body, headers: { Accept: "application/sparql-results+json" } });
    const text = await response.text();
    const target = document.getElementById("yasr");
    if (!response.ok) {
      status.textContent = response.status;
      target.innerHTML = "<pre class='sparql-error'>" + escapeHtml(text) + "</pre>";
      return;
    }
    const data = JSON.parse(text);
    if ("boolean" in data) {
      target.textContent = String(data.boolean);
      return;
    }
    const vars = data.head.vars;
    let html = "<table class='sparql-results'><thead><tr>" + vars.map((v) => "<th>?" + escapeHtml(v) + "</th>").join("") + "</tr></thead><tbody>";
    for (const row of data.results.bindings) {
      html += "<tr>" + vars.map((v) => {
        const term = row[v];
        if (!term) return "<td></td>";
        if (term.type === "uri") return "<td>" + iriHtml(term.value, "") + "</td>";
        return "<td>" + escapeHtml(term.value) + "</td>";
      }).join("") + "</tr>";
    }
    target.innerHTML = html + "</tbody></table>";
    status.textContent = data.results.bindings.length + " ⟶";
  }

  function run() {
    remember();
    if (yasqe) {
      yasqe.query().catch(() => {});
    } else {
      runPlain().catch((error) => { status.textContent = String(error); });
    }
  }

  function setUpYasgui() {
    const Yasqe = window.Yasgui.Yasqe;
    const Yasr = window.Yasgui.Yasr;
    const prefixList = Object.entries(config.prefixes).map(([p, iri]) => p + ": <" + iri + ">").sort();
    Yasqe.forkAutocompleter("prefixes", { name: "lantianPrefixes", get: () => Promise.resolve(prefixList), persistenceId: null }, false);

    const Table = Yasr.plugins.table;
    class LantianTable extends Table {
      // a literal as its plain value: no "…"@zh, no ^^xsd:integer
      formatLiteral(literal) {
        return escapeHtml(literal.value);
      }
      getUriLinkFromBinding(binding, prefixes) {
        const iri = binding.value;
        const external = !iri.startsWith(config.idBase);
        return iriHtml(iri, " class='iri'" + (external ? " rel='noopener noreferrer'" : ""));
      }
    }
    Yasr.registerPlugin("table", LantianTable);

    // a two-column aggregate (a label or an IRI, then a number) as horizontal bars, drawn as inline SVG
    class BarChart {
      constructor(yasr) {
        this.yasr = yasr;
        this.label = config.labels.chart;
        this.priority = 5;
      }
      rows() {
        const results = this.yasr.results;
        const variables = results && results.getVariables ? results.getVariables() : [];
        if (!variables || variables.length !== 2) return null;
        const [name, value] = variables;
        const rows = [];
        for (const binding of results.getBindings() || []) {
          const number = binding[value] && binding[value].type === "literal" ? Number(binding[value].value) : NaN;
          if (!binding[name] || !Number.isFinite(number)) return null;
          rows.push({ term: binding[name], number });
        }
        return rows.length ? rows : null;
      }
      canHandleResults() {
        return this.rows() !== null;
      }
      getIcon() {
        const icon = document.createElement("span");
        icon.textContent = "▤";
        return icon;
      }
      draw() {
        const rows = this.rows().slice(0, 60);
        const most = Math.max(...rows.map((r) => Math.abs(r.number)), 1);
        const line = 22, labelWidth = 300, barWidth = 420;
        const parts = rows.map((r, i) => {
          const y = i * line;
          const text = r.term.type === "uri" ? shortName(r.term.value) : r.term.value;
          const label = escapeHtml(text.length > 24 ? text.slice(0, 23) + "…" : text);
          const href = r.term.type === "uri" ? localHref(r.term.value) : null;
          const named = href !== null
            ? "<a href='" + escapeHtml(href) + "'><text x='" + (labelWidth - 6) + "' y='" + (y + 15) + "' text-anchor='end'>" + label + "</text></a>"
            : "<text x='" + (labelWidth - 6) + "' y='" + (y + 15) + "' text-anchor='end'>" + label + "</text>";
          const width = Math.max(1, Math.round((Math.abs(r.number) / most) * barWidth));
          return named + "<rect class='bar' x='" + labelWidth + "' y='" + (y + 4) + "' width='" + width + "' height='14'></rect>" +
            "<text x='" + (labelWidth + width + 4) + "' y='" + (y + 15) + "'>" + escapeHtml(String(r.number)) + "</text>";
        });
        const figure = document.createElement("figure");
        figure.className = "bar-chart";
        figure.innerHTML = "<svg role='img' width='" + (labelWidth + barWidth + 80) + "' height='" + rows.length * line + "'>" + parts.join("") + "</svg>";
        this.yasr.resultsEl.appendChild(figure);
      }
    }
    Yasr.registerPlugin("barChart", BarChart);

    yasqe = new Yasqe(document.getElementById("yasqe"), {
      value: textarea.value,
      persistenceId: null,
      showQueryButton: false,
      autocompleters: ["lantianPrefixes", "variables"],
      prefixCcApi: null,
      requestConfig: {
        endpoint: endpoint,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json",
        acceptHeaderGraph: "text/turtle",
      },
      editorHeight: "320px",
      consumeShareLink: null,
      createShareableLink: null,
    });
    yasr = new Yasr(document.getElementById("yasr"), {
      persistenceId: null,
      prefixes: config.prefixes,
      pluginOrder: ["table", "barChart", "response"],
      defaultPlugin: "table",
    });
    yasqe.on("queryResponse", (instance, response, duration) => {
      yasr.setResponse(response, duration);
      status.textContent = "";
    });
    yasqe.on("queryBefore", () => { status.textContent = "…"; remember(); });  // Ctrl-Enter too
    yasqe.on("change", updateLinks);
  }

  if (window.Yasgui && window.Yasgui.Yasqe) {
    try {
      setUpYasgui();
    } catch (error) {
      yasqe = null;
      textarea.hidden = false;
      status.textContent = String(error);
    }
  } else {
    textarea.hidden = false;
    textarea.addEventListener("input", updateLinks);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  // editing a field binds the canned query again on the server (each parameter bound once) and runs it
  if (cannedForm) {
    cannedQuery = getQuery();
    let timer = null;
    let asked = 0;
    async function rebind() {
      const ticket = ++asked;
      const url = new URL(config.canned.boundUrl, window.location.origin);
      url.search = formUrl().search;
      const response = await fetch(url, { headers: { Accept: "application/sparql-query" } });
      const text = await response.text();
      if (ticket !== asked) return; // a later edit is on its way
      if (!response.ok) {
        status.textContent = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
        return;
      }
      cannedQuery = text;
      if (yasqe) yasqe.setValue(text);
      else textarea.value = text;
      run();
    }
    const later = () => { clearTimeout(timer); timer = setTimeout(() => rebind().catch((e) => { status.textContent = String(e); }), 400); };
    for (const input of cannedForm.querySelectorAll("input[data-param]")) {
      input.addEventListener("input", later);
      input.addEventListener("change", later);
    }
    cannedForm.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      rebind().catch((e) => { status.textContent = String(e); });
    });
  }

  updateLinks();
  if (config.run) run();
})();
