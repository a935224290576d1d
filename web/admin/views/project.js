// SPDX-License-Identifier: MIT
// views/project.js - placeholder: the screen is being built (issue 12).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'project',
  nav: 'navProject',
  roles: ['city_admin', 'district_admin', 'viewer'],
  render(main) {
    main.append(pageHead(t('navProject')), h('p', null, t('empty')));
  },
};
