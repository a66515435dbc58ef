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
  } catch (e) { format = null; }
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
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
    clock.textContent = text;
    clock.setAttribute("datetime", d.toISOString());
  }
  if (clock) { tick(); setInterval(tick, 1000); }

  var qr = document.getElementById("qr");
  if (!card || !qr) { return; }
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
        qr.innerHTML = data.svg;
        qr.setAttribute("data-token-expires", "");
        schedule(data.lifetime || 60);
      })
      .catch(function () { schedule(10); });
  }
  var refresh = document.getElementById("refresh");
  if (refresh) { refresh.addEventListener("click", renew); }
  schedule(50);
})();
