// paperlab gallery, search page: Sphinx's search fetches each hit's page to show a snippet of it. Over
// file:// (the gallery opened from a folder) a browser refuses those requests ("Failed to fetch") and
// no snippet shows. paperlab.site writes the text of every page into window.PAPERLAB_PAGES
// (paperlab-search-pages.js); this answers the search's requests for a page of the site from it, so
// snippets show over file:// and http alike, with no request at all.
(function () {
  var pages = window.PAPERLAB_PAGES || {};
  var realFetch = window.fetch ? window.fetch.bind(window) : null;
  var root = new URL('.', document.currentScript ? new URL('..', document.currentScript.src) : location.href);
  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    var abs;
    try { abs = new URL(url, location.href); } catch (e) { abs = null; }
    if (abs && abs.href.indexOf(root.href) === 0) {
      var rel = decodeURIComponent(abs.pathname.slice(new URL(root.href).pathname.length));
      if (/\.html$/.test(rel)) {
        var text = Object.prototype.hasOwnProperty.call(pages, rel) ? pages[rel] : '';
        return Promise.resolve(new Response(text, { status: 200, headers: { 'Content-Type': 'text/html' } }));
      }
    }
    return realFetch ? realFetch(input, init) : Promise.reject(new TypeError('fetch is not available'));
  };
})();
