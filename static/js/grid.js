// The calendar's time grid: arrow keys move between cells, so a keyboard user tabs into the
// grid once and out again instead of through every free quarter hour. Without this file every
// cell is still a plain link. Loaded as a file: the Content-Security-Policy forbids inline code.
(function () {
  "use strict";
  var KEYS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

  document.querySelectorAll("table[data-time-grid]").forEach(function (table) {
    // matrix[row][column]: the body cell covering that place, rowspans included.
    var matrix = [];
    var place = new Map();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr, r) {
      matrix[r] = matrix[r] || [];
      var c = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        if (cell.tagName === "TH") { return; }
        while (matrix[r][c]) { c += 1; }
        for (var i = 0; i < cell.rowSpan; i += 1) {
          matrix[r + i] = matrix[r + i] || [];
          matrix[r + i][c] = cell;
        }
        place.set(cell, [r, c]);
        c += 1;
      });
    });
    var links = table.querySelectorAll("[data-grid-cell]");
    if (!links.length) { return; }
    var current = links[0];
    links.forEach(function (link) { link.tabIndex = -1; });
    current.tabIndex = 0;

    function focus(link) {
      current.tabIndex = -1;
      current = link;
      current.tabIndex = 0;
      current.focus();
    }

    table.addEventListener("focusin", function (event) {
      var link = event.target.closest("[data-grid-cell]");
      if (link && link !== current) { focus(link); }
    });

    table.addEventListener("keydown", function (event) {
      var move = KEYS[event.key];
      var link = event.target.closest("[data-grid-cell]");
      if (!move || !link) { return; }
      var cell = link.closest("td");
      var at = place.get(cell);
      if (!at) { return; }
      var r = move[0] > 0 ? at[0] + cell.rowSpan - 1 : at[0];
      var c = at[1];
      // Step over closed time until a cell with something to choose.
      for (;;) {
        r += move[0];
        c += move[1];
        var next = matrix[r] && matrix[r][c];
        if (!next) { return; }
        var target = next.querySelector("[data-grid-cell]");
        if (target && next !== cell) {
          event.preventDefault();
          focus(target);
          return;
        }
      }
    });
  });
})();
