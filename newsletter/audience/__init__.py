"""The audience: the subscribers database that `send` obeys.

- `addresses`: what a sendable address is, and a display name made safe;
- `database`: where the database is (a URL), the engine, transactions, errors;
- `schema`: the tables (SQLAlchemy Core; one schema for SQLite and PostgreSQL);
- `migrations`: the schema's versions and the steps that upgrade an older database;
- `subscribers`: add, remove, look up, list, count; suppression;
- `importing`: a CSV list read row by row, every bad row reported with its line;
- `privacy`: what is held on a person, shown (an access request) or forgotten, in the
  database and every send journal;
- `commands`: what each `newsletter subscribers` command prints;
- `bounces`: `newsletter bounces`: read the mailboxes, apply each message once;
- `mailboxes`: the sources it reads: mbox, Maildir, IMAP over TLS;
- `reports`: one message read: DSN, ARF complaint, SES, other bounces, auto-replies;
- `sent`: whose copy a report is about (VERP tokens, Message-IDs, the send journals);
- `bouncing`: what a bounce or complaint does to a subscriber; the messages remembered.
"""
