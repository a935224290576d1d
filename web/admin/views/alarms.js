// SPDX-License-Identifier: MIT
// views/alarms.js - alarms of the stations' devices (issue 14, point 3; docs/internals/alarms.md):
// the list an operator (their stations) or a district admin (their districts, escalated ones
// included) works from: open ones first, escalated ones marked, each with "acknowledge" and
// "make a task" (which opens the new task). The filter (open or all) lives in the fragment's
// query (#/alarms?state=all), so a reload keeps it.
import { get, post } from '../api.js';
import { t, addStrings, fmtTime, lang } from '../i18n.js';
import { h, pageHead, busy, toast, renderWhenCurrent } from '../ui.js';

addStrings({
  'zh-Hans': {
    navAlarms: '设备告警', alTitle: '设备告警', alOpenOnly: '只看未关闭', alNone: '没有告警。',
    alEscalated: '已上报区管理员', alAcked: '已确认', alClosed: '已恢复', alSince: '开始于', alOpened: '告警于',
    alAck: '确认', alTask: '转为整改任务', alTaskLink: '整改任务 {id}', alAckDone: '告警已确认。', alDevice: '设备 {id}',
    alKind: { battery_cabinet: '换电柜', people_counter: '客流计', door: '门', air_conditioner: '空调', water_dispenser: '饮水机', power: '市电' },
    alCount: '{open} 条未关闭，其中 {esc} 条已上报',
  },
  'zh-Hant': {
    navAlarms: '設備告警', alTitle: '設備告警', alOpenOnly: '只看未關閉', alNone: '沒有告警。',
    alEscalated: '已上報區管理員', alAcked: '已確認', alClosed: '已恢復', alSince: '開始於', alOpened: '告警於',
    alAck: '確認', alTask: '轉為整改任務', alTaskLink: '整改任務 {id}', alAckDone: '告警已確認。', alDevice: '設備 {id}',
    alKind: { battery_cabinet: '換電櫃', people_counter: '客流計', door: '門', air_conditioner: '空調', water_dispenser: '飲水機', power: '市電' },
    alCount: '{open} 則未關閉，其中 {esc} 則已上報',
  },
  en: {
    navAlarms: 'Device alarms', alTitle: 'Device alarms', alOpenOnly: 'Open only', alNone: 'No alarms.',
    alEscalated: 'Escalated to the district admin', alAcked: 'Acknowledged', alClosed: 'Cleared', alSince: 'Since', alOpened: 'Alarm at',
    alAck: 'Acknowledge', alTask: 'Make a task', alTaskLink: 'Task {id}', alAckDone: 'Alarm acknowledged.', alDevice: 'Device {id}',
    alKind: { battery_cabinet: 'battery cabinet', people_counter: 'people counter', door: 'door', air_conditioner: 'air conditioner', water_dispenser: 'water dispenser', power: 'mains power' },
    alCount: '{open} open, {esc} of them escalated',
  },
});

function label(a) {
  return (a.label && (a.label[lang()] || a.label['zh-Hans'])) || a.rule;
}

async function list(main, ctx) {
  const all = ctx.query.get('state') === 'all';
  return renderWhenCurrent(main, async (box) => {
    const r = (await get('/api/v1/alarms', { state: all ? 'all' : 'open', limit: 500 })).body;
    const openBox = h('input', { type: 'checkbox', checked: !all, name: 'open' });
    openBox.addEventListener('change', () => ctx.navigate(openBox.checked ? '#/alarms' : '#/alarms?state=all'));
    const act = (a) => {
      const tools = [];
      if (a.task_id) tools.push(h('a', { href: `#/tasks/${a.task_id}`, class: 'btn small' }, t('alTaskLink', { id: a.task_id })));
      if (!a.acked_at) {
        tools.push(h('button', {
          type: 'button', class: 'btn small', 'data-ack': String(a.id),
          onclick: (ev) => busy(ev.currentTarget, async () => {
            try {
              await post(`/api/v1/alarms/${a.id}/ack`, {});
              toast(t('alAckDone'));
              ctx.refresh();
            } catch (err) { toast(err.text ? err.text() : String(err), 'bad'); }
          }),
        }, t('alAck')));
      }
      if (!a.task_id) {
        tools.push(h('button', {
          type: 'button', class: 'btn small', 'data-task': String(a.id),
          onclick: (ev) => busy(ev.currentTarget, async () => {
            try {
              const task = (await post(`/api/v1/alarms/${a.id}/task`, {})).body;
              ctx.navigate(`#/tasks/${task.id}`);
            } catch (err) { toast(err.text ? err.text() : String(err), 'bad'); }
          }),
        }, t('alTask')));
      }
      return tools.length ? h('div', { class: 'al-tools' }, tools) : null;
    };
    const card = (a) => h('li', {
      class: `card al-card${a.escalated && a.open ? ' overdue' : ''}`, 'data-alarm': String(a.id),
      'data-open': String(a.open), 'data-level': a.level,
    },
    h('strong', null, label(a)),
    h('div', { class: 'al-meta' }, a.station.name || `#${a.station.id}`, ' · ',
      `${(t('alKind') || {})[a.device.kind] || a.device.kind} · ${t('alDevice', { id: a.device.id })}`),
    h('div', { class: 'al-meta' },
      a.escalated ? h('span', { class: 'badge bad' }, t('alEscalated')) : null, ' ',
      a.acked_at ? h('span', { class: 'badge ok' }, t('alAcked')) : null, ' ',
      a.open ? null : h('span', { class: 'badge ok' }, t('alClosed'))),
    h('div', { class: 'muted' }, `${t('alSince')} ${fmtTime(a.since)} · ${t('alOpened')} ${fmtTime(a.opened_at)}`),
    act(a));
    box.append(pageHead(t('alTitle'), h('span', { class: `badge${r.escalated ? ' bad' : ''}`, 'data-count': String(r.open) },
      t('alCount', { open: r.open, esc: r.escalated }))),
    h('form', { class: 'filters card', onsubmit: (e) => e.preventDefault() }, h('label', { class: 'check' }, openBox, ' ', t('alOpenOnly'))));
    if (!r.alarms.length) box.append(h('p', null, t('alNone')));
    else box.append(h('ul', { class: 'tk-list al-list' }, r.alarms.map(card)));
  });
}

export default {
  route: 'alarms',
  nav: 'navAlarms',
  roles: ['city_admin', 'district_admin', 'operator'],
  render(main, ctx) {
    return list(main, ctx);
  },
};
