/* Lantian network view: draws the graph embedded as JSON in #network-data with vis-network.
   At first only the nodes marked `initial` (at most ~40, chosen across the roles) are drawn; clicking a node
   adds its neighbours in place (its label says how many are hidden: "+N"), "show more" adds the next ones,
   a double click (or the link in the side panel) opens the node's page. Tooltips are DOM text (textContent),
   so plan text never becomes markup. */
(function () {
  "use strict";
  var BATCH = 40;
  function textElement(text) {
    var el = document.createElement("div");
    el.className = "network-tooltip";
    el.textContent = text;
    return el;
  }
  function start() {
    var holder = document.getElementById("network");
    var source = document.getElementById("network-data");
    if (!holder || !source || typeof vis === "undefined") return;
    var data = JSON.parse(source.textContent);
    var byId = {}, neighbours = {}, order = [];
    data.nodes.forEach(function (node) {
      node.fullLabel = node.label;
      node.title = textElement(node.title || node.label || "");
      byId[node.id] = node;
      neighbours[node.id] = [];
      order.push(node.id);
    });
    data.edges.forEach(function (edge, k) {
      edge.id = "e" + k;
      edge.title = textElement((data.relations || {})[edge.relation] || edge.relation || "");
      if (neighbours[edge.from]) neighbours[edge.from].push(edge.to);
      if (neighbours[edge.to]) neighbours[edge.to].push(edge.from);
    });
    var nodes = new vis.DataSet(), edges = new vis.DataSet();
    function hiddenCount(id) {
      return neighbours[id].filter(function (n) { return !nodes.get(n); }).length;
    }
    function relabel(ids) {
      nodes.update(ids.map(function (id) {
        var more = hiddenCount(id);
        return { id: id, label: byId[id].fullLabel + (more ? " (+" + more + ")" : "") };
      }));
    }
    function place(node, k, total) {
      // start beside a neighbour already drawn (the node expanded), the new ones spread on a circle round it
      if (!network) return node;
      var anchor = neighbours[node.id].filter(function (n) { return nodes.get(n); })[0];
      if (anchor === undefined) return node;
      var at = network.getPositions([anchor])[anchor];
      var angle = (2 * Math.PI * k) / Math.max(total, 1);
      var radius = 140 + 6 * total;
      node.x = at.x + radius * Math.cos(angle);
      node.y = at.y + radius * Math.sin(angle);
      return node;
    }
    function add(ids) {
      var fresh = ids.filter(function (id) { return byId[id] && !nodes.get(id); });
      nodes.add(fresh.map(function (id, k) { return place(Object.assign({}, byId[id]), k, fresh.length); }));
      var shown = {};
      nodes.getIds().forEach(function (id) { shown[id] = true; });
      edges.add(data.edges.filter(function (e) { return shown[e.from] && shown[e.to] && !edges.get(e.id); }));
      var touched = {};
      fresh.forEach(function (id) { touched[id] = true; neighbours[id].forEach(function (n) { touched[n] = true; }); });
      relabel(Object.keys(touched).filter(function (id) { return nodes.get(id); }));
      updateStatus();
      return fresh.length;
    }
    var status = document.getElementById("network-status");
    var moreButton = document.getElementById("network-more");
    function updateStatus() {
      var left = data.nodes.length - nodes.length;
      if (status) status.textContent = (status.getAttribute("data-template") || "{shown}/{total}")
        .replace("{shown}", nodes.length).replace("{total}", data.nodes.length);
      if (moreButton) moreButton.hidden = left <= 0;
      holder.setAttribute("data-shown", String(nodes.length));
    }
    // grouped by role: each group starts in its own sector around the focus
    var groups = [];
    data.nodes.forEach(function (n) { if (n.initial && groups.indexOf(n.roleGroup) < 0) groups.push(n.roleGroup); });
    var counts = {};
    var network = null;
    add(data.nodes.filter(function (n) { return n.initial; }).map(function (n) {
      var g = groups.indexOf(n.roleGroup), k = (counts[g] = (counts[g] || 0) + 1);
      var angle = (2 * Math.PI * g) / Math.max(groups.length, 1) + k * 0.12;
      if (!data.hierarchical) { byId[n.id].x = (200 + 25 * k) * Math.cos(angle); byId[n.id].y = (200 + 25 * k) * Math.sin(angle); }
      return n.id;
    }));
    var options = {
      interaction: { hover: true, tooltipDelay: 150, navigationButtons: false },
      nodes: { font: { size: 20, face: "sans-serif", strokeWidth: 3, strokeColor: "#ffffff" }, borderWidth: 1 },
      edges: { smooth: { type: "continuous" }, arrows: { to: { scaleFactor: 0.5 } } },
      physics: { stabilization: { iterations: 300 }, barnesHut: { gravitationalConstant: -15000, springLength: 150, avoidOverlap: 1 } }
    };
    if (data.hierarchical) {
      options.layout = { hierarchical: { direction: "LR", sortMethod: "directed", levelSeparation: 240, nodeSpacing: 70 } };
      options.physics = { enabled: false };
    }
    network = new vis.Network(holder, { nodes: nodes, edges: edges }, options);
    var panel = document.getElementById("network-selected");
    function select(id) {
      if (!panel) return;
      var node = byId[id];
      panel.textContent = "";
      var a = document.createElement("a");
      a.href = node.url;
      a.textContent = node.fullLabel;
      panel.appendChild(a);
      panel.hidden = false;
    }
    network.on("click", function (params) {
      if (params.nodes.length !== 1) return;
      var id = params.nodes[0];
      select(id);
      var hidden = neighbours[id].filter(function (n) { return !nodes.get(n); });
      if (hidden.length) add(hidden.slice(0, BATCH));
    });
    network.on("doubleClick", function (params) {
      if (params.nodes.length === 1 && byId[params.nodes[0]].url) window.location.assign(byId[params.nodes[0]].url);
    });
    if (moreButton) moreButton.addEventListener("click", function () {
      var shown = {};
      nodes.getIds().forEach(function (id) { shown[id] = true; });
      var next = order.filter(function (id) {
        return !shown[id] && neighbours[id].some(function (n) { return shown[n]; });
      }).slice(0, BATCH);
      add(next);
    });
    network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: false }); network.fit({ animation: false }); });
    network.once("afterDrawing", function () { holder.setAttribute("data-drawn", "true"); });
    window.lantianNetwork = network;
    window.lantianNetworkData = { nodes: nodes, edges: edges, all: data };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
