/* LuxeVault storefront script.
 * No libraries, no build step, no cookies. The only storage it touches is the two
 * localStorage keys named on <html data-cart-key> and <html data-currency-key>.
 * Server data is always written with textContent / attributes, never as HTML.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var CART_KEY = root.getAttribute("data-cart-key") || "";
  var CURRENCY_KEY = root.getAttribute("data-currency-key") || "";
  var DEFAULT_CURRENCY = root.getAttribute("data-default-currency") || "";
  var QUOTE_URL = root.getAttribute("data-quote-url") || "";
  var CART_URL = root.getAttribute("data-cart-url") || "";
  var LANG = root.getAttribute("data-lang") || root.lang || "";
  var MAX_QTY = 99;
  var MAX_LINES = 100;
  var MAX_SKU_LENGTH = 200;

  /* ---------------- storage (defensive) ---------------- */

  function storageGet(key) {
    if (!key) return null;
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    if (!key) return false;
    try {
      window.localStorage.setItem(key, value);
      return true;
    } catch (e) {
      return false;
    }
  }

  function knownCurrencies() {
    var list = (root.getAttribute("data-currencies") || "").split(/\s+/).filter(Boolean);
    if (list.length === 0) {
      var picker = document.querySelector("[data-currency-picker]");
      if (picker) {
        for (var i = 0; i < picker.options.length; i++) list.push(picker.options[i].value);
      }
    }
    return list;
  }

  function sanitizeQty(value) {
    var n = typeof value === "number" ? value : parseInt(String(value), 10);
    if (!isFinite(n)) return 0;
    n = Math.floor(n);
    if (n < 1) return 0;
    return Math.min(n, 999);
  }

  /** Reads the cart; anything unexpected yields an empty cart. */
  function readCart() {
    var raw = storageGet(CART_KEY);
    if (!raw) return [];
    var data;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      return [];
    }
    if (!data || typeof data !== "object" || data.v !== 1 || !Array.isArray(data.lines)) return [];
    var lines = [];
    var index = Object.create(null);
    for (var i = 0; i < data.lines.length && lines.length < MAX_LINES; i++) {
      var line = data.lines[i];
      if (!line || typeof line !== "object") continue;
      var sku = line.sku;
      if (typeof sku !== "string" || sku.length === 0 || sku.length > MAX_SKU_LENGTH) continue;
      var qty = sanitizeQty(line.qty);
      if (qty === 0) continue;
      if (sku in index) {
        index[sku].qty = Math.min(index[sku].qty + qty, 999);
      } else {
        index[sku] = { sku: sku, qty: qty };
        lines.push(index[sku]);
      }
    }
    return lines;
  }

  function writeCart(lines) {
    var clean = [];
    for (var i = 0; i < lines.length; i++) {
      clean.push({ sku: String(lines[i].sku), qty: sanitizeQty(lines[i].qty) || 1 });
    }
    return storageSet(CART_KEY, JSON.stringify({ v: 1, lines: clean }));
  }

  function cartCount(lines) {
    var total = 0;
    for (var i = 0; i < lines.length; i++) total += lines[i].qty;
    return total;
  }

  function readCurrency() {
    var known = knownCurrencies();
    var raw = storageGet(CURRENCY_KEY);
    var value = raw;
    if (raw && raw.charAt(0) === "\"") {
      try {
        value = JSON.parse(raw);
      } catch (e) {
        value = null;
      }
    }
    if (typeof value === "string") {
      value = value.trim().toUpperCase();
      if (known.indexOf(value) !== -1) return value;
    }
    return DEFAULT_CURRENCY || known[0] || "";
  }

  /* ---------------- helpers ---------------- */

  function format(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Only same-site paths or http(s) URLs end up in href/src. */
  function safeUrl(value) {
    if (typeof value !== "string" || value === "") return null;
    try {
      var url = new URL(value, window.location.href);
      if (url.protocol !== "http:" && url.protocol !== "https:") return null;
      return url.origin === window.location.origin ? url.pathname + url.search + url.hash : null;
    } catch (e) {
      return null;
    }
  }

  /* ---------------- currency ---------------- */

  function applyCurrency(code) {
    var nodes = document.querySelectorAll("[data-prices]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (!node.hasAttribute("data-price-original")) {
        node.setAttribute("data-price-original", node.textContent);
      }
      var map = null;
      try {
        map = JSON.parse(node.getAttribute("data-prices") || "null");
      } catch (e) {
        map = null;
      }
      if (map && typeof map === "object" && typeof map[code] === "string") {
        node.textContent = map[code];
      } else {
        node.textContent = node.getAttribute("data-price-original");
      }
    }
    var pickers = document.querySelectorAll("[data-currency-picker]");
    for (var j = 0; j < pickers.length; j++) {
      if (pickers[j].value !== code) pickers[j].value = code;
    }
  }

  function initCurrency() {
    applyCurrency(readCurrency());
    var pickers = document.querySelectorAll("[data-currency-picker]");
    for (var i = 0; i < pickers.length; i++) {
      pickers[i].addEventListener("change", function (event) {
        var code = event.target.value;
        if (knownCurrencies().indexOf(code) === -1) code = DEFAULT_CURRENCY;
        storageSet(CURRENCY_KEY, code);
        applyCurrency(code);
        if (cartPage) cartPage.refresh();
      });
    }
  }

  /* ---------------- header count ---------------- */

  function updateCount(lines) {
    var count = cartCount(lines || readCart());
    var nodes = document.querySelectorAll("[data-cart-count]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = String(count);
      nodes[i].classList.toggle("is-filled", count > 0);
    }
  }

  /* ---------------- product page ---------------- */

  function initProduct() {
    var form = document.querySelector("[data-product-form]");
    if (!form) return;
    var button = form.querySelector("[data-testid='add-to-cart']");
    var feedback = form.querySelector("[data-testid='add-feedback']");
    var stock = form.querySelector("[data-stock-status]");
    var radios = form.querySelectorAll("input[type='radio'][name='sku']");
    var productName = form.getAttribute("data-product-name") || "";

    function selected() {
      for (var i = 0; i < radios.length; i++) {
        if (radios[i].checked && !radios[i].disabled) return radios[i];
      }
      return null;
    }

    function sync() {
      var radio = selected();
      if (button) button.disabled = !radio;
      if (stock) {
        stock.textContent = radio ? radio.getAttribute("data-state-label") || "" : "";
        stock.classList.toggle("is-low", !!radio && radio.getAttribute("data-state") === "low_stock");
      }
    }

    // Clear a selection the browser may have restored onto a sold-out option.
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].disabled) radios[i].checked = false;
      radios[i].addEventListener("change", function () {
        if (feedback) {
          feedback.textContent = "";
          feedback.classList.remove("is-error");
        }
        sync();
      });
    }
    // Only one purchasable option: choose it for the customer.
    if (!selected()) {
      var open = [];
      for (var k = 0; k < radios.length; k++) if (!radios[k].disabled) open.push(radios[k]);
      if (open.length === 1) open[0].checked = true;
    }
    sync();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var radio = selected();
      if (!radio) {
        if (feedback) {
          feedback.classList.add("is-error");
          feedback.textContent = form.getAttribute("data-i18n-select") || "";
        }
        return;
      }
      var sku = radio.value;
      var lines = readCart();
      var found = false;
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].sku === sku) {
          lines[i].qty = Math.min(lines[i].qty + 1, MAX_QTY);
          found = true;
          break;
        }
      }
      if (!found) lines.push({ sku: sku, qty: 1 });
      if (!feedback) return;
      feedback.textContent = "";
      if (!writeCart(lines)) {
        feedback.classList.add("is-error");
        feedback.textContent = form.getAttribute("data-i18n-storage-error") || "";
        return;
      }
      feedback.classList.remove("is-error");
      updateCount(lines);
      var label = radio.getAttribute("data-label");
      var name = label ? productName + " (" + label + ")" : productName;
      feedback.appendChild(document.createTextNode(format(form.getAttribute("data-i18n-added"), { name: name }) + " "));
      var link = el("a", null, form.getAttribute("data-i18n-view-bag"));
      link.href = CART_URL;
      feedback.appendChild(link);
    });
  }

  function initGallery() {
    var gallery = document.querySelector(".gallery");
    var dots = document.querySelectorAll(".gallery__dot");
    if (!gallery || dots.length < 2) return;
    var pending = false;
    function mark() {
      pending = false;
      var width = gallery.clientWidth || 1;
      var index = Math.round(gallery.scrollLeft / width);
      for (var i = 0; i < dots.length; i++) dots[i].classList.toggle("is-active", i === index);
    }
    // A scrolling strip (phones) must be reachable with the keyboard; a plain column need not.
    function focusable() {
      if (gallery.scrollWidth > gallery.clientWidth + 1) gallery.setAttribute("tabindex", "0");
      else gallery.removeAttribute("tabindex");
    }
    focusable();
    window.addEventListener("resize", focusable, { passive: true });
    gallery.addEventListener("scroll", function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(mark);
      }
    }, { passive: true });
    mark();
  }

  /* ---------------- cart page ---------------- */

  var cartPage = null;

  function initCartPage() {
    var page = document.querySelector("[data-cart-page]");
    if (!page) return;

    var list = page.querySelector("[data-testid='cart-lines']");
    var filled = page.querySelector("[data-cart-filled]");
    var empty = page.querySelector("[data-cart-empty]");
    var status = page.querySelector("[data-cart-status]");
    var notice = page.querySelector("[data-cart-notice]");
    var errorBox = page.querySelector("[data-cart-error]");
    var errorText = page.querySelector("[data-cart-error-text]");
    var retry = page.querySelector("[data-cart-retry]");
    var subtotal = page.querySelector("[data-cart-subtotal]");
    var itemCount = page.querySelector("[data-cart-item-count]");

    function t(name) {
      return page.getAttribute("data-i18n-" + name) || "";
    }

    var sequence = 0;
    var timer = null;
    var lastQuote = null;
    var announce = "";

    var statusTimer = null;
    function setStatus(text) {
      if (!status) return;
      status.textContent = text || "";
      if (statusTimer) window.clearTimeout(statusTimer);
      statusTimer = text
        ? window.setTimeout(function () {
            status.textContent = "";
          }, 6000)
        : null;
    }

    function showEmpty() {
      filled.hidden = true;
      empty.hidden = false;
      notice.hidden = true;
      errorBox.hidden = true;
      while (list.firstChild) list.removeChild(list.firstChild);
      setStatus(announce);
      announce = "";
      if (focusAfterRemoval) {
        focusAfterRemoval = false;
        var next = empty.querySelector("a");
        if (next) next.focus();
      }
    }

    function showError() {
      errorText.textContent = t("network-error");
      errorBox.hidden = false;
      setStatus("");
    }

    function quote() {
      var lines = readCart();
      updateCount(lines);
      if (lines.length === 0) {
        sequence++;
        showEmpty();
        return;
      }
      var mine = ++sequence;
      var body = {
        currency: readCurrency(),
        lang: LANG,
        lines: lines.map(function (l) {
          return { sku: l.sku, quantity: l.qty };
        })
      };
      page.setAttribute("aria-busy", "true");
      fetch(QUOTE_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store"
      })
        .then(function (response) {
          if (!response.ok) throw new Error("quote failed: " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (mine !== sequence) return;
          page.removeAttribute("aria-busy");
          if (!data || typeof data !== "object" || !Array.isArray(data.lines)) throw new Error("bad quote");
          lastQuote = data;
          errorBox.hidden = true;
          render(data);
        })
        .catch(function () {
          if (mine !== sequence) return;
          page.removeAttribute("aria-busy");
          if (lastQuote) {
            // Keep what is shown; it stays usable offline as far as storage goes.
            errorBox.hidden = false;
            errorText.textContent = t("network-error");
            setStatus("");
          } else {
            filled.hidden = true;
            showError();
          }
        });
    }

    function schedule(delay) {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        timer = null;
        quote();
      }, delay);
    }

    function setQty(sku, qty) {
      var lines = readCart();
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].sku === sku) lines[i].qty = qty;
      }
      writeCart(lines);
      updateCount(lines);
      announce = t("updated");
      schedule(250);
    }

    function removeLine(sku, name) {
      var lines = readCart().filter(function (l) {
        return l.sku !== sku;
      });
      writeCart(lines);
      updateCount(lines);
      announce = format(t("removed"), { name: name });
      var node = list.querySelector("[data-testid='cart-line'][data-sku='" + cssEscape(sku) + "']");
      if (node) node.parentNode.removeChild(node);
      focusAfterRemoval = true;
      schedule(0);
    }

    function cssEscape(value) {
      if (window.CSS && typeof window.CSS.escape === "function") return window.CSS.escape(value);
      return String(value).replace(/["\\\]\[]/g, "\\$&");
    }

    var focusAfterRemoval = false;

    function money(value) {
      return value && typeof value === "object" && typeof value.formatted === "string" ? value.formatted : "";
    }

    function renderLine(line, index) {
      var sku = typeof line.sku === "string" ? line.sku : "";
      var product = line.product && typeof line.product === "object" ? line.product : null;
      var name = product && typeof product.name === "string" && product.name ? product.name : t("unavailable");
      var href = product ? safeUrl(product.href) : null;
      var qty = sanitizeQty(line.quantity) || 1;
      var ok = line.status === "ok";

      var li = el("li", "cart-line" + (ok ? "" : " is-problem"));
      li.setAttribute("data-testid", "cart-line");
      li.setAttribute("data-sku", sku);

      var media = el(href ? "a" : "span", "line-media");
      if (href) {
        media.href = href;
        media.tabIndex = -1;
        media.setAttribute("aria-hidden", "true");
      }
      var image = product && product.image && typeof product.image === "object" ? product.image : null;
      var src = image ? safeUrl(image.src) : null;
      if (src) {
        var img = el("img");
        img.src = src;
        img.alt = "";
        img.width = 240;
        img.height = 300;
        img.decoding = "async";
        media.appendChild(img);
      }
      li.appendChild(media);

      var info = el("div", "line-info");
      var title = el("h3", "line-name");
      if (href) {
        var link = el("a", null, name);
        link.href = href;
        title.appendChild(link);
      } else {
        title.textContent = name;
      }
      info.appendChild(title);
      if (typeof line.variant_label === "string" && line.variant_label) {
        info.appendChild(el("p", "line-variant", line.variant_label));
      } else if (!product && sku) {
        info.appendChild(el("p", "line-variant", sku));
      }
      var unit = money(line.unit_price);
      if (unit) {
        var unitP = el("p", "line-unit");
        unitP.appendChild(el("span", "visually-hidden", t("unit-price") + " "));
        unitP.appendChild(document.createTextNode(unit));
        info.appendChild(unitP);
      }
      if (!ok) {
        var message = el("p", "line-message", typeof line.message === "string" ? line.message : "");
        message.setAttribute("data-testid", "line-message");
        info.appendChild(message);
      }
      li.appendChild(info);

      var controls = el("div", "line-controls");
      var stepper = el("div", "stepper");
      stepper.setAttribute("role", "group");
      stepper.setAttribute("aria-label", format(t("quantity-for"), { name: name }));
      var minus = el("button", null, "\u2212");
      minus.type = "button";
      minus.setAttribute("aria-label", format(t("decrease"), { name: name }));
      minus.setAttribute("data-action", "decrease");
      minus.disabled = qty <= 1;
      var inputId = "qty-" + index;
      var label = el("label", "visually-hidden", format(t("quantity-for"), { name: name }));
      label.htmlFor = inputId;
      var input = el("input");
      input.id = inputId;
      input.type = "number";
      input.inputMode = "numeric";
      input.min = "1";
      input.max = String(MAX_QTY);
      input.step = "1";
      input.value = String(qty);
      input.setAttribute("data-testid", "line-qty");
      input.setAttribute("data-action", "qty");
      var plus = el("button", null, "+");
      plus.type = "button";
      plus.setAttribute("aria-label", format(t("increase"), { name: name }));
      plus.setAttribute("data-action", "increase");
      plus.disabled = qty >= MAX_QTY || line.status === "unknown_variant" || line.status === "retired";
      stepper.appendChild(minus);
      stepper.appendChild(label);
      stepper.appendChild(input);
      stepper.appendChild(plus);
      controls.appendChild(stepper);

      var remove = el("button", "line-remove", t("remove"));
      remove.type = "button";
      remove.setAttribute("data-testid", "line-remove");
      remove.setAttribute("data-action", "remove");
      remove.setAttribute("aria-label", format(t("remove-label"), { name: name }));
      controls.appendChild(remove);
      li.appendChild(controls);

      var total = money(line.line_total);
      var totalP = el("p", "line-total");
      if (total) {
        totalP.appendChild(el("span", "visually-hidden", t("line-total") + " "));
        totalP.appendChild(document.createTextNode(total));
      }
      li.appendChild(totalP);

      function commit() {
        var value = parseInt(input.value, 10);
        if (!isFinite(value) || value < 1 || value > MAX_QTY) {
          input.value = String(qty);
          return;
        }
        if (value !== qty) setQty(sku, value);
      }
      minus.addEventListener("click", function () {
        var value = Math.max(1, (parseInt(input.value, 10) || qty) - 1);
        input.value = String(value);
        minus.disabled = value <= 1;
        setQty(sku, value);
      });
      plus.addEventListener("click", function () {
        var value = Math.min(MAX_QTY, (parseInt(input.value, 10) || qty) + 1);
        input.value = String(value);
        plus.disabled = value >= MAX_QTY;
        minus.disabled = value <= 1;
        setQty(sku, value);
      });
      input.addEventListener("change", commit);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          commit();
        }
      });
      remove.addEventListener("click", function () {
        removeLine(sku, name);
      });
      return li;
    }

    function render(data) {
      // Remember focus so re-rendering does not throw keyboard users back to the top.
      var active = document.activeElement;
      var focusSku = null;
      var focusAction = null;
      if (active && list.contains(active)) {
        var owner = active.closest("[data-testid='cart-line']");
        focusSku = owner ? owner.getAttribute("data-sku") : null;
        focusAction = active.getAttribute("data-action");
      }

      if (data.lines.length === 0) {
        showEmpty();
        return;
      }

      var fragment = document.createDocumentFragment();
      for (var i = 0; i < data.lines.length; i++) {
        if (data.lines[i] && typeof data.lines[i] === "object") fragment.appendChild(renderLine(data.lines[i], i));
      }
      while (list.firstChild) list.removeChild(list.firstChild);
      list.appendChild(fragment);

      if (typeof data.notice === "string" && data.notice) {
        notice.textContent = data.notice;
        notice.hidden = false;
      } else {
        notice.textContent = "";
        notice.hidden = true;
      }
      subtotal.textContent = money(data.subtotal);
      itemCount.textContent = typeof data.item_count === "number" ? String(data.item_count) : "";
      empty.hidden = true;
      filled.hidden = false;
      setStatus(announce);
      announce = "";

      if (focusSku !== null) {
        var lineNode = list.querySelector("[data-testid='cart-line'][data-sku='" + cssEscape(focusSku) + "']");
        var target = lineNode ? lineNode.querySelector("[data-action='" + focusAction + "']") : null;
        if (target && target.disabled) target = lineNode.querySelector("[data-action='qty']");
        if (target) target.focus();
      } else if (focusAfterRemoval) {
        var first = list.querySelector("[data-action='qty']");
        if (first) first.focus();
      }
      focusAfterRemoval = false;
    }

    if (retry) {
      retry.addEventListener("click", function () {
        errorBox.hidden = true;
        setStatus(status ? status.textContent : "");
        quote();
      });
    }

    cartPage = {
      refresh: function () {
        schedule(0);
      }
    };
    quote();
  }

  /* ---------------- cross-tab sync ---------------- */

  function initStorageSync() {
    window.addEventListener("storage", function (event) {
      if (event.storageArea && event.storageArea !== window.localStorage) return;
      if (event.key === null || event.key === CART_KEY) {
        updateCount();
        if (cartPage) cartPage.refresh();
      }
      if (event.key === null || event.key === CURRENCY_KEY) {
        applyCurrency(readCurrency());
        if (cartPage && event.key === CURRENCY_KEY) cartPage.refresh();
      }
    });
  }

  function init() {
    initCartPage();
    initCurrency();
    updateCount();
    initProduct();
    initGallery();
    initStorageSync();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
