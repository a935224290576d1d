// SPDX-License-Identifier: MIT
// views/events.js - events at stations (docs/internals/console.md, "Events, meals and the
// canteen screen"): the list of upcoming or past events by district, station and category
// (grouped from GET /api/v1/events' occurrences), the editor of a one-off or weekly event
// (the Friday breakfast) with If-Match, cancelling with a confirmation, and the sign-up list
// (GET /api/v1/events/{id}/signups: pseudonyms, counts per occurrence, capacity).
import { get, post, patch, del, ApiError } from '../api.js';
import { t, addStrings, fmtTime } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast, table, select, confirmDialog, renderWhenCurrent } from '../ui.js';

addStrings({
  'zh-Hans': {
    evTitle: '活动', evNew: '新建活动', evUpcoming: '即将举行（30 天内）', evPast: '已举行（30 天内）', evWhen: '时间',
    evDistrict: '区县', evStation: '驿站', evCategory: '类别', evName: '活动名称', evDesc: '说明', evCapacity: '每场名额',
    evCapacityHint: '留空表示不限', evKind: '类型', evOneOff: '一次性活动', evWeekly: '每周重复', evStarts: '开始时间',
    evEnds: '结束时间', evDays: '每周几', evStart: '开始（时:分）', evEnd: '结束（时:分）', evFrom: '从哪天起', evUntil: '到哪天止',
    evUntilHint: '留空表示长期', evNext: '下一场', evLast: '最近一场', evOccurrences: '场次', evSigned: '报名',
    evSignups: '报名名单', evSignupsNote: '工友以匿名代号显示（每个活动不同），不显示身份。', evWorker: '工友代号',
    evSignedAt: '报名时间', evOccurrence: '场次日期', evCancel: '取消活动', evCancelAsk: '确定取消活动“{title}”？已报名的工友会看到活动已取消。此操作不能撤销。',
    evCancelled: '活动已取消。', evStatusCancelled: '已取消', evCreated: '活动已创建。', evSaved: '已保存。', evNone: '这段时间没有活动。',
    evPickStation: '请选择驿站', evUnlimited: '不限', evAllCats: '全部类别', evAllDistricts: '全部区县', evAllStations: '全部驿站',
    evBack: '返回活动列表', evCountOf: '共 {n} 人报名', evNoSignups: '还没有人报名。', evVersion: '版本 {v}',
    cat: { free_meal: '免费餐', cheap_meal: '优惠餐', health: '健康服务', activity: '文体活动', service: '便民服务' },
    dayNames: { Mo: '周一', Tu: '周二', We: '周三', Th: '周四', Fr: '周五', Sa: '周六', Su: '周日' },
  },
  'zh-Hant': {
    evTitle: '活動', evNew: '新建活動', evUpcoming: '即將舉行（30 天內）', evPast: '已舉行（30 天內）', evWhen: '時間',
    evDistrict: '區縣', evStation: '驛站', evCategory: '類別', evName: '活動名稱', evDesc: '說明', evCapacity: '每場名額',
    evCapacityHint: '留空表示不限', evKind: '類型', evOneOff: '一次性活動', evWeekly: '每週重複', evStarts: '開始時間',
    evEnds: '結束時間', evDays: '每週幾', evStart: '開始（時:分）', evEnd: '結束（時:分）', evFrom: '從哪天起', evUntil: '到哪天止',
    evUntilHint: '留空表示長期', evNext: '下一場', evLast: '最近一場', evOccurrences: '場次', evSigned: '報名',
    evSignups: '報名名單', evSignupsNote: '工友以匿名代號顯示（每個活動不同），不顯示身分。', evWorker: '工友代號',
    evSignedAt: '報名時間', evOccurrence: '場次日期', evCancel: '取消活動', evCancelAsk: '確定取消活動「{title}」？已報名的工友會看到活動已取消。此操作不能復原。',
    evCancelled: '活動已取消。', evStatusCancelled: '已取消', evCreated: '活動已建立。', evSaved: '已儲存。', evNone: '這段時間沒有活動。',
    evPickStation: '請選擇驛站', evUnlimited: '不限', evAllCats: '全部類別', evAllDistricts: '全部區縣', evAllStations: '全部驛站',
    evBack: '返回活動列表', evCountOf: '共 {n} 人報名', evNoSignups: '還沒有人報名。', evVersion: '版本 {v}',
    cat: { free_meal: '免費餐', cheap_meal: '優惠餐', health: '健康服務', activity: '文體活動', service: '便民服務' },
    dayNames: { Mo: '週一', Tu: '週二', We: '週三', Th: '週四', Fr: '週五', Sa: '週六', Su: '週日' },
  },
  en: {
    evTitle: 'Events', evNew: 'New event', evUpcoming: 'Upcoming (30 days)', evPast: 'Past (30 days)', evWhen: 'When',
    evDistrict: 'District', evStation: 'Station', evCategory: 'Category', evName: 'Title', evDesc: 'Description', evCapacity: 'Seats per occurrence',
    evCapacityHint: 'Empty: no limit', evKind: 'Kind', evOneOff: 'One-off', evWeekly: 'Every week', evStarts: 'Starts',
    evEnds: 'Ends', evDays: 'Weekdays', evStart: 'Starts (HH:MM)', evEnd: 'Ends (HH:MM)', evFrom: 'From', evUntil: 'Until',
    evUntilHint: 'Empty: no end', evNext: 'Next', evLast: 'Latest', evOccurrences: 'Occurrences', evSigned: 'Signed up',
    evSignups: 'Sign-ups', evSignupsNote: 'Workers appear as pseudonyms (different for each event), never by identity.', evWorker: 'Worker',
    evSignedAt: 'Signed up at', evOccurrence: 'Occurrence', evCancel: 'Cancel event', evCancelAsk: 'Cancel the event “{title}”? Workers who signed up will see it is cancelled. This cannot be undone.',
    evCancelled: 'The event is cancelled.', evStatusCancelled: 'Cancelled', evCreated: 'Event created.', evSaved: 'Saved.', evNone: 'No events in this period.',
    evPickStation: 'Choose a station', evUnlimited: 'no limit', evAllCats: 'All categories', evAllDistricts: 'All districts', evAllStations: 'All stations',
    evBack: 'Back to the events', evCountOf: '{n} signed up', evNoSignups: 'Nobody has signed up yet.', evVersion: 'version {v}',
    cat: { free_meal: 'Free meal', cheap_meal: 'Cheap meal', health: 'Health', activity: 'Activity', service: 'Service' },
    dayNames: { Mo: 'Mon', Tu: 'Tue', We: 'Wed', Th: 'Thu', Fr: 'Fri', Sa: 'Sat', Su: 'Sun' },
  },
});

const CATS = ['free_meal', 'cheap_meal', 'health', 'activity', 'service'];
const DAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
const EDITORS = ['city_admin', 'district_admin', 'operator'];

/** Today in Asia/Shanghai as YYYY-MM-DD, plus `days`. */
function shanghaiDate(days = 0) {
  const d = new Date(Date.now() + 8 * 3600e3 + days * 86400e3);
  return d.toISOString().slice(0, 10);
}
/** "2027-05-28T09:00:00+08:00" -> "2027-05-28T09:00" for a datetime-local input, in +08:00. */
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 16);
}
const fromLocalInput = (v) => (v ? `${v}:00+08:00` : null);
const catLabel = (c) => (t('cat') || {})[c] || c;

/** The districts the user may pick: a district admin's own, everyone else's all. */
async function districtOptions(ctx) {
  const all = (await get('/api/v1/districts')).body.districts;
  const mine = ctx.hasRole('city_admin') ? null : ctx.scopeOf('district_admin');
  return mine ? all.filter((d) => mine.includes(d.code)) : all;
}

/** Stations of a district (all pages; districts hold up to a few hundred). */
async function stationsOf(district) {
  const out = [];
  for (let page = 1; page <= 20; page++) {
    const b = (await get('/api/v1/stations', { district, per_page: 100, page })).body;
    out.push(...b.stations);
    if (b.stations.length < 100) break;
  }
  return out;
}

// --- the list ---------------------------------------------------------------------------------
async function renderList(main, ctx) {
  const q = ctx.query;
  const when = q.get('when') === 'past' ? 'past' : 'upcoming';
  const district = q.get('district') || '';
  const category = q.get('category') || '';
  const station = q.get('station') || '';
  const districts = await districtOptions(ctx);
  const stations = district ? await stationsOf(district) : [];
  const params = when === 'past'
    ? { from: shanghaiDate(-30), to: shanghaiDate(-1) }
    : { from: shanghaiDate(0), to: shanghaiDate(30) };
  const body = (await get('/api/v1/events', { ...params, district, category, station, limit: 2000 })).body;

  // one row an event: its next (or, for past, latest) occurrence, occurrences and sign-ups
  const byId = new Map();
  for (const o of body.occurrences) {
    let e = byId.get(o.event_id);
    if (!e) { e = { ...o, n: 0, signed: 0 }; byId.set(o.event_id, e); }
    e.n++;
    e.signed += o.signed_up;
    if (when === 'past') { e.starts_at = o.starts_at; e.occurrence = o.occurrence; }
  }
  const rows = [...byId.values()];

  const setQuery = (k, v) => {
    const nq = new URLSearchParams(q);
    if (v) nq.set(k, v); else nq.delete(k);
    if (k === 'district') nq.delete('station');
    ctx.navigate(`#/events${nq.toString() ? `?${nq}` : ''}`);
  };
  const whenSel = select([['upcoming', t('evUpcoming')], ['past', t('evPast')]], when, { name: 'when', onchange: (e) => setQuery('when', e.target.value === 'past' ? 'past' : '') });
  const distSel = select([['', t('evAllDistricts')], ...districts.map((d) => [d.code, d.name])], district, { name: 'district', onchange: (e) => setQuery('district', e.target.value) });
  const stSel = select([['', t('evAllStations')], ...stations.map((s) => [String(s.id), `${s.name} (${s.code})`])], station, { name: 'station', disabled: !district, onchange: (e) => setQuery('station', e.target.value) });
  const catSel = select([['', t('evAllCats')], ...CATS.map((c) => [c, catLabel(c)])], category, { name: 'category', onchange: (e) => setQuery('category', e.target.value) });

  main.append(
    pageHead(t('evTitle'), ctx.hasRole(...EDITORS) ? h('a', { class: 'btn primary', href: '#/events/new' }, t('evNew')) : null),
    h('div', { class: 'filters' },
      field(t('evWhen'), whenSel), field(t('evDistrict'), distSel), field(t('evStation'), stSel), field(t('evCategory'), catSel)),
    h('p', { class: 'muted' }, t('total', { n: rows.length })),
    rows.length ? table([
      { label: t('evName'), cell: (r) => h('a', { href: `#/events/${r.event_id}` }, r.title) },
      { label: t('evStation'), cell: (r) => r.station.name },
      { label: t('evCategory'), cell: (r) => catLabel(r.category) },
      { label: when === 'past' ? t('evLast') : t('evNext'), cell: (r) => fmtTime(r.starts_at) },
      { label: t('evOccurrences'), cell: (r) => String(r.n) },
      { label: t('evSigned'), cell: (r) => `${r.signed}${r.capacity ? ` / ${r.capacity * r.n}` : ''}` },
    ], rows, { label: t('evTitle'), caption: t('evTitle'), rowAttrs: (r) => ({ 'data-event': r.event_id }) }) : h('p', null, t('evNone')));
}

// --- the editor -----------------------------------------------------------------------------------
async function renderEditor(main, ctx, id) {
  let ev = null;
  if (id) {
    const r = await get(`/api/v1/events/${encodeURIComponent(id)}`);
    ev = r.body;
  }
  const mayEdit = ctx.hasRole(...EDITORS);
  const districts = await districtOptions(ctx);
  let stationDistrict = districts.length ? districts[0].code : '';
  if (ev) {
    const s = (await get(`/api/v1/stations/${ev.station.id}`)).body;
    stationDistrict = s.district ? s.district.code : stationDistrict;
  }
  const distSel = select(districts.map((d) => [d.code, d.name]), stationDistrict, { name: 'district' });
  const stSel = h('select', { name: 'station', required: true });
  async function fillStations(keep) {
    const list = distSel.value ? await stationsOf(distSel.value) : [];
    stSel.replaceChildren(h('option', { value: '' }, t('evPickStation')),
      ...list.map((s) => h('option', { value: String(s.id), selected: String(s.id) === String(keep) }, `${s.name} (${s.code})`)));
    if (keep && ![...stSel.options].some((o) => o.value === String(keep)) && ev) // a station outside the list (another district)
      stSel.append(h('option', { value: String(keep), selected: true }, `${ev.station.name} (${ev.station.code})`));
  }
  await fillStations(ev ? ev.station.id : '');
  distSel.addEventListener('change', () => fillStations(''));

  const title = h('input', { name: 'title', required: true, maxlength: 100, value: ev ? ev.title : '' });
  const desc = h('textarea', { name: 'description', maxlength: 2000 }, ev && ev.description ? ev.description : '');
  const cat = select(CATS.map((c) => [c, catLabel(c)]), ev ? ev.category : 'free_meal', { name: 'category' });
  const cap = h('input', { name: 'capacity', type: 'number', min: 1, max: 100000, inputmode: 'numeric', value: ev && ev.capacity ? ev.capacity : '' });
  const weekly = !!(ev ? ev.kind === 'weekly' : false);
  const kindOne = h('input', { type: 'radio', name: 'kind', value: 'one_off', checked: !weekly });
  const kindWeek = h('input', { type: 'radio', name: 'kind', value: 'weekly', checked: weekly });
  const starts = h('input', { type: 'datetime-local', name: 'starts_at', value: ev && ev.starts_at ? toLocalInput(ev.starts_at) : '' });
  const ends = h('input', { type: 'datetime-local', name: 'ends_at', value: ev && ev.ends_at ? toLocalInput(ev.ends_at) : '' });
  const w = ev && ev.weekly ? ev.weekly : { days: ['Fr'], start: '06:30', end: '08:30', from: shanghaiDate(0), until: null };
  const dayBoxes = DAYS.map((d) => h('input', { type: 'checkbox', name: 'day', value: d, checked: w.days.includes(d) }));
  const wStart = h('input', { type: 'time', name: 'weekly.start', value: w.start });
  const wEnd = h('input', { type: 'time', name: 'weekly.end', value: w.end });
  const wFrom = h('input', { type: 'date', name: 'weekly.from', value: w.from });
  const wUntil = h('input', { type: 'date', name: 'weekly.until', value: w.until || '' });

  const oneBox = h('div', { class: 'grid' }, field(t('evStarts'), starts, { name: 'starts_at', required: true }), field(t('evEnds'), ends, { name: 'ends_at', required: true }));
  const dayFs = h('fieldset', { class: 'days', 'data-field': 'weekly.days' }, h('legend', null, t('evDays')),
    h('div', { class: 'row' }, DAYS.map((d, i) => h('label', { class: 'check' }, dayBoxes[i], ' ', t('dayNames')[d]))));
  const weekBox = h('div', null, dayFs,
    h('div', { class: 'grid' },
      field(t('evStart'), wStart, { name: 'weekly.start', required: true }), field(t('evEnd'), wEnd, { name: 'weekly.end', required: true }),
      field(t('evFrom'), wFrom, { name: 'weekly.from' }), field(t('evUntil'), wUntil, { name: 'weekly.until', hint: t('evUntilHint') })));
  const showKind = () => { oneBox.hidden = kindWeek.checked; weekBox.hidden = !kindWeek.checked; };
  kindOne.addEventListener('change', showKind);
  kindWeek.addEventListener('change', showKind);
  showKind();

  const saveBtn = h('button', { type: 'submit', class: 'btn primary' }, t('save'));
  const cancelled = ev && ev.status === 'cancelled';
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'grid' },
      field(t('evDistrict'), distSel, { name: 'district' }),
      field(t('evStation'), stSel, { name: 'station', required: true }),
      field(t('evName'), title, { name: 'title', required: true, wide: true }),
      field(t('evDesc'), desc, { name: 'description', wide: true }),
      field(t('evCategory'), cat, { name: 'category' }),
      field(t('evCapacity'), cap, { name: 'capacity', hint: t('evCapacityHint') })),
    h('fieldset', { class: 'kind' }, h('legend', null, t('evKind')),
      h('div', { class: 'row' }, h('label', { class: 'check' }, kindOne, ' ', t('evOneOff')), h('label', { class: 'check' }, kindWeek, ' ', t('evWeekly')))),
    oneBox, weekBox,
    mayEdit && !cancelled ? h('div', { class: 'row' }, saveBtn) : null);
  if (!mayEdit || cancelled) for (const el of form.querySelectorAll('input, select, textarea')) el.disabled = true;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const payload = {
      station: stSel.value ? Number(stSel.value) : null,
      title: title.value.trim(),
      description: desc.value.trim() || null,
      category: cat.value,
      capacity: cap.value ? Number(cap.value) : null,
    };
    if (!payload.station) { showError(form, { text: () => t('evPickStation'), field: 'station' }); return; }
    if (kindWeek.checked) {
      payload.weekly = {
        days: DAYS.filter((d, i) => dayBoxes[i].checked), start: wStart.value, end: wEnd.value,
        ...(wFrom.value ? { from: wFrom.value } : {}), until: wUntil.value || null,
      };
    } else {
      payload.starts_at = fromLocalInput(starts.value);
      payload.ends_at = fromLocalInput(ends.value);
    }
    await busy(saveBtn, async () => {
      try {
        if (ev) {
          const r = await patch(`/api/v1/events/${ev.id}`, payload, { ifMatch: ev.version });
          toast(t('evSaved'));
          ctx.navigate(`#/events/${r.body.id}`);
        } else {
          const r = await post('/api/v1/events', payload);
          toast(t('evCreated'));
          ctx.navigate(`#/events/${r.body.id}`);
        }
      } catch (err) {
        if (err instanceof ApiError && err.stale) { toast(t('stale'), 'bad'); ctx.refresh(); return; }
        showError(form, err);
      }
    });
  });

  const head = pageHead(ev ? ev.title : t('evNew'), h('a', { class: 'btn', href: '#/events' }, t('evBack')));
  main.append(head);
  if (ev) {
    main.append(h('p', { class: 'muted' },
      cancelled ? h('span', { class: 'badge bad' }, t('evStatusCancelled')) : null, ' ',
      `${ev.station.name} · ${catLabel(ev.category)} · ${t('evVersion', { v: ev.version })}`));
  }
  main.append(form);
  if (ev && mayEdit && !cancelled) {
    const cBtn = h('button', { type: 'button', class: 'btn danger', 'data-action': 'cancel-event' }, t('evCancel'));
    cBtn.addEventListener('click', async () => {
      if (!(await confirmDialog(t('evCancelAsk', { title: ev.title }), t('evCancel')))) return;
      await busy(cBtn, async () => {
        try {
          await del(`/api/v1/events/${ev.id}`, { ifMatch: ev.version });
          toast(t('evCancelled'));
          ctx.refresh();
        } catch (err) {
          if (err instanceof ApiError && err.stale) { toast(t('stale'), 'bad'); ctx.refresh(); return; }
          toast(err.text ? err.text() : String(err), 'bad');
        }
      });
    });
    main.append(h('div', { class: 'row' }, cBtn));
  }
  if (ev && mayEdit) await renderSignups(main, ev);
}

async function renderSignups(main, ev) {
  const box = h('section', { class: 'signups', 'aria-labelledby': 'signups-h' }, h('h2', { id: 'signups-h' }, t('evSignups')));
  main.append(box);
  try {
    const b = (await get(`/api/v1/events/${ev.id}/signups`)).body;
    const per = new Map();
    for (const s of b.signups) per.set(s.occurrence, (per.get(s.occurrence) || 0) + 1);
    box.append(
      h('p', { class: 'muted' }, t('evSignupsNote')),
      h('p', { class: 'signup-count' }, t('evCountOf', { n: b.count }), ' · ', t('evCapacity'), ': ', b.capacity ? String(b.capacity) : t('evUnlimited')),
      per.size ? h('ul', { class: 'per-occurrence' }, [...per].map(([d, n]) => h('li', null, `${d}: ${n}${b.capacity ? ` / ${b.capacity}` : ''}`))) : null,
      b.count ? table([
        { label: t('evWorker'), cell: (s) => s.worker },
        { label: t('evOccurrence'), cell: (s) => s.occurrence },
        { label: t('evSignedAt'), cell: (s) => fmtTime(s.signed_up_at) },
      ], b.signups, { label: t('evSignups'), caption: t('evSignups') }) : h('p', null, t('evNoSignups')));
  } catch (err) {
    box.append(h('p', { class: 'alert', role: 'alert' }, err.text ? err.text() : String(err)));
  }
}

export default {
  route: 'events',
  nav: 'navEvents',
  roles: ['city_admin', 'district_admin', 'operator'],
  render(main, ctx) {
    const id = ctx.params[0];
    return renderWhenCurrent(main, (box) => (id ? renderEditor(box, ctx, id === 'new' ? null : id) : renderList(box, ctx)));
  },
};
