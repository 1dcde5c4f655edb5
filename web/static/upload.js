// The upload page: files dropped on the box go into the form's file
// input (the browser's own picker works without this script), their names
// are listed, and a button pressed once is not pressed again while the
// server checks or loads.
(function () {
  var input = document.getElementById('upload-files');
  var drop = document.getElementById('upload-drop');
  var names = document.getElementById('upload-names');
  function list() {
    if (!input || !names) { return; }
    var out = [];
    for (var i = 0; i < input.files.length; i++) { out.push(input.files[i].name); }
    names.textContent = out.join('、');
  }
  if (input && drop) {
    input.addEventListener('change', list);
    ['dragenter', 'dragover'].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (ev) {
      drop.addEventListener(ev, function () { drop.classList.remove('over'); });
    });
    drop.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length > 0) {
        input.files = e.dataTransfer.files;
        list();
      }
    });
  }
  document.querySelectorAll('#upload-page form').forEach(function (form) {
    form.addEventListener('submit', function () {
      form.querySelectorAll('button[type="submit"]').forEach(function (b) {
        // Disabled after the submit has been taken, so the form still sends.
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
  document.body.setAttribute('data-rendered', 'true');
})();
