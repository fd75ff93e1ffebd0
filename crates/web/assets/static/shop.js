/* LuxeVault storefront script.
 * No libraries, no build step, no cookies. The only storage it touches is the three
 * localStorage keys named on <html data-cart-key>, <html data-currency-key> and
 * <html data-session-key> (the bearer token, from sign-in until sign-out).
 * Server data is always written with textContent / attributes, never as HTML.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var CART_KEY = root.getAttribute("data-cart-key") || "";
  var CURRENCY_KEY = root.getAttribute("data-currency-key") || "";
  var DEFAULT_CURRENCY = root.getAttribute("data-default-currency") || "";
  var QUOTE_URL = root.getAttribute("data-quote-url") || "";
  var SESSION_KEY = root.getAttribute("data-session-key") || "";
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
  // A decorative thumbnail of a product from the quote API (its name is next to it), or null.
  function productThumb(product, width, height) {
    var image = product && product.image && typeof product.image === "object" ? product.image : null;
    var src = image ? safeUrl(image.src) : null;
    if (!src) return null;
    var img = el("img");
    img.src = src;
    img.alt = "";
    img.width = width;
    img.height = height;
    img.decoding = "async";
    return img;
  }

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
        if (checkoutPage) checkoutPage.refresh();
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
    var checkoutLink = page.querySelector("[data-cart-checkout]");
    var checkoutBlocked = page.querySelector("[data-cart-checkout-blocked]");
    var countrySelect = page.querySelector("[data-cart-country]");
    var totalCell = page.querySelector("[data-cart-total]");
    var deliveryRow = page.querySelector("[data-cart-delivery-row]");
    var deliveryName = page.querySelector("[data-cart-delivery-name]");
    var shippingCell = page.querySelector("[data-cart-shipping]");
    var taxAdded = page.querySelector("[data-cart-tax-added]");
    var taxIncluded = page.querySelector("[data-cart-tax-included]");
    var dutiesNote = page.querySelector("[data-cart-duties]");
    var defaultNote = dutiesNote ? dutiesNote.textContent : "";

    /** Delivery to the chosen country, as the checkout will price it (the cheapest way). */
    function renderDelivery(data) {
      if (!totalCell) return;
      var d = data.delivery && typeof data.delivery === "object" ? data.delivery : null;
      totalCell.textContent = money(data.total || data.subtotal);
      while (taxAdded.firstChild) taxAdded.removeChild(taxAdded.firstChild);
      while (taxIncluded.firstChild) taxIncluded.removeChild(taxIncluded.firstChild);
      var options = d && Array.isArray(d.options) ? d.options : [];
      var chosen = null;
      for (var i = 0; i < options.length; i++) if (options[i] && options[i].code === d.chosen) chosen = options[i];
      deliveryRow.hidden = !chosen;
      if (chosen) {
        deliveryName.textContent = String(chosen.name || "");
        shippingCell.textContent = String(chosen.price_text || "");
      }
      var lines = d && Array.isArray(d.tax_lines) ? d.tax_lines : [];
      for (var k = 0; k < lines.length; k++) {
        if (!lines[k] || typeof lines[k] !== "object") continue;
        var fine = d.tax_mode !== "excluded";
        var row = el("div", "summary__row" + (fine ? " summary__row--fine" : ""));
        row.appendChild(el("dt", null, String(lines[k].label || "")));
        var amountCell = el("dd", null, money(lines[k].amount));
        amountCell.setAttribute("data-testid", "cart-tax");
        row.appendChild(amountCell);
        (fine ? taxIncluded : taxAdded).appendChild(row);
      }
      dutiesNote.textContent = d && d.problem ? String(d.problem) : d && d.duties_note ? String(d.duties_note) : defaultNote;
    }

    if (countrySelect) {
      countrySelect.addEventListener("change", function () {
        schedule(0);
      });
    }

    /** Checkout is offered only for a bag whose every line can be ordered as it is. */
    function setCheckout(ready, blocked) {
      if (checkoutLink) checkoutLink.hidden = !ready;
      if (checkoutBlocked) checkoutBlocked.hidden = !blocked;
    }

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
      setCheckout(false, false);
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
        }),
        country: countrySelect && countrySelect.value ? countrySelect.value : undefined
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
      var thumb = productThumb(product, 240, 300);
      if (thumb) media.appendChild(thumb);
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
      var allOk = true;
      for (var k = 0; k < data.lines.length; k++) {
        if (!data.lines[k] || data.lines[k].status !== "ok") allOk = false;
      }
      setCheckout(allOk, !allOk);
      subtotal.textContent = money(data.subtotal);
      renderDelivery(data);
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

  /* ---------------- session and JSON API ---------------- */

  function storageRemove(key) {
    if (!key) return;
    try {
      window.localStorage.removeItem(key);
    } catch (e) {
      /* nothing to do */
    }
  }

  /** The bearer token, if it looks like one (a header value must be plain printable ASCII). */
  function readToken() {
    var raw = storageGet(SESSION_KEY);
    return typeof raw === "string" && /^[\x21-\x7e]{8,512}$/.test(raw) ? raw : null;
  }

  function writeToken(token) {
    if (typeof token !== "string" || !/^[\x21-\x7e]{8,512}$/.test(token)) return false;
    var ok = storageSet(SESSION_KEY, token);
    updateAccountLink();
    return ok;
  }

  function forgetToken() {
    storageRemove(SESSION_KEY);
    updateAccountLink();
  }

  function updateAccountLink() {
    var signedIn = !!readToken();
    var links = document.querySelectorAll("[data-account-link]");
    for (var i = 0; i < links.length; i++) links[i].classList.toggle("is-signed-in", signedIn);
  }

  /**
   * Calls the JSON API. Resolves with {status, ok, data, code, message}; rejects only when the
   * boutique could not be reached. A 401 `not_signed_in` means the token is stale: forget it.
   */
  function api(method, url, body, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var token = options.auth ? readToken() : null;
    if (token) headers.Authorization = "Bearer " + token;
    if (options.headers) {
      for (var name in options.headers) {
        if (Object.prototype.hasOwnProperty.call(options.headers, name)) headers[name] = options.headers[name];
      }
    }
    return fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      // A file (`options.file`): kept as it came, as a Blob; an error is still read as JSON.
      if (options.file && response.ok) {
        return response.blob().then(function (blob) {
          return { status: response.status, ok: true, data: null, blob: blob, error: null, code: "", message: "", sentToken: !!token };
        });
      }
      return response.text().then(function (text) {
        var data = null;
        if (text) {
          try {
            data = JSON.parse(text);
          } catch (e) {
            data = null;
          }
        }
        var error = data && typeof data === "object" && data.error && typeof data.error === "object" ? data.error : null;
        var result = {
          status: response.status,
          ok: response.ok,
          data: data && typeof data === "object" ? data : null,
          error: error,
          code: error && typeof error.code === "string" ? error.code : "",
          message: error && typeof error.message === "string" ? error.message : "",
          sentToken: !!token
        };
        if (response.status === 401 && result.code === "not_signed_in") forgetToken();
        return result;
      });
    });
  }

  /**
   * Hands a Blob to the browser as a download: an object URL on a temporary <a download>, clicked,
   * then removed and revoked. A download is not a fetch, so the strict CSP needs no `blob:`.
   */
  function saveFile(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    try {
      link.click();
    } finally {
      document.body.removeChild(link);
      // Revoked once the browser has had time to take the file.
      window.setTimeout(function () {
        URL.revokeObjectURL(url);
      }, 10000);
    }
  }

  function texts(node) {
    return function (name) {
      return (node && node.getAttribute("data-i18n-" + name)) || "";
    };
  }

  /** The page's own wording for a known error code, else the API's message. */
  function errorMessage(t, result) {
    var local = result.code ? t("code-" + result.code.replace(/_/g, "-")) : "";
    return local || result.message;
  }

  function str(value) {
    return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  }

  /** Dates from the API are ISO 8601; a bare date is shown as that calendar day, wherever the reader is. */
  function toDate(value) {
    if (typeof value === "number" && isFinite(value)) {
      // UTC microseconds (or milliseconds/seconds, judged by size).
      var ms = value > 1e14 ? value / 1000 : value > 1e11 ? value : value * 1000;
      return new Date(ms);
    }
    if (typeof value !== "string" || !value) return null;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(value + "T00:00:00Z");
    if (/^\d+$/.test(value)) return toDate(Number(value));
    return new Date(value);
  }

  function formatDate(value, withTime) {
    var date = toDate(value);
    if (!date) return "";
    var dateOnly = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
    if (isNaN(date.getTime())) return typeof value === "string" ? value : "";
    try {
      var options = { year: "numeric", month: "long", day: "numeric" };
      if (dateOnly) options.timeZone = "UTC";
      else if (withTime) {
        options.hour = "2-digit";
        options.minute = "2-digit";
      }
      return new Intl.DateTimeFormat(LANG || undefined, options).format(date);
    } catch (e) {
      return date.toISOString().slice(0, 10);
    }
  }

  function initLocalDates() {
    var nodes = document.querySelectorAll("time[data-local-date]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var raw = node.getAttribute("datetime") || node.getAttribute("data-epoch-us") || "";
      var text = formatDate(raw, node.hasAttribute("data-with-time"));
      if (!text) continue;
      node.textContent = text;
      if (!node.getAttribute("datetime")) {
        var date = toDate(raw);
        if (date && !isNaN(date.getTime())) node.setAttribute("datetime", date.toISOString());
      }
    }
  }

  /**
   * Country names: when the page only has ISO codes (an option reading "FR"), name them in the
   * page language with the browser's own data, and sort the list by name.
   */
  /** A same-site path to return to after signing in, or null. */
  function safeNext(value) {
    if (typeof value !== "string" || value.charAt(0) !== "/" || value.charAt(1) === "/" || value.charAt(1) === "\\") return null;
    return safeUrl(value);
  }

  function setBusy(form, busy) {
    if (!form) return;
    if (busy) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = busy;
  }

  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field && typeof field.value === "string" ? field.value : "";
  }

  /* ---------------- account page ---------------- */

  function initAccountPage() {
    var page = document.querySelector("[data-account-page]");
    if (!page) return;
    var t = texts(page);
    var heading = page.querySelector("[data-account-heading]");
    var lede = page.querySelector("[data-account-lede]");
    var status = page.querySelector("[data-account-status]");
    var errorBox = page.querySelector("[data-account-error]");
    var errorHome = errorBox.parentNode;
    var errorHomeNext = errorBox.nextSibling;
    var outView = page.querySelector("[data-account-signed-out]");
    var inView = page.querySelector("[data-account-signed-in]");
    var signinForm = page.querySelector("[data-signin-form]");
    var registerForm = page.querySelector("[data-register-form]");
    var forgot = page.querySelector("[data-forgot]");
    var forgotForm = page.querySelector("[data-forgot-form]");
    var forgotDone = page.querySelector("[data-forgot-done]");
    var passwordForm = page.querySelector("[data-password-form]");
    var signout = page.querySelector("[data-signout]");
    var signoutEverywhere = page.querySelector("[data-signout-everywhere]");
    var signoutSlot = page.querySelector("[data-signout-slot]");
    var usernameNode = page.querySelector("[data-account-username]");
    var emailNode = page.querySelector("[data-account-email]");
    var ordersList = page.querySelector("[data-account-orders]");
    var ordersStatus = page.querySelector("[data-orders-status]");
    var ordersEmpty = page.querySelector("[data-orders-empty]");
    var consentBox = page.querySelector("[data-consent-marketing]");
    var consentStatus = page.querySelector("[data-consents-status]");
    var consentSlot = page.querySelector("[data-consents-slot]");
    var objectBox = page.querySelector("[data-object-analytics]");
    var restrictButton = page.querySelector("[data-restrict]");
    var unrestrictButton = page.querySelector("[data-unrestrict]");
    var processingStatus = page.querySelector("[data-processing-status]");
    var processingSlot = page.querySelector("[data-processing-slot]");
    var consentRecords = page.querySelector("[data-consents-records]");
    var consentEmpty = page.querySelector("[data-consents-empty]");
    var consentHistory = page.querySelector("[data-consents-history]");
    var exportForm = page.querySelector("[data-export-form]");
    var detailsForm = page.querySelector("[data-details-form]");
    var eraseForm = page.querySelector("[data-erase-form]");
    var erasedView = page.querySelector("[data-account-erased]");
    var erasedTitle = page.querySelector("[data-account-erased-title]");
    var erasedList = page.querySelector("[data-erased-list]");
    var keptList = page.querySelector("[data-kept-list]");
    var keptNone = page.querySelector("[data-kept-none]");
    var rightsForms = [exportForm, detailsForm, eraseForm];
    var state = "unknown";
    var loadSequence = 0;
    var consentSequence = 0;

    var next = null;
    try {
      next = safeNext(new URLSearchParams(window.location.search).get("next"));
    } catch (e) {
      next = null;
    }

    function say(text) {
      status.textContent = text || "";
    }

    function clearInvalid(form) {
      if (!form) return;
      var invalid = form.querySelectorAll("[aria-invalid='true']");
      for (var i = 0; i < invalid.length; i++) invalid[i].removeAttribute("aria-invalid");
    }

    function clearError() {
      errorBox.hidden = true;
      errorBox.textContent = "";
      var forms = [signinForm, registerForm, forgotForm, passwordForm, exportForm, detailsForm, eraseForm];
      for (var i = 0; i < forms.length; i++) clearInvalid(forms[i]);
    }

    /** One error area, moved next to what failed, so it is both near the form and unique. */
    function showError(slot, message, field) {
      clearError();
      if (slot) slot.appendChild(errorBox);
      else errorHome.insertBefore(errorBox, errorHomeNext);
      errorBox.textContent = message || t("network-error");
      errorBox.hidden = false;
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    }

    function slotOf(form) {
      return form ? form.querySelector("[data-error-slot]") : null;
    }

    /** Empty required fields: say so before asking the boutique. */
    function firstEmpty(form) {
      var fields = form.querySelectorAll("input[required]");
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].value.trim()) return fields[i];
      }
      return null;
    }

    function requireFilled(form) {
      var empty = firstEmpty(form);
      if (empty) {
        showError(slotOf(form), t("required"), empty);
        return false;
      }
      return true;
    }

    function showSignedOut(message) {
      state = "out";
      loadSequence++;
      inView.hidden = true;
      outView.hidden = false;
      lede.hidden = false;
      usernameNode.textContent = "";
      emailNode.textContent = "";
      while (ordersList.firstChild) ordersList.removeChild(ordersList.firstChild);
      resetConsents();
      if (passwordForm) passwordForm.reset();
      resetRights();
      if (erasedView) erasedView.hidden = true;
      say(message || "");
      if (forgot && window.location.hash === "#forgot") {
        forgot.open = true;
      }
    }

    function showSignedIn(account) {
      state = "in";
      outView.hidden = true;
      inView.hidden = false;
      lede.hidden = true;
      if (signinForm) signinForm.reset();
      if (registerForm) registerForm.reset();
      if (erasedView) erasedView.hidden = true;
      showAccount(account);
      loadOrders();
      loadConsents(false);
      loadProcessing();
    }

    /** The greeting, and the details form prefilled with what it greets. */
    function showAccount(account) {
      var username = account && typeof account.username === "string" ? account.username : "";
      var email = account && typeof account.email === "string" ? account.email : "";
      usernameNode.textContent = username;
      emailNode.textContent = email;
      if (detailsForm) {
        detailsForm.elements.namedItem("username").value = username;
        detailsForm.elements.namedItem("email").value = email;
      }
    }

    function doneOf(form) {
      return form ? form.querySelector("[data-form-done]") : null;
    }

    function resetRights() {
      for (var i = 0; i < rightsForms.length; i++) {
        var form = rightsForms[i];
        if (!form) continue;
        form.reset();
        var done = doneOf(form);
        if (done) done.textContent = "";
      }
    }

    /* Consents: the current choice, changed in one step, and every record behind it (its proof). */

    function resetConsents() {
      consentSequence++;
      if (!consentBox) return;
      consentBox.checked = false;
      consentBox.disabled = true;
      consentBox.removeAttribute("aria-busy");
      consentStatus.textContent = consentStatus.getAttribute("data-loading") || "";
      while (consentRecords.firstChild) consentRecords.removeChild(consentRecords.firstChild);
      consentEmpty.hidden = true;
      if (consentHistory) consentHistory.open = false;
    }

    function renderConsentRecord(record) {
      var li = el("li", "consent-log__item");
      li.setAttribute("data-testid", "consent-record");
      li.setAttribute("data-granted", record.granted === true ? "true" : "false");
      var date = formatDate(record.at, true);
      var time = el("time", "consent-log__date", date || str(record.at));
      var moment = toDate(record.at);
      if (moment && !isNaN(moment.getTime())) time.setAttribute("datetime", moment.toISOString());
      li.appendChild(time);
      var what = el("p", "consent-log__what");
      what.appendChild(
        el(
          "span",
          "consent-log__state consent-log__state--" + (record.granted === true ? "given" : "withdrawn"),
          record.granted === true ? t("consent-given") : t("consent-withdrawn")
        )
      );
      var purpose = str(record.purpose);
      var purposeName = purpose ? t("purpose-" + purpose.replace(/[^a-z0-9]+/gi, "-")) || purpose : "";
      if (purposeName) what.appendChild(el("span", "consent-log__purpose", purposeName));
      li.appendChild(what);
      if (record.policy_version !== undefined && record.policy_version !== null && record.policy_version !== "") {
        li.appendChild(el("p", "consent-log__policy", format(t("consent-policy"), { version: str(record.policy_version) })));
      }
      return li;
    }

    /**
     * Fetches the consents and their records. After a change (`refresh`), the choice stays usable and
     * its confirmation stays said while the history is brought up to date.
     */
    function loadConsents(refresh) {
      if (!consentBox) return;
      var mine = ++consentSequence;
      if (!refresh) consentBox.disabled = true;
      api("GET", "/api/v1/account/consents", undefined, { auth: true })
        .then(function (result) {
          if (mine !== consentSequence) return;
          if (result.status === 401 && result.code === "not_signed_in") {
            showSignedOut(t("session-ended"));
            return;
          }
          var data = result.ok && result.data ? result.data : null;
          if (!data || !data.current || typeof data.current !== "object") throw new Error("consents");
          var records = Array.isArray(data.records) ? data.records : [];
          consentBox.checked = data.current.marketing === true;
          consentBox.disabled = false;
          while (consentRecords.firstChild) consentRecords.removeChild(consentRecords.firstChild);
          // Newest first; the API gives them oldest first.
          for (var i = records.length - 1; i >= 0; i--) {
            if (records[i] && typeof records[i] === "object") consentRecords.appendChild(renderConsentRecord(records[i]));
          }
          consentEmpty.hidden = records.length > 0;
          if (!refresh) consentStatus.textContent = "";
        })
        .catch(function () {
          if (mine !== consentSequence || refresh) return;
          consentStatus.textContent = "";
          showError(consentSlot, t("consents-error"));
        });
    }

    if (consentBox) {
      // One change at a time: while one is being recorded, the box does not move.
      consentBox.addEventListener("click", function (event) {
        if (consentBox.getAttribute("aria-busy") === "true") event.preventDefault();
      });
      consentBox.addEventListener("change", function () {
        var granted = consentBox.checked;
        var mine = ++consentSequence;
        clearError();
        say("");
        consentStatus.textContent = "";
        consentBox.setAttribute("aria-busy", "true");
        function revert(message) {
          consentBox.removeAttribute("aria-busy");
          if (mine !== consentSequence) return;
          consentBox.checked = !granted;
          showError(consentSlot, message || t("network-error"));
          consentBox.focus();
        }
        api(
          "POST",
          "/api/v1/account/consents",
          { purpose: "marketing", granted: granted, source: window.location.pathname },
          { auth: true }
        )
          .then(function (result) {
            if (result.ok) {
              consentBox.removeAttribute("aria-busy");
              if (mine !== consentSequence) return;
              consentStatus.textContent = granted ? t("consent-on-saved") : t("consent-off-saved");
              loadConsents(true);
              return;
            }
            if (result.status === 401 && result.code === "not_signed_in") {
              consentBox.removeAttribute("aria-busy");
              showSignedOut(t("session-ended"));
              return;
            }
            // The page's own words: a known code's, else "could not be recorded" in the page language.
            revert((result.code && t("code-" + result.code.replace(/_/g, "-"))) || t("consent-save-error"));
          })
          .catch(function () {
            revert(t("network-error"));
          });
      });
    }

    /* Objection to analytics and restriction: the boutique enforces them; the page only asks. */
    function showProcessing(data) {
      var restricted = data.restricted === true;
      objectBox.checked = !!(data.objections && data.objections.website_analytics === true);
      objectBox.disabled = false;
      restrictButton.hidden = restricted;
      unrestrictButton.hidden = !restricted;
      restrictButton.disabled = false;
      unrestrictButton.disabled = false;
      var since = restricted && data.restriction ? str(data.restriction.since) : "";
      processingStatus.textContent = restricted ? format(t("restricted"), { date: formatDate(since, false) }) : "";
    }

    function loadProcessing() {
      if (!objectBox || !restrictButton || !unrestrictButton) return;
      api("GET", "/api/v1/account/processing", undefined, { auth: true })
        .then(function (result) {
          if (result.status === 401 && result.code === "not_signed_in") {
            showSignedOut(t("session-ended"));
            return;
          }
          if (!result.ok || !result.data || typeof result.data !== "object") throw new Error("processing");
          showProcessing(result.data);
        })
        .catch(function () {
          showError(processingSlot, t("network-error"));
        });
    }

    function changeProcessing(url, body) {
      clearError();
      say("");
      objectBox.disabled = true;
      restrictButton.disabled = true;
      unrestrictButton.disabled = true;
      api("POST", url, body, { auth: true })
        .then(function (result) {
          if (result.status === 401 && result.code === "not_signed_in") {
            showSignedOut(t("session-ended"));
            return;
          }
          if (result.ok) say(t("processing-saved"));
          else showError(processingSlot, result.message || t("network-error"));
          loadProcessing();
        })
        .catch(function () {
          showError(processingSlot, t("network-error"));
          loadProcessing();
        });
    }

    if (objectBox && restrictButton && unrestrictButton) {
      objectBox.addEventListener("change", function () {
        changeProcessing("/api/v1/account/objections", { purpose: "website_analytics", objected: objectBox.checked });
      });
      restrictButton.addEventListener("click", function () {
        changeProcessing("/api/v1/account/requests", { kind: "restriction" });
      });
      unrestrictButton.addEventListener("click", function () {
        changeProcessing("/api/v1/account/restriction/lift", {});
      });
    }

    function renderOrder(order) {
      var number = str(order.number);
      var li = el("li", "order-summary");
      li.setAttribute("data-testid", "account-order");
      li.setAttribute("data-number", number);

      var head = el("div", "order-summary__head");
      var titleBox = el("div", "order-summary__title");
      titleBox.appendChild(el("h3", "order-summary__number", format(t("order"), { number: number })));
      var date = formatDate(order.placed_at, false);
      if (date) {
        var placed = el("p", "order-summary__date");
        var time = el("time", null, format(t("placed"), { date: date }));
        var moment = toDate(order.placed_at);
        if (moment && !isNaN(moment.getTime())) time.setAttribute("datetime", moment.toISOString());
        placed.appendChild(time);
        titleBox.appendChild(placed);
      }
      head.appendChild(titleBox);
      var statusCode = typeof order.status === "string" ? order.status.replace(/[^a-z_]/g, "") : "";
      head.appendChild(el("span", "status status--" + statusCode, str(order.status_label) || statusCode));
      li.appendChild(head);

      var lines = Array.isArray(order.lines) ? order.lines : [];
      if (lines.length) {
        var list = el("ul", "order-summary__lines");
        list.setAttribute("role", "list");
        for (var i = 0; i < lines.length; i++) {
          var line = lines[i];
          if (!line || typeof line !== "object") continue;
          var item = el("li", "order-summary__line");
          var text = el("span", "order-summary__line-text");
          text.appendChild(el("span", "order-summary__line-name", str(line.name)));
          if (line.variant_label) text.appendChild(el("span", "order-summary__line-variant", str(line.variant_label)));
          text.appendChild(el("span", "order-summary__line-qty", t("quantity") + " " + str(line.quantity)));
          item.appendChild(text);
          item.appendChild(el("span", "order-summary__line-total", str(line.line_total)));
          list.appendChild(item);
        }
        li.appendChild(list);
      }
      var total = el("p", "order-summary__total");
      total.appendChild(el("span", null, t("total")));
      total.appendChild(el("span", "order-summary__total-value", str(order.total)));
      li.appendChild(total);
      return li;
    }

    function loadOrders() {
      var mine = ++loadSequence;
      ordersStatus.hidden = false;
      ordersStatus.textContent = ordersStatus.getAttribute("data-loading") || ordersStatus.textContent;
      ordersEmpty.hidden = true;
      api("GET", "/api/v1/account/orders", undefined, { auth: true })
        .then(function (result) {
          if (mine !== loadSequence) return;
          if (result.status === 401 && result.code === "not_signed_in") {
            showSignedOut(t("session-ended"));
            return;
          }
          var orders = result.ok && result.data && Array.isArray(result.data.orders) ? result.data.orders : null;
          if (!orders) throw new Error("orders");
          while (ordersList.firstChild) ordersList.removeChild(ordersList.firstChild);
          for (var i = 0; i < orders.length; i++) {
            if (orders[i] && typeof orders[i] === "object") ordersList.appendChild(renderOrder(orders[i]));
          }
          ordersStatus.hidden = true;
          ordersEmpty.hidden = orders.length > 0;
        })
        .catch(function () {
          if (mine !== loadSequence) return;
          ordersStatus.hidden = false;
          ordersStatus.textContent = t("orders-error");
        });
    }

    function load() {
      if (!readToken()) {
        showSignedOut("");
        return;
      }
      api("GET", "/api/v1/account", undefined, { auth: true })
        .then(function (result) {
          if (result.ok && result.data) {
            showSignedIn(result.data);
          } else if (result.status === 401) {
            showSignedOut(result.code === "not_signed_in" ? t("session-ended") : "");
          } else {
            showError(null, result.message);
          }
        })
        .catch(function () {
          showError(null, t("network-error"));
        });
    }

    function signedIn(result) {
      var data = result.data || {};
      if (!writeToken(data.token)) {
        showError(null, t("network-error"));
        return;
      }
      if (next) {
        window.location.assign(next);
        return;
      }
      clearError();
      showSignedIn(data.account || {});
      say("");
      if (heading) heading.focus();
    }

    var fieldFor = {
      invalid_username: "username",
      username_taken: "username",
      invalid_email: "email",
      account_exists: "email",
      weak_password: "password"
    };

    function submitter(form, handler) {
      if (!form) return;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (form.getAttribute("aria-busy") === "true") return;
        clearError();
        say("");
        if (!requireFilled(form)) return;
        setBusy(form, true);
        handler()
          .then(function () {
            setBusy(form, false);
          })
          .catch(function () {
            setBusy(form, false);
            showError(slotOf(form), t("network-error"));
          });
      });
    }

    submitter(signinForm, function () {
      return api("POST", "/api/v1/account/login", {
        email: value(signinForm, "email").trim(),
        password: value(signinForm, "password")
      }).then(function (result) {
        if (result.ok) {
          signedIn(result);
          return;
        }
        var pw = signinForm.elements.namedItem("password");
        if (pw) pw.value = "";
        showError(slotOf(signinForm), errorMessage(t, result));
      });
    });

    function marketingOptIn() {
      var box = registerForm.elements.namedItem("marketing_opt_in");
      return !!(box && box.type === "checkbox" && box.checked);
    }

    submitter(registerForm, function () {
      return api("POST", "/api/v1/account/register", {
        username: value(registerForm, "username").trim(),
        email: value(registerForm, "email").trim(),
        password: value(registerForm, "password"),
        lang: LANG,
        // Only an explicit tick counts (P22): the box is never ticked for the customer.
        marketing_opt_in: marketingOptIn()
      }).then(function (result) {
        if (result.ok) {
          signedIn(result);
          return;
        }
        var name = fieldFor[result.code];
        showError(slotOf(registerForm), errorMessage(t, result), name ? registerForm.elements.namedItem(name) : null);
      });
    });

    submitter(forgotForm, function () {
      forgotDone.hidden = true;
      return api("POST", "/api/v1/account/password-reset", { email: value(forgotForm, "email").trim() }).then(
        function (result) {
          if (result.ok) {
            forgotDone.textContent = t("reset-sent");
            forgotDone.hidden = false;
            return;
          }
          showError(slotOf(forgotForm), errorMessage(t, result));
        }
      );
    });

    submitter(passwordForm, function () {
      return api(
        "POST",
        "/api/v1/account/password",
        { current_password: value(passwordForm, "current_password"), new_password: value(passwordForm, "new_password") },
        { auth: true }
      ).then(function (result) {
        if (result.ok && result.data && writeToken(result.data.token)) {
          passwordForm.reset();
          say(t("password-changed"));
          return;
        }
        if (result.status === 401 && result.code === "not_signed_in") {
          showSignedOut(t("session-ended"));
          return;
        }
        var field = null;
        if (result.code === "weak_password") field = passwordForm.elements.namedItem("new_password");
        else if (result.status === 401) field = passwordForm.elements.namedItem("current_password");
        showError(slotOf(passwordForm), result.code === "invalid_credentials" ? t("current-wrong") : errorMessage(t, result), field);
      });
    });

    function signOutWith(url, message, button) {
      button.addEventListener("click", function () {
        if (button.disabled) return;
        clearError();
        say("");
        signout.disabled = true;
        signoutEverywhere.disabled = true;
        function done() {
          signout.disabled = false;
          signoutEverywhere.disabled = false;
        }
        api("POST", url, undefined, { auth: true })
          .then(function (result) {
            done();
            if (result.ok || result.status === 401) {
              forgetToken();
              showSignedOut(message);
              if (heading) heading.focus();
            } else {
              showError(signoutSlot, result.message);
            }
          })
          .catch(function () {
            done();
            showError(signoutSlot, t("network-error"));
          });
      });
    }
    signOutWith("/api/v1/account/logout", t("signed-out"), signout);
    signOutWith("/api/v1/account/logout-everywhere", t("signed-out-everywhere"), signoutEverywhere);

    /* Rights over the data (P16): each asks for the password again, answered in the form's own slot. */

    function rightsFailed(form, result) {
      if (result.status === 401 && result.code === "not_signed_in") {
        showSignedOut(t("session-ended"));
        return;
      }
      var password = form.elements.namedItem("password");
      if (result.code === "invalid_credentials") {
        if (password) password.value = "";
        showError(slotOf(form), t("data-password-wrong"), password);
        return;
      }
      var name = fieldFor[result.code];
      var field = name && name !== "password" ? form.elements.namedItem(name) : null;
      var local = result.code ? t("data-code-" + result.code.replace(/_/g, "-")) : "";
      showError(slotOf(form), local || errorMessage(t, result) || t("network-error"), field);
    }

    submitter(exportForm, function () {
      var done = doneOf(exportForm);
      done.textContent = "";
      return api("POST", "/api/v1/account/export", { password: value(exportForm, "password") }, { auth: true, file: true }).then(
        function (result) {
          if (result.ok && result.blob) {
            exportForm.elements.namedItem("password").value = "";
            saveFile(result.blob, "my-data.zip");
            done.textContent = t("data-export-done");
            return;
          }
          rightsFailed(exportForm, result);
        }
      );
    });

    submitter(detailsForm, function () {
      var done = doneOf(detailsForm);
      done.textContent = "";
      return api(
        "POST",
        "/api/v1/account/details",
        {
          password: value(detailsForm, "password"),
          username: value(detailsForm, "username").trim(),
          email: value(detailsForm, "email").trim()
        },
        { auth: true }
      ).then(function (result) {
        if (result.ok && result.data) {
          showAccount(result.data);
          detailsForm.elements.namedItem("password").value = "";
          done.textContent = t("data-details-done");
          return;
        }
        rightsFailed(detailsForm, result);
      });
    });

    /** After erasure: the account gives way to what was erased and what was kept, and why. */
    function showErased(data) {
      state = "erased";
      loadSequence++;
      consentSequence++;
      inView.hidden = true;
      outView.hidden = true;
      lede.hidden = true;
      usernameNode.textContent = "";
      emailNode.textContent = "";
      while (ordersList.firstChild) ordersList.removeChild(ordersList.firstChild);
      resetConsents();
      if (passwordForm) passwordForm.reset();
      resetRights();
      var erased = data && Array.isArray(data.erased) ? data.erased : [];
      var kept = data && Array.isArray(data.kept) ? data.kept : [];
      erasedList.textContent = "";
      for (var i = 0; i < erased.length; i++) {
        var item = el("li", "centre-list__item", str(erased[i]));
        item.setAttribute("data-testid", "erased-item");
        erasedList.appendChild(item);
      }
      keptList.textContent = "";
      for (var j = 0; j < kept.length; j++) {
        var entry = kept[j] && typeof kept[j] === "object" ? kept[j] : { what: kept[j] };
        var li = el("li", "centre-list__item");
        li.setAttribute("data-testid", "kept-item");
        li.appendChild(el("span", "centre-list__what", str(entry.what)));
        if (entry.why) li.appendChild(el("span", "centre-list__why", str(entry.why)));
        keptList.appendChild(li);
      }
      keptNone.hidden = kept.length > 0;
      erasedView.hidden = false;
      if (erasedTitle) erasedTitle.focus();
    }

    submitter(eraseForm, function () {
      var confirmBox = eraseForm.elements.namedItem("confirm");
      if (!confirmBox.checked) {
        showError(slotOf(eraseForm), t("data-confirm-required"), confirmBox);
        return Promise.resolve();
      }
      return api("POST", "/api/v1/account/erase", { password: value(eraseForm, "password") }, { auth: true }).then(
        function (result) {
          if (result.ok) {
            // The account no longer exists: neither does the session.
            forgetToken();
            showErased(result.data);
            return;
          }
          rightsFailed(eraseForm, result);
        }
      );
    });
    if (eraseForm) {
      eraseForm.elements.namedItem("confirm").addEventListener("change", function (event) {
        if (event.target.checked) event.target.removeAttribute("aria-invalid");
      });
    }

    ordersStatus.setAttribute("data-loading", ordersStatus.textContent);

    window.addEventListener("storage", function (event) {
      if (event.key !== null && event.key !== SESSION_KEY) return;
      var signed = !!readToken();
      if (signed && state !== "in") load();
      else if (!signed && state === "in") showSignedOut(t("signed-out"));
    });

    load();
  }

  /* ---------------- password reset page ---------------- */

  function initResetPage() {
    var page = document.querySelector("[data-reset-page]");
    if (!page) return;
    var t = texts(page);
    var form = page.querySelector("[data-reset-form]");
    var errorBox = page.querySelector("[data-reset-error]");
    var errorText = page.querySelector("[data-reset-error-text]");
    var again = page.querySelector("[data-reset-again]");
    var done = page.querySelector("[data-reset-done]");
    var input = form.elements.namedItem("new_password");
    var url = page.getAttribute("data-confirm-url");

    // The link carries the token in its fragment (#token=…), which is never sent to a server;
    // links mailed before then carried it in the query string, which still works.
    var token = null;
    try {
      var fromHash = /^#token=([0-9a-f]{64})$/.exec(window.location.hash || "");
      token = fromHash ? fromHash[1] : new URLSearchParams(window.location.search).get("token");
    } catch (e) {
      token = null;
    }
    // Keep the secret out of the history and of any later Referer.
    if (token && window.history && window.history.replaceState) {
      try {
        window.history.replaceState(null, "", window.location.pathname);
      } catch (e) {
        /* nothing to do */
      }
    }

    function show(message, offerAgain) {
      errorText.textContent = message;
      again.hidden = !offerAgain;
      errorBox.hidden = false;
    }

    if (!token) show(t("missing-token"), true);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true") return;
      errorBox.hidden = true;
      input.removeAttribute("aria-invalid");
      if (!token) {
        show(t("missing-token"), true);
        return;
      }
      if (!input.value) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      setBusy(form, true);
      api("POST", url, { token: token, new_password: input.value })
        .then(function (result) {
          setBusy(form, false);
          if (result.ok) {
            input.value = "";
            form.hidden = true;
            done.hidden = false;
            var heading = page.querySelector("[data-reset-heading]");
            if (heading) heading.focus();
            return;
          }
          if (result.code === "weak_password") {
            input.setAttribute("aria-invalid", "true");
            show(result.message || t("network-error"), false);
            input.focus();
            return;
          }
          show(errorMessage(t, result) || t("network-error"), result.status === 400);
        })
        .catch(function () {
          setBusy(form, false);
          show(t("network-error"), false);
        });
    });
  }

  /* ---------------- privacy centre ---------------- */

  /**
   * A request about the data held under an email address: the right and the address, then the
   * code sent there, then the outcome (a download link, what was erased and kept, or the due
   * date). Nothing of it is stored in the browser: a reload starts again.
   */
  function initPrivacyCentre() {
    var page = document.querySelector("[data-centre-page]");
    if (!page) return;
    var t = texts(page);
    var requestUrl = page.getAttribute("data-request-url") || "/api/v1/privacy/requests";
    var stepTitle = page.querySelector("[data-centre-step-title]");
    var errorBox = page.querySelector("[data-centre-error]");
    var requestForm = page.querySelector("[data-centre-request-form]");
    var codeForm = page.querySelector("[data-centre-code-form]");
    var codeSent = page.querySelector("[data-centre-code-sent]");
    var outcome = page.querySelector("[data-centre-outcome]");
    var ready = page.querySelector("[data-centre-ready]");
    var download = page.querySelector("[data-centre-download]");
    // The archive's token is posted with the download, never put in a URL.
    var downloadToken = "";
    download.addEventListener("click", function (event) {
      event.preventDefault();
      var href = download.getAttribute("href");
      if (!downloadToken || !href || href === "#") return;
      api("POST", href, { token: downloadToken }, { file: true })
        .then(function (result) {
          if (result.ok && result.blob) {
            saveFile(result.blob, "my-data.zip");
          } else {
            showError(result.message || t("network-error"));
          }
        })
        .catch(function () {
          showError(t("network-error"));
        });
    });
    var expires = page.querySelector("[data-centre-expires]");
    var erasedBox = page.querySelector("[data-centre-erased]");
    var erasedList = page.querySelector("[data-centre-erased-list]");
    var keptList = page.querySelector("[data-centre-kept-list]");
    var keptNone = page.querySelector("[data-centre-kept-none]");
    var restrictedBox = page.querySelector("[data-centre-restricted]");
    var notifiedBox = page.querySelector("[data-centre-notified]");
    var notifiedList = page.querySelector("[data-centre-notified-list]");
    var openBox = page.querySelector("[data-centre-open]");
    var due = page.querySelector("[data-centre-due]");
    var kindSelect = requestForm.elements.namedItem("kind");
    var kindHint = page.querySelector("[data-centre-kind-hint]");
    var kindHintDefault = kindHint ? kindHint.textContent : "";
    var emailInput = requestForm.elements.namedItem("email");
    var codeInput = codeForm.elements.namedItem("code");
    var requestId = null;

    // Signed in: the account does the same at once, with the password.
    var accountNote = page.querySelector("[data-centre-signed-in]");
    if (accountNote) accountNote.hidden = !readToken();

    function clearError() {
      errorBox.hidden = true;
      errorBox.textContent = "";
      var invalid = page.querySelectorAll("[aria-invalid='true']");
      for (var i = 0; i < invalid.length; i++) invalid[i].removeAttribute("aria-invalid");
    }

    function showError(message, field) {
      clearError();
      errorBox.textContent = message || t("network-error");
      errorBox.hidden = false;
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    }

    function step(name) {
      requestForm.hidden = name !== "request";
      codeForm.hidden = name !== "code";
      outcome.hidden = name !== "ready" && name !== "completed" && name !== "open" && name !== "restricted";
      ready.hidden = name !== "ready";
      erasedBox.hidden = name !== "completed";
      if (restrictedBox) restrictedBox.hidden = name !== "restricted";
      if (notifiedBox) notifiedBox.hidden = !((name === "completed" || name === "restricted") && notifiedList.childNodes.length > 0);
      openBox.hidden = name !== "open";
      stepTitle.textContent = t("title-" + name) || stepTitle.textContent;
      stepTitle.focus();
    }

    function syncKindHint() {
      if (!kindHint) return;
      var option = kindSelect.options[kindSelect.selectedIndex];
      var description = option && option.value ? option.getAttribute("data-description") : "";
      kindHint.textContent = description || kindHintDefault;
    }
    kindSelect.addEventListener("change", function () {
      syncKindHint();
      if (kindSelect.value) kindSelect.removeAttribute("aria-invalid");
    });
    syncKindHint();

    function items(list, values, render) {
      list.textContent = "";
      for (var i = 0; i < values.length; i++) list.appendChild(render(values[i]));
    }

    function showOutcome(data) {
      var status = data && typeof data.status === "string" ? data.status : "";
      if (status === "ready") {
        var href = safeUrl(str(data.download_url));
        if (!href) {
          showError(t("network-error"));
          return;
        }
        download.setAttribute("href", href);
        downloadToken = str(data.download_token);
        expires.textContent = format(t("expires"), { date: formatDate(str(data.expires_at), true) });
        step("ready");
      } else if (status === "completed" || status === "restricted") {
        // Art. 19: the recipients told of the erasure or restriction, by name.
        var notified = Array.isArray(data.notified) ? data.notified : [];
        if (notifiedList) {
          items(notifiedList, notified, function (entry) {
            return el("li", "centre-list__item", str(entry && entry.name));
          });
        }
        if (data.restricted === true) {
          step("restricted");
          return;
        }
        var erased = Array.isArray(data.erased) ? data.erased : [];
        var kept = Array.isArray(data.kept) ? data.kept : [];
        items(erasedList, erased, function (what) {
          return el("li", "centre-list__item", str(what));
        });
        items(keptList, kept, function (entry) {
          var li = el("li", "centre-list__item");
          li.appendChild(el("span", "centre-list__what", str(entry && entry.what)));
          if (entry && entry.why) li.appendChild(el("span", "centre-list__why", str(entry.why)));
          return li;
        });
        keptNone.hidden = kept.length > 0;
        step("completed");
      } else {
        due.textContent = format(t("due"), { date: formatDate(str(data && data.due_at), false) });
        step("open");
      }
    }

    function busy(form, on) {
      setBusy(form, on);
      var submit = form.querySelector("button[type='submit']");
      if (!submit) return;
      if (on) {
        submit.setAttribute("data-label", submit.textContent);
        submit.textContent = t("working") || submit.textContent;
      } else if (submit.hasAttribute("data-label")) {
        submit.textContent = submit.getAttribute("data-label");
        submit.removeAttribute("data-label");
      }
    }

    requestForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (requestForm.getAttribute("aria-busy") === "true") return;
      clearError();
      var kind = kindSelect.value;
      var email = emailInput.value.trim();
      if (!kind) return showError(t("required-kind"), kindSelect);
      if (!email) return showError(t("required-email"), emailInput);
      busy(requestForm, true);
      api("POST", requestUrl, { kind: kind, email: email, lang: LANG })
        .then(function (result) {
          busy(requestForm, false);
          if (result.ok && result.data && typeof result.data.request_id === "string") {
            requestId = result.data.request_id;
            codeSent.textContent = format(t("code-sent"), { email: email });
            codeInput.value = "";
            step("code");
            codeInput.focus();
            return;
          }
          var field = result.code === "invalid_email" ? emailInput : result.code === "invalid_kind" ? kindSelect : null;
          showError(errorMessage(t, result) || t("network-error"), field);
        })
        .catch(function () {
          busy(requestForm, false);
          showError(t("network-error"));
        });
    });

    codeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (codeForm.getAttribute("aria-busy") === "true" || !requestId) return;
      clearError();
      var code = codeInput.value.replace(/\s+/g, "");
      if (!code) return showError(t("required-code"), codeInput);
      busy(codeForm, true);
      api("POST", requestUrl + "/" + encodeURIComponent(requestId) + "/verify", { code: code, lang: LANG })
        .then(function (result) {
          busy(codeForm, false);
          if (result.ok) {
            codeInput.value = "";
            showOutcome(result.data);
            return;
          }
          if (result.code === "too_many_attempts") return showError(t("code-too-many-tries"));
          showError(errorMessage(t, result) || t("network-error"), result.code === "invalid_code" ? codeInput : null);
        })
        .catch(function () {
          busy(codeForm, false);
          showError(t("network-error"));
        });
    });

    /** Back to the first step, the right and the address kept, for a new code. */
    function restart(clear) {
      requestId = null;
      clearError();
      codeInput.value = "";
      download.setAttribute("href", "#");
      downloadToken = "";
      erasedList.textContent = "";
      keptList.textContent = "";
      if (notifiedList) notifiedList.textContent = "";
      if (clear) {
        kindSelect.selectedIndex = 0;
        emailInput.value = "";
        syncKindHint();
      }
      step("request");
    }
    var again = page.querySelector("[data-centre-restart]");
    if (again) again.addEventListener("click", function () { restart(false); });
    var another = page.querySelector("[data-centre-again]");
    if (another) another.addEventListener("click", function () { restart(true); });
  }

  /* ---------------- checkout page ---------------- */

  /** Where a payment provider may send the browser: this site, or an https page. */
  function paymentUrl(value) {
    if (typeof value !== "string" || value === "") return null;
    try {
      var url = new URL(value, window.location.href);
      if (url.origin === window.location.origin) return url.pathname + url.search + url.hash;
      return url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function initCheckoutPage() {
    var page = document.querySelector("[data-checkout-page]");
    if (!page) return;
    var t = texts(page);
    var form = page.querySelector("[data-checkout-form]");
    var filled = page.querySelector("[data-checkout-filled]");
    var empty = page.querySelector("[data-checkout-empty]");
    var status = page.querySelector("[data-checkout-status]");
    var notice = page.querySelector("[data-checkout-notice]");
    var linesList = page.querySelector("[data-checkout-lines]");
    var subtotal = page.querySelector("[data-checkout-subtotal]");
    var totalCell = page.querySelector("[data-checkout-total]");
    var deliverySection = page.querySelector("[data-checkout-delivery-section]");
    var deliveryOptions = page.querySelector("[data-checkout-delivery-options]");
    var dutiesNote = page.querySelector("[data-checkout-duties]");
    var deliveryRow = page.querySelector("[data-checkout-delivery-row]");
    var deliveryName = page.querySelector("[data-checkout-delivery-name]");
    var shippingCell = page.querySelector("[data-checkout-shipping]");
    var taxAdded = page.querySelector("[data-checkout-tax-added]");
    var taxIncluded = page.querySelector("[data-checkout-tax-included]");
    var chosenDelivery = "";
    var deliveryProblem = false;
    var errorBox = page.querySelector("[data-checkout-error]");
    var errorText = page.querySelector("[data-checkout-error-text]");
    var errorLink = page.querySelector("[data-checkout-error-link]");
    var submit = page.querySelector("[data-checkout-submit]");
    var guestLine = page.querySelector("[data-checkout-guest]");
    var memberLine = page.querySelector("[data-checkout-member]");
    var memberName = page.querySelector("[data-checkout-member-name]");
    var idempotencyKey = page.getAttribute("data-idempotency-key") || "";
    var ordersUrl = page.getAttribute("data-orders-url") || "/api/v1/orders";
    var submitLabel = submit.textContent;
    var FIELDS = ["name", "email", "phone", "address_line1", "address_line2", "city", "postcode", "country"];
    var REQUIRED = ["name", "email", "phone", "address_line1", "city", "postcode", "country"];
    var inFlight = false;
    var leaving = false;
    var cartProblem = false;
    var sequence = 0;

    function field(name) {
      return form.querySelector("[data-field='" + name + "']");
    }

    function showError(message, link) {
      errorText.textContent = message || t("network-error");
      if (link) {
        errorLink.textContent = link.text;
        errorLink.href = link.href;
        errorLink.hidden = false;
      } else {
        errorLink.hidden = true;
        errorLink.removeAttribute("href");
      }
      errorBox.hidden = false;
    }

    function clearError() {
      errorBox.hidden = true;
      errorText.textContent = "";
      errorLink.hidden = true;
    }

    function syncSubmit() {
      submit.disabled = inFlight || leaving || cartProblem || deliveryProblem;
    }

    function formatted(value) {
      return value && typeof value.formatted === "string" ? value.formatted : "";
    }

    function taxRow(line, fine) {
      var row = el("div", "summary__row" + (fine ? " summary__row--fine" : ""));
      row.appendChild(el("dt", null, str(line.label)));
      var amount = el("dd", null, formatted(line.amount));
      amount.setAttribute("data-testid", "checkout-tax");
      row.appendChild(amount);
      return row;
    }

    // Delivery and tax to the chosen country, from the quote: the ways offered, the duties
    // terms, and the lines of the total.
    function renderDelivery(delivery, data) {
      while (deliveryOptions.firstChild) deliveryOptions.removeChild(deliveryOptions.firstChild);
      while (taxAdded.firstChild) taxAdded.removeChild(taxAdded.firstChild);
      while (taxIncluded.firstChild) taxIncluded.removeChild(taxIncluded.firstChild);
      totalCell.textContent = formatted(data.total) || formatted(data.subtotal);
      deliveryProblem = false;
      if (!delivery || typeof delivery !== "object") {
        deliverySection.hidden = true;
        deliveryRow.hidden = true;
        return;
      }
      var options = Array.isArray(delivery.options) ? delivery.options : [];
      for (var i = 0; i < options.length; i++) {
        var option = options[i];
        if (!option || typeof option.code !== "string") continue;
        var label = el("label", "choice");
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "delivery";
        radio.value = option.code;
        radio.checked = option.code === delivery.chosen;
        radio.setAttribute("data-testid", "delivery-" + option.code);
        label.appendChild(radio);
        label.appendChild(el("span", "choice__label", str(option.name) + " — " + str(option.price_text)));
        deliveryOptions.appendChild(label);
      }
      deliverySection.hidden = options.length === 0 && !delivery.problem;
      dutiesNote.textContent = str(delivery.duties_note);
      if (typeof delivery.chosen === "string") chosenDelivery = delivery.chosen;
      var chosen = null;
      for (var j = 0; j < options.length; j++) if (options[j] && options[j].code === delivery.chosen) chosen = options[j];
      deliveryRow.hidden = !chosen;
      if (chosen) {
        deliveryName.textContent = str(chosen.name);
        shippingCell.textContent = str(chosen.price_text);
      }
      var lines = Array.isArray(delivery.tax_lines) ? delivery.tax_lines : [];
      for (var k = 0; k < lines.length; k++) {
        if (!lines[k] || typeof lines[k] !== "object") continue;
        if (delivery.tax_mode === "excluded") taxAdded.appendChild(taxRow(lines[k], false));
        else taxIncluded.appendChild(taxRow(lines[k], true));
      }
      if (typeof delivery.problem === "string" && delivery.problem) {
        deliveryProblem = true;
        showError(delivery.problem);
      } else if (errorBox.getAttribute("data-delivery-error") === "1") {
        clearError();
      }
      errorBox.setAttribute("data-delivery-error", deliveryProblem ? "1" : "0");
    }

    function clearFieldErrors() {
      for (var i = 0; i < FIELDS.length; i++) setFieldError(FIELDS[i], null);
    }

    function fieldMessage(name, code) {
      if (code === "invalid") {
        var specific = t("invalid-" + name);
        if (specific) return specific;
      }
      return t(code === "too_long" ? "too-long" : code === "card_number" ? "card-number" : code) || t("invalid");
    }

    function setFieldError(name, code) {
      var input = field(name);
      var message = form.querySelector("[data-field-error='" + name + "']");
      if (!input || !message) return;
      var hint = input.getAttribute("aria-describedby") || "";
      var ids = hint.split(/\s+/).filter(function (id) {
        return id && id !== message.id;
      });
      if (code) {
        message.textContent = fieldMessage(name, code);
        message.hidden = false;
        input.setAttribute("aria-invalid", "true");
        ids.push(message.id);
      } else {
        message.textContent = "";
        message.hidden = true;
        input.removeAttribute("aria-invalid");
      }
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
      else input.removeAttribute("aria-describedby");
    }

    function markFields(list) {
      var first = null;
      for (var i = 0; i < list.length; i++) {
        var item = list[i];
        if (!item || typeof item.field !== "string" || FIELDS.indexOf(item.field) === -1) continue;
        setFieldError(item.field, typeof item.code === "string" ? item.code : "invalid");
        if (!first) first = item.field;
      }
      // Focus the first marked field in the order of the form.
      for (var j = 0; j < FIELDS.length; j++) {
        var input = field(FIELDS[j]);
        if (input && input.getAttribute("aria-invalid") === "true") {
          input.focus();
          break;
        }
      }
      return first !== null;
    }

    function renderLine(line) {
      var product = line.product && typeof line.product === "object" ? line.product : null;
      var ok = line.status === "ok";
      var li = el("li", "summary-line" + (ok ? "" : " is-problem"));
      li.setAttribute("data-sku", str(line.sku));
      var media = el("span", "summary-line__media");
      var thumb = productThumb(product, 120, 150);
      if (thumb) media.appendChild(thumb);
      var qty = sanitizeQty(line.quantity);
      li.appendChild(media);
      var info = el("div", "summary-line__info");
      info.appendChild(el("p", "summary-line__name", product && product.name ? str(product.name) : t("unavailable")));
      if (line.variant_label) info.appendChild(el("p", "summary-line__variant", str(line.variant_label)));
      info.appendChild(el("p", "summary-line__qty", t("quantity") + " " + String(qty || str(line.quantity))));
      if (!ok && typeof line.message === "string" && line.message) {
        info.appendChild(el("p", "line-message", line.message));
      }
      li.appendChild(info);
      var total = line.line_total && typeof line.line_total.formatted === "string" ? line.line_total.formatted : "";
      li.appendChild(el("p", "summary-line__total", total));
      return li;
    }

    function showEmpty() {
      filled.hidden = true;
      empty.hidden = false;
      status.textContent = "";
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
      var country = field("country");
      api("POST", QUOTE_URL, {
        currency: readCurrency(),
        lang: LANG,
        lines: lines.map(function (l) {
          return { sku: l.sku, quantity: l.qty };
        }),
        country: country && country.value ? country.value : undefined,
        delivery: chosenDelivery || undefined
      })
        .then(function (result) {
          if (mine !== sequence) return;
          var data = result.data;
          if (!result.ok || !data || !Array.isArray(data.lines)) throw new Error("quote");
          if (data.lines.length === 0) {
            showEmpty();
            return;
          }
          while (linesList.firstChild) linesList.removeChild(linesList.firstChild);
          cartProblem = false;
          for (var i = 0; i < data.lines.length; i++) {
            var line = data.lines[i];
            if (!line || typeof line !== "object") continue;
            if (line.status !== "ok") cartProblem = true;
            linesList.appendChild(renderLine(line));
          }
          subtotal.textContent = data.subtotal && typeof data.subtotal.formatted === "string" ? data.subtotal.formatted : "";
          if (data.delivery && data.delivery.problem_code === "unknown_choice" && chosenDelivery) {
            // The choice is not offered for the new country: take the first that is.
            chosenDelivery = "";
            quote();
            return;
          }
          renderDelivery(data.delivery, data);
          if (typeof data.notice === "string" && data.notice) {
            notice.textContent = data.notice;
            notice.hidden = false;
          } else {
            notice.hidden = true;
          }
          if (cartProblem) {
            showError(t("bag-attention"), { text: t("back-to-bag"), href: CART_URL });
          } else if (errorLink.getAttribute("href") === CART_URL) {
            clearError();
          }
          syncSubmit();
          status.textContent = "";
          empty.hidden = true;
          filled.hidden = false;
        })
        .catch(function () {
          if (mine !== sequence) return;
          status.textContent = t("quote-error");
        });
    }

    function prefill() {
      if (!readToken()) return;
      api("GET", "/api/v1/account", undefined, { auth: true })
        .then(function (result) {
          if (!result.ok || !result.data) return;
          var email = field("email");
          if (email && !email.value && typeof result.data.email === "string") email.value = result.data.email;
          if (typeof result.data.username === "string" && result.data.username) {
            memberName.textContent = result.data.username;
            memberLine.hidden = false;
            guestLine.hidden = true;
          }
        })
        .catch(function () {
          /* The form works without it. */
        });
    }

    function contact() {
      var body = {};
      for (var i = 0; i < FIELDS.length; i++) {
        var input = field(FIELDS[i]);
        body[FIELDS[i]] = input ? String(input.value || "").trim() : "";
      }
      return body;
    }

    // A new country re-prices delivery and tax; a new delivery re-prices the total.
    var countrySelect = field("country");
    if (countrySelect) {
      countrySelect.addEventListener("change", function () {
        chosenDelivery = "";
        quote();
      });
    }
    deliveryOptions.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.name === "delivery") {
        chosenDelivery = target.value;
        quote();
      }
    });

    for (var f = 0; f < FIELDS.length; f++) {
      (function (name) {
        var input = field(name);
        if (!input) return;
        input.addEventListener(input.tagName === "SELECT" ? "change" : "input", function () {
          if (input.getAttribute("aria-invalid") === "true") setFieldError(name, null);
        });
      })(FIELDS[f]);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (inFlight || leaving) return;
      clearError();
      clearFieldErrors();
      var lines = readCart();
      if (lines.length === 0) {
        showEmpty();
        return;
      }
      var details = contact();
      var missing = [];
      for (var i = 0; i < REQUIRED.length; i++) {
        if (!details[REQUIRED[i]]) missing.push({ field: REQUIRED[i], code: "required" });
      }
      if (missing.length) {
        markFields(missing);
        showError(t("check-fields"));
        return;
      }
      inFlight = true;
      syncSubmit();
      submit.textContent = t("placing");
      page.setAttribute("aria-busy", "true");
      var headers = {};
      if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
      api(
        "POST",
        ordersUrl,
        {
          lang: LANG,
          currency: readCurrency(),
          lines: lines.map(function (l) {
            return { sku: l.sku, quantity: l.qty };
          }),
          contact: details,
          delivery: chosenDelivery || undefined
        },
        { auth: true, headers: headers }
      )
        .then(function (result) {
          if (result.ok && result.data) {
            var payment = result.data.payment && typeof result.data.payment === "object" ? result.data.payment : {};
            var target = paymentUrl(payment.redirect_url);
            if (target) {
              leaving = true;
              storageSet(CART_KEY, JSON.stringify({ v: 1, lines: [] }));
              updateCount([]);
              window.location.assign(target);
              return;
            }
            showError(result.message);
            return;
          }
          var error = result.error || {};
          if (result.status === 422 && result.code === "invalid_fields" && Array.isArray(error.fields)) {
            markFields(error.fields);
            showError(t("check-fields"));
          } else if (result.code === "cart_changed" || result.code === "out_of_stock") {
            showError(result.message || t("cart-changed"), { text: t("back-to-bag"), href: CART_URL });
            quote();
          } else if (result.code === "not_delivered" || result.code === "unknown_choice" || result.code === "no_tax_rate") {
            showError(result.message);
            quote();
          } else if (result.code === "idempotency_key_reused") {
            showError(result.message, { text: t("reload"), href: window.location.pathname });
          } else if (result.status === 401 && result.code === "not_signed_in") {
            memberLine.hidden = true;
            guestLine.hidden = false;
            showError(t("session-ended"));
          } else {
            showError(result.message);
          }
        })
        .catch(function () {
          showError(t("network-error"));
        })
        .then(function () {
          inFlight = false;
          page.removeAttribute("aria-busy");
          if (!leaving) submit.textContent = submitLabel;
          syncSubmit();
        });
    });

    // Coming back from the payment page through the history: the bag has become an order.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && leaving) window.location.reload();
    });

    checkoutPage = {
      refresh: function () {
        if (!inFlight && !leaving) quote();
      }
    };
    quote();
    prefill();
  }

  var checkoutPage = null;

  /* ---------------- cross-tab sync ---------------- */

  function initStorageSync() {
    window.addEventListener("storage", function (event) {
      if (event.storageArea && event.storageArea !== window.localStorage) return;
      if (event.key === null || event.key === CART_KEY) {
        updateCount();
        if (cartPage) cartPage.refresh();
        if (checkoutPage) checkoutPage.refresh();
      }
      if (event.key === null || event.key === CURRENCY_KEY) {
        applyCurrency(readCurrency());
        if (cartPage && event.key === CURRENCY_KEY) cartPage.refresh();
        if (checkoutPage && event.key === CURRENCY_KEY) checkoutPage.refresh();
      }
      if (event.key === null || event.key === SESSION_KEY) updateAccountLink();
    });
  }

  /* ---------------- the shop's own analytics (cookieless, first-party) ---------------- */

  /**
   * Reports this page view to the shop itself: the page's route template (no slug, id or
   * query), its language, the other site the visitor came from (its host only), and a random
   * id kept for this tab only in sessionStorage. Nothing is sent when the browser asks not to
   * be tracked (Global Privacy Control, Do Not Track); the server also ignores those headers'
   * requests and never stores the IP address or the browser's user agent.
   */
  function sendPageView() {
    var SID_KEY = root.getAttribute("data-sid-key") || "";
    var page = root.getAttribute("data-page") || "";
    if (!SID_KEY || !page || !window.fetch) return;
    if (navigator.globalPrivacyControl === true || navigator.doNotTrack === "1" || window.doNotTrack === "1") return;
    var sid = null;
    try {
      sid = window.sessionStorage.getItem(SID_KEY);
      if (!sid || !/^[A-Za-z0-9-]{16,64}$/.test(sid)) {
        var bytes = new Uint8Array(16);
        window.crypto.getRandomValues(bytes);
        sid = "";
        for (var i = 0; i < bytes.length; i++) sid += ("0" + bytes[i].toString(16)).slice(-2);
        window.sessionStorage.setItem(SID_KEY, sid);
      }
    } catch (e) {
      return;
    }
    var referrer = null;
    if (document.referrer) {
      try {
        var from = new URL(document.referrer);
        if (from.host !== window.location.host && /^https?:$/.test(from.protocol)) referrer = from.host;
      } catch (e) {
        referrer = null;
      }
    }
    var headers = { "Content-Type": "application/json" };
    // A signed-in customer who restricted their data or objected to analytics is not counted.
    var token = readToken();
    if (token) headers.Authorization = "Bearer " + token;
    fetch("/api/v1/analytics/views", {
      method: "POST",
      headers: headers,
      body: JSON.stringify({ path: page, lang: LANG, referrer: referrer, sid: sid }),
      credentials: "same-origin",
      cache: "no-store",
      keepalive: true
    }).catch(function () {
      /* analytics never disturb the visit */
    });
  }

  /**
   * An order link's key rides in the URL's fragment (#key=…, see orders::link), which a browser
   * never sends to a server: read it, take it out of the address bar and the history, then post
   * it — the order page's hidden form (the order is shown in answer), or the demo payment form.
   */
  function initFragmentKey() {
    var form = document.querySelector("form[data-order-key-form]");
    var demoInput = document.querySelector("input[data-fragment-key]");
    if (!form && !demoInput) return;
    var match = /^#key=([0-9]{1,12}\.[0-9a-f]{64})$/.exec(window.location.hash || "");
    if (!match) return;
    try {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    } catch (e) {
      /* the key stays in the fragment, which is still never sent */
    }
    if (demoInput) demoInput.value = match[1];
    if (form) {
      form.elements.namedItem("key").value = match[1];
      form.submit();
    }
  }

  /**
   * The booking pages write times in the boutique's clock; with the visitor's own zone (which
   * only their browser knows) they write them in both. The zone rides in the forms and the
   * week links; the first visit asks again with it once.
   */
  function initClientZone() {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return;
    }
    if (!zone) return;
    var inputs = document.querySelectorAll("input[data-client-zone]");
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].value) inputs[i].value = zone;
    }
    var links = document.querySelectorAll("a[data-week-link]");
    for (var j = 0; j < links.length; j++) {
      links[j].href = links[j].href.replace(/([?&]tz=)([^&]*)/, function (m, p) { return p + encodeURIComponent(zone); });
    }
    var choose = document.querySelector("form[data-appointments-choose]");
    var params = new URLSearchParams(window.location.search);
    if (choose && !params.get("tz") && document.querySelector("[data-testid='appointment-form']")) {
      params.set("tz", zone);
      window.location.replace(window.location.pathname + "?" + params.toString());
    }
  }

  function init() {
    initClientZone();
    initFragmentKey();
    sendPageView();
    initCartPage();
    initCheckoutPage();
    initCurrency();
    updateCount();
    updateAccountLink();
    initProduct();
    initGallery();
    initAccountPage();
    initResetPage();
    initPrivacyCentre();
    initLocalDates();
    initStorageSync();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
