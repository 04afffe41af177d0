// The widget manager loads its icon fonts relative to its AMD module's URL, which requirejs would
// resolve beside the page (a 404 under labs/). Map the module to its real folder instead.
require.config({
  paths: {"@jupyter-widgets/html-manager/dist": new URL("vendor/html-manager", document.currentScript.src).href},
});
