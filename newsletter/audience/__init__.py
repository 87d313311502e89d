"""The audience: the subscribers database that `send` obeys, the subscription service,
and bounces.

- `addresses`: what a sendable address is, and a display name made safe;
- `database`: where the database is (a URL), the engine, transactions, errors;
- `schema`: the tables (SQLAlchemy Core; one schema for SQLite and PostgreSQL);
- `migrations`: the schema's versions and the steps that upgrade an older database;
- `subscribers`: one subscriber: add, remove, look up, import many; suppression;
- `listing`: the whole list, a page at a time, and its counts;
- `importing`: a CSV list read row by row, every bad row reported with its line;
- `privacy`: what is held about a person, and forgetting them, from the database and
  every send journal;
- `copying`: the whole database into another (moving to PostgreSQL);
- `tokens`: the unsubscribe and confirmation tokens of the service's links;
- `signup`: what the subscription service does to the database;
- `service/`: the subscription service (`subscribers serve`);
- `commands`: what each `newsletter subscribers` command prints;
- `bounces`: `newsletter bounces`: read the mailboxes, apply each message once;
- `mailboxes`: the sources it reads: mbox, Maildir, IMAP over TLS;
- `reports`: one message read: DSN, ARF complaint, SES, other bounces, auto-replies;
- `sent`: whose copy a report is about (VERP tokens, Message-IDs, the send journals);
- `bouncing`: what a bounce or complaint does to a subscriber; the messages remembered.
"""
