// SPDX-License-Identifier: MIT
// views/reports.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'reports',
  nav: 'navReports',
  roles: ['city_admin', 'district_admin', 'operator', 'moderator', 'viewer'],
  render(main) {
    main.append(pageHead(t('navReports')), h('p', null, t('empty')));
  },
};
