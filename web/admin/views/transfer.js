// SPDX-License-Identifier: MIT
// views/transfer.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'transfer',
  nav: 'navTransfer',
  roles: ['city_admin', 'district_admin'],
  render(main) {
    main.append(pageHead(t('navTransfer')), h('p', null, t('empty')));
  },
};
