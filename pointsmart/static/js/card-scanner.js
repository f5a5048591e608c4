/*
 * card-scanner.js: read a household card's QR code with the phone's camera.
 *
 * A shared component (the counter and the leaders' pages use it). Interface:
 *
 *   <form ...><input id="card" name="card"> ...</form>
 *   <div data-card-scanner data-target="#card"></div>
 *
 *   and, once per page, this script (no inline code: the site's Content-Security-Policy
 *   allows scripts from our own files only):
 *
 *   <script src="/static/js/card-scanner.<hash>.js" defer></script>
 *
 *   (Jinja pages: {% from "counter/card_scanner.html" import card_scanner,
 *   card_scanner_assets %} then {{ card_scanner('#card') }} {{ card_scanner_assets() }}.)
 *
 * Each [data-card-scanner] element gets a "scan with the camera" button. Pressing it opens
 * the rear camera (getUserMedia, facingMode "environment") in a panel; frames are decoded
 * with jsQR until a QR code is found. The decoder (130 KB, minified) is loaded only then, from
 * the element's data-decoder address (url_for gives its hashed name), and only once: a
 * shopkeeper with a USB scanner never downloads it. The decoded text (the card's URL) is then written into
 * the input named by data-target, an "input" event is fired on it, the camera is stopped and
 * the input's form is submitted (requestSubmit, so the form's submit handlers run).
 *
 * Styling: counter.css styles the button and the panel (.scan-button, .scan-panel,
 * .scan-frame, .scan-video, .scan-hint, .scan-cancel, .scan-error); without it the video
 * still fits the screen.
 *
 * Optional attributes, for the page's language (defaults are Chinese):
 *   data-label         the button's text
 *   data-cancel-label  the text of the button that stops the camera
 *   data-hint-label    the hint shown above the video
 *   data-error-label   shown when the camera cannot be opened (no permission, no camera) or
 *                      the decoder cannot be loaded
 *   data-decoder       the decoder's address (required for the camera to decode anything)
 *
 * The element also fires "card-scanner:decoded" (detail: {text}) on itself before the form
 * is submitted; call preventDefault() on it to handle the text yourself instead.
 *
 * An input marked data-scan-field (the counter's card field) gets the focus when the page
 * opens and when it comes back (Back, pageshow), with its text selected, so that the next
 * scan of a USB scanner, which types like a keyboard, always lands there.
 *
 * Where there is no camera API (old browsers, plain http on another host) the button is not
 * shown: the input still takes typing and USB scanners. Nothing is loaded from other hosts.
 */
(function () {
  "use strict";

  var SCAN_INTERVAL_MS = 100;
  var MAX_SIDE = 720; // frames are scaled down to this before decoding: fast on old phones

  function text(root, name, fallback) {
    return root.getAttribute(name) || fallback;
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  var decoderLoading = null;

  // jsQR, added to the page the first time a camera is opened (once for all scanners).
  function loadDecoder(address) {
    if (typeof window.jsQR === "function") return Promise.resolve();
    if (decoderLoading) return decoderLoading;
    decoderLoading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = address;
      script.async = true;
      script.onload = function () {
        resolve();
      };
      script.onerror = function () {
        decoderLoading = null;
        script.remove();
        reject(new Error("the QR decoder could not be loaded"));
      };
      document.head.appendChild(script);
    });
    return decoderLoading;
  }

  function setup(root) {
    if (root.getAttribute("data-card-scanner-ready")) return;
    var target = document.querySelector(root.getAttribute("data-target"));
    var media = navigator.mediaDevices;
    if (!target || !media || typeof media.getUserMedia !== "function") return;
    root.setAttribute("data-card-scanner-ready", "true");

    var button = element("button", "button scan-button", text(root, "data-label", "用摄像头扫码"));
    button.type = "button";
    var panel = element("div", "scan-panel");
    panel.hidden = true;
    var hint = element("p", "scan-hint", text(root, "data-hint-label", "请把卡上的二维码放在框内。"));
    var frame = element("div", "scan-frame");
    var video = element("video", "scan-video");
    video.setAttribute("playsinline", "");
    video.setAttribute("muted", "");
    video.muted = true;
    // The essentials in the element's own style (CSSOM, which the CSP allows), so the
    // scanner fits a phone even on pages without counter.css; counter.css adds the rest.
    video.style.display = "block";
    video.style.width = "100%";
    video.style.maxHeight = "70vh";
    video.style.objectFit = "cover";
    frame.style.overflow = "hidden";
    frame.appendChild(video);
    var cancel = element("button", "button button-secondary scan-cancel", text(root, "data-cancel-label", "关闭摄像头"));
    cancel.type = "button";
    var message = element("p", "scan-error");
    message.setAttribute("role", "alert");
    message.hidden = true;
    panel.appendChild(hint);
    panel.appendChild(frame);
    panel.appendChild(cancel);
    root.appendChild(button);
    root.appendChild(message);
    root.appendChild(panel);

    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var timer = null;

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
      }
      stream = null;
      video.srcObject = null;
      panel.hidden = true;
      button.hidden = false;
    }

    function decoded(value) {
      stop();
      var event;
      try {
        event = new CustomEvent("card-scanner:decoded", { cancelable: true, detail: { text: value } });
      } catch (error) {
        event = null;
      }
      if (event && !root.dispatchEvent(event)) return;
      target.value = value;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      var form = target.form;
      if (!form) return;
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }

    function scan() {
      timer = null;
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth > 0 && typeof window.jsQR === "function") {
        var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
        var width = Math.round(video.videoWidth * scale);
        var height = Math.round(video.videoHeight * scale);
        canvas.width = width;
        canvas.height = height;
        context.drawImage(video, 0, 0, width, height);
        var pixels = context.getImageData(0, 0, width, height);
        var code = window.jsQR(pixels.data, width, height, { inversionAttempts: "dontInvert" });
        if (code && code.data) {
          decoded(code.data.trim());
          return;
        }
      }
      timer = window.setTimeout(scan, SCAN_INTERVAL_MS);
    }

    button.addEventListener("click", function () {
      message.hidden = true;
      // The camera opens while the decoder loads; scan() waits for both.
      var decoder = loadDecoder(root.getAttribute("data-decoder") || "");
      decoder.catch(function () {}); // handled below, with the camera's own failure
      media
        .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (opened) {
          stream = opened;
          video.srcObject = opened;
          panel.hidden = false;
          button.hidden = true;
          return Promise.all([video.play(), decoder]);
        })
        .then(function () {
          scan();
        })
        .catch(function () {
          stop();
          message.textContent = text(root, "data-error-label", "无法打开摄像头，请输入卡上的号码。");
          message.hidden = false;
          target.focus();
        });
    });
    cancel.addEventListener("click", function () {
      stop();
      target.focus();
    });
    window.addEventListener("pagehide", stop);
  }

  function focusScanField() {
    var field = document.querySelector("[data-scan-field]");
    if (!field) return;
    field.focus({ preventScroll: true }); // a receipt stays where it is read
    field.select();
  }

  function init() {
    var roots = document.querySelectorAll("[data-card-scanner]");
    for (var i = 0; i < roots.length; i += 1) setup(roots[i]);
    focusScanField();
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) focusScanField();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
