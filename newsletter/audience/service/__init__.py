"""The subscription service (`newsletter subscribers serve`):

- `app`: the routes (subscribe, confirm, unsubscribe) of the Starlette application;
- `guards`: the body cap (413), the per-client limit (429), the log line, the last answer;
- `batch`: one-click unsubscribes committed in groups;
- `pages`: the templates of templates/service/ as responses;
- `mail`: the confirmation email, over SMTP with `send`'s options;
- `run`: settings, database, tokens, uvicorn.
"""
