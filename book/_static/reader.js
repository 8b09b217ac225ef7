/* The book as a reader meets it (issue 13). Loaded on every page by _config.yml.
   - Every figure of a notebook is a link to its image; a click shows it full size
     (Escape, a click or the Close button closes it).
   - Accessible names: slider handles of the saved widgets get their description as
     aria-label; the bibliography's entries get roles valid in a list. */
(function () {
  "use strict";

  function zoom(event) {
    event.preventDefault();
    const link = event.currentTarget;
    const img = link.querySelector("img");
    const overlay = document.createElement("div");
    overlay.className = "figure-zoom-overlay";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Figure at full size");
    const big = document.createElement("img");
    // the image's current source: a script may have swapped it (e.g. a slider's frames)
    big.src = img ? (img.currentSrc || img.src) : link.href;
    big.alt = img ? img.alt : "";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.style.position = "absolute";
    close.style.top = "1em";
    close.style.right = "1em";
    overlay.append(big, close);
    function done() {
      overlay.remove();
      document.removeEventListener("keydown", onKey);
      link.focus();
    }
    function onKey(e) { if (e.key === "Escape") done(); }
    overlay.addEventListener("click", done);
    document.addEventListener("keydown", onKey);
    document.body.append(overlay);
    close.focus();
  }

  function linkFigures() {
    const images = document.querySelectorAll(
      ".bd-article .cell_output img, .bd-article figure img");
    images.forEach(function (img) {
      if (img.closest("a") || img.closest(".widget-subarea")) return;
      const link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "figure-zoom";
      link.title = "Show the figure full size";
      img.replaceWith(link);
      link.append(img);
      link.addEventListener("click", zoom);
    });
  }

  function nameSliders(root) {
    root.querySelectorAll('[role="slider"]:not([aria-label]):not([aria-labelledby])')
      .forEach(function (handle) {
        const widget = handle.closest(".widget-slider, .widget-hslider, .jupyter-widgets");
        const label = widget && widget.querySelector(".widget-label");
        const text = label && label.textContent.trim();
        handle.setAttribute("aria-label", text ? text.replace(/[:=]\s*$/, "") : "slider");
      });
    root.querySelectorAll('input:not([aria-label]):not([id])').forEach(function (input) {
      const widget = input.closest(".jupyter-widgets");
      const label = widget && widget.querySelector(".widget-label");
      if (label && label.textContent.trim()) {
        input.setAttribute("aria-label", label.textContent.trim());
      }
    });
  }

  /* A widget's figure is an image without alt text: describe it by the explorer it belongs
     to, and say that it follows the controls above it. */
  function describeWidgetImages(root) {
    root.querySelectorAll(".widget-subarea img:not([alt]), .jupyter-widgets img:not([alt])")
      .forEach(function (img) {
        const labels = Array.from(
          (img.closest(".widget-subarea") || root).querySelectorAll(".widget-label"))
          .map(function (l) { return l.textContent.trim(); }).filter(Boolean);
        img.alt = "The explorer's figure for the current setting" +
          (labels.length ? " of " + labels.join(", ") : " of its controls") +
          "; the figure below the explorer describes it in words.";
      });
  }

  /* The theme's search and colour-mode buttons show text that their aria-label leaves out
     (axe: label-content-name-mismatch): name them by what they show. */
  function nameThemeButtons(root) {
    // the colour-mode button's icons carry titles (Light, Dark, ...) that are not its name
    root.querySelectorAll(".theme-switch-button svg:not([aria-hidden])").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
      svg.removeAttribute("aria-labelledby");
      svg.querySelectorAll("title").forEach(function (title) { title.remove(); });
    });
    root.querySelectorAll(".search-button__button[aria-label], .theme-switch-button[aria-label]")
      .forEach(function (button) {
        const shown = (button.innerText || "").replace(/\s+/g, " ").trim();
        const label = button.getAttribute("aria-label");
        if (shown && label.toLowerCase().indexOf(shown.toLowerCase()) < 0) {
          button.setAttribute("aria-label", shown);
        }
      });
  }

  /* A box that scrolls sideways (a wide table, a long equation) can be scrolled with the
     keyboard: it takes the focus (axe: scrollable-region-focusable). */
  function focusScrollables() {
    document.querySelectorAll(".bd-article table, .bd-article div.math, .bd-article pre")
      .forEach(function (box) {
        if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
        }
      });
  }

  function fixBibliography() {
    document.querySelectorAll('[role="doc-biblioentry"]').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
    document.querySelectorAll('[role="list"]').forEach(function (list) {
      const children = Array.from(list.children);
      if (children.some(function (c) { return c.getAttribute("role") !== "listitem"; })) {
        list.removeAttribute("role");
      }
    });
  }

  function start() {
    linkFigures();
    fixBibliography();
    nameSliders(document);
    describeWidgetImages(document);
    nameThemeButtons(document);
    focusScrollables();
    window.addEventListener("load", focusScrollables);
    window.addEventListener("resize", focusScrollables);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(focusScrollables);
    }
    new MutationObserver(function () {
      nameSliders(document);
      describeWidgetImages(document);
      nameThemeButtons(document);
    })
      .observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
