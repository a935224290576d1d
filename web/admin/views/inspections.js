// SPDX-License-Identifier: MIT
// views/inspections.js - placeholder: the screen is being built (issue 12).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'inspections',
  nav: 'navInspections',
  roles: ['city_admin', 'district_admin', 'operator', 'inspector'],
  render(main) {
    main.append(pageHead(t('navInspections')), h('p', null, t('empty')));
  },
};
