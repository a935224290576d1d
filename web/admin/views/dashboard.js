// SPDX-License-Identifier: MIT
// views/dashboard.js - placeholder: the screen is being built (issue 12).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'dashboard',
  nav: 'navDashboard',
  roles: ['city_admin', 'district_admin', 'viewer'],
  render(main) {
    main.append(pageHead(t('navDashboard')), h('p', null, t('empty')));
  },
};
