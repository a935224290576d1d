// SPDX-License-Identifier: MIT
// views/account.js - "my account": who I am, my roles and their scope, when the session ends,
// and changing my password (POST /api/v1/session/password; the other sessions end).
import { get, post, ApiError } from '../api.js';
import { t, addStrings, fmtTime } from '../i18n.js';
import { h, field, pageHead, showError, clearErrors, busy, toast } from '../ui.js';

addStrings({
  'zh-Hans': {
    accountTitle: '我的账号', sessionEnds: '本次登录最晚于 {time} 结束；闲置 {min} 分钟会自动退出。',
    changePw: '修改密码', currentPw: '当前密码', newPw: '新密码', newPw2: '再输一次新密码',
    pwRule: '至少 10 个字符，不能与账号相同。', pwMismatch: '两次输入的新密码不一致。', pwChanged: '密码已修改。你在其他设备上的登录已结束。',
    adminToken: '你正以管理令牌（admin token）访问，没有个人账号。',
  },
  'zh-Hant': {
    accountTitle: '我的帳號', sessionEnds: '本次登入最晚於 {time} 結束；閒置 {min} 分鐘會自動登出。',
    changePw: '修改密碼', currentPw: '目前密碼', newPw: '新密碼', newPw2: '再輸入一次新密碼',
    pwRule: '至少 10 個字元，不能與帳號相同。', pwMismatch: '兩次輸入的新密碼不一致。', pwChanged: '密碼已修改。你在其他裝置上的登入已結束。',
    adminToken: '你正以管理權杖（admin token）存取，沒有個人帳號。',
  },
  en: {
    accountTitle: 'My account', sessionEnds: 'This session ends at {time} at the latest, or after {min} minutes idle.',
    changePw: 'Change password', currentPw: 'Current password', newPw: 'New password', newPw2: 'New password again',
    pwRule: 'At least 10 characters, not your login.', pwMismatch: 'The two new passwords differ.', pwChanged: 'Password changed. Your sessions on other devices have ended.',
    adminToken: 'You are using the admin token, not a personal account.',
  },
});

export default {
  route: 'account',
  nav: 'navAccount',
  roles: null,
  async render(main, ctx) {
    // Read afresh: roles may have changed since the login, and a session ended elsewhere
    // shows the login (the 401 does).
    const s = (await get('/api/v1/session')).body;
    main.append(pageHead(t('accountTitle')));
    if (!s.user) { main.append(h('p', null, t('adminToken'))); return; }
    main.append(
      h('dl', { class: 'facts' },
        h('dt', null, t('loginName')), h('dd', null, s.user.login),
        h('dt', null, t('yourRoles')), h('dd', null, h('ul', { class: 'roles' }, s.roles.map((g) => h('li', null,
          h('strong', null, t('role')[g.role] || g.role), ' · ',
          g.scope.length ? t('scopeOf', { list: g.scope.join(', ') }) : t('scopeAll')))))),
      h('p', { class: 'muted' }, t('sessionEnds', { time: fmtTime(s.expires_at), min: Math.round((s.idle_timeout_s || 0) / 60) })));
    const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
    const nw = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 1024 });
    const nw2 = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 1024 });
    const btn = h('button', { type: 'submit', class: 'btn primary' }, t('changePw'));
    const form = h('form', { class: 'card', novalidate: true },
      h('h2', null, t('changePw')),
      field(t('currentPw'), cur, { name: 'current_password', required: true }),
      field(t('newPw'), nw, { name: 'new_password', required: true, hint: t('pwRule') }),
      field(t('newPw2'), nw2, { name: 'new_password2', required: true }),
      btn);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      if (nw.value !== nw2.value) { showError(form, { text: () => t('pwMismatch'), field: 'new_password2' }); return; }
      await busy(btn, async () => {
        try {
          await post('/api/v1/session/password', { current_password: cur.value, new_password: nw.value });
          cur.value = nw.value = nw2.value = '';
          toast(t('pwChanged'));
        } catch (err) {
          showError(form, err instanceof ApiError ? err : String(err));
        }
      });
    });
    main.append(form);
  },
};
