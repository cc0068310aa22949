// medsearch's search page: searches as you type (debounced; the word being typed is completed,
// `typing=true`), reads half-typed syntax forgivingly (`forgiving=true`), shows ranked sections
// with their snippets, and keeps the query in the URL (/?q=...). Enter or the Search button
// show the list and move the focus to it; a result opens on a click, or with the arrow keys
// then Enter. The server draws the same list for /?q= (no script needed); this script then
// takes over. Text from the index is put in the page with textContent only, never parsed as
// HTML.
'use strict';

(function () {
  const DEBOUNCE_MS = 150;
  // Results per page, and the most "Show more results" goes to.
  const PAGE = 10;
  const MOST = 100;
  const TITLE = 'Search · medsearch';
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
  // The query whose results are shown (and whether it ran as written), the running search.
  let shown = null;
  let shownCorrect = true;
  let pending = null;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // `text` as text nodes and <mark>s in `node`: `ranges` are byte ranges into its UTF-8.
  function marked(node, text, ranges) {
    const bytes = encoder.encode(text);
    let at = 0;
    for (const [start, end] of ranges || []) {
      if (start > at) node.append(decoder.decode(bytes.subarray(at, start)));
      node.append(element('mark', '', decoder.decode(bytes.subarray(start, end))));
      at = end;
    }
    node.append(decoder.decode(bytes.subarray(at)));
    return node;
  }

  function docUrl(hit, query) {
    const path = hit.doc.split('/').map(encodeURIComponent).join('/');
    const q = new URLSearchParams({ q: query });
    return '/docs/' + path + '?' + q + '#' + encodeURIComponent(hit.anchor);
  }

  function pageUrl(query, correct) {
    if (!query.trim()) return '/';
    const params = new URLSearchParams({ q: query });
    if (!correct) params.set('correct', 'false');
    return '/?' + params;
  }

  // A link that runs `query` (as written when `correct` is false).
  function queryLink(query, correct) {
    const a = element('a', '', query);
    a.href = pageUrl(query, correct);
    a.addEventListener('click', (event) => {
      event.preventDefault();
      input.value = query;
      search(query, { remember: true, correct, focus: true });
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

  // One result card, as the server draws it (serve::page::result).
  function card(hit, ran) {
    const li = element('li');
    li.id = 'result-' + hit.rank;
    const h2 = element('h2');
    const a = marked(element('a'), hit.heading || hit.doc_title, hit.heading_highlights);
    a.href = docUrl(hit, ran);
    h2.append(a);
    if (hit.kind !== 'section') {
      const kind = element('span', 'kind');
      kind.append(element('span', 'visually-hidden', ', '), hit.kind);
      h2.append(kind);
    }
    li.append(h2);
    // The headings above it; a page's lead (its title is the heading) has none.
    const crumbs = element('p', 'crumbs', hit.breadcrumbs.join(' › '));
    if (hit.url && /^https?:\/\//.test(hit.url)) {
      const live = element('a', 'live', 'on the site');
      live.href = hit.url;
      if (hit.breadcrumbs.length) crumbs.append(' · ');
      crumbs.append(live);
    }
    if (crumbs.textContent) li.append(crumbs);
    li.append(marked(element('p', 'snippet'), hit.snippet, hit.highlights));
    return li;
  }

  function render(query, body, extend) {
    const ran = body.corrected_query || query;
    if (!extend) {
      clear();
      if (body.corrected_query) {
        corrected.replaceChildren('Showing results for ', element('strong', '', body.corrected_query),
          '. Search instead for ', queryLink(query, false), '.');
        corrected.hidden = false;
      } else if (body.read_as) {
        corrected.replaceChildren(body.read_as.plain
          ? 'Searched for the words of “' + query + '”.'
          : 'Searched for ' + body.read_as.text + '.');
        corrected.hidden = false;
      }
    }
    body.hits.forEach((hit) => list.append(card(hit, ran)));
    const count = list.children.length;
    if (body.total_hits === 0) {
      status.textContent = 'No results for “' + query + '”.';
    } else {
      const total = body.total_hits_exact
        ? plural(body.total_hits, 'result')
        : 'more than ' + body.total_hits + ' results';
      status.textContent = 'Showing ' + count + ' of ' + total + '.';
    }
    if (body.suggestion) {
      suggestion.replaceChildren('Did you mean ', queryLink(body.suggestion, true), '?');
      suggestion.hidden = false;
    }
    more.hidden = count >= MOST || (body.total_hits_exact && count >= body.total_hits)
      || body.hits.length < PAGE;
    list.dataset.query = query;
  }

  function busy(on) {
    list.setAttribute('aria-busy', on ? 'true' : 'false');
    list.classList.toggle('stale', on);
  }

  // Runs `query`. `remember`: add it to the history (a committed search) rather than replace
  // the current entry; `typing`: it is being typed (its last word is completed); `extend`: the
  // next page of the same query; `correct`: false to run it as written; `focus`: move the
  // focus to the results when they are shown.
  function search(query, { remember = false, typing = false, extend = false, correct = true,
    focus = false } = {}) {
    clearTimeout(timer);
    timer = 0;
    const id = ++sequence;
    if (!extend) history[remember ? 'pushState' : 'replaceState'](null, '', pageUrl(query, correct));
    document.title = query.trim() ? '“' + query.trim() + '” · ' + TITLE : TITLE;
    if (!query.trim()) {
      clear();
      busy(false);
      status.textContent = '';
      shown = null;
      pending = null;
      return Promise.resolve();
    }
    const params = new URLSearchParams({ q: query, limit: String(PAGE), forgiving: 'true' });
    if (extend) params.set('offset', String(list.children.length));
    if (typing) params.set('typing', 'true');
    if (!correct) params.set('correct', 'false');
    busy(true);
    pending = fetch('/api/search?' + params)
      .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
      .then(({ ok, body }) => {
        if (id !== sequence) return;
        busy(false);
        if (ok) {
          render(query, body, extend);
          shown = query;
          shownCorrect = correct;
          if (focus) list.focus();
        } else {
          clear();
          status.textContent = body.error;
          shown = null;
          list.dataset.query = query;
        }
      })
      .catch(() => {
        if (id !== sequence) return;
        busy(false);
        const retry = element('button', 'retry', 'Try again');
        retry.type = 'button';
        retry.addEventListener('click', () => search(query, { remember, extend, correct, focus: true }));
        status.replaceChildren('The search could not be reached. ', retry);
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
    search(shown, { extend: true, correct: shownCorrect }).then(() => {
      if (links()[before]) activate(before);
    });
  });

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value, { typing: true }), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      activate(0);
    }
  });

  // Enter in the box, or the Search button: the whole query's results, and the focus on
  // them (on a phone the keyboard closes and the list shows).
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    search(input.value, { remember: true, focus: true });
  });

  list.addEventListener('keydown', (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      activate(at + 1);
    } else if (event.key === 'ArrowUp' && at >= 0) {
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
    const params = new URLSearchParams(window.location.search);
    const query = params.get('q') || '';
    input.value = query;
    search(query, { correct: params.get('correct') !== 'false' });
  }

  window.addEventListener('popstate', fromUrl);
  // The server drew the results of /?q= already: the script takes over from here.
  const drawn = list.dataset.query;
  if (drawn !== undefined && drawn === input.value) {
    shown = drawn;
    shownCorrect = new URLSearchParams(window.location.search).get('correct') !== 'false';
    document.title = '“' + drawn.trim() + '” · ' + TITLE;
  } else {
    fromUrl();
  }
  if (!input.value) input.focus();
})();
