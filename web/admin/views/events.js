// SPDX-License-Identifier: MIT
// views/events.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'events',
  nav: 'navEvents',
  roles: ['city_admin', 'district_admin', 'operator'],
  render(main) {
    main.append(pageHead(t('navEvents')), h('p', null, t('empty')));
  },
};
