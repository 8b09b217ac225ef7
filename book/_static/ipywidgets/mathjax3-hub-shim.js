// MathJax 2 -> 3 bridge for the ipywidgets renderer (embed.js), loaded just before it.
// ipywidgets typesets widget descriptions with MathJax 2's `MathJax.Hub.Queue(["Typeset",
// MathJax.Hub, element])`; the book loads MathJax 3, which has no `Hub`, so every widget
// label threw "Cannot read properties of undefined (reading 'Queue')". This gives MathJax 3
// that one entry point, typesetting through MathJax 3's own promise chain. It runs on
// `load`, as embed.js does, but is registered first (this script comes first on the page).
// Part of the book (MIT, see LICENSE at the top of the repository), not of ipywidgets.
window.addEventListener("load", () => {
  const mj = window.MathJax;
  if (!mj || mj.Hub || typeof mj.typesetPromise !== "function") return;
  mj.Hub = {
    Queue(...jobs) {
      for (const job of jobs) {
        if (!Array.isArray(job) || job[0] !== "Typeset") continue;
        const nodes = job[2] ? [job[2]] : undefined;
        mj.startup.promise = mj.startup.promise
          .then(() => mj.typesetPromise(nodes))
          .catch((err) => console.warn("MathJax could not typeset a widget label:", err));
      }
    },
  };
});
