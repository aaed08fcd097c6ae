// The on-disk layout: one append-only log of writes (kine's design) and a small meta table.
// A row's id is the global revision of that write. An update or delete points at the row it replaces
// (prev_revision); a create points at the key's last tombstone, or 0. The unique index on (name, prev_revision)
// means two writes can never both replace the same row: compare-and-swap is enforced by the database itself.

export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS log (
  id              INTEGER PRIMARY KEY,  -- the revision of this write
  name            TEXT    NOT NULL,     -- the key; BINARY collation orders it by UTF-8 bytes, as etcd does
  created         INTEGER NOT NULL,     -- 1 when this write created the key
  deleted         INTEGER NOT NULL,     -- 1 for a tombstone
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,     -- the row this one replaces, 0 for a first create
  value           TEXT                  -- NULL for a tombstone: the deleted value is the prev row's
);
CREATE UNIQUE INDEX IF NOT EXISTS log_name_prev ON log (name, prev_revision);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** meta keys */
export const META_SCHEMA_VERSION = 'schema_version';
/** Every row at or below this revision that was replaced, and every tombstone, is gone. */
export const META_COMPACT_REVISION = 'compact_revision';
