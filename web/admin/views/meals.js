// SPDX-License-Identifier: MIT
// views/meals.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'meals',
  nav: 'navMeals',
  roles: ['city_admin', 'district_admin', 'operator', 'canteen'],
  render(main) {
    main.append(pageHead(t('navMeals')), h('p', null, t('empty')));
  },
};
