/* Puts the cursor in the input named by this script tag's `data-focus` (the field an editor
 * action just added), as a file of its own so that pages need no inline script under the
 * content security policy.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var id = script && script.dataset.focus;
  var target = id && document.getElementById(id);
  if (target) target.focus();
})();
