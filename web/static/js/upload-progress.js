/* Upload progress for forms marked `data-upload-progress`.
 *
 * Without this script such a form posts as an ordinary multipart form. With it, the same form
 * is sent by XMLHttpRequest (fetch, and so htmx, cannot report upload progress), a <progress>
 * element shows how far the upload is, and the page the server answers with (the next page
 * after a redirect, or the form again with its errors) replaces the current one.
 */
(function () {
  "use strict";
  if (window.serviceHallUploadProgress) return;
  window.serviceHallUploadProgress = true;

  function pathOf(url) {
    var parsed = new URL(url, window.location.href);
    return parsed.pathname + parsed.search;
  }

  function showPage(xhr, form) {
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var redirected = xhr.responseURL && pathOf(xhr.responseURL) !== pathOf(form.action);
    if (!doc.body || !doc.querySelector("main")) {
      window.location.assign(redirected ? xhr.responseURL : window.location.href);
      return;
    }
    document.title = doc.title;
    document.documentElement.lang = doc.documentElement.lang;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (redirected) window.history.pushState(null, "", xhr.responseURL);
    if (window.htmx && typeof window.htmx.process === "function") window.htmx.process(document.body);
    var invalid = document.querySelector('[aria-invalid="true"]');
    var target = invalid || document.getElementById("main");
    if (target) target.focus();
    if (!invalid) window.scrollTo(0, 0);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload-progress")) return;
    if (!window.FormData || !window.DOMParser) return;
    event.preventDefault();
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var status = box && box.querySelector(".upload-status");
    var button = form.querySelector('button[type="submit"]');
    var data = new FormData(form);
    // The button that sent the form (e.g. "save as draft") goes with it, as without the script.
    var submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var xhr = new XMLHttpRequest();

    function say(message, percent) {
      if (!box) return;
      box.hidden = false;
      if (percent === null) bar.removeAttribute("value");
      else bar.value = percent;
      status.textContent = message;
    }

    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      say(form.dataset.uploading + " " + percent + "%", percent);
    });
    xhr.upload.addEventListener("load", function () {
      say(form.dataset.processing, null);
    });
    xhr.addEventListener("load", function () {
      showPage(xhr, form);
    });
    xhr.addEventListener("error", function () {
      say(form.dataset.failed, 0);
      if (button) button.disabled = false;
    });
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "text/html");
    if (button) button.disabled = true;
    say(form.dataset.uploading + " 0%", 0);
    xhr.send(data);
  });
})();
