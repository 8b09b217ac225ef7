/* The book's explorers in the static page (lecture_code/widgets/frames.py).
 *
 * Each <div class="slider-frames"> holds native range inputs, one image and, in a
 * <script type="application/json" class="slider-frames-data">, every pre-rendered frame
 * (PNG data URIs), its alt text and the stride of each slider in the frame grid. Moving a
 * slider shows the frame of the current combination of slider positions. MIT licence.
 */
(function () {
  "use strict";

  function setUp(box) {
    var script = box.querySelector("script.slider-frames-data");
    var image = box.querySelector("img.slider-frames-image");
    var inputs = box.querySelectorAll('input[type="range"]');
    if (!script || !image || !inputs.length || box.dataset.ready) return;
    var data = JSON.parse(script.textContent);
    box.dataset.ready = "true";

    function update() {
      var index = 0;
      inputs.forEach(function (input, k) {
        var position = parseInt(input.value, 10);
        var readouts = JSON.parse(input.dataset.readouts);
        var text = readouts[position];
        input.setAttribute("aria-valuetext", text);
        var output = box.querySelector('output[for="' + input.id + '"]');
        if (output) output.textContent = text;
        index += position * data.strides[k];
      });
      image.src = data.frames[index];
      image.alt = data.alts[index];
    }

    inputs.forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
    update();
  }

  function setUpAll() {
    document.querySelectorAll("div.slider-frames").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
