// The widget manager's modules load their icon fonts relative to each module's URL, which
// requirejs would resolve beside the page (404s under labs/). Give every module the widget
// manager defines a URL inside its own folder, _static/vendor/html-manager/, where the fonts are.
(function () {
  const here = new URL("vendor/html-manager/", document.currentScript.src).href;
  const paths = {"@jupyter-widgets/html-manager/dist": here.slice(0, -1)};  // .../html-manager
  for (const name of ["base", "base7", "controls", "controls7", "html-manager"]) {
    paths["@jupyter-widgets/" + name] = here + name;
  }
  require.config({paths: paths});
})();
