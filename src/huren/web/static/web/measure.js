// The measurement form: the metric list follows the chosen item, the unit follows the metric.
(function () {
  var item = document.getElementById("id_item"), metric = document.getElementById("id_metric"),
      unit = document.getElementById("id_unit");
  if (!item || !metric || !item.dataset.metrics) return;
  var map = JSON.parse(item.dataset.metrics);
  function units() {
    var row = (map[item.value] || []).filter(function (m) { return m[0] === metric.value; })[0];
    if (row && unit) unit.value = row[2];
  }
  function fill() {
    var keep = metric.value;
    metric.innerHTML = "";
    (map[item.value] || []).forEach(function (m) {
      var o = document.createElement("option");
      o.value = m[0]; o.textContent = m[1]; o.selected = m[0] === keep;
      metric.appendChild(o);
    });
    units();
  }
  item.addEventListener("change", fill);
  metric.addEventListener("change", units);
  fill();
})();
