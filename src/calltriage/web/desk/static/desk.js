// The desk's JavaScript; progressive enhancement: every page works without this file.
//   1-9   choose an outcome of the current step (incident page)
//   /     focus the search box
//   j / k move down / up in a queue, Enter opens the selected incident
// Safe actions: a form sends once (buttons disabled on submit); the answer buttons of a page
// that has just loaded ignore clicks for a moment, so the second click of a double click never
// lands on the next step's answers. Upload progress; graph zoom; the phone menu.
(function () {
  "use strict";
  // Loaded in <head> without defer: the answer buttons are inert (CSS) until armed below.
  document.documentElement.classList.add("js");
  var loadedAt = Date.now();
  var ARM_MS = 700;
  setTimeout(function () { document.documentElement.classList.add("armed"); }, ARM_MS);
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
      if (button && !event.repeat) {
        event.preventDefault();
        setTimeout(function () { button.click(); }, Math.max(0, ARM_MS - (Date.now() - loadedAt)));
      }
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
    var choice = event.target.closest && event.target.closest(".choices button");
    if (choice && event.isTrusted && !document.documentElement.classList.contains("armed")) {
      // A click this soon after the page appeared belongs to the previous page (a double click).
      event.preventDefault();
      return;
    }
    var row = event.target.closest && event.target.closest("table[data-rows] tbody tr");
    if (row && row.dataset.href && !event.target.closest("a")) { window.location.href = row.dataset.href; }
    var zoom = event.target.closest && event.target.closest("[data-zoom]");
    if (zoom) {
      var svg = document.querySelector(".graph-box svg");
      if (svg) {
        var width = svg.getBoundingClientRect().width * parseFloat(zoom.dataset.zoom);
        svg.style.width = Math.max(200, Math.min(6000, width)) + "px";
      }
    }
    var toggle = event.target.closest && event.target.closest(".menu-toggle");
    if (toggle) {
      var menu = document.getElementById("menu");
      var open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var ask = form.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) { event.preventDefault(); return; }
    if (form.hasAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "");
    if (form.hasAttribute("data-upload") && window.XMLHttpRequest && window.FormData) {
      event.preventDefault();
      upload(form);
      return;
    }
    // Disable after the browser has taken the clicked button's value.
    setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    }, 0);
  }, true);
  // The whole graph opens at Graphviz's own size (readable labels), scrolling inside its box.
  document.addEventListener("toggle", function (event) {
    var svg = event.target.querySelector && event.target.querySelector(".graph-box svg");
    if (svg && !svg.style.width && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      svg.style.width = Math.round(svg.viewBox.baseVal.width * 1.2) + "px";
    }
  }, true);
  function upload(form) {
    var bar = form.querySelector("progress");
    var button = form.querySelector("button");
    if (bar) { bar.hidden = false; bar.value = 0; }
    if (button) { button.disabled = true; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) { if (bar && e.lengthComputable) { bar.value = 100 * e.loaded / e.total; } };
    xhr.onload = function () {
      // The server answers with the page to show (redirect followed, or the page with the error).
      document.open(); document.write(xhr.responseText); document.close();
      if (xhr.responseURL) { history.replaceState(null, "", xhr.responseURL); }
    };
    xhr.onerror = function () {
      form.removeAttribute("data-sent");
      if (button) { button.disabled = false; }
      alert("The upload did not reach the desk: check the connection and try again.");
    };
    xhr.send(new FormData(form));
  }
})();
