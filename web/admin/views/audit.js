// SPDX-License-Identifier: MIT
// views/audit.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'audit',
  nav: 'navAudit',
  roles: ['city_admin', 'district_admin'],
  render(main) {
    main.append(pageHead(t('navAudit')), h('p', null, t('empty')));
  },
};
