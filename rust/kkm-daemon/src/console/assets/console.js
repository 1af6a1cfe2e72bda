// The console's only script, for what a form cannot do. Every page works without it.
//  * [data-live-rows]: the element's content is fetched again from the URL it names
//    whenever the server's event stream (/console/events) says a KKM changed, and
//    once a minute for the countdowns; a closed session leads to the sign-in page.
//  * [data-print]: a button that prints the page (the receipt image; see @media print).
"use strict";
(function () {
  function signIn() {
    location.href = "/console/signin?expired=1&next=" + encodeURIComponent(location.pathname + location.search);
  }

  function live(target) {
    var url = target.getAttribute("data-live-rows");
    var status = document.getElementById("live-status");
    var busy = false;
    function refresh() {
      if (busy) { return; }
      busy = true;
      fetch(url, { headers: { "X-Console-Background": "1" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (r.status === 401) { signIn(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html !== null) {
            target.innerHTML = html;
            if (status) {
              status.textContent = "· " + (target.getAttribute("data-updated") || "") + " " +
                new Date().toLocaleTimeString();
            }
          }
        })
        .catch(function () {})
        .then(function () { busy = false; });
    }
    if (window.EventSource) {
      var since = target.getAttribute("data-version") || "";
      var events = new EventSource("/console/events?since=" + encodeURIComponent(since));
      events.addEventListener("change", refresh);
      events.addEventListener("signout", function () { events.close(); signIn(); });
    }
    setInterval(refresh, 60000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var targets = document.querySelectorAll("[data-live-rows]");
    for (var i = 0; i < targets.length; i++) { live(targets[i]); }
    var printers = document.querySelectorAll("[data-print]");
    for (var j = 0; j < printers.length; j++) {
      printers[j].addEventListener("click", function () { window.print(); });
    }
  });
})();
