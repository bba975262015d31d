/* Keyboard shortcuts of the officer workspace (self-written, no library).
   /        focus the search box
   j / k    next / previous row of a list; Enter opens it (links are ordinary links)
   Ctrl+Enter  submit the intake form
   Alt+D / Alt+T / Alt+N  worklist / new intake (accesskey attributes in the header) */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function rowLinks() {
    var list = document.querySelector("[data-rows]");
    return list ? Array.prototype.slice.call(list.querySelectorAll("a")) : [];
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey && ev.key === "Enter") {
      var form = document.querySelector("form[data-ctrl-enter]");
      if (form) { ev.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return;
    }
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && /^Key[A-Z]$/.test(ev.code || "")) {
      // Alt+letter follows the link with that accesskey (browsers differ in accesskey chords).
      var target = document.querySelector("a[accesskey='" + ev.code.slice(3).toLowerCase() + "']");
      if (target) { ev.preventDefault(); target.click(); }
      return;
    }
    if (typing(document.activeElement) || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (ev.key === "/") {
      var box = document.querySelector("[data-shortcut='/']") || document.querySelector("input[name=q], input[name=tim]");
      if (box) { ev.preventDefault(); box.focus(); box.select(); }
    } else if (ev.key === "j" || ev.key === "k") {
      var links = rowLinks();
      if (!links.length) { return; }
      var at = links.indexOf(document.activeElement);
      var next = ev.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      links[next].focus();
      ev.preventDefault();
    }
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print]")) { window.print(); }
  });
  // Intake: show what is missing as the officer ticks the checklist (the server checks again).
  document.addEventListener("change", function (ev) {
    if (!ev.target.matches || !ev.target.matches("[data-required-doc]")) { return; }
    var missing = [];
    document.querySelectorAll("[data-required-doc]").forEach(function (box) {
      if (!box.checked) {
        var label = document.querySelector("label[for='" + box.id + "']");
        missing.push(label ? label.textContent.trim() : box.id);
      }
    });
    var out = document.getElementById("con-thieu");
    if (out) { out.textContent = missing.length ? "Còn thiếu: " + missing.join("; ") : "Đã đủ thành phần hồ sơ."; }
  });
  // Intake: the fee total as conditional fee lines are ticked (the server recomputes it).
  document.addEventListener("change", function (ev) {
    if (!ev.target.matches || !ev.target.matches("[data-fee]")) { return; }
    var total = 0;
    document.querySelectorAll("[data-fee]").forEach(function (box) {
      if (box.checked) { total += parseInt(box.getAttribute("data-fee"), 10) || 0; }
    });
    var out = document.querySelector("[data-fee-total]");
    if (out) { out.textContent = String(total); }
  });
  var error = document.getElementById("loi");
  var first = document.querySelector("[data-focus-first] a");
  if (error) { error.focus(); } else if (first) { first.focus(); }
})();
