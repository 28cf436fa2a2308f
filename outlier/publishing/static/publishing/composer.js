// The composer: a live counter and a preview for each chosen channel, counted the way its
// network counts (mirrors outlier/networks/counting.py; the server's check stays the judge).
// On a network with threads (Bluesky), a text longer than a post, or with a line holding only
// "---", is shown as the thread it becomes: the server cuts it (outlier/networks/threads.py,
// as the adapter will), this script only draws the parts.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  var dataNode = document.getElementById("channels-data");
  if (!form || !dataNode) return;
  // A new post saved before a problem was found: show (and reload) its own address.
  if (form.dataset.address && location.pathname !== form.dataset.address) {
    history.replaceState(null, "", form.dataset.address);
  }
  var channels = JSON.parse(dataNode.textContent);
  var byId = {};
  channels.forEach(function (c) { byId[String(c.id)] = c; });
  var $ = function (sel) { return form.querySelector(sel); };
  var text = $("#id_text"), title = $("#id_title"), link = $("#id_link"), tz = $("#id_timezone");
  var tracking = $("#id_tracking");
  var counters = document.getElementById("counters");
  var previews = document.getElementById("previews");

  // --- counting (see counting.py) ---------------------------------------------------------
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  var EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]/u;
  var LIGHT = [[0x0000, 0x10ff], [0x2000, 0x200d], [0x2010, 0x201f], [0x2032, 0x2037]];
  var MENTION = /(?<![=\/\p{L}\p{N}_])(@[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]/giu;
  var WITH_SCHEME = /\bhttps?:\/\/[\x21\x23-\x3b\x3d\x3f-\x7e]+/gi;  // printable ASCII but <>"
  // X also finds links written without "https://"; twitter-text knows every top-level domain,
  // this knows the common ones (the server's count decides).
  var BARE = /(^|[^\p{L}\p{N}_@.\/-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|org|net|edu|gov|info|biz|io|co|dev|app|ai|me|tv|ly|news|blog|online|site|xyz|eu|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|ca|us|au|nz|jp|br|in)(?![\p{L}\p{N}_-])(?:\/[\x21\x23-\x3b\x3d\x3f-\x7e]*)?)/giu;

  function graphemes(s) {
    if (segmenter) return Array.from(segmenter.segment(s), function (g) { return g.segment; });
    return Array.from(s);
  }
  function utf8(s) { return new TextEncoder().encode(s).length; }
  function weight(ch) {
    var p = ch.codePointAt(0);
    for (var i = 0; i < LIGHT.length; i++) if (p >= LIGHT[i][0] && p <= LIGHT[i][1]) return 1;
    return 2;
  }
  function countPlain(s, counter) {
    if (counter === "characters") return Array.from(s).length;
    if (counter === "utf16") return s.length;
    var clusters = graphemes(s);
    if (counter === "weighted") {
      return clusters.reduce(function (n, g) {
        return n + (EMOJI.test(g) ? 2 : Array.from(g).reduce(function (m, ch) { return m + weight(ch); }, 0));
      }, 0);
    }
    if (counter === "emoji_bytes") {
      return clusters.reduce(function (n, g) { return n + (EMOJI.test(g) ? utf8(g) : 1); }, 0);
    }
    return clusters.length;
  }
  function trimLink(url) {
    for (;;) {
      var cut = url.replace(/[.,;:!?'"\]]+$/, "");
      var open = (cut.match(/\(/g) || []).length, close = (cut.match(/\)/g) || []).length;
      if (cut.slice(-1) === ")" && close > open) cut = cut.slice(0, -1);
      if (cut === url) return url;
      url = cut;
    }
  }
  // twitter-text only takes real top-level domains; the reserved ones are the usual misses.
  var RESERVED = /^https?:\/\/[^\/?#]*\.(example|test|invalid|localhost|local)(?=[:\/?#]|$)/i;
  function links(s, bare) {
    var found = [], m;
    WITH_SCHEME.lastIndex = 0;
    while ((m = WITH_SCHEME.exec(s))) {
      var url = trimLink(m[0]);
      if (!RESERVED.test(url)) found.push([m.index, m.index + url.length]);
    }
    if (bare) {
      BARE.lastIndex = 0;
      while ((m = BARE.exec(s))) {
        var start = m.index + m[1].length, end = start + trimLink(m[2]).length;
        if (!found.some(function (f) { return start < f[1] && end > f[0]; })) found.push([start, end]);
      }
    }
    return found.sort(function (a, b) { return a[0] - b[0]; });
  }
  function count(s, rules) {
    if (rules.counter === "weighted") s = s.normalize("NFC");
    var pieces = [[s, false]];
    if (rules.link_length != null) {
      pieces = [];
      var at = 0;
      links(s, rules.counter === "weighted").forEach(function (l) {
        if (l[0] < at) return;
        pieces.push([s.slice(at, l[0]), false], [s.slice(l[0], l[1]), true]);
        at = l[1];
      });
      pieces.push([s.slice(at), false]);
    }
    return pieces.reduce(function (n, piece) {
      if (piece[1]) return n + rules.link_length;
      var plain = rules.mentions_without_domain ? piece[0].replace(MENTION, "$1") : piece[0];
      return n + countPlain(plain, rules.counter);
    }, 0);
  }
  function postable(body, url, rules) {
    url = url.trim();
    if (rules.link_in_text && url && body.indexOf(url) === -1) {
      return body.trim() ? body.replace(/\s+$/, "") + "\n\n" + url : url;
    }
    return body;
  }

  // --- reading the form -----------------------------------------------------------------------
  function chosen() {
    return Array.from(form.querySelectorAll("input[name=channels]:checked"))
      .map(function (box) { return byId[box.value]; }).filter(Boolean);
  }
  function bodyFor(c) {
    var variant = $("#id_variant_" + c.id);
    return variant && variant.value.trim() ? variant.value : text.value;
  }
  var objectUrls = [];
  function imageSources() {
    objectUrls.forEach(URL.revokeObjectURL);
    objectUrls = [];
    var sources = [];
    form.querySelectorAll(".thumbs li").forEach(function (li) {
      var remove = li.querySelector("input[type=checkbox]");
      var img = li.querySelector("img");
      if (img && !(remove && remove.checked)) sources.push(img.src);
    });
    form.querySelectorAll(".upload input[type=file]").forEach(function (input) {
      if (input.files && input.files[0]) {
        var url = URL.createObjectURL(input.files[0]);
        objectUrls.push(url);
        sources.push(url);
      }
    });
    return sources;
  }

  // --- threads: cut by the server --------------------------------------------------------------
  var MARKER_LINE = /^[^\S\n]*---[^\S\n]*$/m;
  var threadUrl = form.dataset.threadUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var threads = {};  // channel id -> the server's answer for the text of `key`
  var asked = "", timer = null;

  function threadKey(c) {
    return [bodyFor(c), link.value, tracking ? tracking.checked : true].join("\u0001");
  }
  function makesThread(c, body, full) {
    if (!(c.max_thread_parts > 1)) return false;
    return count(full, c) > c.max_length || !!(c.max_text_bytes && utf8(full) > c.max_text_bytes) ||
      MARKER_LINE.test(body);
  }
  function askThreads(list) {
    var key = list.map(function (c) { return c.id + ":" + threadKey(c); }).join("\u0002");
    if (!threadUrl || key === asked) return;
    asked = key;
    clearTimeout(timer);
    timer = setTimeout(function () {
      var body = new URLSearchParams(), keys = {};
      body.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
      body.append("text", text.value);
      body.append("link", link.value);
      if (!tracking || tracking.checked) body.append("tracking", "on");
      list.forEach(function (c) {
        var variant = $("#id_variant_" + c.id);
        body.append("channels", c.id);
        if (variant) body.append("variant_" + c.id, variant.value);
        keys[c.id] = threadKey(c);
      });
      fetch(threadUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (answer) {
          if (!answer.ok) throw new Error("HTTP " + answer.status);
          return answer.json();
        })
        .then(function (data) {
          Object.keys(keys).forEach(function (id) {
            var found = data.threads[id];
            if (found) { found.key = keys[id]; threads[id] = found; }
          });
        })
        .catch(function () {
          Object.keys(keys).forEach(function (id) { threads[id] = { key: keys[id], failed: true }; });
        })
        .then(function () { if (asked === key) asked = ""; render(); });
    }, 250);
  }

  // --- drawing --------------------------------------------------------------------------------
  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content != null) node.textContent = content;
    return node;
  }
  function meter(c, what, used, limit, extra) {
    var li = el("li", used > limit ? "over" : "");
    li.dataset.channel = c.id;
    li.dataset.what = what;
    li.append(el("span", "who", c.name + (what === "text" ? "" : " · " + what)));
    li.append(el("span", "count", used.toLocaleString() + " / " + limit.toLocaleString() + (extra || "")));
    return li;
  }
  function host(url) {
    try { return new URL(url).hostname; } catch (e) { return url; }
  }
  function attachments(card, c, images) {
    if (link.value.trim() && !c.link_in_text) card.append(el("span", "plink", host(link.value.trim())));
    if (images.length) {
      var grid = el("div", "pimages");
      images.slice(0, c.max_images).forEach(function (src) {
        var img = el("img");
        img.src = src;
        img.alt = "";
        grid.append(img);
      });
      card.append(grid);
    }
  }
  // A channel whose text becomes a thread: its counter and the thread's posts, numbered.
  function drawThread(c, full, used, images, wanted) {
    var state = threads[c.id];
    var current = state && state.key === threadKey(c);
    if (!current) wanted.push(c);
    var row = meter(c, "text", used, c.max_length);
    row.classList.remove("over");
    var shown = row.querySelector(".count");
    var card = el("article", "preview thread");
    card.dataset.channel = c.id;
    var head = el("header");
    head.append(el("span", "", c.name), el("span", "", c.label || c.network));
    card.append(head);
    var stale = !current && state && state.parts && state.parts.length && !state.problem;
    if (stale) card.classList.add("updating");  // the last cut, until the new one comes
    if ((!current && !stale) || state.failed) {
      shown.textContent = used.toLocaleString() + " · thread";
      card.append(el("p", "pnote", current ? "The thread's preview is not available; the check " +
        "when you schedule still counts." : "Cutting into a thread…"));
      card.append(el("p", "ptext", full));
      attachments(card, c, images);
    } else if (state.problem) {
      row.classList.add("over");
      row.title = state.problem;
      shown.textContent = used.toLocaleString() + " · thread";
      card.classList.add("over");
      var problem = el("p", "perror", state.problem);
      problem.setAttribute("role", "alert");
      card.append(problem, el("p", "ptext", full));
    } else {
      var total = state.parts.length;
      shown.textContent = used.toLocaleString() + " · " + total + (total === 1 ? " post" : " posts");
      row.title = "A thread of " + total + " posts (at most " + state.max_parts + ")";
      var parts = el("ol", "pparts");
      state.parts.forEach(function (part, index) {
        var item = el("li", "ppart");
        item.dataset.part = index + 1;
        var top = el("div", "ppart-head");
        top.append(el("span", "pnum", (index + 1) + "/" + total),
                   el("span", "plength", state.lengths[index].toLocaleString() + " / " + c.max_length.toLocaleString()));
        item.append(top, el("p", "ptext", part));
        if (index === 0) attachments(item, c, images);
        parts.append(item);
      });
      card.append(parts);
    }
    counters.append(row);
    return card;
  }
  function render() {
    var list = chosen();
    var images = imageSources();
    var wanted = [];
    counters.replaceChildren();
    previews.replaceChildren();
    form.querySelectorAll(".variant[data-variant]").forEach(function (box) {
      box.hidden = !list.some(function (c) { return String(c.id) === box.dataset.variant; });
    });
    if (!list.length) {
      counters.append(el("li", "muted", "Choose a channel to see its counter."));
      return;
    }
    list.forEach(function (c) {
      if (c.max_length == null) return;
      var body = bodyFor(c);
      var full = postable(body, link.value, c);
      var used = count(full, c);
      if (makesThread(c, body, full)) {
        var threadCard = drawThread(c, full, used, images, wanted);
        if (images.length > c.max_images) {
          counters.append(meter(c, "images", images.length, c.max_images));
          threadCard.classList.add("over");
        }
        previews.append(threadCard);
        return;
      }
      var over = used > c.max_length;
      var row = meter(c, "text", used, c.max_length);
      if (c.requires_text && !body.trim()) {
        row.classList.add("over");
        row.title = (c.label || c.name) + " needs some text to post.";
      }
      counters.append(row);
      if (c.max_text_bytes && utf8(full) > c.max_text_bytes) {
        counters.append(meter(c, "bytes", utf8(full), c.max_text_bytes));
        over = true;
      }
      if (c.max_title_length) {
        var titleLength = Array.from(title.value.trim()).length;
        counters.append(meter(c, "subject", titleLength, c.max_title_length));
        over = over || titleLength > c.max_title_length;
      }
      if (images.length > c.max_images) {
        counters.append(meter(c, "images", images.length, c.max_images));
        over = true;
      }
      var card = el("article", "preview" + (over || row.classList.contains("over") ? " over" : ""));
      card.dataset.channel = c.id;
      var head = el("header");
      head.append(el("span", "", c.name), el("span", "", c.label || c.network));
      card.append(head);
      if (c.max_title_length && title.value.trim()) card.append(el("p", "ptitle", title.value.trim()));
      card.append(el("p", "ptext", full || "…"));
      attachments(card, c, images);
      previews.append(card);
    });
    if (wanted.length) askThreads(wanted);
  }

  // --- schedule fields --------------------------------------------------------------------------
  var atFields = form.querySelector(".at-fields");
  var tzTyped = tz && tz.value !== "";
  function syncWhen() {
    var when = form.querySelector("input[name=when]:checked");
    if (atFields) atFields.hidden = !!when && when.value !== "at";
  }
  function syncZone() {
    if (!tz || tzTyped) return;
    var first = chosen()[0];
    var browser = window.Intl ? Intl.DateTimeFormat().resolvedOptions().timeZone : "";
    tz.value = (first && first.timezone) || browser || "UTC";
  }
  function syncUploads() {
    var slots = Array.from(form.querySelectorAll(".upload"));
    var showNext = true;
    slots.forEach(function (slot) {
      var input = slot.querySelector("input[type=file]");
      slot.hidden = !showNext;
      showNext = !!(input && input.files && input.files.length);
    });
  }

  form.addEventListener("input", function (event) {
    if (event.target === tz) tzTyped = tz.value !== "";
    render();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "channels") syncZone();
    if (event.target.name === "when") syncWhen();
    if (event.target.type === "file") syncUploads();
    render();
  });
  syncWhen();
  syncZone();
  syncUploads();
  render();
})();
