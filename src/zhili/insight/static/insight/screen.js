/* The big screen: draws the grids (Leaflet, no tiles), ECharts in a dark theme, and fetches
 * /screen/data.json every 10 s to update the figures, the feeds, the charts and the grid colours. */
(function () {
  "use strict";
  var body = document.body;
  var layers = {};
  var charts = {};
  var seen = {};
  var DARK = { backgroundColor: "transparent", textStyle: { color: "#d6e6ff" }, animationDuration: 600 };
  var PALETTE = ["#3fd2ff", "#ffc53d", "#35d07f", "#fa8c16", "#b37feb", "#ff5a4a", "#5cdbd3", "#597ef7"];

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function map(regions) {
    var el = document.getElementById("s-map");
    if (!el || typeof L === "undefined") return;
    var m = L.map(el, { attributionControl: false, zoomControl: false, scrollWheelZoom: false, zoomSnap: 0.1 });
    var all = L.featureGroup().addTo(m);
    regions.forEach(function (r) {
      var layer = L.geoJSON(r.geometry, { style: { color: "#5fb8ff", weight: 1.2, fillColor: "#1d3f73", fillOpacity: 0.75 } });
      layer.bindTooltip(r.name, { permanent: regions.length <= 40, direction: "center", className: "s-label" });
      layer.addTo(all);
      layers[r.prefix] = { layer: layer, name: r.name };
    });
    function fit() {
      m.invalidateSize();
      if (all.getLayers().length) m.fitBounds(all.getBounds(), { padding: [24, 24] });
      else m.setView([36.7, 119.1], 11);
    }
    fit();
    window.setTimeout(fit, 200);
  }

  function colourGrids(grids) {
    Object.keys(layers).forEach(function (p) {
      var g = grids[p] || { n: 0, colour: "#1d3f73" };
      layers[p].layer.setStyle({ fillColor: g.colour, fillOpacity: g.n ? 0.85 : 0.55 });
      layers[p].layer.setTooltipContent(layers[p].name + (g.n ? " · " + g.n : ""));
    });
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: "canvas" });
    charts[id].setOption(Object.assign({ color: PALETTE }, DARK, option), true);
  }

  function drawCharts(d) {
    var cats = d.category.length ? d.category : [{ name: "暂无数据", value: 0 }];
    chart("s-category", {
      grid: { left: 90, right: 40, top: 6, bottom: 20 },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: "#7f9cc7" }, splitLine: { lineStyle: { color: "rgba(46,168,255,0.12)" } } },
      yAxis: { type: "category", inverse: true, data: cats.map(function (c) { return c.name; }), axisLabel: { color: "#d6e6ff" },
               axisLine: { lineStyle: { color: "#1d4f8f" } } },
      series: [{ type: "bar", barMaxWidth: 16, data: cats.map(function (c) { return c.value; }), label: { show: true, position: "right", color: "#fff" },
                 itemStyle: { borderRadius: [0, 8, 8, 0], color: new echarts.graphic.LinearGradient(0, 0, 1, 0,
                   [{ offset: 0, color: "#0e5fd8" }, { offset: 1, color: "#3fd2ff" }]) } }]
    });
    var ch = d.channel.length ? d.channel : [{ name: "暂无数据", value: 0 }];
    chart("s-channel", {
      tooltip: { trigger: "item" }, legend: { orient: "vertical", right: 10, top: "middle", textStyle: { color: "#d6e6ff" } },
      series: [{ type: "pie", radius: ["42%", "70%"], center: ["36%", "50%"], data: ch,
                 label: { color: "#d6e6ff", formatter: "{b} {c}" }, itemStyle: { borderColor: "#061b3d", borderWidth: 2 } }]
    });
  }

  function feed(id, items, render, empty) {
    var ul = document.getElementById(id);
    if (!ul) return;
    if (!items.length) { ul.innerHTML = '<li class="s-muted">' + empty + "</li>"; return; }
    ul.innerHTML = items.map(function (it) {
      var key = id + (it.number || it.title) + it.at;
      var fresh = Object.keys(seen).length && !seen[key];
      seen[key] = 1;
      return "<li" + (fresh ? ' class="is-new"' : "") + ">" + render(it) + "</li>";
    }).join("");
  }

  function update(d) {
    document.querySelectorAll("[data-fig]").forEach(function (el) {
      var parts = el.dataset.fig.split(".");
      var v = (d.figures[parts[0]] || {})[parts[1]];
      if (v !== undefined && el.textContent !== v) el.textContent = v;
    });
    var open = document.getElementById("s-open");
    if (open) open.textContent = d.open_total;
    var levels = document.getElementById("s-warn-levels");
    if (levels && d.warning_levels) {
      levels.innerHTML = d.warning_levels.map(function (l) {
        return '<b class="s-lv s-lv-' + esc(l.level) + '" data-level="' + esc(l.level) + '">' + esc(l.label) + " " + l.n + "</b>";
      }).join("");
    }
    feed("s-warnings", d.warnings, function (w) {
      return '<b class="s-lv s-lv-' + esc(w.level) + '">' + esc(w.level_label) + '</b><span class="s-t">' + esc(w.title) + "</span><time>" + esc(w.at) + "</time>";
    }, "暂无预警");
    feed("s-feed", d.feed, function (c) {
      return '<b class="s-ch">' + esc(c.channel) + '</b><span class="s-t">' + esc(c.title) + "</span><time>" + esc(c.date + " " + c.at) + "</time>";
    }, "暂无诉求");
    var tb = document.getElementById("s-units");
    if (tb) {
      tb.innerHTML = d.units.length ? d.units.map(function (u, i) {
        return "<tr><td>" + (i + 1) + "</td><td>" + esc(u.name) + "</td><td>" + u.received + "</td><td>" + esc(u.on_time_rate) +
               "</td><td>" + esc(u.completion_rate) + "</td><td>" + esc(u.satisfaction_rate) + "</td></tr>";
      }).join("") : '<tr><td colspan="6" class="s-muted">暂无数据</td></tr>';
    }
    colourGrids(d.grids);
    drawCharts(d);
  }

  function tick() {
    var c = document.getElementById("s-clock");
    if (c) {
      var n = new Date();
      var p = function (x) { return (x < 10 ? "0" : "") + x; };
      c.textContent = n.getFullYear() + "-" + p(n.getMonth() + 1) + "-" + p(n.getDate()) + " " + p(n.getHours()) + ":" + p(n.getMinutes()) + ":" + p(n.getSeconds());
    }
  }

  function refresh() {
    fetch(body.dataset.url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        update(d);
        document.getElementById("s-live").classList.remove("is-stale");
        body.dataset.refreshed = String((+body.dataset.refreshed || 0) + 1);
      })
      .catch(function () { document.getElementById("s-live").classList.add("is-stale"); });
  }

  function init() {
    map(json("screen-regions") || []);
    update(json("screen-data"));
    tick();
    window.setInterval(tick, 1000);
    window.setInterval(refresh, Math.min(+body.dataset.refresh || 10000, 10000));
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    body.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
