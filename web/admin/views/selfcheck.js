// SPDX-License-Identifier: MIT
// views/selfcheck.js - placeholder: the view is being built (issue 12).
import { h, pageHead } from '../ui.js';
import { t } from '../i18n.js';

export default {
  route: 'selfcheck',
  nav: 'navSelfcheck',
  roles: ['city_admin'],
  render(main) {
    main.replaceChildren(pageHead(t('navSelfcheck')), h('p', null, '…'));
  },
};
