-- 0010_classifier.sql (PostgreSQL) - the moderation classifier that learns; the schema of
-- sql/sqlite/0010_classifier.sql (docs/internals/classifier.md): naive Bayes over character
-- 1-3 grams, trained by the moderators' decisions and by `yizhan moderation train FILE`. The
-- counts are kept here so that every node of a PostgreSQL store starts from them; classifier_log
-- lists every change in order, so that a node catches up by applying the changes after the
-- version it holds.

-- The model's header: one row. version counts the changes (rows of classifier_log); every
-- training transaction updates this row, which serialises them (in version order) on any node.
CREATE TABLE classifier_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL CHECK (version >= 0),
    spam_docs BIGINT NOT NULL CHECK (spam_docs >= 0), -- texts trained as spam
    ham_docs BIGINT NOT NULL CHECK (ham_docs >= 0)    -- texts trained as genuine
);
INSERT INTO classifier_state VALUES (1, 0, 0, 0);

-- Per gram (1 to 3 characters of normalised text, digits as '0'): in how many trained texts
-- of each class it occurs.
CREATE TABLE classifier_grams (
    gram TEXT PRIMARY KEY,
    spam BIGINT NOT NULL CHECK (spam >= 0),
    ham BIGINT NOT NULL CHECK (ham >= 0)
);

-- Every change of the model, in order: a text added to (sign 1) or taken out of (sign -1) a
-- class (label 1 spam, 0 genuine). Nodes re-read the text and apply the same change.
CREATE TABLE classifier_log (
    version BIGINT PRIMARY KEY,
    label INTEGER NOT NULL CHECK (label IN (0, 1)),
    sign INTEGER NOT NULL CHECK (sign IN (-1, 1)),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What each item was last trained as, so that a decision is counted once and a reversed one
-- (approve after reject) moves the text from one class to the other. source: 'review' (a
-- rating's id), 'report' (a report's id) or 'file' (a hash of the text of a training file).
CREATE TABLE classifier_items (
    source TEXT NOT NULL CHECK (source IN ('review', 'report', 'file')),
    item_id BIGINT NOT NULL,
    label INTEGER NOT NULL CHECK (label IN (0, 1)),
    PRIMARY KEY (source, item_id)
);

-- Why the classifier held an item: its spam probability and the grams that drove it, as the
-- JSON array the moderators' queue shows (held items only).
CREATE TABLE classifier_verdicts (
    source TEXT NOT NULL CHECK (source IN ('review', 'report')),
    item_id BIGINT NOT NULL,
    spam_probability DOUBLE PRECISION NOT NULL CHECK (spam_probability BETWEEN 0 AND 1),
    ngrams TEXT NOT NULL,
    PRIMARY KEY (source, item_id)
);
