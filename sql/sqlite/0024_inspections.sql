-- 0024_inspections.sql - inspections (issue 12, docs/internals/inspections.md): standards as
-- data (checklists and their criteria, versioned), inspections and their scores, experience
-- officers, and tier eligibility rules.
-- A checklist is one version of a standard (its code, e.g. zj_8you) or of a self-check list.
-- Loading a changed list inserts a new version (`yizhan checklists load`) and makes it the
-- active one of its code; old versions stay, so an inspection keeps the list it was scored on.
CREATE TABLE checklists (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    version INTEGER NOT NULL CHECK (version >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('standard', 'self_check')),
    label TEXT NOT NULL CHECK (length(label) > 0),
    label_hant TEXT NOT NULL CHECK (length(label_hant) > 0),
    label_en TEXT NOT NULL CHECK (length(label_en) > 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    UNIQUE (code, version)
);

-- The criteria of one checklist version, in order. weight: relative, within the list;
-- scoring pass_fail (pass = 100, fail = 0) or score_0_100; evidence needed on submit;
-- severity: how urgent fixing a failure is (the deadline of a rectification task).
CREATE TABLE checklist_criteria (
    id INTEGER PRIMARY KEY,
    checklist_id INTEGER NOT NULL REFERENCES checklists (id),
    position INTEGER NOT NULL,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    label TEXT NOT NULL CHECK (length(label) > 0),
    label_hant TEXT NOT NULL CHECK (length(label_hant) > 0),
    label_en TEXT NOT NULL CHECK (length(label_en) > 0),
    dimension TEXT NOT NULL CHECK (dimension IN ('hardware', 'service', 'operations')),
    weight INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 1000),
    scoring TEXT NOT NULL CHECK (scoring IN ('pass_fail', 'score_0_100')),
    evidence TEXT NOT NULL CHECK (evidence IN ('none', 'photo', 'note')),
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    UNIQUE (checklist_id, code)
);

-- Experience officers: workers the union appointed, known by their worker id only (no name).
CREATE TABLE officers (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL UNIQUE REFERENCES workers (id),
    appointed_by INTEGER REFERENCES users (id),
    appointed_at INTEGER NOT NULL,
    revoked_at INTEGER
);
-- The short-lived codes a worker shows to be appointed (BLAKE2b hex of the code).
CREATE TABLE officer_codes (
    code_hash TEXT PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    expires_at INTEGER NOT NULL
);

-- An inspection of a station on one checklist version. client_id: a UUID the client makes,
-- so that a form sent twice (a phone back online) is one inspection. station_id has no
-- foreign key, as for events. The scores are written at submit.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE CHECK (length(client_id) = 36),
    station_id INTEGER NOT NULL,
    checklist_id INTEGER NOT NULL REFERENCES checklists (id),
    kind TEXT NOT NULL CHECK (kind IN ('open', 'secret', 'experience_officer')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    opened_by INTEGER REFERENCES users (id),
    officer_id INTEGER REFERENCES officers (id),
    assigned_to INTEGER REFERENCES users (id),
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    score REAL,
    score_hardware REAL,
    score_service REAL,
    score_operations REAL,
    CHECK ((kind = 'experience_officer') = (officer_id IS NOT NULL)),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL))
);
CREATE INDEX inspections_station ON inspections (station_id, submitted_at);
CREATE INDEX inspections_officer ON inspections (officer_id);

-- One criterion's result: value 0/1 for pass_fail, 0..100 for score_0_100, NULL until
-- scored; photos: sha256 hex of each photo, comma-separated (the photo store keeps them).
CREATE TABLE inspection_scores (
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    criterion_id INTEGER NOT NULL REFERENCES checklist_criteria (id),
    value INTEGER CHECK (value BETWEEN 0 AND 100),
    note TEXT,
    photos TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (inspection_id, criterion_id)
);

-- Tier eligibility, as data: a station is eligible for a tier when every rule of the tier
-- passes. rule criteria_met: every criterion of the latest submitted inspection on checklist
-- code `param` met (pass, or a score of at least n); events_12m: at least n event
-- occurrences at the station in the last 365 days; hours_247: open 24/7; facility_any: one
-- of the facilities listed in param; score_at_least: latest overall score >= n.
CREATE TABLE tier_rules (
    id INTEGER PRIMARY KEY,
    tier TEXT NOT NULL CHECK (tier IN ('benchmark', 'smart24h')),
    rule TEXT NOT NULL CHECK (rule IN ('criteria_met', 'events_12m', 'hours_247',
        'facility_any', 'score_at_least')),
    param TEXT NOT NULL DEFAULT '',
    n INTEGER NOT NULL DEFAULT 0,
    label TEXT NOT NULL,
    label_hant TEXT NOT NULL,
    label_en TEXT NOT NULL
);

-- The default standard: Zhejiang's 八有 (version 1), and the operators' daily self-check.
INSERT INTO checklists (code, version, kind, label, label_hant, label_en, active, created_at)
VALUES ('zj_8you', 1, 'standard', '浙江省户外劳动者服务站点“八有”标准',
        '浙江省戶外勞動者服務站點「八有」標準',
        'Zhejiang "Eight Haves" standard for outdoor workers'' stations', 1, 0),
       ('daily_self_check', 1, 'self_check', '驿站每日自查', '驛站每日自查',
        'Daily self-check of the station', 1, 0);
INSERT INTO checklist_criteria (checklist_id, position, code, label, label_hant, label_en,
    dimension, weight, scoring, evidence, severity)
SELECT c.id, v.position, v.code, v.label, v.label_hant, v.label_en, v.dimension, v.weight,
       v.scoring, v.evidence, v.severity
FROM checklists c, (
    SELECT 1 AS position, 'sign' AS code, '有统一标识名称' AS label, '有統一標識名稱' AS label_hant,
           'Unified sign and name' AS label_en, 'hardware' AS dimension, 10 AS weight,
           'pass_fail' AS scoring, 'photo' AS evidence, 'medium' AS severity
    UNION ALL SELECT 2, 'site', '有合适选址', '有合適選址', 'Suitable site',
           'hardware', 10, 'pass_fail', 'note', 'medium'
    UNION ALL SELECT 3, 'facilities', '有齐全设施', '有齊全設施', 'Complete facilities',
           'hardware', 15, 'score_0_100', 'photo', 'high'
    UNION ALL SELECT 4, 'service_functions', '有完善服务功能', '有完善服務功能',
           'Complete service functions', 'service', 15, 'score_0_100', 'note', 'high'
    UNION ALL SELECT 5, 'management_rules', '有健全管理制度', '有健全管理制度',
           'Sound management rules', 'operations', 15, 'pass_fail', 'photo', 'medium'
    UNION ALL SELECT 6, 'online_maps', '有网上地图可查', '有網上地圖可查',
           'Findable on online maps', 'operations', 10, 'pass_fail', 'none', 'low'
    UNION ALL SELECT 7, 'publicity', '有宣传教育', '有宣傳教育', 'Publicity and education',
           'service', 10, 'pass_fail', 'photo', 'low'
    UNION ALL SELECT 8, 'warm_service', '有暖心服务活动', '有暖心服務活動',
           'Warm-hearted service activities', 'service', 15, 'pass_fail', 'note', 'medium'
) v
WHERE c.code = 'zj_8you' AND c.version = 1;
INSERT INTO checklist_criteria (checklist_id, position, code, label, label_hant, label_en,
    dimension, weight, scoring, evidence, severity)
SELECT c.id, v.position, v.code, v.label, v.label_hant, v.label_en, v.dimension, v.weight,
       v.scoring, v.evidence, v.severity
FROM checklists c, (
    SELECT 1 AS position, 'facilities_intact' AS code, '设施完好' AS label,
           '設施完好' AS label_hant, 'Facilities intact' AS label_en, 'hardware' AS dimension,
           40 AS weight, 'pass_fail' AS scoring, 'none' AS evidence, 'medium' AS severity
    UNION ALL SELECT 2, 'water_power_safe', '水电安全', '水電安全', 'Water and power safe',
           'operations', 40, 'pass_fail', 'none', 'high'
    UNION ALL SELECT 3, 'tidy', '环境整洁', '環境整潔', 'Clean and tidy',
           'operations', 20, 'pass_fail', 'none', 'low'
) v
WHERE c.code = 'daily_self_check' AND c.version = 1;

INSERT INTO tier_rules (tier, rule, param, n, label, label_hant, label_en) VALUES
 ('benchmark', 'criteria_met', 'zj_8you', 60, '最近一次“八有”检查全部达标',
  '最近一次「八有」檢查全部達標', 'every "Eight Haves" criterion met in the latest inspection'),
 ('benchmark', 'events_12m', '', 4, '近 12 个月至少 4 场服务活动',
  '近 12 個月至少 4 場服務活動', 'at least 4 service events in the last 12 months'),
 ('smart24h', 'hours_247', '', 0, '24 小时开放', '24 小時開放', 'open 24/7'),
 ('smart24h', 'facility_any', 'battery_swap,ebike_charging', 0, '有换电柜或电动车充电',
  '有換電櫃或電動車充電', 'a battery swap or e-bike charging');
