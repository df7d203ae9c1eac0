/* The analysis page: ECharts charts from the json_script data, PNG export, heat cells, the H3 hotspot map. */
(function () {
  "use strict";
  var PALETTE = ["#1b4f9c", "#3b82c4", "#2f9e8f", "#e6a23c", "#e0452b", "#8e6bbf", "#5b8c3a", "#c0507a"];
  var charts = {};

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function empty(el) {
    el.innerHTML = '<p class="chart-empty">暂无数据</p>';
  }

  function draw(el, spec) {
    if (typeof echarts === "undefined" || !spec) return;
    var opt;
    var base = { color: PALETTE, animation: false, textStyle: { fontFamily: "inherit" } };
    if (spec.type === "trend") {
      var names = spec.names || ["受理量", "办结量"];
      if (!spec.x.length) return empty(el);
      opt = Object.assign(base, {
        tooltip: { trigger: "axis" }, legend: { data: names, top: 0 },
        grid: { left: 40, right: 16, top: 32, bottom: 28 },
        xAxis: { type: "category", data: spec.x, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: names[0], type: "line", smooth: false, showSymbol: spec.x.length <= 31, areaStyle: { opacity: 0.12 }, data: spec.received },
                 { name: names[1], type: "line", showSymbol: spec.x.length <= 31, data: spec.completed }]
      });
    } else if (spec.type === "bar") {
      if (!spec.x.length) return empty(el);
      opt = Object.assign(base, {
        tooltip: { trigger: "axis" }, grid: { left: 40, right: 16, top: 16, bottom: 40 },
        xAxis: { type: "category", data: spec.x, axisLabel: { interval: 0, rotate: spec.x.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: "受理量", type: "bar", barMaxWidth: 36, data: spec.y, label: { show: true, position: "top" } }]
      });
    } else if (spec.type === "pie") {
      var total = spec.items.reduce(function (a, b) { return a + b.value; }, 0);
      if (!total) return empty(el);
      opt = Object.assign(base, {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" }, legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], data: spec.items,
                   label: { formatter: "{b}\n{c}" } }]
      });
    } else {
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(opt);
    charts[el.id] = chart;
  }

  function exportPng(id, name) {
    var chart = charts[id];
    if (!chart) return;
    var a = document.createElement("a");
    a.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    a.download = "insight-" + name + ".png";
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function heat() {
    document.querySelectorAll(".heat-cell").forEach(function (td) {
      var v = +td.dataset.v, max = +td.dataset.max || 1;
      if (!v) { td.classList.add("heat-zero"); return; }
      var t = Math.min(v / max, 1);
      td.style.background = "rgba(224, 69, 43, " + (0.1 + 0.75 * t).toFixed(2) + ")";
      if (t > 0.55) td.style.color = "#fff";
    });
  }

  function hexColour(n, max) {
    var t = max > 1 ? (n - 1) / (max - 1) : 1;
    var stops = ["#ffe9a8", "#f6b04a", "#ea6b2d", "#c0281b"];
    return stops[Math.min(stops.length - 1, Math.floor(t * stops.length))];
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function hexMap() {
    var el = document.getElementById("hex-map");
    if (!el || typeof L === "undefined") return;
    var hexes = data("insight-hexes") || [], regions = data("insight-regions") || [];
    var map = L.map(el, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    var all = L.featureGroup().addTo(map);
    regions.forEach(function (r) {
      L.geoJSON(r.geometry, { style: { color: "#1b4f9c", weight: 1.2, fillOpacity: 0.04, dashArray: "4 3" }, interactive: false })
        .bindTooltip(r.name, { permanent: regions.length <= 12, direction: "center", className: "map-label" }).addTo(all);
    });
    var max = hexes.reduce(function (m, h) { return Math.max(m, h.n); }, 0);
    var panel = document.getElementById("hex-panel");
    hexes.forEach(function (h) {
      var poly = L.polygon(h.boundary, { color: "#8a2a12", weight: 1, fillColor: hexColour(h.n, max), fillOpacity: 0.72 });
      poly.bindTooltip(h.n + " 件");
      poly.on("click", function () {
        panel.innerHTML = '<p class="muted">…</p>';
        fetch(el.dataset.hexUrl + h.h3 + "/?" + el.dataset.query, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (d) {
            var html = "<h3>" + d.count + " 件</h3><ul class=\"hex-cases\">";
            d.cases.forEach(function (c) {
              html += '<li><a href="' + esc(c.url) + '">' + esc(c.number) + "</a> " + esc(c.title) +
                      ' <span class="muted">' + esc(c.created_at) + "</span></li>";
            });
            panel.innerHTML = html + "</ul>";
          });
      });
      poly.addTo(all);
    });
    if (all.getLayers().length) map.fitBounds(all.getBounds(), { padding: [12, 12] });
    else map.setView([36.7, 119.1], 11);
    function refit() {
      map.invalidateSize();
      if (all.getLayers().length) map.fitBounds(all.getBounds(), { padding: [12, 12] });
    }
    window.setTimeout(refit, 150);
    window.addEventListener("resize", function () { window.setTimeout(refit, 50); });
  }

  function init() {
    var specs = data("insight-charts") || {};
    document.querySelectorAll("[data-chart]").forEach(function (el) { draw(el, specs[el.dataset.chart]); });
    document.querySelectorAll("[data-png]").forEach(function (b) {
      b.addEventListener("click", function () { exportPng(b.dataset.png, b.dataset.name); });
    });
    heat();
    hexMap();
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    document.documentElement.dataset.insightReady = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
