// The code page: a clock that ticks every second, and a QR renewed before its token expires.
(function () {
  "use strict";
  var card = document.querySelector(".code-card");
  var clock = document.getElementById("clock");
  // The service's time zone (Asia/Shanghai), whatever the phone is set to.
  var zone = clock ? clock.getAttribute("data-tz") : null;
  var format = null;
  try {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
    });
    if (!format.formatToParts) { format = null; }  // older browsers: the phone's own clock below
  } catch (e) { format = null; }
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  var spans = null;
  function tick() {
    var d = new Date();
    var text;
    if (format) {
      var p = {};
      format.formatToParts(d).forEach(function (part) { p[part.type] = part.value; });
      text = p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second;
    } else {
      text = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
        pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    }
    // The date and the time each kept whole (CSS: .code-clock span): with large text the clock
    // takes two lines, never "2026-11-" and "28" on their own.
    var parts = text.split(" ");
    if (!spans) {  // made once (older phones' browsers lack replaceChildren)
      spans = [document.createElement("span"), document.createElement("span")];
      clock.textContent = "";
      clock.appendChild(spans[0]); clock.appendChild(document.createTextNode(" ")); clock.appendChild(spans[1]);
    }
    spans[0].textContent = parts[0]; spans[1].textContent = parts[1];
    clock.setAttribute("datetime", d.toISOString());
  }
  if (clock) { tick(); setInterval(tick, 1000); }

  var qr = document.getElementById("qr");
  if (!card || !qr) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  // The token as a QR (error correction M, quiet zone 4): one path of dark runs, as the
  // server's healthcode/qr.py draws it for the image without JavaScript.
  function draw(token, fill) {
    if (typeof qrcode !== "function") { return; }
    var code = qrcode(0, "M");
    code.addData(token, "Byte");
    code.make();
    var n = code.getModuleCount(), quiet = 4, size = n + 2 * quiet, d = [];
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (!code.isDark(r, c)) { continue; }
        var start = c;
        while (c + 1 < n && code.isDark(r, c + 1)) { c++; }
        d.push("M" + (start + quiet) + " " + (r + quiet) + "h" + (c + 1 - start) + "v1h" + (start - c - 1) + "z");
      }
    }
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("aria-hidden", "true");
    var bg = document.createElementNS(SVG, "rect");
    bg.setAttribute("width", size); bg.setAttribute("height", size); bg.setAttribute("fill", "#fff");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("fill", fill); path.setAttribute("d", d.join(""));
    svg.appendChild(bg); svg.appendChild(path);
    qr.replaceChildren(svg);
    qr.setAttribute("data-token", token);
  }
  draw(qr.getAttribute("data-token"), qr.getAttribute("data-fill"));
  var url = card.getAttribute("data-qr-url");
  var timer = null;
  function schedule(lifetime) {
    clearTimeout(timer);
    // Renew a quarter of the lifetime before expiry, so the QR on screen is always valid.
    timer = setTimeout(renew, Math.max(5, lifetime * 0.75) * 1000);
  }
  function renew() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (data.colour !== card.getAttribute("data-color") ||
            String(data.version) !== card.getAttribute("data-version")) {
          window.location.reload();  // the colour changed: show the whole page anew
          return;
        }
        draw(data.token, data.fill);
        schedule(data.lifetime || 60);
      })
      .catch(function () { schedule(10); });
  }
  var refresh = document.getElementById("refresh");
  if (refresh) { refresh.addEventListener("click", renew); }
  schedule(50);
})();
