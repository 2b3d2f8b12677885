// A stand-in for Mastodon's web UI bundle (/packs/js/application.js), for the look-alike pages: the same
// REST API calls and the same class names as the web UI renders for a visitor who is not signed in, none of
// its code. See README.md.
(() => {
  'use strict';
  const BATCH = 2; // descendants shown at first and per "Load more"
  const COLLAPSE = 500; // longer statuses in lists are collapsed behind "Read more"
  const state = JSON.parse(document.getElementById('initial-state').textContent);
  const domain = state.meta.domain;
  const root = document.getElementById('mastodon');
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const acctOf = (a) => (a.acct.includes('@') ? a.acct : `${a.acct}@${domain}`);
  const full = (iso) => new Intl.DateTimeFormat('en-US', {
    year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(new Date(iso));
  const short = (n) => new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
  const relative = (iso) => {
    const h = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 3.6e6));
    return h < 24 ? `${h}h` : `${Math.round(h / 24)}d`;
  };
  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

  async function api(path) {
    const res = await fetch(path, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw Object.assign(new Error(res.statusText), { status: res.status });
    return res.json();
  }

  const displayName = (a) =>
    `<span class="display-name"><bdi><strong class="display-name__html">${esc(a.display_name || a.username)}</strong></bdi>` +
    ` <span class="display-name__account">@${esc(acctOf(a))}</span></span>`;
  const avatar = (a, size) =>
    `<div class="account__avatar" style="width: ${size}px; height: ${size}px;"><img src="${esc(a.avatar)}" alt=""></div>`;
  const warning = (s) =>
    `<div class="content-warning"><p>${esc(s.spoiler_text)}</p><button class="link-button">Show more</button></div>`;

  function content(s, list) {
    const collapsed = list && s.content.replace(/<[^>]*>/g, '').length > COLLAPSE;
    return `<div class="status__content${collapsed ? ' status__content--collapsed' : ''}" tabindex="0">` +
      `<div class="status__content__text status__content__text--visible translate" lang="${esc(s.language || '')}">${s.content}</div></div>` +
      (collapsed ? '<button type="button" class="status__content__read-more-button">Read more</button>' : '');
  }

  function media(s, shown) {
    const items = s.media_attachments;
    if (!items.length) return '';
    const first = items[0];
    if (first.type === 'video') {
      const o = first.meta.original;
      return `<div class="video-player inline" style="aspect-ratio: ${o.width} / ${o.height};">` +
        `<video src="${esc(first.url)}" poster="${esc(first.preview_url)}" aria-label="${esc(first.description)}"` +
        ` title="${esc(first.description)}" lang="${esc(s.language)}" preload="none" playsinline muted role="button" tabindex="0"></video>` +
        `<div class="video-player__controls"><span class="video-player__time"><span class="video-player__time-current">0:00</span>` +
        `<span class="video-player__time-sep">/</span><span class="video-player__time-total">${clock(o.duration || 0)}</span></span></div></div>`;
    }
    if (!shown) {
      return `<div class="media-gallery" style="aspect-ratio: 3 / 2;"><div class="spoiler-button">` +
        `<button type="button" class="spoiler-button__overlay"><span class="spoiler-button__overlay__label">Sensitive content` +
        `<span class="spoiler-button__overlay__action">Click to show</span></span></button></div>` +
        items.map(() => '<div class="media-gallery__item"><canvas class="media-gallery__preview"></canvas></div>').join('') + '</div>';
    }
    return `<div class="media-gallery" style="aspect-ratio: 3 / 2;">` + items.map((m) =>
      `<div class="media-gallery__item"><a class="media-gallery__item-thumbnail" href="${esc(m.url)}" target="_blank" rel="noopener noreferrer">` +
      `<img src="${esc(m.preview_url)}" alt="${esc(m.description)}" lang="${esc(s.language)}"></a></div>`).join('') +
      `<div class="media-gallery__actions"><button class="media-gallery__actions__pill">Hide</button></div></div>`;
  }

  // What the visitor has opened: content warnings and sensitive media, by status id.
  const opened = new Set();
  const revealed = new Set();
  const body = (s, list) => {
    const cw = s.spoiler_text ? warning(s) : '';
    if (s.spoiler_text && !opened.has(s.id)) return cw;
    return cw.replace('Show more', 'Hide post') + content(s, list) +
      media(s, !s.sensitive || s.spoiler_text || revealed.has(s.id));
  };

  function detailed(s) {
    const a = s.account;
    const edited = s.edited_at
      ? `<div class="detailed-status__meta__line"><button class="dropdown-menu__text-button"><span>Edited ${esc(full(s.edited_at))}</span></button></div>`
      : '';
    return `<div class="focusable detailed-status__wrapper detailed-status__wrapper-public" tabindex="-1" data-status="${s.id}">` +
      `<div style="box-sizing: border-box;"><div class="detailed-status">` +
      `<a class="detailed-status__display-name" href="/@${esc(a.acct)}" data-hover-card-account="${esc(a.id)}">` +
      `<div class="detailed-status__display-avatar">${avatar(a, 46)}</div>${displayName(a)}</a>${body(s, false)}` +
      `<div class="detailed-status__meta"><div class="detailed-status__meta__line">` +
      `<a class="detailed-status__datetime" href="/@${esc(a.acct)}/${s.id}" target="_blank" rel="noopener noreferrer"><span>${esc(full(s.created_at))}</span></a>` +
      `·<span class="visibility-icon" title="Public">🌐</span></div>${edited}` +
      `<div class="detailed-status__meta__line"><a href="/@${esc(a.acct)}/${s.id}/reblogs" class="detailed-status__link">` +
      `<span class="detailed-status__reblogs"><span class="animated-number"><span>${short(s.reblogs_count)}</span></span></span> boosts</a>·` +
      `<a href="/@${esc(a.acct)}/${s.id}/favourites" class="detailed-status__link"><span class="detailed-status__favorites">` +
      `<span class="animated-number"><span>${short(s.favourites_count)}</span></span></span> favorites</a></div></div></div></div></div>`;
  }

  function listed(s) {
    const a = s.account;
    const edited = s.edited_at ? `<abbr title="Edited ${esc(full(s.edited_at))}"> *</abbr>` : '';
    return `<div class="status__wrapper status__wrapper-public focusable" tabindex="0" data-status="${s.id}">` +
      `<div class="status status-public" data-id="${esc(s.id)}"><div class="status__info">` +
      `<a href="${esc(s.url)}" class="status__relative-time" target="_blank" rel="noopener noreferrer">` +
      `<span class="status__visibility-icon" title="Public">🌐</span><time datetime="${esc(s.created_at)}" title="${esc(full(s.created_at))}">${relative(s.created_at)}</time>${edited}</a>` +
      `<a href="/@${esc(a.acct)}" title="@${esc(acctOf(a))}" class="status__display-name" data-hover-card-account="${esc(a.id)}">` +
      `<div class="status__avatar">${avatar(a, 46)}</div>${displayName(a)}</a></div>${body(s, true)}` +
      `<div class="status__action-bar"><button class="status__action-bar__button icon-button" aria-label="Reply">↩</button>` +
      `<button class="status__action-bar__button icon-button" aria-label="Boost">⇄</button>` +
      `<button class="status__action-bar__button icon-button" aria-label="Favorite">★</button></div></div></div>`;
  }

  const statuses = new Map();
  const rerender = (id) => {
    const node = root.querySelector(`[data-status="${id}"]`);
    const s = statuses.get(id);
    if (node && s) node.outerHTML = node.classList.contains('detailed-status__wrapper') ? detailed(s) : listed(s);
  };
  root.addEventListener('click', (ev) => {
    const wrapper = ev.target.closest('[data-status]');
    const id = wrapper && wrapper.dataset.status;
    if (ev.target.closest('.content-warning .link-button')) {
      opened.has(id) ? opened.delete(id) : opened.add(id);
      rerender(id);
    } else if (ev.target.closest('.spoiler-button__overlay')) {
      revealed.add(id);
      rerender(id);
    } else if (ev.target.closest('.status__content__read-more-button')) {
      wrapper.querySelector('.status__content--collapsed')?.classList.remove('status__content--collapsed');
      ev.target.closest('.status__content__read-more-button').remove();
    }
  });

  const column = (inner) =>
    `<div class="ui"><div class="columns-area"><div class="column" role="region"><div class="scrollable">${inner}</div></div></div></div>`;

  function error(title, text) {
    root.innerHTML = column(`<div class="error-column"><div class="error-column__message"><h1>${esc(title)}</h1><p>${esc(text)}</p></div></div>`);
  }

  async function showStatus(id) {
    let status;
    let context;
    try {
      status = await api(`/api/v1/statuses/${id}`);
      context = await api(`/api/v1/statuses/${id}/context`);
    } catch (e) {
      if (e.status === 401) return error('401', 'You need to sign in or sign up before continuing.');
      if (e.status === 429) return error('429', 'Too many requests');
      return error('404', 'The requested page could not be found. Are you sure the URL in the address bar is correct?');
    }
    for (const s of [status, ...context.ancestors, ...context.descendants]) statuses.set(s.id, s);
    let shown = Math.min(BATCH, context.descendants.length);
    const render = () => {
      const more = shown < context.descendants.length ? '<button type="button" class="load-more">Load more</button>' : '';
      root.innerHTML = column(context.ancestors.map(listed).join('') + detailed(status) +
        context.descendants.slice(0, shown).map(listed).join('') + more);
    };
    render();
    root.addEventListener('click', async (ev) => {
      const button = ev.target.closest('button.load-more');
      if (!button) return;
      button.disabled = true;
      // As the web UI's "More replies found · Show": the context is fetched again, then shown.
      context = await api(`/api/v1/statuses/${id}/context`);
      for (const s of context.descendants) statuses.set(s.id, statuses.get(s.id) || s);
      shown = Math.min(context.descendants.length, shown + BATCH);
      render();
    });
    document.title = `${status.account.display_name}: "${status.spoiler_text || status.content.replace(/<[^>]*>/g, '').slice(0, 50)}" - ${state.meta.title}`;
  }

  async function showAccount(acct) {
    let account;
    let list;
    try {
      account = await api(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      list = await api(`/api/v1/accounts/${account.id}/statuses?exclude_replies=true`);
    } catch (e) {
      return error('404', 'The requested page could not be found. Are you sure the URL in the address bar is correct?');
    }
    for (const s of list) statuses.set(s.id, s);
    const link = (n, word, path) =>
      `<a href="/@${esc(account.acct)}${path}" title="${n.toLocaleString('en-US')}"><strong>${short(n)}</strong> ${word}</a>`;
    root.innerHTML = column(`<div class="account-timeline__header"><div class="account__header">` +
      `<div class="account__header__image"><img src="${esc(account.header)}" alt="" class="parallax"></div>` +
      `<div class="account__header__bar"><div class="account__header__tabs"><a class="avatar" href="${esc(account.url)}">${avatar(account, 92)}</a></div>` +
      `<div class="account__header__tabs__name"><h1><span>${esc(account.display_name)}</span> <small><span>@${esc(acctOf(account))}</span></small></h1></div>` +
      `<div class="account__header__extra"><div class="account__header__bio"><div class="account__header__content translate">${account.note}</div></div>` +
      `<div class="account__header__extra__links">${link(account.statuses_count, 'Posts', '')}${link(account.following_count, 'Following', '/following')}` +
      `${link(account.followers_count, 'Followers', '/followers')}</div></div></div></div></div>` +
      `<div class="item-list">${list.map(listed).join('')}</div>`);
  }

  const path = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const at = path[0] === 'web' ? path.slice(1) : path;
  if (at[0] && at[0].startsWith('@') && /^\d+$/.test(at[1] || '')) showStatus(at[1]);
  else if (at[0] === 'users' && at[2] === 'statuses') showStatus(at[3]);
  else if (at[0] && at[0].startsWith('@')) showAccount(at[0].slice(1));
})();
