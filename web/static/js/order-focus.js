/* After htmx swaps the order page's <main> in place (one of its forms was sent without leaving
 * the page), keyboard focus goes where a new page would put it: the first field with a problem,
 * else the content itself, whose flash says what happened. htmx runs this script again with
 * each swapped <main>; on the page's own load (still "interactive" for a deferred script) it
 * does nothing.
 */
(function () {
  "use strict";
  if (document.readyState !== "complete") return;
  var main = document.getElementById("main");
  if (!main) return;
  var invalid = main.querySelector('[aria-invalid="true"]');
  (invalid || main).focus();
})();
