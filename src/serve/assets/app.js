// medsearch's search page: searches as you type (debounced), shows ranked sections with
// their snippets, and keeps the query in the URL (/?q=...). Text from the index is put in the
// page with textContent only, never parsed as HTML.
'use strict';

(function () {
  const DEBOUNCE_MS = 150;
  // Results per page, and the most "Show more results" goes to.
  const PAGE = 10;
  const MOST = 100;
  const form = document.getElementById('search');
  const input = document.getElementById('q');
  const list = document.getElementById('results');
  const status = document.getElementById('status');
  const corrected = document.getElementById('corrected');
  const suggestion = document.getElementById('suggestion');
  const more = document.getElementById('more');
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  let timer = 0;
  let sequence = 0;
  // The query whose results are shown, and the running search's promise.
  let shown = null;
  let pending = null;
  // How many results the current query asks for.
  let limit = PAGE;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The snippet as text nodes and <mark>s: `highlights` are byte ranges into its UTF-8.
  function snippet(text, highlights) {
    const p = element('p', 'snippet');
    const bytes = encoder.encode(text);
    let at = 0;
    for (const [start, end] of highlights) {
      if (start > at) p.append(decoder.decode(bytes.subarray(at, start)));
      p.append(element('mark', '', decoder.decode(bytes.subarray(start, end))));
      at = end;
    }
    p.append(decoder.decode(bytes.subarray(at)));
    return p;
  }

  function docUrl(hit, query) {
    const path = hit.doc.split('/').map(encodeURIComponent).join('/');
    const q = new URLSearchParams({ q: query });
    return '/docs/' + path + '?' + q + '#' + encodeURIComponent(hit.anchor);
  }

  function queryLink(query) {
    const a = element('a', '', query);
    a.href = '/?' + new URLSearchParams({ q: query });
    a.addEventListener('click', (event) => {
      event.preventDefault();
      input.value = query;
      search(query, true);
    });
    return a;
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  // Empties the results; `list.dataset.query` names the query whose answer is shown.
  function clear() {
    delete list.dataset.query;
    list.replaceChildren();
    corrected.hidden = true;
    suggestion.hidden = true;
    more.hidden = true;
  }

  function render(query, body) {
    clear();
    const ran = body.corrected_query || query;
    if (body.corrected_query) {
      corrected.replaceChildren('Showing results for ', element('strong', '', body.corrected_query),
        '. Search instead for ', queryLink(query), '.');
      corrected.hidden = false;
    }
    body.hits.forEach((hit, i) => {
      const li = element('li');
      li.id = 'result-' + (i + 1);
      const h2 = element('h2');
      const a = element('a', '', hit.heading || hit.doc_title);
      a.href = docUrl(hit, ran);
      h2.append(a);
      if (hit.kind !== 'section') h2.append(element('span', 'kind', hit.kind));
      const trail = hit.breadcrumbs.length ? hit.breadcrumbs : [hit.doc_title];
      const crumbs = element('p', 'crumbs', trail.join(' › '));
      if (hit.url && /^https?:\/\//.test(hit.url)) {
        const live = element('a', 'live', 'on the site');
        live.href = hit.url;
        crumbs.append(' · ', live);
      }
      li.append(h2, crumbs, snippet(hit.snippet, hit.highlights));
      list.append(li);
    });
    if (body.total_hits === 0) {
      status.textContent = 'No results for “' + query + '”.';
    } else {
      const total = body.total_hits_exact
        ? plural(body.total_hits, 'result')
        : 'more than ' + body.total_hits + ' results';
      status.textContent = 'Showing ' + body.hits.length + ' of ' + total + '.';
    }
    if (body.suggestion) {
      suggestion.replaceChildren('Did you mean ', queryLink(body.suggestion), '?');
      suggestion.hidden = false;
    }
    more.hidden = limit >= MOST || (body.total_hits_exact && body.hits.length >= body.total_hits);
    shown = query;
    list.dataset.query = query;
  }

  // Runs `query`; `remember` adds it to the history (a committed search) instead of
  // replacing the current entry (typing); `extend` asks for a page more of the same query.
  function search(query, remember, extend) {
    clearTimeout(timer);
    timer = 0;
    limit = extend ? Math.min(limit + PAGE, MOST) : PAGE;
    const id = ++sequence;
    const url = query.trim() ? '/?' + new URLSearchParams({ q: query }) : '/';
    history[remember ? 'pushState' : 'replaceState'](null, '', url);
    if (!query.trim()) {
      clear();
      status.textContent = '';
      shown = null;
      pending = null;
      return Promise.resolve();
    }
    const params = new URLSearchParams({ q: query, limit: String(limit) });
    pending = fetch('/api/search?' + params)
      .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
      .then(({ ok, body }) => {
        if (id !== sequence) return;
        if (ok) {
          render(query, body);
        } else {
          clear();
          status.textContent = body.error;
          shown = null;
          list.dataset.query = query;
        }
      })
      .catch(() => {
        if (id !== sequence) return;
        clear();
        status.textContent = 'The search could not be reached. Try again.';
        shown = null;
      });
    return pending;
  }

  function links() {
    return Array.from(list.querySelectorAll('h2 a'));
  }

  function activate(index) {
    const all = links();
    list.querySelectorAll('li.active').forEach((li) => li.classList.remove('active'));
    if (index < 0 || all.length === 0) {
      input.focus();
      return;
    }
    const link = all[Math.min(index, all.length - 1)];
    link.closest('li').classList.add('active');
    link.focus();
  }

  // More results of the same query; the focus goes to the first new one.
  more.addEventListener('click', () => {
    const before = links().length;
    search(shown, false, true).then(() => {
      const added = links()[before];
      if (added) activate(before);
    });
  });

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value, false), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      activate(0);
    }
  });

  // Enter in the box opens the first result of what is typed (searching first if needed).
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value;
    const ready = shown === query && !timer ? Promise.resolve() : search(query, true);
    ready.then(() => {
      const first = links()[0];
      if (first && shown === query) window.location.assign(first.href);
    });
  });

  list.addEventListener('keydown', (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      activate(at + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      activate(at - 1);
    } else if (event.key === 'Escape') {
      activate(-1);
    }
  });

  list.addEventListener('focusin', (event) => {
    const li = event.target.closest('li');
    list.querySelectorAll('li.active').forEach((other) => {
      if (other !== li) other.classList.remove('active');
    });
    if (li) li.classList.add('active');
  });

  function fromUrl() {
    const query = new URLSearchParams(window.location.search).get('q') || '';
    input.value = query;
    if (query) {
      search(query, false);
    } else {
      clear();
      status.textContent = '';
    }
  }

  window.addEventListener('popstate', fromUrl);
  fromUrl();
  if (!input.value) input.focus();
})();
