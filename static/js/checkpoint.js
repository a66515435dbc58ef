// The staff verification page: the camera reads the QR (jsQR, vendored), or staff type or
// paste the code; the server judges it and logs the scan; the result fills the screen until
// "Next person". When the network is down the phone checks the signature itself (WebCrypto
// Ed25519 with the published keys), keeps the scan and uploads it when back online.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  var form = document.getElementById("scan-form");
  var verdict = document.getElementById("verdict");
  if (!root || !form || !verdict) { return; }

  var T = {};
  document.querySelectorAll("#texts [data-t]").forEach(function (el) { T[el.getAttribute("data-t")] = el.textContent; });
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name] === undefined ? "" : values[name]; });
  }
  function $(id) { return document.getElementById(id); }

  var venue = root.getAttribute("data-venue");
  var verifyUrl = root.getAttribute("data-verify-url");
  var uploadUrl = root.getAttribute("data-upload-url");
  var keysUrl = root.getAttribute("data-keys-url");
  var zone = root.getAttribute("data-tz") || undefined;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var tokenInput = $("token");
  var QUEUE_KEY = "hc.checkpoint.queue." + venue;
  var KEYS_KEY = "hc.checkpoint.keys";
  var DIRECTION_KEY = "hc.checkpoint.direction." + venue;
  var REPEAT_PAUSE_MS = 2500;  // the same QR still in front of the camera is not a new person
  var FRAME_EVERY_MS = 150;

  var busy = false;
  var shown = null;  // {token, manual} of the result on screen
  var last = { token: null, at: 0 };

  // ---------------------------------------------------------------- storage (may be disabled)
  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }

  // ---------------------------------------------------------------- direction, remembered per venue
  var params = new URLSearchParams(window.location.search);
  var remembered = params.get("direction") || load(DIRECTION_KEY, null);
  if (remembered) {
    var radio = form.querySelector("input[name=direction][value=" + (remembered === "exit" ? "exit" : "entry") + "]");
    if (radio) { radio.checked = true; }
  }
  form.querySelectorAll("input[name=direction]").forEach(function (el) {
    el.addEventListener("change", function () { save(DIRECTION_KEY, direction()); });
  });
  function direction() {
    var el = form.querySelector("input[name=direction]:checked");
    return el ? el.value : "entry";
  }

  function nonce() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // ---------------------------------------------------------------- the published keys
  var keysDoc = null;
  try { keysDoc = JSON.parse(root.getAttribute("data-keys")); } catch (e) { keysDoc = null; }
  if (keysDoc && keysDoc.keys) { save(KEYS_KEY, keysDoc); } else { keysDoc = load(KEYS_KEY, null); }
  function refreshKeys() {
    if (!navigator.onLine) { return; }
    fetch(keysUrl, { cache: "no-cache" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) { if (doc && doc.keys) { keysDoc = doc; save(KEYS_KEY, doc); } })
      .catch(function () {});
  }

  // ---------------------------------------------------------------- the result screen
  function showResult(body, options) {
    options = options || {};
    verdict.setAttribute("data-display", body.display || "invalid");
    $("verdict-text").textContent = body.verdict;
    $("verdict-colour").textContent = body.colour_words;
    $("verdict-name").textContent = body.masked_name || "";
    $("verdict-id").textContent = body.masked_id || "";
    $("verdict-issued").textContent = body.issued_text || "";
    $("verdict-reason").textContent = body.reason || "";
    $("verdict-paper").textContent = body.paper_note || "";
    $("verdict-paper").hidden = !body.paper_note;
    $("verdict-note").textContent = options.note || "";
    $("verdict-note").hidden = !options.note;
    $("verdict-direction").textContent = body.direction_label || "";
    var purchase = $("purchase-form");
    if (purchase) {
      purchase.hidden = !body.purchase_url;
      purchase.setAttribute("action", body.purchase_url || "");
      purchase.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; box.disabled = false; });
      purchase.querySelector("button[type=submit]").disabled = false;
      purchase.querySelector("button[type=submit]").hidden = false;
      $("purchase-done").hidden = true;
    }
    verdict.hidden = false;
    document.body.classList.add("has-verdict");
    // Focus on Next person without scrolling to it: with large text the result is taller than
    // the screen, and PASS/STOP at its top must be what shows first.
    $("verdict-next").focus({ preventScroll: true });
    verdict.scrollTop = 0;
    if (navigator.vibrate) { navigator.vibrate(body.pass ? 80 : [200, 100, 200]); }
  }

  function nextPerson() {
    if (shown) { last = { token: shown.token, at: Date.now() }; }
    var manual = shown && shown.manual;
    shown = null;
    busy = false;
    verdict.hidden = true;
    document.body.classList.remove("has-verdict");
    tokenInput.value = "";
    setStatus(stream ? T.aim : (cameraFailed ? T.no_camera : ""));
    if (manual || !stream) { tokenInput.focus(); }
  }
  $("verdict-next").addEventListener("click", nextPerson);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !verdict.hidden) { nextPerson(); }
  });

  function issuedText(seconds) {
    var when = new Date(seconds * 1000);
    var text;
    try {
      text = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      }).format(when).replace(",", "");
    } catch (e) { text = when.toISOString(); }
    return fmt(T.issued, { time: text });
  }

  // ---------------------------------------------------------------- checking a code
  function check(token, manual) {
    token = (token || "").trim();
    if (!token || busy) { return; }
    busy = true;
    shown = { token: token, manual: manual };
    setStatus(T.checking);
    var scan = { token: token, direction: direction(), nonce: nonce(), scanned_at: Date.now() / 1000 };
    if (navigator.onLine === false) { checkOffline(scan); return; }
    fetch(verifyUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ token: scan.token, direction: scan.direction, nonce: scan.nonce })
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.status >= 500) { throw new Error("server " + response.status); }
      if (response.redirected || !json) { failed(T.reload); return null; }
      return response.json().then(function (body) {
        if (!response.ok) { failed(body.message || T.reload); return; }
        showResult(body, { note: body.duplicate ? T.duplicate : "" });
      });
    }).catch(function () { checkOffline(scan); });
  }

  function failed(message) {
    busy = false;
    shown = null;
    setStatus(message);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    check(tokenInput.value, true);
  });
  tokenInput.addEventListener("keydown", function (event) {
    // Hand-held scanners type the code and press Enter.
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); check(tokenInput.value, true); }
  });

  // ---------------------------------------------------------------- offline: verify on the phone
  function b64urlBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var binary = atob(b64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }
  var COLOURS = { G: "green", Y: "yellow", R: "red", P: "pending" };
  var B64URL = /^[A-Za-z0-9_-]+$/;

  // The same checks as healthcode/tokens.py: format, key, signature, then expiry.
  function verifyOffline(token, now) {
    var parts = token.split(".");
    var format = (keysDoc && keysDoc.format) || "HC1";
    if (parts.length !== 4 || parts[0] !== format || !/^[0-9a-f]{8}$/.test(parts[1]) ||
        !B64URL.test(parts[2]) || !B64URL.test(parts[3])) {
      return Promise.resolve({ result: "malformed" });
    }
    var jwk = null;
    ((keysDoc && keysDoc.keys) || []).forEach(function (key) { if (key.kid === parts[1]) { jwk = key; } });
    if (!jwk) { return Promise.resolve({ result: "unknown_key" }); }
    var payload, signature;
    try { payload = b64urlBytes(parts[2]); signature = b64urlBytes(parts[3]); } catch (e) {
      return Promise.resolve({ result: "malformed" });
    }
    if (!window.crypto || !crypto.subtle) { return Promise.resolve({ result: "unsupported" }); }
    var signed = new TextEncoder().encode(parts[0] + "." + parts[1] + "." + parts[2]);
    return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, signature, signed); })
      .then(function (valid) {
        if (!valid) { return { result: "bad_signature" }; }
        if (payload.length !== 26) { return { result: "malformed" }; }
        var view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
        var colour = COLOURS[String.fromCharCode(payload[12])];
        var paper = (payload[13] & 1) === 1;
        var issued = view.getUint32(18);
        var expires = view.getUint32(22);
        var skew = (keysDoc && keysDoc.clock_skew) || 30;
        if (!colour) { return { result: "malformed" }; }
        if (now > expires + skew || issued > now + skew) { return { result: "expired", issued: issued, paper: paper }; }
        if (paper) { return { result: "paper", issued: issued, paper: true }; }
        return { result: colour === "green" ? "ok" : "not_green", colour: colour, issued: issued, paper: false };
      }, function () { return { result: "unsupported" }; });
  }

  function offlineBody(checked, scan) {
    var judged = checked.result === "ok" || checked.result === "not_green";
    var display = judged && checked.colour !== "pending" ? checked.colour : "invalid";
    var reason;
    if (checked.result === "paper") { reason = T.offline_paper; }
    else if (checked.result === "unsupported") { reason = T.offline_unsupported; }
    else if (checked.result === "not_green") { reason = T["reason_" + checked.colour]; }
    else { reason = T["reason_" + checked.result]; }
    return {
      result: checked.result,
      pass: checked.result === "ok",
      display: display,
      verdict: checked.result === "ok" ? T.pass : T.stop,
      colour_words: judged ? T[checked.colour] : T.invalid,
      masked_name: "",  // the token names no person: the name is known once the scan is uploaded
      masked_id: "",
      issued_text: checked.issued ? issuedText(checked.issued) : "",
      reason: reason,
      paper_note: checked.paper ? T.paper : "",
      direction_label: T[scan.direction],
      purchase_url: null
    };
  }

  function checkOffline(scan) {
    verifyOffline(scan.token, scan.scanned_at).then(function (checked) {
      enqueue(scan);
      showResult(offlineBody(checked, scan), { note: T.offline_note });
    });
  }

  // ---------------------------------------------------------------- the queue of offline scans
  function queue() { return load(QUEUE_KEY, []); }
  function enqueue(scan) {
    var items = queue();
    items.push(scan);
    save(QUEUE_KEY, items);
    updateBanner();
  }
  function updateBanner() {
    var banner = $("offline-banner");
    var n = queue().length;
    if (n > 0) { banner.textContent = fmt(T.queue, { n: n }); banner.hidden = false; }
    else if (navigator.onLine === false) { banner.textContent = T.offline_now; banner.hidden = false; }
    else { banner.hidden = true; }
  }
  var uploading = false;
  function upload() {
    var items = queue();
    if (uploading || !items.length || navigator.onLine === false) { updateBanner(); return; }
    uploading = true;
    var batch = items.slice(0, 200);
    fetch(uploadUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ scans: batch })
    }).then(function (response) {
      if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
        throw new Error("upload " + response.status);
      }
      return response.json();
    }).then(function (body) {
      // Logged, logged before, or refused for good (too old): either way it leaves the phone.
      var done = {};
      (body.results || []).forEach(function (item) { if (item.nonce) { done[item.nonce] = true; } });
      save(QUEUE_KEY, queue().filter(function (scan) { return !done[scan.nonce]; }));
    }).catch(function () {}).then(function () {
      uploading = false;
      updateBanner();
      if (queue().length && navigator.onLine !== false) { setTimeout(upload, 2000); }
    });
  }
  window.addEventListener("online", function () { refreshKeys(); upload(); });
  window.addEventListener("offline", updateBanner);
  setInterval(upload, 15000);
  updateBanner();
  upload();
  refreshKeys();

  // ---------------------------------------------------------------- pharmacy: register a purchase
  var purchaseForm = $("purchase-form");
  if (purchaseForm) {
    purchaseForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var done = $("purchase-done");
      var button = purchaseForm.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(purchaseForm.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf },
        body: new FormData(purchaseForm)
      }).then(function (response) { return response.json(); })
        .then(function (body) {
          done.textContent = body.message || T.purchase_failed;
          done.hidden = false;
          if (body.registered) {
            purchaseForm.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.disabled = true; });
            button.hidden = true;
          } else { button.disabled = false; }
        })
        .catch(function () { done.textContent = T.purchase_failed; done.hidden = false; button.disabled = false; });
    });
  }

  // ---------------------------------------------------------------- the camera
  var video = $("camera");
  var box = $("camera-box");
  var toggle = $("camera-toggle");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var cameraFailed = false;
  var userStopped = false;
  var timer = null;

  function setStatus(text) { $("camera-status").textContent = text || ""; }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
      cameraFailed = true;
      setStatus(T.no_camera);
      return;
    }
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (s) {
      stream = s;
      cameraFailed = false;
      video.srcObject = s;
      box.hidden = false;
      toggle.hidden = false;
      toggle.textContent = T.camera_stop;
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
      setStatus(T.aim);
      scheduleFrame();
    }).catch(function () {
      cameraFailed = true;
      toggle.hidden = false;
      toggle.textContent = T.camera_start;
      setStatus(T.no_camera);
    });
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    clearTimeout(timer);
    box.hidden = true;
    toggle.textContent = T.camera_start;
    setStatus("");
  }
  toggle.addEventListener("click", function () {
    userStopped = !!stream;
    if (stream) { stopCamera(); } else { startCamera(); }
  });

  function scheduleFrame() {
    clearTimeout(timer);
    timer = setTimeout(readFrame, FRAME_EVERY_MS);
  }

  function readFrame() {
    if (!stream) { return; }
    scheduleFrame();
    if (busy || !verdict.hidden || video.readyState < 2 || !video.videoWidth) { return; }
    var scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
    var w = Math.round(video.videoWidth * scale);
    var h = Math.round(video.videoHeight * scale);
    if (canvas.width !== w) { canvas.width = w; }
    if (canvas.height !== h) { canvas.height = h; }
    context.drawImage(video, 0, 0, w, h);
    var found = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
    if (!found || !found.data) { return; }
    if (found.data === last.token && Date.now() - last.at < REPEAT_PAUSE_MS) { return; }
    check(found.data, false);
  }

  document.addEventListener("visibilitychange", function () {
    // Give the camera back while the page is hidden; take it again when staff return.
    if (document.hidden && stream) { stopCamera(); }
    else if (!document.hidden && !stream && !cameraFailed && !userStopped) { startCamera(); }
  });

  startCamera();
})();
