// A stand-in for bsky.app's bundle (/static/js/main.js), for the look-alike pages: it does what the app does
// for a visitor who is not signed in, with the same public API calls and the same DOM hooks (data-testid,
// aria-label, links), and none of its code. See README.md.
(() => {
  'use strict';
  const API = 'https://public.api.bsky.app/xrpc/';
  const BATCH = 3; // replies shown at first and per "Show more replies"
  const MAX_LINES = 25; // the app clamps longer texts behind "Show more"
  const root = document.getElementById('root');
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const rkeyOf = (uri) => uri.split('/').pop();
  const postHref = (handle, uri) => `/profile/${handle}/post/${rkeyOf(uri)}`;
  const niceDate = (iso) =>
    new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
  const count = (n) =>
    new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
  const ago = (iso) => {
    const h = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 3.6e6));
    return h < 24 ? `${h}h` : `${Math.round(h / 24)}d`;
  };

  async function xrpc(method, params) {
    const res = await fetch(`${API}${method}?${new URLSearchParams(params)}`);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.message || res.statusText), { status: res.status });
    return body;
  }

  // app.bsky.richtext.facet: byte ranges of the UTF-8 text that are links, mentions or tags.
  function richText(text, facets) {
    const bytes = new TextEncoder().encode(text || '');
    const decode = (a, b) => esc(new TextDecoder().decode(bytes.slice(a, b)));
    let out = '';
    let at = 0;
    for (const f of [...(facets || [])].sort((a, b) => a.index.byteStart - b.index.byteStart)) {
      const { byteStart, byteEnd } = f.index;
      if (byteStart < at) continue;
      const feature = (f.features || [])[0] || {};
      const href = feature.uri || (feature.did && `/profile/${feature.did}`) || (feature.tag && `/hashtag/${feature.tag}`);
      out += decode(at, byteStart);
      out += href ? `<a href="${esc(href)}" role="link">${decode(byteStart, byteEnd)}</a>` : decode(byteStart, byteEnd);
      at = byteEnd;
    }
    return (out + decode(at, bytes.length)).replace(/\n/g, '<br>');
  }

  const avatar = (a) =>
    `<div class="avatar"><img alt="${esc(a.displayName || a.handle)}'s avatar" src="${esc(a.avatar)}" draggable="false"></div>`;
  const nameLinks = (a) =>
    `<a href="/profile/${esc(a.handle)}" aria-label="View profile" role="link">${esc(a.displayName || a.handle)}</a>` +
    `<a href="/profile/${esc(a.handle)}" aria-label="View profile" role="link">&nbsp;@${esc(a.handle)}</a>`;
  const postMeta = (a, uri, when) =>
    `<div class="meta">${nameLinks(a)}<a href="${postHref(a.handle, uri)}" aria-label="${esc(niceDate(when))}"` +
    ` title="${esc(niceDate(when))}" role="link">· ${ago(when)}</a></div>`;

  const videos = new Map(); // <video> id -> playlist URL, played as hls.js would, through a blob: URL

  function embed(e) {
    if (!e) return '';
    switch (e.$type) {
      case 'app.bsky.embed.images#view':
        return `<div class="images">${e.images
          .map((i) => `<div class="image"><img alt="${esc(i.alt)}" src="${esc(i.thumb)}" draggable="false"></div>`)
          .join('')}</div>`;
      case 'app.bsky.embed.video#view': {
        const id = `video-${videos.size + 1}`;
        videos.set(id, e.playlist);
        return `<div class="video"><video id="${id}" poster="${esc(e.thumbnail)}" aria-label="${esc(e.alt || 'Video')}" playsinline muted preload="none"></video></div>`;
      }
      case 'app.bsky.embed.record#view':
        return quote(e.record);
      case 'app.bsky.embed.recordWithMedia#view':
        return embed(e.media) + quote(e.record.record);
      case 'app.bsky.embed.external#view':
        return `<a class="external" href="${esc(e.external.uri)}" role="link">${esc(e.external.title)}</a>`;
      default:
        return '';
    }
  }

  function quote(r) {
    if (!r || r.$type !== 'app.bsky.embed.record#viewRecord') {
      return `<div class="quote-missing"><div dir="auto">${r && r.blocked ? 'Blocked' : 'Deleted'}</div></div>`;
    }
    return `<div class="quote" role="link" tabindex="0" aria-label="Post by ${esc(r.author.handle)}">` +
      `${avatar(r.author)}${postMeta(r.author, r.uri, r.indexedAt)}` +
      `<div data-testid="postText" dir="auto">${richText(r.value.text, r.value.facets)}</div>` +
      `${(r.embeds || []).map(embed).join('')}</div>`;
  }

  const icon = (d) => `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="${d}"/></svg>`;
  const controls = (p, big) =>
    `<div class="controls">` +
    `<button data-testid="replyBtn" aria-label="Reply (${p.replyCount} replies)">${icon('M4 4h16v12H8l-4 4z')}${big || !p.replyCount ? '' : `<div>${count(p.replyCount)}</div>`}</button>` +
    `<button data-testid="repostBtn" aria-label="Repost (${p.repostCount} reposts)">${icon('M4 8h12l-3-3m3 11H4l3 3')}${big || !p.repostCount ? '' : `<div data-testid="repostCount">${count(p.repostCount)}</div>`}</button>` +
    `<button data-testid="likeBtn" aria-label="Like (${p.likeCount} likes)">${icon('M12 20l-8-8a5 5 0 0 1 8-6 5 5 0 0 1 8 6z')}${big || !p.likeCount ? '' : `<div data-testid="likeCount">${count(p.likeCount)}</div>`}</button>` +
    `</div>`;

  function text(p, clamp) {
    if (!p.record.text) return '';
    const long = clamp && p.record.text.split('\n').length >= MAX_LINES;
    return `<div data-testid="postText" dir="auto"${long ? ` style="-webkit-line-clamp:${MAX_LINES};display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden"` : ''}>` +
      `${richText(p.record.text, p.record.facets)}</div>` +
      (long ? '<div role="button" tabindex="0" aria-label="Expand post text" class="show-more">Show more</div>' : '');
  }

  function item(p) {
    return `<div data-testid="postThreadItem-by-${esc(p.author.handle)}" class="item">${avatar(p.author)}<div class="body">` +
      `${postMeta(p.author, p.uri, p.indexedAt)}${text(p, true)}${embed(p.embed)}${controls(p, false)}</div></div>`;
  }

  function anchor(p) {
    const href = postHref(p.author.handle, p.uri);
    const stat = (n, testid, one, many, path, title) =>
      n ? `<a href="${href}/${path}" title="${title}" role="link"><div data-testid="${testid}"><b>${count(n)}</b> ${n === 1 ? one : many}</div></a>` : '';
    const stats = p.repostCount || p.quoteCount || p.likeCount
      ? `<div class="stats">${stat(p.repostCount, 'repostCount-expanded', 'repost', 'reposts', 'reposted-by', 'Reposts of this post')}` +
        `${stat(p.quoteCount, 'quoteCount-expanded', 'quote', 'quotes', 'quotes', 'Quotes of this post')}` +
        `${stat(p.likeCount, 'likeCount-expanded', 'like', 'likes', 'liked-by', 'Likes on this post')}</div>`
      : '';
    return `<div data-testid="postThreadItem-by-${esc(p.author.handle)}" class="item anchor">` +
      `<div class="head">${avatar(p.author)}${nameLinks(p.author)}</div>${text(p, false)}${embed(p.embed)}` +
      `<div class="details"><div dir="auto">${esc(niceDate(p.indexedAt))}</div></div>${stats}${controls(p, true)}</div>`;
  }

  function message(title, body) {
    root.innerHTML = `<div class="error"><div dir="auto" class="title">${esc(title)}</div>` +
      `<div dir="auto">${esc(body)}</div><button aria-label="Retry">Retry</button></div>`;
  }

  const labelled = (a, val) => (a.labels || []).some((l) => l.val === val);
  const flatten = (node) =>
    node.$type === 'app.bsky.feed.defs#threadViewPost'
      ? [node, ...(node.replies || []).flatMap(flatten)]
      : [];

  async function playVideos() {
    // As hls.js: the master playlist, the first variant, its segments, into a blob: the <video> plays.
    for (const [id, playlist] of videos) {
      try {
        const master = await (await fetch(playlist)).text();
        const variant = new URL(master.split('\n').find((l) => l && !l.startsWith('#')), playlist);
        const media = await (await fetch(variant)).text();
        const parts = [];
        for (const line of media.split('\n').filter((l) => l && !l.startsWith('#'))) {
          parts.push(await (await fetch(new URL(line, variant))).arrayBuffer());
        }
        document.getElementById(id).src = URL.createObjectURL(new Blob(parts, { type: 'video/webm' }));
      } catch (e) {
        console.warn('video', id, e);
      }
    }
  }

  async function showThread(actor, rkey) {
    let thread;
    try {
      const did = actor.startsWith('did:') ? actor : (await xrpc('com.atproto.identity.resolveHandle', { handle: actor })).did;
      thread = (await xrpc('app.bsky.feed.getPostThread', {
        uri: `at://${did}/app.bsky.feed.post/${rkey}`, depth: 6, parentHeight: 80,
      })).thread;
    } catch (e) {
      if (e.status === 429) return message('Error loading post', "You've reached the maximum number of requests allowed. Please try again later.");
      if (String(e.message).startsWith('Post not found')) return message('Post not found', e.message);
      return message('Error loading post', 'Something went wrong. Please try again in a moment.');
    }
    if (thread.$type === 'app.bsky.feed.defs#notFoundPost') return message('Post not found', 'The post may have been deleted.');
    if (thread.$type === 'app.bsky.feed.defs#blockedPost') return message('Post blocked', 'You have blocked the author or you have been blocked by the author.');
    const post = thread.post;
    if (labelled(post.author, '!no-unauthenticated')) {
      root.innerHTML = '<div class="locked"><div class="skeleton">' + icon('M6 10V7a6 6 0 0 1 12 0v3h1v10H5V10z') + '</div><div dir="auto"><i>You must sign in to view this post.</i></div></div>';
      return;
    }
    const parents = [];
    for (let p = thread.parent; p && p.$type === 'app.bsky.feed.defs#threadViewPost'; p = p.parent) parents.unshift(p);
    const replies = (thread.replies || []).flatMap(flatten).filter((r) => !labelled(r.post.author, '!no-unauthenticated'));
    let shown = 0;
    root.innerHTML = `<div class="thread">${parents.map((p) => item(p.post)).join('')}${anchor(post)}<div class="replies"></div></div>`;
    const list = root.querySelector('.replies');
    const more = () => {
      list.querySelector('[aria-label="Show more replies"]')?.remove();
      list.insertAdjacentHTML('beforeend', replies.slice(shown, shown + BATCH).map((r) => item(r.post)).join(''));
      shown = Math.min(replies.length, shown + BATCH);
      if (shown < replies.length) {
        list.insertAdjacentHTML('beforeend', '<div role="button" tabindex="0" aria-label="Show more replies" class="more"><div dir="auto">Show more replies</div></div>');
      }
      playVideos();
    };
    more();
    root.addEventListener('click', (ev) => {
      if (ev.target.closest('[aria-label="Show more replies"]')) more();
      const expand = ev.target.closest('[aria-label="Expand post text"]');
      if (expand) {
        expand.previousElementSibling.removeAttribute('style');
        expand.remove();
      }
    });
    document.title = `${post.author.displayName || '@' + post.author.handle}: "${post.record.text}" — Bluesky`;
  }

  async function showProfile(actor) {
    let profile;
    let feed;
    try {
      profile = await xrpc('app.bsky.actor.getProfile', { actor });
      feed = (await xrpc('app.bsky.feed.getAuthorFeed', { actor, limit: 30, filter: 'posts_and_author_threads' })).feed;
    } catch (e) {
      return message('Profile not found', e.message);
    }
    const metric = (n, testid, word, path) =>
      `<a href="/profile/${esc(profile.handle)}/${path}" data-testid="${testid}"><b>${count(n)}</b> ${word}</a>`;
    root.innerHTML = `<div class="profile"><div class="header">${avatar(profile)}` +
      `<div data-testid="profileHeaderDisplayName" dir="auto">${esc(profile.displayName)}</div>` +
      `<div data-testid="profileHeaderHandle" dir="auto">@${esc(profile.handle)}</div>` +
      `<div>${metric(profile.followersCount, 'profileHeaderFollowersButton', 'followers', 'followers')}` +
      `${metric(profile.followsCount, 'profileHeaderFollowsButton', 'following', 'follows')}` +
      `<span><b>${count(profile.postsCount)}</b> posts</span></div>` +
      `<div data-testid="profileHeaderDescription" dir="auto">${esc(profile.description).replace(/\n/g, '<br>')}</div></div>` +
      `<div class="feed">${feed.map((f) => item(f.post).replace('postThreadItem-by-', 'feedItem-by-')).join('')}</div></div>`;
    playVideos();
  }

  const path = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (path[0] === 'profile' && path[2] === 'post' && path[3]) showThread(path[1], path[3]);
  else if (path[0] === 'profile' && path[1]) showProfile(path[1]);
})();
