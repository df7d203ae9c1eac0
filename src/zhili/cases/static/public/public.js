/* Public pages: the category picker, the point on the map, the photo, one submission per tap,
 * and the comment that becomes required on the confirmation page. Every page works without
 * this script; it only makes the forms easier on a phone. The map works without tiles
 * (ZHILI_MAP_TILE_URL empty): then only the district's outline is drawn. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // ---------------------------------------------------------------- one submission per tap
  function once(form) {
    form.addEventListener("submit", function () {
      var btn = $("[data-submit]", form);
      if (!btn) return;
      window.setTimeout(function () {
        btn.disabled = true;
        if (btn.dataset.busy) btn.textContent = btn.dataset.busy;
      }, 0);
    });
    // back/forward cache: a page restored after sending must be usable again
    window.addEventListener("pageshow", function (e) {
      var btn = $("[data-submit]", form);
      if (e.persisted && btn) btn.disabled = false;
    });
  }

  // ---------------------------------------------------------------- category: top level, then the detail
  function categoryPicker(box) {
    var select = $("select", box);
    var sub = $("[data-sub]", box);
    if (!select || !sub) return;
    var groups = {};
    $$("optgroup", select).forEach(function (g) {
      groups[g.dataset.root] = $$("option", g).map(function (o) { return { value: o.value, label: o.textContent, selected: o.selected }; });
    });
    var placeholder = select.options[0] ? select.options[0].textContent : "";

    function show(root, keep) {
      var items = groups[root] || [];
      var current = keep ? select.value : "";
      select.innerHTML = "";
      select.appendChild(new Option(placeholder, ""));
      items.forEach(function (it) {
        select.appendChild(new Option(it.label, it.value, false, it.value === current));
      });
      sub.hidden = items.length === 0;
    }

    var checked = $("input[name=category_root]:checked", box);
    if (!checked && select.value) {  // sent without the script: find the top level of the detail
      Object.keys(groups).forEach(function (root) {
        groups[root].forEach(function (it) {
          if (it.value === select.value) {
            var r = $("input[name=category_root][value='" + root + "']", box);
            if (r) { r.checked = true; checked = r; }
          }
        });
      });
    }
    if (checked) show(checked.value, true); else sub.hidden = true;
    $$("input[name=category_root]", box).forEach(function (r) {
      r.addEventListener("change", function () { show(r.value, false); });
    });
  }

  // ---------------------------------------------------------------- the point on the map
  function pickMap(el) {
    if (typeof L === "undefined") return;
    var source = document.getElementById(el.dataset.source);
    var data = source ? JSON.parse(source.textContent) : {};
    var form = el.closest("form");
    var lon = $("[data-lon]", form), lat = $("[data-lat]", form);
    var status = $("[data-map-status]", form);
    var locateBtn = $("[data-locate]", form), clearBtn = $("[data-clear]", form);
    var map = L.map(el, { attributionControl: !!data.tiles, scrollWheelZoom: false, zoomSnap: 0.5, tap: true });
    if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
    var outline = L.featureGroup().addTo(map);
    var shapes = data.shapes || [];
    shapes.forEach(function (s) {
      var layer = L.geoJSON(s.geometry, { style: { color: "#1b4f9c", weight: 1.5, fillColor: "#4c8ce6", fillOpacity: 0.08 }, interactive: false });
      if (s.name && shapes.length <= 12) {
        layer.bindTooltip(s.name, { permanent: true, direction: "center", className: "map-label", interactive: false });
      }
      layer.addTo(outline);
    });
    var marker = null;

    function say(key) { if (status && status.dataset[key]) status.textContent = status.dataset[key]; }

    function place(latlng, zoom) {
      if (!marker) marker = L.marker(latlng, { keyboard: false }).addTo(map);
      else marker.setLatLng(latlng);
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      if (clearBtn) clearBtn.hidden = false;
      if (zoom) map.setView(latlng, Math.max(map.getZoom() || 0, zoom));
      say("msgPlaced");
    }

    function home() {
      if (outline.getLayers().length) map.fitBounds(outline.getBounds(), { padding: [12, 12] });
      else if (data.centre) map.setView(data.centre, 13);
      else map.setView([36.7, 119.1], 12);
    }

    home();
    if (lon.value && lat.value && isFinite(+lon.value) && isFinite(+lat.value)) {
      place(L.latLng(+lat.value, +lon.value), 15);
    }
    map.on("click", function (e) { place(e.latlng, 0); });

    if (locateBtn && navigator.geolocation) {
      locateBtn.hidden = false;
      locateBtn.addEventListener("click", function () {
        say("msgLocating");
        locateBtn.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          locateBtn.disabled = false;
          place(L.latLng(pos.coords.latitude, pos.coords.longitude), 16);
        }, function () {
          locateBtn.disabled = false;
          say("msgDenied");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    if (clearBtn) {
      clearBtn.addEventListener("click", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        lon.value = ""; lat.value = "";
        clearBtn.hidden = true;
      });
    }
    window.setTimeout(function () {
      map.invalidateSize();
      if (!marker) home();
    }, 150);
  }

  // ---------------------------------------------------------------- the photo
  function photo(input) {
    var name = input.parentNode.querySelector("[data-photo-name]");
    var original = name ? name.textContent : "";
    input.addEventListener("change", function () {
      var f = input.files && input.files[0];
      if (!name) return;
      if (!f) { name.textContent = original; return; }
      if (f.size > 10 * 1024 * 1024) {
        input.value = "";
        name.textContent = input.dataset.tooBig || original;
        return;
      }
      name.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
    });
  }

  // ---------------------------------------------------------------- confirmation: comment required when not good
  function confirmForm(form) {
    var comment = $("#id_comment", form);
    if (!comment) return;
    function update() {
      var solved = $("input[name=solved]:checked", form);
      var sat = $("input[name=satisfaction]:checked", form);
      var needed = (solved && solved.value === "no") || (sat && sat.value === "unsatisfied");
      comment.required = !!needed;
      comment.closest(".pub-card").classList.toggle("is-needed", !!needed);
    }
    $$("input[type=radio]", form).forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  function init() {
    $$("form[data-once]").forEach(once);
    $$("[data-category-picker]").forEach(categoryPicker);
    $$("[data-pick-map]").forEach(pickMap);
    $$("[data-photo]").forEach(photo);
    $$("form[data-confirm-form]").forEach(confirmForm);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
