(function () {
  'use strict';
  var d = JSON.parse(document.getElementById('bulletin-data').textContent);
  var L = d.labels;
  function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; }
  function axisPct(v) { return Math.round(v * 100) + '%'; }
  var red = '#c0392b', blue = '#2e75b6', grey = '#7f7f7f', green = '#548235';
  // Tooltips render inside the canvas (richText), so no text from the data
  // is ever parsed as HTML.
  var tooltip = { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' } };
  var font = { fontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", "SimHei", sans-serif' };
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    option.animation = false;
    option.textStyle = font;
    echarts.init(el, null, { renderer: 'canvas' }).setOption(option);
  }

  draw('chart-ranking', {
    tooltip: tooltip,
    grid: { left: 8, right: 64, top: 28, bottom: 8, containLabel: true },
    xAxis: { type: 'value', axisLabel: { formatter: axisPct } },
    yAxis: { type: 'category', inverse: true, data: d.ranking.names, axisLabel: { interval: 0 } },
    series: [{
      name: L.completion, type: 'bar', barMaxWidth: 18,
      data: d.ranking.values.map(function (v, i) {
        return { value: v, itemStyle: { color: d.ranking.behind[i] ? red : blue } };
      }),
      label: { show: true, position: 'right', formatter: function (p) { return pct(p.value); } },
      markLine: {
        symbol: 'none', silent: true, lineStyle: { color: grey, type: 'dashed' },
        label: { formatter: L.elapsed + ' ' + pct(d.elapsed), position: 'start' },
        data: [{ xAxis: d.elapsed }]
      }
    }]
  });

  draw('chart-funnel', {
    tooltip: { trigger: 'item', renderMode: 'richText' },
    series: [{
      name: L.funnel, type: 'funnel', sort: 'none', left: '10%', width: '80%', top: 8, bottom: 8,
      minSize: '8%', gap: 2,
      label: { show: true, position: 'inside', formatter: function (p) { return p.name + '  ' + p.value; } },
      data: d.funnel
    }]
  });

  draw('chart-weekly', {
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    legend: { bottom: 0 },
    grid: { left: 8, right: 24, top: 24, bottom: 36, containLabel: true },
    xAxis: { type: 'category', data: d.weekly.weeks, boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: L.net, type: 'line', data: d.weekly.net, areaStyle: { opacity: 0.15 }, itemStyle: { color: blue } },
      { name: L.quota, type: 'line', data: d.weekly.quota, symbol: 'none', lineStyle: { type: 'dashed', color: red }, itemStyle: { color: red } }
    ]
  });

  draw('chart-rates', {
    tooltip: tooltip,
    legend: { bottom: 0 },
    grid: { left: 8, right: 56, top: 24, bottom: 36, containLabel: true },
    xAxis: { type: 'category', data: d.rates.names, axisLabel: { interval: 0, rotate: d.rates.names.length > 8 ? 40 : 0 } },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: axisPct } },
    series: [
      { name: L.physical, type: 'bar', data: d.rates.physical, itemStyle: { color: blue },
        markLine: { symbol: 'none', silent: true, data: [{ yAxis: d.rates.physicalTarget }], lineStyle: { color: blue, type: 'dashed' }, label: { formatter: pct(d.rates.physicalTarget) } } },
      { name: L.political, type: 'bar', data: d.rates.political, itemStyle: { color: green },
        markLine: { symbol: 'none', silent: true, data: [{ yAxis: d.rates.politicalTarget }], lineStyle: { color: green, type: 'dashed' }, label: { formatter: pct(d.rates.politicalTarget) } } }
    ]
  });

  draw('chart-resettlement', {
    tooltip: tooltip,
    legend: { bottom: 0 },
    grid: { left: 8, right: 24, top: 24, bottom: 36, containLabel: true },
    xAxis: { type: 'category', data: d.resettlement.names, axisLabel: { interval: 0, rotate: d.resettlement.names.length > 8 ? 40 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: L.placed, type: 'bar', stack: 'due', data: d.resettlement.placed, itemStyle: { color: green } },
      { name: L.notPlaced, type: 'bar', stack: 'due', data: d.resettlement.notPlaced, itemStyle: { color: red } }
    ]
  });
  document.body.setAttribute('data-rendered', 'true');
}());
