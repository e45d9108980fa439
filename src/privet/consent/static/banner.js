/* Privet cookie banner: no dependencies, no build step (docs/consent.md is the contract).
 *
 *   <script src="https://privacy.example.com/consent/banner.js" defer
 *           data-google-consent-mode="on"></script>
 *   <script type="text/plain" data-category="analytics" src="/analytics.js"></script>
 *
 * Attributes of its own <script>: data-privet-url (the Privet server; else the script's
 * origin), data-lang, data-google-consent-mode="on".
 *
 * Language: data-lang > navigator.language > <html lang> > the notice's first language;
 * each one only if the notice has words for it (its 2-letter prefix). The browser's
 * language comes before the page's because a consent must be understood by the person
 * who gives it, whatever the language the page happens to be written in.
 *
 * Global Privacy Control (navigator.globalPrivacyControl === true): the notice's
 * gpc_categories are refused and cannot be switched on. With no valid stored choice, a
 * "gpc" receipt (every optional category refused) is posted at once and the banner still
 * asks about the rest; the cookie is written (g: true) when the person chooses. A valid
 * stored choice made without GPC is applied with those categories refused, recorded by a
 * "gpc" receipt, and its cookie rewritten with g: true (same time t: no longer lifetime).
 *
 * A choice that only takes consent back from an earlier one in force (some category
 * granted -> refused, none refused -> granted) is recorded as "withdraw".
 */
(function () {
  "use strict";
  var w = window, d = document, nav = navigator;
  if (w.PrivetConsent) return;
  var me = d.currentScript || d.querySelector('script[src$="/consent/banner.js"]');
  if (!me) return;
  var base = (me.getAttribute("data-privet-url") || new URL(me.src, location.href).origin)
    .replace(/\/+$/, "");
  var gcm = me.getAttribute("data-google-consent-mode") === "on";
  var gpc = nav.globalPrivacyControl === true;
  var GCM = {
    analytics: ["analytics_storage"],
    marketing: ["ad_storage", "ad_user_data", "ad_personalization"],
    functional: ["functionality_storage"],
    preferences: ["personalization_storage"]
  };

  var notice, lang, T = {}, optional = [], forced = [], deviceId;
  var state = null;       // the choice in force: {version, categories, gpc}
  var listeners = [], wantOpen = false;
  var root, panel, custom, closer, live, settings, lastFocus;

  /* ---------------------------------------------------------------- small helpers */

  function el(tag, attrs, kids) {
    var e = d.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : v);
    });
    (kids || []).forEach(function (c) {
      if (c) e.appendChild(typeof c === "string" ? d.createTextNode(c) : c);
    });
    return e;
  }

  function txt(x) {  // a string, or {lang: string}
    if (!x || typeof x !== "object") return x || "";
    return x[lang] || x[notice.languages[0]] || x[Object.keys(x)[0]] || "";
  }

  function cookieList() {
    return d.cookie ? d.cookie.split(/;\s*/).map(function (p) {
      var i = p.indexOf("=");
      return i < 0 ? [p, ""] : [p.slice(0, i), p.slice(i + 1)];
    }) : [];
  }

  function readStored() {
    var found = cookieList().filter(function (p) { return p[0] === notice.cookie_name; })[0];
    if (!found) return null;
    try {
      var s = JSON.parse(decodeURIComponent(found[1]));
      return s && typeof s === "object" ? s : null;
    } catch (e) {
      return null;
    }
  }

  function lifetimeDays(c) {
    var refused = optional.some(function (k) { return !c || c[k.key] !== true; });
    return refused ? notice.refusal_days : notice.consent_days;
  }

  function inForce(s) {
    return !!s && s.v === notice.version && !!s.c && typeof s.c === "object" &&
      typeof s.t === "number" && (s.t + lifetimeDays(s.c) * 86400) * 1000 > Date.now();
  }

  function writeStored(s) {
    d.cookie = notice.cookie_name + "=" + encodeURIComponent(JSON.stringify(s)) +
      "; path=/; max-age=" + lifetimeDays(s.c) * 86400 + "; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }

  function newId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "d-" + Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function expire(name) {
    var host = location.hostname, domains = [""];
    if (/^[\d.]+$|:/.test(host)) domains.push(host);  // an IP address: no parent domains
    else {
      var parts = host.split(".");
      for (var i = 0; i < parts.length - 1; i++) {
        domains.push((i ? "." : "") + parts.slice(i).join("."));
      }
    }
    domains.forEach(function (dom) {
      var gone = name + "=; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=0" +
        (dom ? "; domain=" + dom : "");
      d.cookie = gone + "; path=/";
      d.cookie = gone;  // the page's default path
    });
  }

  function purge(category) {  // remove the cookies of a refused category
    var names = cookieList().map(function (p) { return p[0]; });
    (category.cookies || []).forEach(function (ck) {
      var re = ck.pattern ? new RegExp("^" + ck.pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*") + "$") : null;
      names.forEach(function (n) {
        if (re ? re.test(n) : n === ck.name) expire(n);
      });
    });
  }

  function granted(key) {
    return state ? state.categories[key] === true : key === "necessary";
  }

  function get() {
    return state && {version: state.version, categories: Object.assign({}, state.categories),
                     gpc: state.gpc};
  }

  /* ------------------------------------------------------------ scripts and signals */

  function activate() {  // run each granted script once
    var held = d.querySelectorAll(
      'script[type="text/plain"][data-category]:not([data-privet-activated])');
    Array.prototype.forEach.call(held, function (old) {
      if (!granted(old.getAttribute("data-category"))) return;
      var run = d.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (a) {
        if (a.name !== "type") run.setAttribute(a.name, a.value);
      });
      if (!old.hasAttribute("src")) run.text = old.text;
      if (!old.hasAttribute("async")) run.async = false;  // keep the page's order
      old.setAttribute("data-privet-activated", "");
      old.parentNode.insertBefore(run, old.nextSibling);
    });
  }

  function gtag() {
    if (typeof w.gtag === "function") w.gtag.apply(w, arguments);
    else (w.dataLayer = w.dataLayer || []).push(arguments);
  }

  function consentMode(kind) {
    if (!gcm) return;
    var o = {};
    Object.keys(GCM).forEach(function (k) {
      GCM[k].forEach(function (s) {
        o[s] = kind === "update" && granted(k) ? "granted" : "denied";
      });
    });
    if (kind === "default") {
      o.security_storage = "granted";
      o.wait_for_update = 500;
    }
    gtag("consent", kind, o);
  }

  function apply(s) {  // put a stored choice in force
    var cats = {};
    notice.categories.forEach(function (k) {
      cats[k.key] = k.required || (s.c[k.key] === true && forced.indexOf(k.key) < 0);
    });
    state = {version: notice.version, categories: cats, gpc: s.g === true};
    notice.categories.forEach(function (k) { if (!cats[k.key]) purge(k); });
    activate();
    consentMode("update");
    d.dispatchEvent(new CustomEvent("privet:consent", {detail: get()}));
    listeners.forEach(function (fn) {
      try {
        fn(get());
      } catch (e) {
        setTimeout(function () { throw e; });
      }
    });
  }

  function post(action, c) {
    var body = {device_id: deviceId, notice_version: notice.version,
                notice_hash: notice.text_hash, action: action, source: "banner",
                language: lang, gpc: gpc, categories: c};
    try {
      fetch(base + "/api/consent/receipts", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify(body), credentials: "omit", keepalive: true
      }).catch(function () {});
    } catch (e) { /* a browser without fetch: the choice still holds */ }
  }

  function decide(pick) {  // {category: bool} for every optional category
    var c = {};
    optional.forEach(function (k) {
      c[k.key] = forced.indexOf(k.key) < 0 && pick(k.key) === true;
    });
    return c;
  }

  function choose(action) {
    var c = decide(function (key) {
      if (action === "accept_all") return true;
      if (action === "reject_all") return false;
      return box(key).checked;
    });
    if (state) {
      var down = false, up = false;
      optional.forEach(function (k) {
        if (state.categories[k.key] && !c[k.key]) down = true;
        if (!state.categories[k.key] && c[k.key]) up = true;
      });
      if (down && !up) action = "withdraw";
    }
    var s = {v: notice.version, id: deviceId, c: c, t: Math.floor(Date.now() / 1000), g: gpc};
    writeStored(s);
    var sent = {};  // the server refuses the GPC categories itself (gpc: true), and a
    optional.forEach(function (k) {  // withdrawal names only what it refuses
      if (action === "accept_all") sent[k.key] = true;
      else if (action !== "withdraw" || !c[k.key]) sent[k.key] = c[k.key];
    });
    post(action, sent);
    apply(s);
    live.textContent = T.saved || "";
    hide();
  }

  /* ----------------------------------------------------------------------- the banner */

  function box(key) {
    return d.getElementById("privet-cat-" + key);
  }

  function button(action, cls) {
    return el("button", {type: "button", class: cls || "privet-btn", "data-action": action,
                         text: T[action] || action});
  }

  function category(k) {
    var id = "privet-cat-" + k.key, off = forced.indexOf(k.key) >= 0;
    var input = el("input", {type: "checkbox", id: id, name: "privet-category", value: k.key,
                             "aria-describedby": id + "-desc" + (off ? " privet-gpc-note" : "")});
    input.checked = !!k.required;
    input.disabled = !!k.required || off;
    var cookies = (k.cookies || []).map(function (ck) {
      return el("li", {}, [
        el("code", {text: ck.name || ck.pattern}),
        ck.provider ? " \u00b7 " + (T.provider ? T.provider + " " : "") +
          String(ck.provider).replace(/_/g, " ") : "",
        ck.lifetime ? " \u00b7 " + (T.lifetime ? T.lifetime + " " : "") + ck.lifetime : "",
        ck.purpose ? el("span", {class: "privet-purpose", text: txt(ck.purpose)}) : null
      ]);
    });
    return el("li", {class: "privet-cat"}, [
      el("div", {class: "privet-cat-head"}, [
        input,
        el("label", {for: id, text: txt(k.label)}),
        k.required ? el("span", {class: "privet-always", text: T.always_on}) : null
      ]),
      el("p", {id: id + "-desc", class: "privet-desc", text: txt(k.description)}),
      cookies.length ? el("details", {class: "privet-cookies"}, [
        el("summary", {text: (T.cookies || "Cookies") + " (" + cookies.length + ")"}),
        el("ul", {}, cookies)
      ]) : null
    ]);
  }

  function build() {
    var policy = T.policy_url || notice.policy_url;
    custom = button("customise");
    custom.setAttribute("aria-expanded", "false");
    custom.setAttribute("aria-controls", "privet-panel");
    closer = T.close ? button("close", "privet-close") : null;
    panel = el("div", {id: "privet-panel", class: "privet-panel", hidden: true}, [
      el("fieldset", {class: "privet-cats"}, [
        el("legend", {class: "privet-sr", text: T.title}),
        el("ul", {}, notice.categories.map(category))
      ]),
      el("div", {class: "privet-save"}, [button("save")])
    ]);
    root = el("div", {id: "privet-banner", class: "privet-banner", role: "dialog",
                      "aria-modal": "false", "aria-labelledby": "privet-title",
                      "aria-describedby": "privet-body", lang: lang, hidden: true}, [
      el("div", {class: "privet-inner"}, [
        el("h2", {id: "privet-title", class: "privet-title", text: T.title}),
        el("p", {id: "privet-body", class: "privet-body", text: T.body}),
        policy && /^(https?:|\/)/i.test(policy) ? el("p", {class: "privet-policy"}, [
          el("a", {href: policy, text: T.policy || policy})]) : null,
        gpc ? el("p", {id: "privet-gpc-note", class: "privet-gpc", text: T.gpc_honoured})
          : null,
        el("div", {class: "privet-actions"}, [button("accept_all"), button("reject_all"),
                                              custom]),
        panel,
        closer
      ])
    ]);
    root.addEventListener("click", function (e) {
      var target = e.target.closest ? e.target.closest("[data-action]") : null;
      if (!target) return;
      var action = target.getAttribute("data-action");
      if (action === "customise") {
        panel.hidden = !panel.hidden;
        custom.setAttribute("aria-expanded", String(!panel.hidden));
      } else if (action === "close") hide();
      else choose(action === "save" ? "custom" : action);
    });
    root.addEventListener("keydown", function (e) {  // Escape is never a choice
      if (e.key === "Escape" && state) hide();
    });
    d.body.insertBefore(root, d.body.firstChild);
  }

  function showSettings() {
    if (!settings) {
      settings = el("button", {type: "button", id: "privet-settings", class: "privet-settings",
                               lang: lang, text: T.settings});
      settings.addEventListener("click", open);
      d.body.appendChild(settings);
    }
    settings.hidden = false;
  }

  function open() {
    if (!notice) {
      wantOpen = true;
      return;
    }
    if (!root) build();
    if (root.hidden) {
      notice.categories.forEach(function (k) {
        if (!k.required && forced.indexOf(k.key) < 0) box(k.key).checked = granted(k.key);
      });
      panel.hidden = true;
      custom.setAttribute("aria-expanded", "false");
      if (closer) closer.hidden = !state;
      lastFocus = d.activeElement;
      root.hidden = false;
      if (settings) settings.hidden = true;
    }
    root.querySelector("button").focus();
  }

  function hide() {
    root.hidden = true;
    showSettings();
    var back = lastFocus;
    lastFocus = null;
    if (back && back !== d.body && d.contains(back)) back.focus();
  }

  /* --------------------------------------------------------------------- start */

  function pickLanguage() {
    var have = notice.languages || Object.keys(notice.texts);
    var tries = [me.getAttribute("data-lang"), nav.language, d.documentElement.lang];
    for (var i = 0; i < tries.length; i++) {
      var l = (tries[i] || "").slice(0, 2).toLowerCase();
      if (l && have.indexOf(l) >= 0 && notice.texts[l]) return l;
    }
    return have[0];
  }

  function start(n) {
    notice = n;
    optional = n.categories.filter(function (k) { return !k.required; });
    forced = gpc ? n.gpc_categories || [] : [];
    lang = pickLanguage();
    T = n.texts[lang] || {};
    live = el("div", {class: "privet-sr", role: "status", lang: lang});
    d.body.appendChild(live);
    var s = readStored();
    deviceId = s && /^[A-Za-z0-9_-]{16,64}$/.test(s.id) ? s.id : newId();
    if (inForce(s)) {
      if (gpc && s.g !== true) {
        s = {v: s.v, id: deviceId, c: decide(function (key) { return s.c[key]; }), t: s.t,
             g: true};
        writeStored(s);
        post("gpc", s.c);
      }
      apply(s);
      showSettings();
      if (wantOpen) open();
    } else {
      // GPC before any choice: one receipt per notice version and browser, remembered by a
      // pending cookie (no "c", so it is not a choice and the banner still asks)
      if (gpc && !(s && s.g === true && s.p === notice.version && s.id === deviceId)) {
        post("gpc", decide(function () { return false; }));
        writeStored({id: deviceId, g: true, p: notice.version});
      }
      open();
    }
  }

  w.PrivetConsent = {
    open: open,
    get: get,
    granted: granted,
    onChange: function (fn) {
      listeners.push(fn);
      return function () {
        listeners = listeners.filter(function (f) { return f !== fn; });
      };
    }
  };

  var href = base + "/consent/banner.css";
  if (!d.querySelector('link[href="' + href + '"]')) {
    d.head.appendChild(el("link", {rel: "stylesheet", href: href}));
  }
  function ready(fn) {  // the page may load this script without defer
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  consentMode("default");
  ready(activate);  // "necessary" scripts never wait
  fetch(base + "/api/consent/notice", {credentials: "omit"})
    .then(function (r) {
      if (!r.ok) throw new Error("Privet: the consent notice answered " + r.status);
      return r.json();
    })
    .then(function (n) { ready(function () { start(n); }); });
})();
