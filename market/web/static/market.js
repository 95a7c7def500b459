// market: the one script of our own. htmx reports an upload's progress; a form that names a
// <progress> element in data-progress shows it. Without this file, or without JavaScript, the
// form is posted as usual and the page comes back with the result.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest ? event.target.closest("form[data-progress]") : null;
  if (!form || !event.detail.lengthComputable) return;
  var bar = document.getElementById(form.dataset.progress);
  if (!bar) return;
  bar.hidden = false;
  bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
});
