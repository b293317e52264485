/* Record entry: validation as you type against the standard in force. Progressive enhancement only:
   the form posts and is checked on the server without this file. Our own code, no library. */
(function () {
  "use strict";
  var form = document.getElementById("record-form");
  if (!form) return;
  document.documentElement.classList.add("js");
  var msg = form.dataset;
  var el = function (name) { return form.elements[name]; };
  var today = msg.today;
  var standard = null;      // {version, items: {code: item}} of the platform on the deduction date
  var subjectKinds = null;  // kinds of the subject named, once looked up
  var timers = {};

  function setError(name, text) {
    var input = el(name);
    var box = form.querySelector('[data-field-error="' + name + '"]');
    if (!input || !box) return;
    box.textContent = text || "";
    var wrapper = input.closest(".field");
    if (text) {
      input.setAttribute("aria-invalid", "true");
      if (wrapper) wrapper.classList.add("has-error");
    } else {
      input.removeAttribute("aria-invalid");
      if (wrapper) wrapper.classList.remove("has-error");
    }
  }

  // GB 32100-2015 check character of the unified social credit code.
  var USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  function validUscc(value) {
    var v = value.replace(/[\s-]/g, "").toUpperCase();
    if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(v)) return null;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(v[i]) * USCC_WEIGHTS[i];
    var check = (31 - (sum % 31)) % 31;
    return USCC_CHARS[check] === v[17] ? v : null;
  }

  // GB 11643-1999 check digit of the resident identity card number.
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function validIdNumber(value) {
    var v = value.replace(/\s/g, "").toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return null;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(v[i]) * ID_WEIGHTS[i];
    return "10X98765432"[sum % 11] === v[17] ? v : null;
  }

  function checkDates() {
    var occurred = el("occurred_on").value, deducted = el("deducted_on").value || today;
    var ok = true;
    if (el("deducted_on").value && deducted > today) { setError("deducted_on", msg.msgFuture); ok = false; }
    else setError("deducted_on", "");
    if (!occurred) { setError("occurred_on", msg.msgRequired); ok = false; }
    else if (occurred > today) { setError("occurred_on", msg.msgFuture); ok = false; }
    else if (occurred > deducted) { setError("occurred_on", msg.msgOrder); ok = false; }
    else setError("occurred_on", "");
    return ok;
  }

  function preview(id, text) {
    var box = document.getElementById(id);
    if (box) box.textContent = text || "";
  }

  function checkItem() {
    var code = el("item_code").value;
    if (!code) { setError("item_code", msg.msgRequired); preview("f-item_code-preview", ""); return false; }
    if (!standard) return true; // not loaded (yet): the server decides
    var item = standard.items[code];
    if (!item) { setError("item_code", msg.msgNotInStandard); preview("f-item_code-preview", ""); return false; }
    preview("f-item_code-preview", item.code + " · " + item.name + " · " + item.category + " · " + item.points +
      " · " + standard.version);
    if (subjectKinds && !item.applies_to.some(function (k) { return subjectKinds.indexOf(k) >= 0; })) {
      setError("item_code", msg.msgNotApplicable); return false;
    }
    setError("item_code", "");
    return true;
  }

  function rebuildItems() {
    var select = el("item_code"), current = select.value;
    var first = select.options[0];
    select.innerHTML = "";
    select.appendChild(first);
    Object.keys(standard.items).sort().forEach(function (code) {
      var item = standard.items[code], option = document.createElement("option");
      option.value = code;
      option.textContent = code + " " + item.name + "（" + item.points + "）";
      select.appendChild(option);
    });
    if (current) {
      if (!standard.items[current]) {
        var keep = document.createElement("option");
        keep.value = current; keep.textContent = current;
        select.appendChild(keep);
      }
      select.value = current;
    }
  }

  function loadStandard() {
    var platform = el("platform").value, on = el("deducted_on").value || today;
    if (!platform) return;
    fetch(msg.standardsUrl + encodeURIComponent(platform) + "?as_of=" + encodeURIComponent(on),
          {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { standard = {version: "", items: {}}; setError("deducted_on", msg.msgNoStandard); return; }
        var items = {};
        data.items.forEach(function (i) { items[i.code] = i; });
        standard = {version: data.version, items: items};
        rebuildItems();
        if (el("item_code").value) checkItem();
      })
      .catch(function () { standard = null; });
  }

  function checkSubject(lookup) {
    var uscc = el("subject_uscc").value.trim(), idn = el("subject_id_number").value.trim();
    setError("subject_uscc", ""); setError("subject_id_number", "");
    if (!uscc && !idn) { setError("subject_uscc", msg.msgOneSubject); return false; }
    if (uscc && idn) { setError("subject_uscc", msg.msgOneSubject); return false; }
    var name = uscc ? "subject_uscc" : "subject_id_number";
    var value = uscc ? validUscc(uscc) : validIdNumber(idn);
    if (!value) { setError(name, uscc ? msg.msgUscc : msg.msgIdNumber); subjectKinds = null; return false; }
    if (lookup) findSubject(name, value);
    return true;
  }

  function findSubject(name, value) {
    var param = name === "subject_uscc" ? "uscc" : "id_number";
    fetch(msg.subjectsUrl + "?" + param + "=" + encodeURIComponent(value) + "&limit=1",
          {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;  // not allowed to look up, or offline: the server decides
        if (!data.total) { subjectKinds = null; preview("subject-preview", ""); setError(name, msg.msgUnknownSubject); return; }
        var s = data.items[0];
        subjectKinds = s.kinds;
        preview("subject-preview", s.name + " · " + s.kinds.join(", "));
        if (el("item_code").value) checkItem();
      })
      .catch(function () {});
  }

  function debounce(key, fn) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(fn, 350);
  }

  el("platform").addEventListener("change", loadStandard);
  el("deducted_on").addEventListener("change", function () { checkDates(); loadStandard(); });
  el("occurred_on").addEventListener("change", checkDates);
  el("item_code").addEventListener("change", checkItem);
  ["subject_uscc", "subject_id_number"].forEach(function (name) {
    el(name).addEventListener("input", function () {
      subjectKinds = null; preview("subject-preview", "");
      debounce(name, function () {
        var v = el(name).value.trim();
        if (v.length >= 18 || !v) checkSubject(true); else setError(name, "");
      });
    });
    el(name).addEventListener("blur", function () { checkSubject(true); });
  });

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.getAttribute("formmethod") === "get") return;
    var ok = [checkDates(), checkSubject(false), checkItem()].every(Boolean);
    if (!ok) {
      event.preventDefault();
      var bad = form.querySelector('[aria-invalid="true"]');
      if (bad) bad.focus();
    }
  });

  loadStandard();
  if (el("item_code").value) checkItem();
})();
