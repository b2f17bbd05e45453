// Tracking page: a link from the receipt's QR code carries the code in the URL fragment
// (#ABCD-EFGH-JKMN-PQRS), which browsers never send to the server. Copy it into the code field,
// then drop it from the address bar so it does not stay on screen or in this history entry.
(function () {
  "use strict";
  var field = document.getElementById("code");
  var fragment = window.location.hash.replace(/^#/, "");
  if (!field || !fragment) {
    return;
  }
  try {
    fragment = decodeURIComponent(fragment);
  } catch (error) {
    return;
  }
  if (/^[0-9A-Za-z\- ]{16,24}$/.test(fragment)) {
    field.value = fragment;
  }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}());
