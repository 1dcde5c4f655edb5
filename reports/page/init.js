(function () {
  'use strict';
  // The chart options are built in Go with go-echarts and arrive as JSON
  // data; this script never changes, so the page's CSP can name it by hash.
  var charts = JSON.parse(document.getElementById('bulletin-data').textContent);
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (el) {
      echarts.init(el, null, { renderer: 'canvas' }).setOption(c.option);
    }
  });
  document.body.setAttribute('data-rendered', 'true');
}());
