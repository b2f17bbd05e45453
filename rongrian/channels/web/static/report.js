// Complaint form (issue 12): while the citizen types "what happened", suggest the category from
// the agency's keywords (data-keywords on each choice) and ask "ดูเหมือนเรื่อง …ใช่ไหม"; only their
// "yes" chooses it. Nothing typed leaves the page before Send. The same rule as the server's
// (rongrian/intake/suggest.py): a keyword counts on word boundaries (Intl.Segmenter's Thai words
// where the browser has it), twice its length when whole, its length at one end if 4+ letters.
// The place as a point (map pin, "use my location", the photo's GPS) is place.js. The form works
// without this file.
(function () {
  "use strict";
  var text = document.getElementById("what_happened");
  var box = document.getElementById("suggest-live");
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[name=category]"));

  function words(value) {
    var clean = value.toLowerCase().replace(/\s+/g, " ");
    if (window.Intl && Intl.Segmenter) {
      var out = [];
      var parts = new Intl.Segmenter("th", { granularity: "word" }).segment(clean);
      for (var part of parts) {
        if (part.segment.trim()) { out.push(part.segment.trim()); }
      }
      return out;
    }
    return clean.split(" ");
  }

  function score(keyword, joined, starts, ends) {
    var needle = keyword.toLowerCase().replace(/\s+/g, "");
    var best = 0;
    if (!needle) { return 0; }
    for (var at = joined.indexOf(needle); at !== -1; at = joined.indexOf(needle, at + 1)) {
      var aligned = (starts[at] ? 1 : 0) + (ends[at + needle.length] ? 1 : 0);
      if (aligned === 1 && needle.length < 4) { aligned = 0; }
      best = Math.max(best, aligned * needle.length);
    }
    return best;
  }

  function best(value) {
    var joined = "", starts = {}, ends = {}, top = null, topScore = 0;
    words(value).forEach(function (word) {
      starts[joined.length] = true;
      joined += word;
      ends[joined.length] = true;
    });
    inputs.forEach(function (input) {
      var total = 0;
      (input.getAttribute("data-keywords") || "").split("|").forEach(function (keyword) {
        total += score(keyword, joined, starts, ends);
      });
      if (total > topScore) { top = input; topScore = total; }
    });
    return top;
  }

  function labelOf(input) {
    var name = input.closest("label").querySelector(".name") || input.closest("label");
    return (name.firstChild && name.firstChild.nodeType === 3 ? name.firstChild.nodeValue : name.textContent).trim();
  }

  function offer(input) {
    box.textContent = box.getAttribute("data-question").replace("%s", labelOf(input));
    var yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = box.getAttribute("data-yes");
    yes.addEventListener("click", function () {
      input.checked = true;
      var folded = input.closest("details");
      if (folded) { folded.open = true; }
      box.hidden = true;
    });
    var no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.textContent = box.getAttribute("data-no");
    no.addEventListener("click", function () { box.hidden = true; declined = input; });
    box.appendChild(document.createElement("br"));
    box.appendChild(yes);
    box.appendChild(no);
    box.hidden = false;
  }

  var timer = null, declined = null;
  if (text && box && box.hasAttribute("data-question")) {
    text.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (inputs.some(function (input) { return input.checked; })) { box.hidden = true; return; }
        var found = best(text.value);
        if (found && found !== declined) { offer(found); } else { box.hidden = true; }
      }, 500);
    });
  }

  // A link to a field folded under "more" (the QR banner's "change the unit") opens the fold.
  function reveal() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var folded = target && target.closest("details");
    if (folded && !folded.open) {
      folded.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
}());
