/* Lantian explorer: a list's first page is shown before its whole answer is counted (web/lists.py); this asks
   for the rest — the facet counts, the summary tables, the titles and notes that count every row — and puts
   each part in place of the element of the same id. Without it the page links to its whole answer. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-list-part]");
  if (!holder || !window.fetch || !window.DOMParser) return;
  function failed() {
    document.querySelectorAll(".computing").forEach(function (p) {
      p.firstChild.textContent = holder.getAttribute("data-failed") + " ";
    });
  }
  fetch(holder.getAttribute("data-list-part"), { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    })
    .then(function (text) {
      var part = new DOMParser().parseFromString(text, "text/html");
      Array.prototype.forEach.call(part.body.querySelectorAll("[id]"), function (element) {
        var here = document.getElementById(element.id);
        if (here && !element.parentNode.closest("[id]")) here.replaceWith(document.importNode(element, true));
      });
      holder.removeAttribute("data-list-part");
      holder.setAttribute("data-list-complete", "");
    })
    .catch(failed);
})();
