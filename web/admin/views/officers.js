// SPDX-License-Identifier: MIT
// views/officers.js - placeholder: the view is being built (issue 12).
import { h, pageHead } from '../ui.js';
import { t } from '../i18n.js';

export default {
  route: 'officers',
  nav: 'navOfficers',
  roles: ['city_admin'],
  render(main) {
    main.replaceChildren(pageHead(t('navOfficers')), h('p', null, '…'));
  },
};
