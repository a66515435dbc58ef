/* The health authority's dashboard: draws the charts from the JSON the page carries
   (#dashboard-data, rendered by authority/views.py with labels already translated).
   Colour is never the only signal: every series has a worded legend entry, and the lines and
   bars differ in dash pattern, point shape or fill as well; the numbers are in tables. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "en";
  var number = new Intl.NumberFormat(lang);
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var COLOUR = { green: "#0a7d38", yellow: "#946000", red: "#c0231b", pending: "#595959",
                 declarations: "#1064e8", checkins: "#946000", today: "#0958d9", usual: "#595959" };
  // Okabe-Ito, distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000",
                 "#999999", "#f0e442", "#6a3d9a", "#b15928"];
  var LINE = {
    yellow: { borderDash: [8, 4], pointStyle: "triangle" },
    red: { borderDash: [], pointStyle: "rectRot" },
    green: { borderDash: [2, 3], pointStyle: "circle", yAxisID: "y2" }
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = "#595959";
  Chart.defaults.maintainAspectRatio = false;
  if (still) { Chart.defaults.animation = false; }

  function ticks() { return { callback: function (v) { return number.format(v); }, precision: 0 }; }

  function legend() {
    return { position: "bottom", labels: { usePointStyle: true, boxWidth: 28, padding: 14 } };
  }

  function canvas(name) { return document.querySelector('canvas[data-chart="' + name + '"]'); }

  function trend(spec) {
    var el = canvas("trend");
    if (!el) { return; }
    new Chart(el, {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s) {
          var style = LINE[s.key] || {};
          return {
            label: s.label, data: s.data, borderColor: COLOUR[s.key], backgroundColor: COLOUR[s.key],
            borderWidth: 2.5, borderDash: style.borderDash, pointStyle: style.pointStyle, pointRadius: 3.5,
            yAxisID: style.yAxisID || "y", spanGaps: false, tension: 0.2
          };
        })
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: legend() },
        scales: {
          y: { beginAtZero: true, ticks: ticks(), title: { display: true, text: data.texts.people_yr } },
          y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: ticks(),
                title: { display: true, text: data.texts.people_green } }
        }
      }
    });
  }

  function activity(spec) {
    var el = canvas("activity");
    if (!el) { return; }
    var decl = spec.series[0], check = spec.series[1];
    new Chart(el, {
      data: {
        labels: spec.labels,
        datasets: [
          { type: "bar", label: decl.label, data: decl.data, backgroundColor: COLOUR.declarations, order: 2 },
          { type: "line", label: check.label, data: check.data, borderColor: COLOUR.checkins,
            backgroundColor: COLOUR.checkins, borderWidth: 2.5, pointStyle: "triangle", pointRadius: 3.5, order: 1 }
        ]
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: legend() },
        scales: { y: { beginAtZero: true, ticks: ticks() } }
      }
    });
  }

  function hours(spec) {
    var el = canvas("hours");
    if (!el || !spec.series.length) { return; }
    new Chart(el, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length],
                   borderColor: "#fff", borderWidth: 1 };
        })
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 14, padding: 12 } } },
        scales: { x: { stacked: true, title: { display: true, text: data.texts.hour } },
                  y: { stacked: true, beginAtZero: true, ticks: ticks() } }
      }
    });
  }

  function reviewers(spec) {
    var el = canvas("reviewers");
    if (!el || !spec.labels.length) { return; }
    var today = spec.series[0], usual = spec.series[1];
    new Chart(el, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [
          { label: today.label, data: today.data, backgroundColor: COLOUR.today },
          { label: usual.label, data: usual.data, backgroundColor: "rgba(89,89,89,.15)",
            borderColor: COLOUR.usual, borderWidth: 2, borderDash: [4, 3] }
        ]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: legend() },
        scales: { x: { beginAtZero: true, ticks: ticks() } }
      }
    });
  }

  trend(data.trend);
  activity(data.activity);
  hours(data.hours);
  reviewers(data.reviewers);
})();
