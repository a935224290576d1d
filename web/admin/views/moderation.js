// SPDX-License-Identifier: MIT
// views/moderation.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'moderation',
  nav: 'navModeration',
  roles: ['city_admin', 'moderator'],
  render(main) {
    main.append(pageHead(t('navModeration')), h('p', null, t('empty')));
  },
};
