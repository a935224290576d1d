// SPDX-License-Identifier: MIT
// views/stations.js - placeholder: the screen is being built (issue 11).
import { t } from '../i18n.js';
import { h, pageHead } from '../ui.js';

export default {
  route: 'stations',
  nav: 'navStations',
  roles: ['city_admin', 'district_admin', 'operator', 'inspector', 'viewer'],
  render(main) {
    main.append(pageHead(t('navStations')), h('p', null, t('empty')));
  },
};
