// SPDX-License-Identifier: MIT
// views/moderation.js - the moderation queue (issue 11): held reviews
// (GET /api/v1/moderation/held; POST /api/v1/moderation/{id}/approve|reject) and held report
// texts (GET /api/v1/reports?description_status=held; PATCH /api/v1/reports/{id}
// {"description_status": "published"|"rejected"}), with the station, the time, the text and
// why it was held. One or many at a time (the API has no batch call: one request per item,
// partial failures listed), from the keyboard: j/k or arrows move, a approves, r rejects,
// x selects. Each decision is announced in the page's live region; the list updates in place.
import { get, post, patch, ApiError } from '../api.js';
import { t, addStrings, fmtTime } from '../i18n.js';
import { h, pageHead, busy, toast } from '../ui.js';

addStrings({
  'zh-Hans': {
    modTitle: '内容审核', modReview: '评价', modReport: '问题报告', modStars: '{n} 星',
    modApprove: '通过', modReject: '驳回', modApproveSel: '通过所选', modRejectSel: '驳回所选',
    modSelect: '选择', modSelectAll: '全选', modCount: '待审 {n} 条', modCountMore: '本批待审 {n} 条（还有更多，处理完本批后自动载入）', modNextBatch: '已载入下一批 {n} 条', modEmpty: '没有待审内容。',
    modKeys: '键盘：{jk} 或 {ud} 上下移动，{a} 通过，{r} 驳回，{x} 选择。',
    modApproved: '已通过：{what}', modRejected: '已驳回：{what}', modFailed: '{what} 失败：{why}',
    modBatch: '{ok} 条成功，{bad} 条失败。', modNoneSel: '请先选择内容（按 x 或勾选）。',
    modItem: '{kind} #{id}', modHeld: '暂扣原因', modNoText: '（无文字）',
    modReason: {
      advert: '广告', link: '链接', phone: '电话号码', contact_id: '联系方式（QQ/微信）',
      repeated: '重复发布', off_topic: '与驿站无关', learned: '模型判断为垃圾内容',
    },
  },
  'zh-Hant': {
    modTitle: '內容審核', modReview: '評價', modReport: '問題回報', modStars: '{n} 星',
    modApprove: '通過', modReject: '駁回', modApproveSel: '通過所選', modRejectSel: '駁回所選',
    modSelect: '選擇', modSelectAll: '全選', modCount: '待審 {n} 則', modCountMore: '本批待審 {n} 則（還有更多，處理完本批後自動載入）', modNextBatch: '已載入下一批 {n} 則', modEmpty: '沒有待審內容。',
    modKeys: '鍵盤：{jk} 或 {ud} 上下移動，{a} 通過，{r} 駁回，{x} 選擇。',
    modApproved: '已通過：{what}', modRejected: '已駁回：{what}', modFailed: '{what} 失敗：{why}',
    modBatch: '{ok} 則成功，{bad} 則失敗。', modNoneSel: '請先選擇內容（按 x 或勾選）。',
    modItem: '{kind} #{id}', modHeld: '暫扣原因', modNoText: '（無文字）',
    modReason: {
      advert: '廣告', link: '連結', phone: '電話號碼', contact_id: '聯絡方式（QQ/微信）',
      repeated: '重複發布', off_topic: '與驛站無關', learned: '模型判斷為垃圾內容',
    },
  },
  en: {
    modTitle: 'Moderation', modReview: 'Review', modReport: 'Problem report', modStars: '{n} stars',
    modApprove: 'Approve', modReject: 'Reject', modApproveSel: 'Approve selected', modRejectSel: 'Reject selected',
    modSelect: 'Select', modSelectAll: 'Select all', modCount: '{n} waiting', modCountMore: '{n} in this batch (more are waiting: the next batch loads when this one is done)', modNextBatch: 'Next batch loaded: {n}', modEmpty: 'Nothing is waiting for moderation.',
    modKeys: 'Keyboard: {jk} or {ud} move, {a} approves, {r} rejects, {x} selects.',
    modApproved: 'Approved: {what}', modRejected: 'Rejected: {what}', modFailed: '{what} failed: {why}',
    modBatch: '{ok} done, {bad} failed.', modNoneSel: 'Select something first (x or the checkbox).',
    modItem: '{kind} #{id}', modHeld: 'Held for', modNoText: '(no text)',
    modReason: {
      advert: 'advert', link: 'link', phone: 'phone number', contact_id: 'contact id (QQ/WeChat)',
      repeated: 'posted repeatedly', off_topic: 'off topic', learned: 'the learned filter',
    },
  },
});

/** The queue's items, reviews and report texts alike. */
function fromReview(r) {
  return {
    key: `review:${r.id}`, kind: 'review', id: r.id, at: r.created_at, text: r.text || '',
    reasons: r.reasons || [], station: [r.station_code, r.station_name].filter(Boolean).join(' '),
    stars: r.stars,
  };
}
function fromReport(r) {
  return {
    key: `report:${r.id}`, kind: 'report', id: r.id, at: r.requested_at, text: r.description || '',
    reasons: r.held_reasons || [], station: [r.station_code, r.address].filter(Boolean).join(' '),
    service: r.service_name,
  };
}

const REVIEWS_BATCH = 100, REPORTS_BATCH = 500;
/** The oldest held items, a batch at a time: `more` says the queue holds others, loaded when
 * this batch is decided. */
async function load() {
  const [rv, rp] = await Promise.all([
    get('/api/v1/moderation/held', { per_page: REVIEWS_BATCH }),
    get('/api/v1/reports', { description_status: 'held', order: 'oldest', limit: REPORTS_BATCH }),
  ]);
  const items = [...rv.body.items.map(fromReview), ...rp.body.reports.map(fromReport)];
  items.sort((a, b) => String(a.at).localeCompare(String(b.at)) || a.id - b.id); // oldest first
  const more = rv.body.total > rv.body.items.length || rp.body.reports.length >= REPORTS_BATCH;
  return { items, more };
}

/** One decision through the API. */
function decide(item, approve) {
  if (item.kind === 'review') return post(`/api/v1/moderation/${item.id}/${approve ? 'approve' : 'reject'}`, {});
  return patch(`/api/v1/reports/${item.id}`, { description_status: approve ? 'published' : 'rejected' });
}

const what = (item) => t('modItem', { kind: t(item.kind === 'review' ? 'modReview' : 'modReport'), id: item.id });
const reasonText = (r) => t('modReason')[r] || r;

export default {
  route: 'moderation',
  nav: 'navModeration',
  roles: ['city_admin', 'moderator'],
  async render(main) {
    let { items, more } = await load();
    const selected = new Set();
    let cur = 0; // index of the item with the keyboard's focus
    const live = h('p', { class: 'vh', role: 'status', 'aria-live': 'polite', id: 'mod-live' });
    const count = h('p', { class: 'muted', id: 'mod-count' });
    const list = h('ul', { class: 'mod-list', 'aria-labelledby': 'mod-h1' });
    const msg = h('div', { class: 'alert', role: 'alert', hidden: true });
    const allBox = h('input', { type: 'checkbox', id: 'mod-all', onchange: () => {
      selected.clear();
      if (allBox.checked) for (const it of items) selected.add(it.key);
      draw(false);
    } });
    const btnApprove = h('button', { type: 'button', class: 'btn primary', onclick: () => batch(true) }, t('modApproveSel'));
    const btnReject = h('button', { type: 'button', class: 'btn danger', onclick: () => batch(false) }, t('modRejectSel'));
    const head = pageHead(t('modTitle'));
    head.querySelector('h1').id = 'mod-h1';
    const kbd = (k) => h('kbd', null, k);
    const keys = t('modKeys', { jk: '\u0001', ud: '\u0002', a: '\u0003', r: '\u0004', x: '\u0005' })
      .split(/([\u0001-\u0005])/).map((p) => ({
        '\u0001': [kbd('j'), '/', kbd('k')], '\u0002': [kbd('↑'), '/', kbd('↓')],
        '\u0003': kbd('a'), '\u0004': kbd('r'), '\u0005': kbd('x'),
      }[p] || p));
    main.append(head, h('p', { class: 'muted mod-keys' }, keys), count, msg,
      h('div', { class: 'row mod-tools' }, h('label', { class: 'mod-check', for: 'mod-all' }, allBox, t('modSelectAll')), btnApprove, btnReject),
      list, live);

    function say(text, kind = 'ok') {
      live.textContent = text;
      toast(text, kind);
    }

    function card(it, i) {
      const box = h('input', { type: 'checkbox', checked: selected.has(it.key), 'aria-label': `${t('modSelect')} ${what(it)}`,
        onchange: () => { if (box.checked) selected.add(it.key); else selected.delete(it.key); cur = i; syncAll(); } });
      const li = h('li', {
        class: 'card mod-item', tabindex: i === cur ? '0' : '-1', 'data-key': it.key,
        'data-selected': selected.has(it.key) ? 'true' : 'false',
        onfocus: () => { cur = i; for (const o of list.children) o.tabIndex = o === li ? 0 : -1; },
      },
      h('div', { class: 'row mod-meta' },
        box,
        h('strong', null, what(it)),
        it.kind === 'review' ? h('span', { class: 'badge' }, t('modStars', { n: it.stars })) : h('span', { class: 'badge' }, it.service || ''),
        h('span', { class: 'muted' }, fmtTime(it.at))),
      h('p', { class: 'mod-station' }, it.station),
      h('blockquote', { class: 'mod-text', lang: 'zh' }, it.text || t('modNoText')),
      h('p', { class: 'mod-reasons' }, `${t('modHeld')}: `, it.reasons.map((r) => h('span', { class: 'badge bad' }, reasonText(r)))),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn primary small', onclick: (ev) => one(it, true, ev.currentTarget) }, t('modApprove')),
        h('button', { type: 'button', class: 'btn danger small', onclick: (ev) => one(it, false, ev.currentTarget) }, t('modReject'))));
      return li;
    }

    function syncAll() {
      allBox.checked = items.length > 0 && items.every((it) => selected.has(it.key));
      for (const li of list.children) li.dataset.selected = selected.has(li.dataset.key) ? 'true' : 'false';
    }

    function draw(focus) {
      cur = Math.max(0, Math.min(cur, items.length - 1));
      for (const k of [...selected]) if (!items.some((it) => it.key === k)) selected.delete(k);
      list.replaceChildren(...items.map(card));
      count.textContent = items.length ? t(more ? 'modCountMore' : 'modCount', { n: items.length }) : t('modEmpty');
      btnApprove.disabled = btnReject.disabled = allBox.disabled = !items.length;
      syncAll();
      if (focus) {
        if (items.length) list.children[cur].focus();
        else head.querySelector('h1').focus();
      }
    }

    function remove(keys) {
      const before = items[cur] && items[cur].key;
      items = items.filter((it) => !keys.has(it.key));
      const still = items.findIndex((it) => it.key === before);
      if (still >= 0) cur = still; // otherwise cur now points at the next one
    }

    /** This batch is done and the queue holds more: the next batch. */
    async function next() {
      if (items.length || !more) return;
      try {
        ({ items, more } = await load());
        cur = 0;
        draw(true);
        if (items.length) say(t('modNextBatch', { n: items.length }));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) say(err && err.text ? err.text() : String(err), 'bad');
      }
    }

    let working = false; // one decision at a time (a key held down repeats)
    async function one(it, approve, btn) {
      if (working) return;
      working = true;
      msg.hidden = true;
      await busy(btn, async () => {
        try {
          await decide(it, approve);
          cur = items.indexOf(it);
          remove(new Set([it.key]));
          draw(true);
          say(t(approve ? 'modApproved' : 'modRejected', { what: what(it) }));
          await next();
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) return;
          const why = err && err.text ? err.text() : String(err);
          msg.textContent = t('modFailed', { what: what(it), why });
          msg.hidden = false;
          say(t('modFailed', { what: what(it), why }), 'bad');
        }
      });
      working = false;
    }

    async function batch(approve) {
      msg.hidden = true;
      const chosen = items.filter((it) => selected.has(it.key));
      if (!chosen.length) { say(t('modNoneSel'), 'bad'); return; }
      if (working) return;
      working = true;
      await busy(approve ? btnApprove : btnReject, async () => {
        const done = new Set();
        const failed = [];
        for (const it of chosen) { // one request each: the API has no batch call
          try { await decide(it, approve); done.add(it.key); } catch (err) {
            if (err instanceof ApiError && err.status === 401) return;
            failed.push(t('modFailed', { what: what(it), why: err && err.text ? err.text() : String(err) }));
          }
        }
        cur = items.findIndex((it) => selected.has(it.key));
        remove(done);
        for (const k of done) selected.delete(k);
        draw(true);
        const summary = t('modBatch', { ok: done.size, bad: failed.length });
        if (failed.length) {
          msg.replaceChildren(h('p', null, summary), h('ul', null, failed.map((f) => h('li', null, f))));
          msg.hidden = false;
        }
        say(`${t(approve ? 'modApproved' : 'modRejected', { what: done.size })} ${summary}`, failed.length ? 'bad' : 'ok');
        if (!failed.length) await next();
      });
      working = false;
    }

    function onKey(ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const tag = (ev.target && ev.target.tagName) || '';
      if (tag === 'INPUT' && ev.target.type !== 'checkbox') return;
      if (tag === 'TEXTAREA' || tag === 'SELECT' || document.querySelector('dialog[open]')) return;
      if (!items.length) return;
      const it = items[cur];
      switch (ev.key) {
      case 'j': case 'ArrowDown': cur = Math.min(cur + 1, items.length - 1); list.children[cur].focus(); break;
      case 'k': case 'ArrowUp': cur = Math.max(cur - 1, 0); list.children[cur].focus(); break;
      case 'a': one(it, true, null); break;
      case 'r': one(it, false, null); break;
      case 'x':
        if (selected.has(it.key)) selected.delete(it.key); else selected.add(it.key);
        list.children[cur].querySelector('input[type=checkbox]').checked = selected.has(it.key);
        syncAll();
        say(`${what(it)}: ${selected.has(it.key) ? '✓' : '—'}`);
        break;
      default: return;
      }
      ev.preventDefault();
    }

    draw(false);
    document.addEventListener('keydown', onKey);
    main.querySelector('h1').focus();
    return () => document.removeEventListener('keydown', onKey);
  },
};

