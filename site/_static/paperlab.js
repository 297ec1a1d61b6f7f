// paperlab gallery: the widget manager of ipywidgets 8 (html-manager 1.x) typesets widget math with
// MathJax 2's API (MathJax.Hub.Queue); the gallery loads MathJax 3. Give every MathJax object the
// page gets a small Hub that forwards to MathJax 3's typesetPromise.
(function () {
  var current;
  function hub() {
    return {
      Queue: function () {
        var mj = window.MathJax;
        if (!mj || !mj.typesetPromise) { return; }
        var nodes = [];
        for (var i = 0; i < arguments.length; i++) {
          var a = arguments[i];
          if (Array.isArray(a) && a[0] === 'Typeset' && a[2]) { nodes.push(a[2]); }
        }
        var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
        ready.then(function () { return mj.typesetPromise(nodes.length ? nodes : undefined); });
      }
    };
  }
  Object.defineProperty(window, 'MathJax', {
    configurable: true,
    get: function () { return current; },
    set: function (value) {
      current = value;
      if (value && typeof value === 'object' && !value.Hub) { value.Hub = hub(); }
    }
  });
})();
