/* Lantian network view: draws the graph embedded as JSON in #network-data with vis-network.
   Tooltips are built as DOM text (textContent), so plan text never becomes markup. */
(function () {
  "use strict";
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
    data.nodes.forEach(function (node) {
      node.title = textElement(node.title || node.label || "");
    });
    data.edges.forEach(function (edge) {
      edge.title = textElement((data.relations || {})[edge.relation] || edge.relation || "");
    });
    var options = {
      interaction: { hover: true, tooltipDelay: 150, navigationButtons: false },
      nodes: { font: { size: 14, face: "sans-serif" }, borderWidth: 1 },
      edges: { smooth: { type: "continuous" }, arrows: { to: { scaleFactor: 0.5 } } },
      physics: { stabilization: { iterations: 300 }, barnesHut: { gravitationalConstant: -20000, springLength: 220, avoidOverlap: 0.4 } }
    };
    if (data.hierarchical) {
      options.layout = { hierarchical: { direction: "LR", sortMethod: "directed", levelSeparation: 240, nodeSpacing: 70 } };
      options.physics = { enabled: false };
    }
    var network = new vis.Network(
      holder, { nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges) }, options);
    network.on("click", function (params) {
      if (params.nodes.length === 1) {
        var node = network.body.data.nodes.get(params.nodes[0]);
        if (node && node.url) window.location.assign(node.url);
      }
    });
    network.once("stabilizationIterationsDone", function () { network.setOptions({ physics: false }); });
    network.once("afterDrawing", function () { holder.setAttribute("data-drawn", "true"); });
    window.lantianNetwork = network;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
