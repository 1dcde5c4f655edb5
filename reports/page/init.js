(function () {
  'use strict';
  // The chart options are built in Go with go-echarts and arrive as JSON
  // data; this script never changes, so the page's CSP can name it by hash.
  var charts = JSON.parse(document.getElementById('bulletin-data').textContent);
  var drawn = [];
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (el) {
      // A height the figures need (one bar per region) comes as data, so
      // the page carries no inline style a strict policy would refuse.
      if (el.dataset.height) { el.style.height = el.dataset.height + 'px'; }
      var chart = echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(c.option);
      drawn.push(chart);
    }
  });
  // A printed page is narrower than the screen: redraw each chart at the
  // width of its box, so none runs off the paper.
  function fit() { drawn.forEach(function (c) { c.resize(); }); }
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
  window.addEventListener('resize', fit);
  document.body.setAttribute('data-rendered', 'true');
}());
