// Keyboard shortcuts for the desk; progressive enhancement: every page works without this file.
//   1-9   choose an outcome of the current step (incident page)
//   /     focus the search box
//   j / k move down / up in a queue, Enter opens the selected incident
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table[data-rows] tbody tr")); }
  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("sel", i === selected); });
    all[selected].scrollIntoView({block: "nearest"});
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) { return; }
    var key = event.key;
    if (key === "/") {
      var search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (/^[1-9]$/.test(key)) {
      var button = document.querySelector('.choices button[data-key="' + key + '"]');
      if (button) { event.preventDefault(); button.click(); }
    } else if (key === "j") {
      select(selected + 1);
    } else if (key === "k") {
      select(selected - 1);
    } else if (key === "Enter" && selected >= 0) {
      var row = rows()[selected];
      if (row && row.dataset.href) { window.location.href = row.dataset.href; }
    }
  });
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("table[data-rows] tbody tr");
    if (row && row.dataset.href && !event.target.closest("a")) { window.location.href = row.dataset.href; }
  });
})();
