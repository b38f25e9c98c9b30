// A little script that only enhances: every page works the same without it.
"use strict";
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  var live = document.getElementById("announce");

  function announce(text) {
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        announce(button.getAttribute("data-copied"));
      });
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The receipt is shown once: leaving the page asks first.
  if (document.querySelector("[data-confirm-leave]")) {
    var leaving = function (event) { event.preventDefault(); event.returnValue = ""; };
    window.addEventListener("beforeunload", leaving);
    document.querySelectorAll("[data-kept]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.confirm(link.getAttribute("data-kept"))) {
          window.removeEventListener("beforeunload", leaving);
        } else {
          event.preventDefault();
        }
      });
    });
  }

  // A form sent once: a second click does not file the complaint twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });

  // Live status: the server tells when the case changed; the page says so where it is.
  var watched = document.querySelector("[data-live]");
  if (watched && window.EventSource) {
    var stream = new EventSource(watched.getAttribute("data-live"));
    stream.addEventListener("case", function (event) {
      var seen = JSON.parse(event.data);
      var status = document.getElementById("status-words");
      if (status && seen.status_words && status.textContent !== seen.status_words) {
        status.textContent = seen.status_words;
      }
      if (seen.version !== watched.getAttribute("data-version")) {
        var fresh = document.getElementById("fresh");
        if (fresh) { fresh.hidden = false; }
        announce(watched.getAttribute("data-changed"));
        watched.setAttribute("data-version", seen.version);
      }
    });
    stream.addEventListener("end", function () { stream.close(); });
  }
});
