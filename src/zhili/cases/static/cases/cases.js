/* Zhili 治理 — the case pages: the intake form (parties, the category combobox, the map that
 * fills the grid, live duplicates, Ctrl+Enter) and the small map of a case's place.
 * Maps work without tiles: outlines on a plain background. No external resources. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function dupCheck() { document.body.dispatchEvent(new CustomEvent("dup-check")); }

  /* ---------------------------------------------------------------- duplicates: what htmx sends */
  window.zhiliDupParams = function () {
    var form = $("#intake-form");
    if (!form) return {};
    function val(name) { var el = form.querySelector("[name=" + name + "]"); return el ? el.value : ""; }
    var phone = form.querySelector("[name=party_phone]");
    return {
      category: val("category"), lon: val("lon"), lat: val("lat"), title: val("title").slice(0, 120),
      description: val("description").slice(0, 400), party_phone: phone ? phone.value : ""
    };
  };

  /* ---------------------------------------------------------------- parties */
  function initParties(form) {
    var box = $("#parties", form), tpl = $("#party-row-template");
    if (!box || !tpl) return;
    $all("[data-add-party]", form).forEach(function (btn) {
      btn.addEventListener("click", function () {
        var node = tpl.content.firstElementChild.cloneNode(true);
        box.appendChild(node);
        var first = node.querySelector("input");
        if (first) first.focus();
      });
    });
    box.addEventListener("click", function (e) {
      var btn = e.target.closest("[data-remove-party]");
      if (!btn) return;
      var row = btn.closest("[data-party-row]");
      if (row) row.remove();
      var phone = $("#id_phone");
      if (phone) phone.focus();
    });
  }

  /* ---------------------------------------------------------------- category combobox */
  function initCombo(el) {
    var options = data(el.dataset.source) || [];
    var input = $("input[role=combobox]", el), hidden = $("input[type=hidden]", el), list = $(".combo-list", el);
    var shown = [], active = -1;
    var MAX = 12;

    function rank(opt, q) {
      var label = opt.label.toLowerCase(), path = opt.path.toLowerCase();
      if (label === q || opt.code.toLowerCase() === q) return 0;
      if (label.indexOf(q) === 0) return 1;
      if (label.indexOf(q) >= 0) return 2;
      if (path.indexOf(q) >= 0) return 3;
      if (opt.code.toLowerCase().indexOf(q) >= 0) return 4;
      return -1;
    }
    function mark(text, q) {
      var i = text.toLowerCase().indexOf(q);
      if (!q || i < 0) return escapeHtml(text);
      return escapeHtml(text.slice(0, i)) + "<mark>" + escapeHtml(text.slice(i, i + q.length)) + "</mark>" + escapeHtml(text.slice(i + q.length));
    }
    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function render(q) {
      q = (q || "").trim().toLowerCase();
      if (!q) { close(); return; }
      shown = options
        .map(function (o) { return { o: o, r: rank(o, q) }; })
        .filter(function (x) { return x.r >= 0; })
        .sort(function (a, b) { return a.r - b.r || b.o.depth - a.o.depth; })
        .slice(0, MAX).map(function (x) { return x.o; });
      active = shown.length ? 0 : -1;
      if (!shown.length) {
        list.innerHTML = '<li class="combo-empty" role="option" aria-disabled="true">' + escapeHtml(el.dataset.empty || "—") + "</li>";
      } else {
        list.innerHTML = shown.map(function (o, i) {
          var parent = o.path.indexOf(" › ") >= 0 ? o.path.slice(0, o.path.lastIndexOf(" › ")) : "";
          return '<li role="option" id="combo-opt-' + i + '" data-i="' + i + '" aria-selected="' + (i === active) + '">' +
            mark(o.label, q) + (parent ? ' <span class="combo-path">' + mark(parent, q) + "</span>" : "") + "</li>";
        }).join("");
      }
      list.hidden = false; input.setAttribute("aria-expanded", "true");
      highlight();
    }
    function highlight() {
      $all("li[role=option]", list).forEach(function (li, i) { li.setAttribute("aria-selected", String(i === active)); });
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", "combo-opt-" + active);
        var li = $("#combo-opt-" + active, list);
        if (li && li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
      }
    }
    function pick(i) {
      var o = shown[i];
      if (!o) return;
      input.value = o.path; hidden.value = o.code;
      input.removeAttribute("aria-invalid");
      close();
      dupCheck();
    }
    input.addEventListener("input", function () { hidden.value = ""; render(input.value); });
    input.addEventListener("focus", function () { if (!hidden.value && input.value) render(input.value); });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && shown.length;
      if (e.key === "ArrowDown") {
        if (!open) { render(input.value); return e.preventDefault(); }
        active = (active + 1) % shown.length; highlight(); e.preventDefault();
      } else if (e.key === "ArrowUp" && open) {
        active = (active - 1 + shown.length) % shown.length; highlight(); e.preventDefault();
      } else if (e.key === "Enter") {
        if (open && active >= 0) { pick(active); e.preventDefault(); }
        else if (!hidden.value) { e.preventDefault(); }  // never submit on a half-typed category
      } else if (e.key === "Tab" && open && active >= 0) {
        pick(active);  // Tab takes the highlighted one and moves on
      } else if (e.key === "Escape" && !list.hidden) {
        close(); e.preventDefault(); e.stopPropagation();
      }
    });
    list.addEventListener("mousedown", function (e) {
      var li = e.target.closest("li[data-i]");
      if (li) { e.preventDefault(); pick(Number(li.dataset.i)); input.focus(); }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 120); });
  }

  /* ---------------------------------------------------------------- maps */
  var OUTLINE = { color: "#1b4f9c", weight: 2, fillColor: "#1b4f9c", fillOpacity: 0.04, dashArray: "6 4", interactive: false };
  var CHILD = { color: "#5b84c4", weight: 1, fillColor: "#4c8ce6", fillOpacity: 0.08, interactive: false };
  var GRID = { color: "#1b4f9c", weight: 2, fillColor: "#4c8ce6", fillOpacity: 0.18, interactive: false };
  var POINT = { radius: 8, color: "#fff", weight: 3, fillColor: "#d4380d", fillOpacity: 1 };

  function baseMap(el, opts) {
    var tiles = el.dataset.tiles || "";
    var map = L.map(el, Object.assign({ attributionControl: !!tiles, scrollWheelZoom: false, zoomSnap: 0.25, keyboard: false }, opts || {}));
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    return map;
  }

  function initPickMap(el, form) {
    if (typeof L === "undefined" || el.dataset.ready) return;
    el.dataset.ready = "1";
    var d = data(el.dataset.source) || {};
    var map = baseMap(el, { doubleClickZoom: false });
    el.zhiliMap = map;  // for tests and scripts: latLngToContainerPoint
    var all = L.featureGroup().addTo(map);
    if (d.region && d.region.geometry) L.geoJSON(d.region.geometry, { style: OUTLINE, interactive: false }).addTo(all);
    (d.children || []).forEach(function (c) {
      var layer = L.geoJSON(c.geometry, { style: CHILD, interactive: false });
      layer.bindTooltip(c.name, { permanent: (d.children || []).length <= 12, direction: "center", className: "map-label" });
      layer.addTo(all);
    });
    function fit() {
      map.invalidateSize();
      if (all.getLayers().length) map.fitBounds(all.getBounds(), { padding: [10, 10] });
      else map.setView([36.7, 119.1], 11);
    }
    fit();
    window.setTimeout(fit, 150);

    var lon = $("#id_lon", form), lat = $("#id_lat", form), grid = $("#id_grid", form), note = $("#locate-note", form);
    var marker = null;
    function place(latlng) {
      if (marker) marker.setLatLng(latlng); else marker = L.circleMarker(latlng, POINT).addTo(map);
    }
    if (lon.value && lat.value) place([Number(lat.value), Number(lon.value)]);
    map.on("click", function (e) {
      var p = e.latlng;
      place(p);
      lon.value = p.lng.toFixed(6); lat.value = p.lat.toFixed(6);
      note.classList.remove("is-found");
      note.textContent = el.dataset.locating || "…";
      var url = el.dataset.locateUrl + "?lon=" + encodeURIComponent(lon.value) + "&lat=" + encodeURIComponent(lat.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (res) {
          if (res && res.grid) {
            var known = grid && grid.querySelector('option[value="' + res.grid.code + '"]');
            if (known) grid.value = res.grid.code;
            note.textContent = (el.dataset.found || "") + res.grid.name;
            note.classList.add("is-found");
          } else {
            if (grid) grid.value = "";
            note.textContent = el.dataset.nogrid || "";
          }
          dupCheck();
        })
        .catch(function () { note.textContent = ""; });
    });
  }

  function initPointMap(el) {
    if (typeof L === "undefined" || el.dataset.ready) return;
    el.dataset.ready = "1";
    var d = data(el.dataset.source) || {};
    var map = baseMap(el, { dragging: true, zoomControl: true });
    var all = L.featureGroup().addTo(map);
    if (d.grid && d.grid.geometry) {
      L.geoJSON(d.grid.geometry, { style: GRID, interactive: false }).addTo(all);
    }
    if (d.point && d.point[0] !== null) L.circleMarker([d.point[1], d.point[0]], POINT).addTo(all);
    function fit() {
      map.invalidateSize();
      if (d.grid && d.grid.geometry) map.fitBounds(all.getBounds(), { padding: [24, 24], maxZoom: 17 });
      else if (d.point) map.setView([d.point[1], d.point[0]], 16);
    }
    fit();
    window.setTimeout(fit, 150);
  }

  /* ---------------------------------------------------------------- the intake form */
  function initIntake(form) {
    initParties(form);
    $all("[data-combo]", form).forEach(initCombo);
    $all("[data-pick-map]", form).forEach(function (el) { initPickMap(el, form); });
    var timer = null;
    function later() { window.clearTimeout(timer); timer = window.setTimeout(dupCheck, 600); }
    ["#id_description", "#id_title"].forEach(function (sel) {
      var el = $(sel, form);
      if (el) el.addEventListener("input", later);
    });
    var phone = $("#id_phone", form);
    if (phone) phone.addEventListener("input", later);
    var grid = $("#id_grid", form);
    if (grid) grid.addEventListener("change", function () {
      // a grid chosen by hand: the point, if any, no longer decides it
      var note = $("#locate-note", form);
      if (note) note.classList.remove("is-found");
    });
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        var btn = $("#btn-register", form);
        if (btn) btn.click();
      } else if (e.key === "Enter" && e.target.tagName === "INPUT" && e.target.type !== "submit" && e.target.getAttribute("role") !== "combobox") {
        e.preventDefault();  // Enter in a one-line field does not send a half-filled form
      }
    });
    if (($("#id_category", form) || {}).value || ($("#id_description", form) || {}).value) dupCheck();
  }

  /* ---------------------------------------------------------------- unit lists: type to filter, pick a suggestion */
  function initUnitFilter(input) {
    var select = input.dataset.for ? document.getElementById(input.dataset.for) : null;
    var checks = input.dataset.forChecks ? document.getElementById(input.dataset.forChecks) : null;
    function matches(name, q) { return !q || name.toLowerCase().indexOf(q) >= 0; }
    function filter() {
      var q = input.value.trim().toLowerCase();
      if (select) {
        var first = null;
        $all("option", select).forEach(function (o) {
          var show = !o.value || matches(o.textContent, q);
          o.hidden = !show;
          if (show && o.value && !first) first = o;
        });
        $all("optgroup", select).forEach(function (g) { g.hidden = !$all("option", g).some(function (o) { return !o.hidden; }); });
        var cur = select.selectedOptions[0];
        if (q && first && (!cur || cur.hidden || !cur.value)) { select.value = first.value; select.dispatchEvent(new Event("change")); }
      }
      if (checks) {
        $all("[data-unit-name]", checks).forEach(function (l) { l.hidden = !matches(l.dataset.unitName, q); });
        $all(".unit-group", checks).forEach(function (g) { g.hidden = !$all("[data-unit-name]", g).some(function (l) { return !l.hidden; }); });
      }
    }
    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();  // Enter takes the first match, it does not submit the form
      if (checks) {
        var box = $all("[data-unit-name]", checks).filter(function (l) { return !l.hidden; })[0];
        if (box) { var cb = $("input", box); cb.checked = true; }
      } else if (select) { select.focus(); }
    });
  }
  function initSuggestions(box) {
    box.addEventListener("click", function (e) {
      var btn = e.target.closest("[data-pick-unit]");
      if (!btn) return;
      var select = document.getElementById(btn.dataset.for);
      if (!select) return;
      select.value = btn.dataset.pickUnit;
      select.dispatchEvent(new Event("change"));
    });
  }
  function markPicked(select) {
    select.addEventListener("change", function () {
      var box = select.parentNode.querySelector(".unit-suggestions");
      if (!box) return;
      $all("[data-pick-unit]", box).forEach(function (b) { b.classList.toggle("is-picked", b.dataset.pickUnit === select.value); });
    });
  }

  /* ---------------------------------------------------------------- file inputs in the page's language */
  function initFile(label) {
    var input = $("input[type=file]", label.parentNode), name = $("[data-file-name]", label.parentNode);
    if (!input || !name) return;
    input.addEventListener("change", function () {
      name.textContent = input.files && input.files.length ? input.files[0].name : name.dataset.empty;
    });
  }

  function init() {
    $all("[data-file-button]").forEach(initFile);
    $all("form[data-intake]").forEach(initIntake);
    $all("[data-point-map]").forEach(initPointMap);
    $all("[data-unit-filter]").forEach(initUnitFilter);
    $all(".unit-suggestions").forEach(initSuggestions);
    $all("select.unit-list").forEach(markPicked);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
