// SPDX-License-Identifier: MIT
// views/users.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'users',
  nav: 'navUsers',
  roles: ['city_admin', 'district_admin'],
  render(main) {
    main.append(pageHead(t('navUsers')), h('p', null, t('empty')));
  },
};
