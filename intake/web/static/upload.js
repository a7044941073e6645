// casefile intake upload page: send one bundle over tus with tus-js-client (tus.min.js, vendored).
// The upload token is the last part of this page's address; it goes only to this server, as
// the Authorization header of the tus requests. Nothing here is inline, so the page's Content
// Security Policy allows no inline script.
(function () {
  'use strict';
  var root = document.getElementById('upload');
  if (!root) { return; }
  var statusLine = document.getElementById('status');
  var bar = document.getElementById('bar');
  var input = document.getElementById('file');
  var zone = document.getElementById('drop');

  function show(state, text) {
    root.setAttribute('data-state', state);
    statusLine.textContent = text;
  }
  if (!window.tus || !window.tus.isSupported) {
    show('failed', 'This browser cannot upload from this page. Use "casefile upload" instead.');
    return;
  }

  var ticket = root.getAttribute('data-ticket');
  var max = Number(root.getAttribute('data-max'));
  var endpoint = new URL(root.getAttribute('data-endpoint'), window.location.href).href;
  var token = decodeURIComponent(window.location.pathname.split('/u/')[1] || '');
  var current = null;

  function human(n) {
    var units = ['bytes', 'KiB', 'MiB', 'GiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  // The server answers refusals as {"error": "..."}; show that rather than tus-js-client's
  // long message, which repeats the request.
  function reason(err) {
    var res = err && err.originalResponse;
    if (res) {
      try {
        var body = JSON.parse(res.getBody());
        if (body && body.error) { return body.error + ' (HTTP ' + res.getStatus() + ')'; }
      } catch (e) { /* not JSON */ }
      return 'the server answered HTTP ' + res.getStatus();
    }
    return 'the connection failed';
  }

  // tusd builds an upload's address from the request it sees: behind a proxy that ends TLS it
  // says http://, which an https page may not call (mixed content). Requests to this page's own
  // host go with this page's scheme.
  var defaultStack = new window.tus.DefaultHttpStack();
  var httpStack = {
    createRequest: function (method, url) {
      var u = new URL(url, window.location.href);
      if (u.host === window.location.host && u.protocol !== window.location.protocol) {
        u.protocol = window.location.protocol;
      }
      return defaultStack.createRequest(method, u.href);
    },
    getName: function () { return 'casefile-same-scheme'; }
  };

  function start(file) {
    if (current) { current.abort(); current = null; }
    if (file.size > max) {
      show('failed', file.name + ' is ' + human(file.size) + ', larger than this link allows (' + human(max) + ').');
      return;
    }
    bar.hidden = false;
    bar.value = 0;
    show('uploading', 'Starting ' + file.name + ' (' + human(file.size) + ')…');
    var upload = new window.tus.Upload(file, {
      endpoint: endpoint,
      httpStack: httpStack,
      headers: { Authorization: 'Bearer ' + token },
      metadata: { filename: file.name, ticket: ticket },
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // The same file for the same ticket resumes; the token is not part of it (nor stored).
      fingerprint: function (f) {
        return Promise.resolve(['casefile', ticket, f.name, f.size, f.lastModified, endpoint].join('|'));
      },
      onProgress: function (sent, total) {
        var pct = total ? Math.floor(sent / total * 100) : 0;
        bar.value = pct;
        show('uploading', 'Uploading ' + file.name + ': ' + human(sent) + ' of ' + human(total) + ' (' + pct + ' %)');
      },
      onSuccess: function () {
        bar.value = 100;
        show('done', 'Done: ' + file.name + ' (' + human(file.size) + ') was uploaded for ticket ' + ticket + '. You can close this page.');
        current = null;
      },
      onError: function (err) {
        show('failed', 'Upload failed: ' + reason(err) + '. Choose the file again to continue where it stopped.');
        current = null;
      }
    });
    current = upload;
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length > 0) {
        upload.resumeFromPreviousUpload(previous[0]);
        root.setAttribute('data-resumed', 'true');
        show('uploading', 'Continuing the earlier upload of ' + file.name + '…');
      }
      upload.start();
    });
  }

  input.addEventListener('change', function () {
    if (input.files && input.files.length > 0) { start(input.files[0]); }
  });
  ['dragenter', 'dragover'].forEach(function (ev) {
    zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (ev) {
    zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove('over'); });
  });
  zone.addEventListener('drop', function (e) {
    var files = e.dataTransfer && e.dataTransfer.files;
    if (files && files.length === 1) {
      start(files[0]);
    } else if (files && files.length > 1) {
      show('failed', 'Drop one bundle at a time.');
    }
  });
})();
