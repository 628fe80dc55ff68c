// Draw every <canvas data-chart="key"> from the JSON that sits next to it (json_script).
// The same figures are in the table under each chart, so the page works without JavaScript.
(function () {
  "use strict";
  if (!window.Chart) return;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById("trend-data-" + canvas.getAttribute("data-chart"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var datasets = [{
      label: data.label, data: data.values, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,0.15)",
      tension: 0.25, spanGaps: true, fill: data.kind === "bar" ? undefined : false
    }];
    if (data.target && data.target.length) {
      datasets.push({ label: "Target path", data: data.target, borderColor: "#198754", borderDash: [6, 4], pointRadius: 0, fill: false });
    }
    new window.Chart(canvas, {
      type: data.kind || "line",
      data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { y: { beginAtZero: true } }, plugins: { legend: { display: datasets.length > 1 } } }
    });
    canvas.setAttribute("data-rendered", "true");
  });
})();
