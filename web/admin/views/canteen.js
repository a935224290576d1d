// SPDX-License-Identifier: MIT
// views/canteen.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'canteen',
  nav: 'navCanteen',
  roles: ['canteen', 'city_admin'],
  render(main) {
    main.append(pageHead(t('navCanteen')), h('p', null, t('empty')));
  },
};
