// The cashier screen's script: keyboard and scanner in, the server's #till fragment out.
// It does no arithmetic on money: every total, tax and change is rendered by the server
// (kkm-register prices the basket); the script only posts forms in order, swaps the
// fragment, opens panels and copies the texts a panel starts with.
//  * The scanner field (#scan) keeps the focus; a burst ends with Enter and is posted
//    (bursts queue: one request at a time, in order).
//  * F2 search, F3 the selected line, F4 free item, F5 cash in/out, F6 own receipts
//    (duplicates), F7 return, F8 receipt discount or markup, F9 payment, F10 X-report; ↑/↓ select a line, Del removes it, Esc back to the scanner;
//    the same as buttons on the screen, for a touch screen.
//  * F9 does not open the payment while a marked good waits for its marking code.
//  * The payment panel previews as the cashier types: the server answers with the
//    change.
"use strict";
(function () {
  var root = document.getElementById("till-root");
  if (!root) { return; }
  var scan = document.getElementById("scan");
  var kkm = root.getAttribute("data-kkm");
  var action = "/console/cashier/" + kkm;
  var csrf = (document.querySelector("#scan-form input[name=csrf]") || {}).value || "";
  var keys = {
    F2: "search", F3: "line", F4: "free", F5: "cash", F6: "receipts", F7: "return",
    F8: "receipt", F9: "pay", F10: "x",
  };
  var chain = Promise.resolve();
  var panels = document.querySelectorAll("[data-panel]");

  function till() { return document.getElementById("till"); }
  function focusScan() { scan.focus(); }
  function closePanels() {
    for (var i = 0; i < panels.length; i++) { panels[i].hidden = true; }
  }
  function openPanel(name) {
    var p = document.getElementById("panel-" + name);
    if (!p) { return; }
    if (!fill(name, p)) { return; }
    closePanels();
    p.hidden = false;
    var first = p.querySelector("input:not([type=hidden]), select, button");
    if (first) { first.focus(); if (first.select) { first.select(); } }
  }
  function set(p, name, value) {
    var el = p.querySelector("[name=" + name + "]");
    if (el) { el.value = value || ""; }
  }
  // What a panel starts with: texts of the fragment, copied as they are.
  function fill(name, p) {
    var t = till();
    if (name === "line") {
      var row = t.querySelector("tr[aria-selected=true]");
      if (!row) { return false; }
      set(p, "index", row.getAttribute("data-index"));
      set(p, "quantity", row.getAttribute("data-quantity"));
      set(p, "price", row.getAttribute("data-price"));
      set(p, "discount", row.getAttribute("data-discount"));
      set(p, "markup", row.getAttribute("data-markup"));
    } else if (name === "pay") {
      if (t.getAttribute("data-lines") === "0") { return false; }
      // A marked good waits for its code: the scanner keeps the focus (the sale
      // would be refused with 2 until every code is scanned).
      var wanted = document.getElementById("marks-wanted");
      if (t.getAttribute("data-awaiting-marks") !== "0" && wanted) {
        wanted.classList.remove("flash");
        void wanted.offsetWidth;
        wanted.classList.add("flash");
        return false;
      }
      set(p, "cash", t.getAttribute("data-due"));
      set(p, "card", "");
      set(p, "mobile", ""); set(p, "email", ""); set(p, "phone", "");
    } else if (name === "free") {
      set(p, "name", ""); set(p, "price", ""); set(p, "section", "1"); set(p, "quantity", "1");
      set(p, "mark", t.getAttribute("data-mark") || "");
    } else if (name === "cash") {
      set(p, "sum", "");
    } else if (name === "receipts") {
      var list = document.getElementById("own-receipts");
      fetch(p.getAttribute("data-src"), { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          list.innerHTML = html;
          var b = list.querySelector("button");
          if (b) { b.focus(); }
        });
    } else if (name === "search") {
      set(p, "q", "");
      document.getElementById("search-results").innerHTML = "";
    }
    return true;
  }

  function signIn() {
    location.href = "/console/signin?expired=1&next=" + encodeURIComponent(location.pathname);
  }

  // Posts `fields` (URLSearchParams) in turn; swaps the fragment. `keep`: leave the
  // panels and the focus as they are (preview).
  function post(fields, keep) {
    chain = chain.then(function () {
      return fetch(action, {
        method: "POST", body: fields, credentials: "same-origin",
        headers: { "X-Till": "1" },
      }).then(function (r) {
        if (r.status === 401 || (r.redirected && /\/signin/.test(r.url))) { signIn(); return; }
        return r.text().then(function (html) {
          if (!/^\s*<div id="till"/.test(html)) { document.open(); document.write(html); document.close(); return; }
          till().outerHTML = html;
          if (keep) { return; }
          var open = till().getAttribute("data-open");
          if (r.ok) {
            closePanels();
            focusScan();
          } else if (open) {
            var p = document.getElementById("panel-" + open);
            if (p && p.hidden) { openPanel(open); }
            else if (p) { var f = p.querySelector("input:not([type=hidden])"); if (f) { f.focus(); } }
          } else {
            focusScan();
          }
          if (r.ok && open) { openPanel(open); }
        });
      }).catch(function () {});
    });
    return chain;
  }
  function act(name, extra) {
    var f = new URLSearchParams();
    f.set("csrf", csrf); f.set("act", name);
    for (var k in extra) { f.set(k, extra[k]); }
    return post(f);
  }

  // Every till form posts through the script.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.hasAttribute("data-search")) {
      e.preventDefault();
      var first = document.querySelector("#search-results form");
      if (first) { post(new URLSearchParams(new FormData(first))); }
      return;
    }
    if (!form.hasAttribute("data-till")) { return; }
    e.preventDefault();
    var fields = new URLSearchParams(new FormData(form));
    if (form.id === "scan-form") { scan.value = ""; }
    post(fields);
  });

  // The payment panel shows the change as the cashier types.
  var previewTimer = null;
  var pay = document.querySelector("#panel-pay form");
  if (pay) {
    pay.addEventListener("input", function () {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(function () {
        var f = new URLSearchParams(new FormData(pay));
        f.set("act", "preview");
        post(f, true);
      }, 120);
    });
  }

  // The search panel lists as the cashier types.
  var searchTimer = null;
  var search = document.querySelector("[data-search]");
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        var q = new URLSearchParams(new FormData(search));
        fetch(search.action + "?" + q.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { document.getElementById("search-results").innerHTML = html; });
      }, 120);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        var b = document.querySelector("#search-results button");
        if (b) { e.preventDefault(); b.focus(); }
      }
    });
  }

  document.addEventListener("keydown", function (e) {
    if (keys[e.key]) {
      e.preventDefault();
      openPanel(keys[e.key]);
      return;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      closePanels();
      focusScan();
      return;
    }
    var inScan = document.activeElement === scan;
    if (inScan && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      act("select", { dir: e.key === "ArrowUp" ? "up" : "down" });
    } else if (inScan && e.key === "Delete" && scan.value === "") {
      e.preventDefault();
      act("remove", {});
    }
  });

  // The shortcut buttons (a touch screen has no F-keys).
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-key-kind]");
    if (!b) { return; }
    var kind = b.getAttribute("data-key-kind");
    var arg = b.getAttribute("data-key-arg");
    if (kind === "panel") { openPanel(arg); }
    else if (kind === "select") { act("select", { dir: arg }); }
    else if (kind === "remove") { act("remove", {}); }
    else { closePanels(); focusScan(); }
  });

  // A click outside the panels brings the focus back to the scanner field.
  document.addEventListener("click", function (e) {
    if (!e.target.closest("input, button, a, select, textarea, label, .panel")) { focusScan(); }
  });

  // The KKM's state (online / autonomous / blocked, the shift's age) stays current.
  setInterval(function () {
    var busy = document.activeElement && document.activeElement !== scan && document.activeElement.closest(".panel");
    fetch(action + "/till", { headers: { "X-Console-Background": "1" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { signIn(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html && /^\s*<div id="till"/.test(html) && !busy) {
          chain = chain.then(function () { till().outerHTML = html; });
        }
      })
      .catch(function () {});
  }, 15000);

  closePanels();
  focusScan();
})();
