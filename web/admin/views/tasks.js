// SPDX-License-Identifier: MIT
// views/tasks.js - placeholder: the screen is being built (issue 12).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'tasks',
  nav: 'navTasks',
  roles: ['city_admin', 'district_admin', 'operator', 'inspector'],
  render(main) {
    main.append(pageHead(t('navTasks')), h('p', null, t('empty')));
  },
};
