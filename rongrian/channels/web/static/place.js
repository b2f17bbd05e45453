// Complaint form (issue 12): the place as a point, in the hidden fields latitude/longitude that
// the server appends to "where" (forms.ReportForm.where_text) inside the encrypted content.
// Three ways to set it, all optional, all in the page:
// - a pin on the map: Leaflet (vendor/leaflet, served from our host) loaded only when the citizen
//   opens the map, with tiles from the one server the agency set (RONGRIAN_MAP_TILES);
// - "use my location" (navigator.geolocation), where the browser can tell it;
// - the photo's own GPS, read here from the chosen file by exifr (vendor/exifr, loaded with the
//   page before this file) and offered as "ใช้ตำแหน่งจากรูปถ่าย?"; only "yes" uses it. The file
//   itself is sent whole and the server removes its metadata as before.
// Nothing leaves the page before Send except the map's tile requests (the area looked at).
// Without this file the form works: the place is the text field.
(function () {
  "use strict";
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var status = document.getElementById("pin-status");
  var statusText = document.getElementById("pin-text");
  var clear = document.getElementById("pin-clear");
  var openMap = document.getElementById("open-map");
  var mapBox = document.getElementById("map-box");
  var locate = document.getElementById("use-location");
  var offer = document.getElementById("photo-place");
  if (!lat || !lon || !status || !statusText || !clear) { return; }
  var map = null, marker = null, loading = false;

  function fixed(value) { return Number(value).toFixed(6); }

  function point() {
    return lat.value && lon.value ? [Number(lat.value), Number(lon.value)] : null;
  }

  function showPin(zoom) {
    var at = point();
    if (!map) { return; }
    if (!at) {
      if (marker) { map.removeLayer(marker); marker = null; }
      return;
    }
    if (marker) { marker.setLatLng(at); } else { marker = window.L.marker(at, { keyboard: false }).addTo(map); }
    if (zoom) { map.setView(at, Math.max(map.getZoom(), 17)); }
  }

  function setPoint(latitude, longitude, zoom) {
    lat.value = fixed(latitude);
    lon.value = fixed(longitude);
    statusText.textContent = lat.value + ", " + lon.value;
    status.hidden = false;
    clear.hidden = false;
    showPin(zoom);
  }

  clear.hidden = !point();
  clear.addEventListener("click", function () {
    lat.value = "";
    lon.value = "";
    status.hidden = true;
    clear.hidden = true;
    showPin(false);
  });

  // Load a vendored file once (a stylesheet or a script from our own host, as the CSP allows).
  var loaded = {};
  function load(url, kind) {
    if (!loaded[url]) {
      loaded[url] = new Promise(function (resolve, reject) {
        var element = document.createElement(kind === "style" ? "link" : "script");
        if (kind === "style") { element.rel = "stylesheet"; element.href = url; } else { element.src = url; }
        element.addEventListener("load", resolve);
        element.addEventListener("error", reject);
        document.head.appendChild(element);
      });
    }
    return loaded[url];
  }

  function escaped(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function startMap() {
    var center = (openMap.getAttribute("data-center") || "13.7563,100.5018,12").split(",");
    var at = point();
    map = window.L.map("map", { attributionControl: true })
      .setView(at || [Number(center[0]), Number(center[1])], at ? 17 : Number(center[2]));
    map.attributionControl.setPrefix(false);
    window.L.tileLayer(openMap.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: escaped(openMap.getAttribute("data-attribution") || "")
    }).addTo(map);
    map.on("click", function (event) {
      var spot = event.latlng.wrap();
      setPoint(spot.lat, spot.lng, false);
    });
    showPin(false);
  }

  if (openMap && mapBox) {
    openMap.hidden = false;
    openMap.addEventListener("click", function () {
      if (loading) { return; }
      loading = true;
      Promise.all([load(openMap.getAttribute("data-style"), "style"),
                   load(openMap.getAttribute("data-script"), "script")]).then(function () {
        mapBox.hidden = false;
        openMap.hidden = true;
        startMap();
        mapBox.scrollIntoView({ block: "nearest" });
      }, function () {
        loading = false;
        openMap.textContent = openMap.getAttribute("data-failed");
      });
    });
  }

  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(position.coords.latitude, position.coords.longitude, true);
      }, function () {
        locate.textContent = locate.getAttribute("data-failed");
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // The photo's own GPS: offered, never used without "yes".
  function offerPlace(latitude, longitude) {
    offer.textContent = offer.getAttribute("data-question")
      .replace("%s", fixed(latitude) + ", " + fixed(longitude));
    var hint = document.createElement("span");
    hint.className = "hint";
    hint.textContent = offer.getAttribute("data-hint");
    offer.appendChild(hint);
    var yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = offer.getAttribute("data-yes");
    yes.addEventListener("click", function () {
      setPoint(latitude, longitude, true);
      offer.hidden = true;
    });
    var no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.textContent = offer.getAttribute("data-no");
    no.addEventListener("click", function () { offer.hidden = true; });
    offer.appendChild(yes);
    offer.appendChild(no);
    offer.hidden = false;
  }

  function readPlace(files) {
    var photos = Array.prototype.filter.call(files || [], function (file) {
      return /^image\/(jpeg|tiff|heic|heif)$/i.test(file.type) || /\.(jpe?g|tiff?|hei[cf])$/i.test(file.name);
    });
    if (!photos.length || !offer || !window.exifr) { return; }
    // exifr is loaded with the page (46 kB, 15 kB gzipped): choosing a photo makes no request.
    window.exifr.gps(photos[0]).then(function (gps) {
      if (gps && isFinite(gps.latitude) && isFinite(gps.longitude) &&
          Math.abs(gps.latitude) <= 90 && Math.abs(gps.longitude) <= 180 &&
          !(gps.latitude === 0 && gps.longitude === 0)) {
        offerPlace(gps.latitude, gps.longitude);
      }
    }).catch(function () { /* no readable GPS: nothing to offer */ });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.report-form input[type=file]"),
    function (input) {
      input.addEventListener("change", function () {
        if (offer) { offer.hidden = true; }
        readPlace(input.files);
      });
    });
}());
