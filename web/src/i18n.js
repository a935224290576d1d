// SPDX-License-Identifier: MIT
// i18n.js - the three languages of the app: 简体中文 (default), 繁體中文, English. Texts the
// server sends (facility and tag labels) come with all three; everything else is here.
const zhHans = {
  skip: '跳到内容', language: '语言', bigText: '大字', appName: '驿站',
  homeTitle: '附近驿站', searchLabel: '搜索驿站或地点', searchPlaceholder: '驿站名、地名或拼音首字母',
  searchBtn: '搜索', filters: '筛选', openNow: '现在开放', h24: '24小时',
  mapLabel: '驿站地图', myLocation: '我的位置', tiles: '底图', tilesOsm: 'OpenStreetMap',
  tilesAmap: '高德地图', tilesNone: '无底图（仅轮廓）', loading: '正在加载…',
  nearYou: '离你最近', nearMap: '地图中心附近', searchResults: '“{q}”的搜索结果', clearSearch: '返回附近',
  noResults: '附近没有符合条件的驿站。试试减少筛选条件，或拖动地图。',
  posDenied: '无法获取你的位置。请搜索地点，或拖动地图到你附近。',
  posUnavailable: '暂时无法定位。已显示地图中心附近的驿站；可搜索地点或拖动地图。',
  offline: '网络不通。', offlineSaved: '离线：显示上次保存的结果（{time}）。',
  serverError: '服务器出错了，请稍后再试。', retry: '重试', home: '返回首页',
  open24: '24小时开放', openUntil: '开放中 · {time} 关门', closedOpens: '已关门 · {when} 开门',
  closed: '已关门', closedTemp: '暂停开放', closedUntil: '暂停开放，{when} 恢复',
  today: '今天', tomorrow: '明天', noRating: '暂无评分', ratingCount: '{n} 条评价',
  navigate: '导航', navShort: '导航', rate: '评分', report: '报告问题', back: '返回',
  facilities: '设施', hours: '开放时间', weekHours: '本周开放时间', dayOff: '休息',
  eventsToday: '今天的活动', eventsWeek: '本周活动与餐食', noEvents: '本周暂无活动',
  meals: '今日十元餐', reviews: '最近评价', noReviews: '还没有评价', verifiedVisit: '到站评价', unverified: '未验证', openReports: '待处理的问题',
  noReports: '没有待处理的问题', reportStatus: { open: '已受理', acknowledged: '处理中', in_progress: '处理中', closed: '已关闭' },
  rateTitle: '给这个驿站评分', starN: '{n} 星', rated: '谢谢！已评 {n} 星。可以再选标签或写几句：',
  tagsLabel: '标签（可选）', textLabel: '评价（可选）', send: '提交', sent: '已提交，谢谢！',
  held: '已提交，审核后显示。', reportTitle: '报告问题', problem: '问题类型', details: '说明（可选）',
  reportSent: '问题已提交，编号 {id}。', unknownStation: '没有找到编号为“{code}”的驿站。',
  unknownStationHelp: '请检查二维码，或在首页查找附近的驿站。',
  checkinTitle: '签到', checkinBtn: '签到', checkinDone: '签到成功！', checkinRepeat: '你刚才已经签到过了。',
  offers: '今日优惠', noOffers: '今天这里没有活动或优惠', ratePrompt: '这里怎么样？点星星评分',
  phone: '电话', seats: '座位', distance: '{d}', m: '{n} 米', km: '{n} 公里',
  viewStation: '查看驿站', stationPage: '驿站详情', stationsFound: '找到 {n} 个驿站',
  price: '{p} 元', remaining: '剩 {n} 份', signupFull: '已满', mapFallback: '地图底图无法加载，显示城市轮廓。',
  you: '你的位置', stations: '驿站', districts: '区县', chooseApp: '选择地图应用',
  amap: '高德地图', baidu: '百度地图', tencent: '腾讯地图', apple: 'Apple 地图',
  days: { Mo: '周一', Tu: '周二', We: '周三', Th: '周四', Fr: '周五', Sa: '周六', Su: '周日' },
  services: {
    water_dispenser_broken: '饮水机故障', toilet_unusable: '卫生间无法使用',
    closed_unexpectedly: '开放时间内未开门', battery_swap_unavailable: '换电柜不可用',
    ac_broken: '空调故障', dirty: '环境脏乱', other: '其他问题',
  },
  cat: { free_meal: '免费餐', cheap_meal: '优惠餐', activity: '活动', health: '健康', legal: '法律', service: '服务' },
  understoodAs: '已按设施筛选：{list}', listSep: '、',
  // --- shell (issue 13): forms, filters, offline queue, themes ---
  colon: '：', pickStar: '请先点星星选择星级，再提交。', checkinDoneBtn: '✓ 已签到',
  filterSum: '已筛选：{list}', clearAll: '全部清除',
  noSearchResults: '没有找到与“{q}”相符的驿站。试试别的词：驿站名、地名、编号或拼音首字母。',
  posWaiting: '正在定位…先显示{where}附近的驿站，定位后会重新排序。',
  whereMap: '地图中心', whereLast: '你上次的位置', posArrived: '已按你现在的位置重新排序。',
  offlineFiltered: '离线：在上次保存的 {n} 个驿站中筛选。', offlineCannotFilter: '离线：保存的列表没有设施信息，无法筛选。',
  offlineStation: '离线：这个驿站还没打开过，下面是上次列表里保存的信息。',
  queued: '没有网络：已保存在手机上，联网后自动发送。', queueSent: '已发送在离线时保存的 {n} 条记录。',
  queueTitle: '等待发送', queueKinds: { visit: '签到', rating: '评分', report: '问题报告' },
  theme: '显示', themes: { auto: '跟随系统', light: '浅色', dark: '深色', contrast: '高对比' },
  // map area (issue 13): the map, its preview card, the station page's head
  searchArea: '搜索此区域', twoFingers: '用两指移动地图', close: '关闭', stationDetails: '详情',
  distFrom: '距你 {d}（直线）', walkTime: '步行约 {n} 分钟', rideTime: '电动车约 {n} 分钟',
  timeAssume: '按直线距离估算：步行每小时 4.5 公里，电动车每小时 15 公里。', distUnknown: '还不知道你的位置，暂时无法估算距离。',
  call: '打电话', photos: '照片', noPhotos: '暂无照片。', photoAlt: '{name} 的照片 {n}', seatsN: '座位 {n} 个',
  partnerLabel: '运营单位：{name}', smallMap: '驿站位置图',
  partners: { union: '工会', community: '社区', china_tower: '中国铁塔', didi: '滴滴', convenience_store: '便利店',
    gas_station: '加油站', enterprise: '企业', government: '政府机关', other: '其他' },
  // station screen (issue 14): a check-in through the screen's rotating code
  checkinVerified: '签到成功，已验证到站！', codeFallback: '再点一次可不带二维码签到（不计为已验证）。',
};

const zhHant = {
  ...zhHans,
  skip: '跳到內容', language: '語言', bigText: '大字', appName: '驛站',
  homeTitle: '附近驛站', searchLabel: '搜尋驛站或地點', searchPlaceholder: '驛站名、地名或拼音首字母',
  searchBtn: '搜尋', filters: '篩選', openNow: '現在開放', h24: '24小時',
  mapLabel: '驛站地圖', myLocation: '我的位置', tiles: '底圖', tilesAmap: '高德地圖',
  tilesNone: '無底圖（僅輪廓）', loading: '正在載入…',
  nearYou: '離你最近', nearMap: '地圖中心附近', searchResults: '「{q}」的搜尋結果', clearSearch: '返回附近',
  noResults: '附近沒有符合條件的驛站。試試減少篩選條件，或拖動地圖。',
  posDenied: '無法取得你的位置。請搜尋地點，或拖動地圖到你附近。',
  posUnavailable: '暫時無法定位。已顯示地圖中心附近的驛站；可搜尋地點或拖動地圖。',
  offline: '網路不通。', offlineSaved: '離線：顯示上次儲存的結果（{time}）。',
  serverError: '伺服器出錯了，請稍後再試。', retry: '重試', home: '返回首頁',
  open24: '24小時開放', openUntil: '開放中 · {time} 關門', closedOpens: '已關門 · {when} 開門',
  closed: '已關門', closedTemp: '暫停開放', closedUntil: '暫停開放，{when} 恢復',
  today: '今天', tomorrow: '明天', noRating: '暫無評分', ratingCount: '{n} 則評價',
  navigate: '導航', navShort: '導航', rate: '評分', report: '回報問題', back: '返回',
  facilities: '設施', hours: '開放時間', weekHours: '本週開放時間', dayOff: '休息',
  eventsToday: '今天的活動', eventsWeek: '本週活動與餐食', noEvents: '本週暫無活動',
  meals: '今日十元餐', reviews: '最近評價', noReviews: '還沒有評價', verifiedVisit: '到站評價', unverified: '未驗證', openReports: '待處理的問題',
  noReports: '沒有待處理的問題', reportStatus: { open: '已受理', acknowledged: '處理中', in_progress: '處理中', closed: '已關閉' },
  rateTitle: '給這個驛站評分', starN: '{n} 星', rated: '謝謝！已評 {n} 星。可以再選標籤或寫幾句：',
  tagsLabel: '標籤（可選）', textLabel: '評價（可選）', send: '送出', sent: '已送出，謝謝！',
  held: '已送出，審核後顯示。', reportTitle: '回報問題', problem: '問題類型', details: '說明（可選）',
  reportSent: '問題已送出，編號 {id}。', unknownStation: '沒有找到編號為「{code}」的驛站。',
  unknownStationHelp: '請檢查二維碼，或在首頁查找附近的驛站。',
  checkinTitle: '簽到', checkinBtn: '簽到', checkinDone: '簽到成功！', checkinRepeat: '你剛才已經簽到過了。',
  offers: '今日優惠', noOffers: '今天這裡沒有活動或優惠', ratePrompt: '這裡怎麼樣？點星星評分',
  phone: '電話', seats: '座位', m: '{n} 公尺', km: '{n} 公里',
  viewStation: '查看驛站', stationPage: '驛站詳情', stationsFound: '找到 {n} 個驛站',
  price: '{p} 元', remaining: '剩 {n} 份', signupFull: '已滿', mapFallback: '地圖底圖無法載入，顯示城市輪廓。',
  you: '你的位置', stations: '驛站', districts: '區縣', chooseApp: '選擇地圖應用',
  amap: '高德地圖', baidu: '百度地圖', tencent: '騰訊地圖', apple: 'Apple 地圖',
  days: { Mo: '週一', Tu: '週二', We: '週三', Th: '週四', Fr: '週五', Sa: '週六', Su: '週日' },
  services: {
    water_dispenser_broken: '飲水機故障', toilet_unusable: '衛生間無法使用',
    closed_unexpectedly: '開放時間內未開門', battery_swap_unavailable: '換電櫃不可用',
    ac_broken: '空調故障', dirty: '環境髒亂', other: '其他問題',
  },
  cat: { free_meal: '免費餐', cheap_meal: '優惠餐', activity: '活動', health: '健康', legal: '法律', service: '服務' },
  understoodAs: '已按設施篩選：{list}', listSep: '、',
  // --- shell (issue 13): forms, filters, offline queue, themes ---
  colon: '：', pickStar: '請先點星星選擇星級，再送出。', checkinDoneBtn: '✓ 已簽到',
  filterSum: '已篩選：{list}', clearAll: '全部清除',
  noSearchResults: '沒有找到與「{q}」相符的驛站。試試別的詞：驛站名、地名、編號或拼音首字母。',
  posWaiting: '正在定位…先顯示{where}附近的驛站，定位後會重新排序。',
  whereMap: '地圖中心', whereLast: '你上次的位置', posArrived: '已按你現在的位置重新排序。',
  offlineFiltered: '離線：在上次儲存的 {n} 個驛站中篩選。', offlineCannotFilter: '離線：儲存的列表沒有設施資訊，無法篩選。',
  offlineStation: '離線：這個驛站還沒開啟過，下面是上次列表裡儲存的資訊。',
  queued: '沒有網路：已儲存在手機上，連網後自動送出。', queueSent: '已送出離線時儲存的 {n} 筆記錄。',
  queueTitle: '等待送出', queueKinds: { visit: '簽到', rating: '評分', report: '問題回報' },
  theme: '顯示', themes: { auto: '跟隨系統', light: '淺色', dark: '深色', contrast: '高對比' },
  // map area (issue 13): the map, its preview card, the station page's head
  searchArea: '搜尋此區域', twoFingers: '用兩指移動地圖', close: '關閉', stationDetails: '詳情',
  distFrom: '距你 {d}（直線）', walkTime: '步行約 {n} 分鐘', rideTime: '電動車約 {n} 分鐘',
  timeAssume: '按直線距離估算：步行每小時 4.5 公里，電動車每小時 15 公里。', distUnknown: '還不知道你的位置，暫時無法估算距離。',
  call: '打電話', photos: '照片', noPhotos: '暫無照片。', photoAlt: '{name} 的照片 {n}', seatsN: '座位 {n} 個',
  partnerLabel: '營運單位：{name}', smallMap: '驛站位置圖',
  partners: { union: '工會', community: '社區', china_tower: '中國鐵塔', didi: '滴滴', convenience_store: '便利商店',
    gas_station: '加油站', enterprise: '企業', government: '政府機關', other: '其他' },
  // station screen (issue 14): a check-in through the screen's rotating code
  checkinVerified: '簽到成功，已驗證到站！', codeFallback: '再點一次可不帶二維碼簽到（不計為已驗證）。',
};

const en = {
  skip: 'Skip to content', language: 'Language', bigText: 'Large text', appName: 'Yizhan',
  homeTitle: 'Stations near you', searchLabel: 'Search stations or places',
  searchPlaceholder: 'Station, place or pinyin initials', searchBtn: 'Search', filters: 'Filters',
  openNow: 'Open now', h24: '24 hours', mapLabel: 'Map of stations', myLocation: 'My location',
  tiles: 'Map tiles', tilesOsm: 'OpenStreetMap', tilesAmap: 'Amap', tilesNone: 'None (outline only)',
  loading: 'Loading…', nearYou: 'Nearest to you', nearMap: 'Near the map centre',
  searchResults: 'Results for “{q}”', clearSearch: 'Back to nearby',
  noResults: 'No station nearby matches. Try fewer filters, or drag the map.',
  posDenied: 'Your position is not available. Search for a place, or drag the map to where you are.',
  posUnavailable: 'Could not find your position. Showing stations near the map centre; search a place or drag the map.',
  offline: 'No network.', offlineSaved: 'Offline: showing the results saved at {time}.',
  serverError: 'The server had a problem. Please try again shortly.', retry: 'Try again', home: 'Home',
  open24: 'Open 24 hours', openUntil: 'Open · closes {time}', closedOpens: 'Closed · opens {when}',
  closed: 'Closed', closedTemp: 'Temporarily closed', closedUntil: 'Temporarily closed until {when}',
  today: 'today', tomorrow: 'tomorrow', noRating: 'No ratings yet', ratingCount: '{n} ratings',
  navigate: 'Navigate', navShort: 'Go', rate: 'Rate', report: 'Report a problem', back: 'Back',
  facilities: 'Facilities', hours: 'Opening hours', weekHours: 'Hours this week', dayOff: 'Closed',
  eventsToday: 'Today', eventsWeek: 'Events and meals this week', noEvents: 'No events this week',
  meals: '10-yuan meals today', reviews: 'Recent reviews', noReviews: 'No reviews yet', verifiedVisit: 'verified visit', unverified: 'unverified',
  openReports: 'Open problem reports', noReports: 'No open problem reports',
  reportStatus: { open: 'Received', acknowledged: 'In progress', in_progress: 'In progress', closed: 'Closed' },
  rateTitle: 'Rate this station', starN: '{n} stars', rated: 'Thank you! Rated {n} stars. Add tags or a few words if you like:',
  tagsLabel: 'Tags (optional)', textLabel: 'Review (optional)', send: 'Send', sent: 'Sent, thank you!',
  held: 'Sent; it will show after review.', reportTitle: 'Report a problem', problem: 'Problem',
  details: 'Details (optional)', reportSent: 'Report sent, number {id}.',
  unknownStation: 'No station has the code “{code}”.',
  unknownStationHelp: 'Check the QR code, or find a station near you on the home page.',
  checkinTitle: 'Check in', checkinBtn: 'Check in', checkinDone: 'Checked in!',
  checkinRepeat: 'You checked in here a moment ago.', offers: 'Today here',
  noOffers: 'No events or offers here today', ratePrompt: 'How is it? Tap a star to rate',
  phone: 'Phone', seats: 'Seats', m: '{n} m', km: '{n} km', viewStation: 'View station',
  stationPage: 'Station', stationsFound: '{n} stations found', price: '¥{p}', remaining: '{n} left',
  signupFull: 'Full', mapFallback: 'Map tiles cannot be loaded; showing the city outline.',
  you: 'You are here', stations: 'Stations', districts: 'Districts', chooseApp: 'Choose a map app',
  amap: 'Amap', baidu: 'Baidu Maps', tencent: 'Tencent Maps', apple: 'Apple Maps',
  days: { Mo: 'Mon', Tu: 'Tue', We: 'Wed', Th: 'Thu', Fr: 'Fri', Sa: 'Sat', Su: 'Sun' },
  services: {
    water_dispenser_broken: 'Water dispenser broken', toilet_unusable: 'Toilet unusable',
    closed_unexpectedly: 'Closed during opening hours', battery_swap_unavailable: 'Battery swap unavailable',
    ac_broken: 'Air conditioning broken', dirty: 'Dirty or untidy', other: 'Other problem',
  },
  cat: { free_meal: 'Free meal', cheap_meal: 'Cheap meal', activity: 'Activity', health: 'Health', legal: 'Legal advice', service: 'Service' },
  understoodAs: 'Filtered by facility: {list}', listSep: ', ',
  // --- shell (issue 13): forms, filters, offline queue, themes ---
  colon: ': ', pickStar: 'Tap a star to choose a rating first, then send.', checkinDoneBtn: '✓ Checked in',
  filterSum: 'Filters: {list}', clearAll: 'Clear all',
  noSearchResults: 'No station matches “{q}”. Try other words: a station name, a place, a code or pinyin initials.',
  posWaiting: 'Finding your position… showing stations near {where} for now; the list will be re-sorted.',
  whereMap: 'the map centre', whereLast: 'your last position', posArrived: 'Re-sorted by your current position.',
  offlineFiltered: 'Offline: filtering the {n} stations saved last time.', offlineCannotFilter: 'Offline: the saved list has no facility data, so it cannot be filtered.',
  offlineStation: 'Offline: this station was not opened before; here is what the last list saved.',
  queued: 'No network: saved on the phone, it will be sent when the network returns.', queueSent: 'Sent {n} saved while offline.',
  queueTitle: 'Waiting to be sent', queueKinds: { visit: 'Check-in', rating: 'Rating', report: 'Problem report' },
  theme: 'Display', themes: { auto: 'System', light: 'Light', dark: 'Dark', contrast: 'High contrast' },
  // map area (issue 13): the map, its preview card, the station page's head
  searchArea: 'Search this area', twoFingers: 'Use two fingers to move the map', close: 'Close', stationDetails: 'Details',
  distFrom: '{d} from you (straight line)', walkTime: 'about {n} min on foot', rideTime: 'about {n} min by e-bike',
  timeAssume: 'Estimated from the straight-line distance: walking 4.5 km/h, e-bike 15 km/h.', distUnknown: 'Your position is not known yet, so no distance.',
  call: 'Call', photos: 'Photos', noPhotos: 'No photos yet.', photoAlt: 'Photo {n} of {name}', seatsN: '{n} seats',
  partnerLabel: 'Run by: {name}', smallMap: 'Map of the station',
  partners: { union: 'Trade union', community: 'Community', china_tower: 'China Tower', didi: 'DiDi', convenience_store: 'Convenience store',
    gas_station: 'Petrol station', enterprise: 'Company', government: 'Government office', other: 'Other' },
  // station screen (issue 14): a check-in through the screen's rotating code
  checkinVerified: 'Checked in, verified at the station!', codeFallback: 'Tap again to check in without the code (not verified).',
};

export const LANGS = { 'zh-Hans': zhHans, 'zh-Hant': zhHant, en };
let cur = 'zh-Hans';

export function setLang(l) { cur = LANGS[l] ? l : 'zh-Hans'; }
export function lang() { return cur; }

/** The text for `key` in the current language, with {name} replaced from `vars`. */
export function t(key, vars) {
  let s = LANGS[cur][key];
  if (s === undefined) s = zhHans[key] ?? key;
  if (vars && typeof s === 'string') s = s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  return s;
}

/** A label from a server vocabulary item ({label, label_hant, label_en}). */
export function vocab(item) {
  if (!item) return '';
  if (cur === 'en') return item.label_en || item.label;
  if (cur === 'zh-Hant') return item.label_hant || item.label;
  return item.label;
}

/** A server error body's message in the current language. */
export function errText(body) {
  if (!body) return t('serverError');
  if (cur === 'en') return body.message_en || body.message || t('serverError');
  return body.message || body.message_en || t('serverError');
}
