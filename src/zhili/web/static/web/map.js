/* Region map: the region's boundary and its subdivisions (GeoJSON, WGS-84) on Leaflet.
 * Works without tiles: when no tile URL is configured only the polygons are drawn, on a
 * plain background. Data comes from a json_script element named by data-source. */
(function () {
  "use strict";

  var OUTLINE = { color: "#1b4f9c", weight: 2.5, fillColor: "#1b4f9c", fillOpacity: 0.05, dashArray: "6 4" };
  var CHILD = { color: "#1b4f9c", weight: 1.5, fillColor: "#4c8ce6", fillOpacity: 0.16 };
  var CHILD_HOVER = { weight: 3, fillOpacity: 0.32 };

  function init(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "1";
    var source = document.getElementById(el.dataset.source);
    if (!source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var tiles = el.dataset.tiles || "";
    var map = L.map(el, {
      attributionControl: !!tiles,
      scrollWheelZoom: false,
      zoomSnap: 0.25,
      tap: true
    });
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var all = L.featureGroup().addTo(map);
    var children = data.children || [];

    if (data.region && data.region.geometry) {
      L.geoJSON(data.region.geometry, {
        style: children.length ? OUTLINE : Object.assign({}, OUTLINE, { fillOpacity: 0.18, dashArray: null }),
        interactive: false
      }).addTo(all);
    }
    var labelsPermanent = children.length <= 15;
    children.forEach(function (child) {
      var layer = L.geoJSON(child.geometry, { style: CHILD });
      layer.bindTooltip(child.name, {
        permanent: labelsPermanent,
        direction: "center",
        className: "map-label"
      });
      layer.on("mouseover", function () { layer.setStyle(CHILD_HOVER); });
      layer.on("mouseout", function () { layer.setStyle(CHILD); });
      layer.on("click", function () { window.location.href = child.url; });
      layer.addTo(all);
    });
    if (all.getLayers().length) {
      map.fitBounds(all.getBounds(), { padding: [18, 18] });
    } else {
      map.setView([36.7, 119.1], 11);
    }
    // The container may have been laid out after Leaflet measured it (fonts, flex).
    window.setTimeout(function () {
      map.invalidateSize();
      if (all.getLayers().length) map.fitBounds(all.getBounds(), { padding: [18, 18] });
    }, 150);
  }

  function initAll(root) {
    (root || document).querySelectorAll("[data-region-map]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(); });
  } else {
    initAll();
  }
  document.addEventListener("htmx:load", function (e) { initAll(e.target); });
})();
